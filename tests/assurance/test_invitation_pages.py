"""Following an invitation link: every path a person can arrive by, and every dead end."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from assurance import invitations, permissions
from assurance.models import Invitation, Membership, User
from tests.factories import UserFactory


@pytest.fixture
def link(coordinator, service, django_capture_on_commit_callbacks):
    """The path of a fresh invitation for new@example.org to join `service` as staff."""
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite(
            invited_by=coordinator,
            email="new@example.org",
            role="staff",
            network=service.network,
            service=service,
        )
    url = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line)
    return url.replace("http://127.0.0.1:8000", "")


def test_new_person_sees_who_invited_them_and_a_create_account_form(client, link, coordinator):
    content = client.get(link).content.decode()

    assert "Accept your invitation" in content
    assert "Willow House" in content
    assert "Staff contributor" in content
    assert 'name="password1"' in content
    assert "Sign up" not in content


def test_new_person_creates_an_account_and_joins(client, link, service):
    response = client.post(
        link,
        {"name": "Nia New", "password1": "a long quiet river", "password2": "a long quiet river"},
        follow=True,
    )

    person = User.objects.get(email="new@example.org")
    assert response.redirect_chain[-1][0] == "/"
    assert "You have joined Willow House" in response.content.decode().replace("\n", " ")
    assert Membership.objects.active().get(user=person).role == "staff"
    assert permissions.can(person, "assurance.view_service", service)
    assert response.context["user"] == person


def test_mismatched_passwords_keep_the_name_and_create_nothing(client, link):
    response = client.post(
        link, {"name": "Nia New", "password1": "a long quiet river", "password2": "different"}
    )

    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert "The two passwords do not match." in content
    assert 'value="Nia New"' in content
    assert not User.objects.filter(email="new@example.org").exists()


def test_a_weak_password_is_refused(client, link):
    response = client.post(link, {"name": "Nia", "password1": "password", "password2": "password"})

    assert "govuk-error-summary" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_existing_account_is_asked_to_sign_in_and_comes_back(client, link):
    UserFactory(email="new@example.org")

    content = client.get(link).content.decode()

    assert "Sign in to accept" in content
    assert f"next={link.replace('/', '%2F')}" in content


def test_signed_in_invitee_accepts_with_one_button(client, link, service):
    person = UserFactory(email="new@example.org")
    client.force_login(person)

    confirm = client.get(link).content.decode()
    response = client.post(link)

    assert "Accept invitation" in confirm
    assert response.status_code == 302
    assert permissions.can(person, "assurance.view_service", service)


def test_signed_in_as_someone_else_is_told_clearly(client, link, outsider, service):
    client.force_login(outsider)

    response = client.post(link)

    assert response.status_code == 409
    assert "signed in as outsider@example.org" in response.content.decode()
    assert not permissions.can(outsider, "assurance.view_service", service)


def test_used_link_gets_a_clear_page(client, link):
    client.post(
        link, {"name": "Nia", "password1": "a long quiet river", "password2": "a long quiet river"}
    )
    client.logout()

    response = client.get(link)

    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_expired_link_gets_a_clear_page(client, link):
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client.get(link)

    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_withdrawn_link_gets_a_clear_page(client, link, coordinator):
    invitations.revoke(Invitation.objects.get(), by=coordinator)

    response = client.get(link)

    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_tampered_link_is_not_found(client, link):
    response = client.get(link[:-3] + "abc/")

    assert response.status_code == 404
