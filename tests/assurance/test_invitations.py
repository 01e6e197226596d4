"""Invitations: sending, merging, refusing, accepting, expiring and withdrawing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from assurance import invitations, permissions
from assurance.invitations import InvitationError
from assurance.models import Invitation, Membership, User
from tests.factories import UserFactory


def token_from(message) -> str:
    link = next(line for line in message.body.splitlines() if "/invitations/" in line)
    return link.rstrip("/").rsplit("/", 1)[-1]


def test_coordinator_invites_a_service_lead_and_the_email_carries_a_link(
    coordinator, service, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invite(
            invited_by=coordinator,
            email="New.Lead@Example.org",
            role="service_lead",
            network=service.network,
            service=service,
        )

    assert invitation.email == "new.lead@example.org"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.lead@example.org"]
    assert "Willow House" in mail.outbox[0].subject
    assert invitations.find(token_from(mail.outbox[0])) == invitation


def test_token_is_stored_only_as_a_hash(coordinator, service, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invite(
            invited_by=coordinator,
            email="a@example.org",
            role="staff",
            network=service.network,
            service=service,
        )

    token = token_from(mail.outbox[0])
    assert token not in invitation.token_sha256
    assert len(invitation.token_sha256) == 64


def test_duplicate_invitations_are_merged(coordinator, service, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = invitations.invite(
            invited_by=coordinator,
            email="a@example.org",
            role="staff",
            network=service.network,
            service=service,
        )
        second = invitations.invite(
            invited_by=coordinator,
            email="A@example.org",
            role="lived_experience",
            network=service.network,
            service=service,
        )

    assert first.pk == second.pk
    assert Invitation.objects.count() == 1
    assert Invitation.objects.get().role == "lived_experience"
    # Only the newest link works.
    assert invitations.find(token_from(mail.outbox[0])) is None
    assert invitations.find(token_from(mail.outbox[1])) == second


def test_inviting_an_existing_member_is_refused(coordinator, service, staff):
    with pytest.raises(InvitationError, match="is already in this team"):
        invitations.invite(
            invited_by=coordinator,
            email=staff.email,
            role="staff",
            network=service.network,
            service=service,
        )


def test_service_lead_may_invite_staff_and_lived_experience_only(service, service_lead):
    assert invitations.roles_user_may_give(
        service_lead, network=service.network, service=service
    ) == ["staff", "lived_experience"]
    with pytest.raises(PermissionDenied):
        invitations.invite(
            invited_by=service_lead,
            email="boss@example.org",
            role="service_lead",
            network=service.network,
            service=service,
        )


def test_service_lead_cannot_invite_to_another_service(service_lead, other_service):
    with pytest.raises(PermissionDenied):
        invitations.invite(
            invited_by=service_lead,
            email="x@example.org",
            role="staff",
            network=other_service.network,
            service=other_service,
        )


def test_staff_cannot_invite_anyone(service, staff):
    with pytest.raises(PermissionDenied):
        invitations.invite(
            invited_by=staff,
            email="x@example.org",
            role="staff",
            network=service.network,
            service=service,
        )


def test_coordinator_cannot_invite_into_another_network(coordinator, other_network):
    with pytest.raises(PermissionDenied):
        invitations.invite(
            invited_by=coordinator,
            email="x@example.org",
            role="coordinator",
            network=other_network,
        )


def test_accepting_gives_the_role_and_its_access(coordinator, service):
    invitation = invitations.invite(
        invited_by=coordinator,
        email="new@example.org",
        role="staff",
        network=service.network,
        service=service,
    )
    person = UserFactory(email="new@example.org")

    membership = invitations.accept(invitation, person)

    assert membership.role == Membership.Role.STAFF
    assert permissions.can(person, "assurance.view_service", service)
    invitation.refresh_from_db()
    assert invitation.accepted_by == person
    assert person.emailaddress_set.get().verified


def test_accepting_twice_is_refused(coordinator, service):
    invitation = invitations.invite(
        invited_by=coordinator,
        email="new@example.org",
        role="staff",
        network=service.network,
        service=service,
    )
    person = UserFactory(email="new@example.org")
    invitations.accept(invitation, person)

    with pytest.raises(InvitationError, match="already been used"):
        invitations.accept(invitation, person)


def test_expired_invitation_is_refused(coordinator, service):
    invitation = invitations.invite(
        invited_by=coordinator,
        email="new@example.org",
        role="staff",
        network=service.network,
        service=service,
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    with pytest.raises(InvitationError, match="expired"):
        invitations.accept(invitation, UserFactory(email="new@example.org"))


def test_revoked_invitation_is_refused(coordinator, service):
    invitation = invitations.invite(
        invited_by=coordinator,
        email="new@example.org",
        role="staff",
        network=service.network,
        service=service,
    )
    invitations.revoke(invitation, by=coordinator)

    with pytest.raises(InvitationError, match="withdrawn"):
        invitations.accept(invitation, UserFactory(email="new@example.org"))


def test_accepting_with_a_different_account_is_refused(coordinator, service, outsider):
    invitation = invitations.invite(
        invited_by=coordinator,
        email="new@example.org",
        role="staff",
        network=service.network,
        service=service,
    )

    with pytest.raises(InvitationError, match=r"signed in as outsider@example\.org"):
        invitations.accept(invitation, outsider)
    assert not permissions.can(outsider, "assurance.view_service", service)


def test_create_account_and_accept_for_a_new_person(coordinator, body):
    invitation = invitations.invite(
        invited_by=coordinator,
        email="reader@icb.example",
        role="commissioner",
        network=body.network,
        body=body,
    )

    person = invitations.create_account_and_accept(
        invitation, name="Rita Reader", password="a long enough password"
    )

    assert person.check_password("a long enough password")
    assert permissions.can(person, "assurance.view_commissioningbody", body)


def test_coordinator_invitation_makes_a_coordinator(coordinator, network, service):
    invitation = invitations.invite(
        invited_by=coordinator, email="second@example.org", role="coordinator", network=network
    )

    invitations.accept(invitation, UserFactory(email="second@example.org"))

    person = User.objects.get(email="second@example.org")
    assert permissions.is_coordinator(person)
    assert person.has_perm("standards.import_framework")
    assert permissions.can(person, "assurance.change_service", service)


def test_commissioner_invitation_needs_a_body(coordinator, network):
    with pytest.raises(InvitationError, match="commissioning body"):
        invitations.invite(
            invited_by=coordinator, email="x@example.org", role="commissioner", network=network
        )
