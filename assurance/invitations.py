"""Invitations: the way every person joins the network.

An invitation names an email address, a role and its target (a service, a commissioning body
or the network itself). The emailed link carries a random token; only its sha256 is stored.
Accepting creates the account, or links the existing one with the same address, and then gives
the role through assurance/roles.py.
"""

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assurance import permissions, roles
from assurance.models import (
    CommissionerMembership,
    CommissioningBody,
    Coordinator,
    Invitation,
    Membership,
    Network,
    Service,
    User,
)

Role = Invitation.Role
# The roles a service lead may give in their own service: never one above their own.
ROLES_A_LEAD_MAY_GIVE = (Role.STAFF, Role.LIVED_EXPERIENCE)


class InvitationError(Exception):
    """An invitation that cannot be sent or accepted; the message is shown to the person."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def roles_user_may_give(user: User, *, network: Network, service: Service | None) -> list[str]:
    """The roles `user` may invite people to, for the given target."""
    if permissions.can(user, "assurance.change_network", network):
        return list(Role.values) if service is None else list(Invitation.SERVICE_ROLES)
    if service is not None and permissions.can(user, "assurance.manage_team", service):
        return list(ROLES_A_LEAD_MAY_GIVE)
    return []


def _check_may_invite(
    user: User, role: str, network: Network, service: Service | None, body
) -> None:
    if role in Invitation.SERVICE_ROLES:
        if service is None:
            raise InvitationError(_("Choose the service to invite this person to."))
        allowed = roles_user_may_give(user, network=network, service=service)
    else:
        if role == Role.COMMISSIONER and body is None:
            raise InvitationError(_("Choose the commissioning body to invite this person to."))
        allowed = roles_user_may_give(user, network=network, service=None)
    if role not in allowed:
        raise PermissionDenied(_("You cannot invite people to this role."))


def _already_has_role(email: str, role: str, network: Network, service, body) -> bool:
    if role in Invitation.SERVICE_ROLES:
        return Membership.objects.active().filter(user__email=email, service=service).exists()
    if role == Role.COORDINATOR:
        return Coordinator.objects.active().filter(user__email=email, network=network).exists()
    return CommissionerMembership.objects.active().filter(user__email=email, body=body).exists()


@transaction.atomic
def invite(
    *,
    invited_by: User,
    email: str,
    role: str,
    network: Network,
    service: Service | None = None,
    body: CommissioningBody | None = None,
) -> Invitation:
    """Send (or re-send) an invitation. A pending one for the same person and target is merged."""
    email = email.strip().lower()
    if service is not None:
        network = service.network
    if body is not None:
        network = body.network
    _check_may_invite(invited_by, role, network, service, body)
    if role in Invitation.SERVICE_ROLES:
        body = None
    elif role == Role.COORDINATOR:
        service = body = None
    else:
        service = None
    if _already_has_role(email, role, network, service, body):
        if role in Invitation.SERVICE_ROLES:
            message = _("%(email)s is already in this team.")
        elif role == Role.COORDINATOR:
            message = _("%(email)s already coordinates this network.")
        else:
            message = _("%(email)s already reads for this commissioning body.")
        raise InvitationError(message % {"email": email})
    now = timezone.now()
    invitation = (
        Invitation.objects.select_for_update()
        .filter(
            email=email,
            network=network,
            service=service,
            body=body,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
        .first()
    )
    token = secrets.token_urlsafe(32)
    if invitation is None:
        invitation = Invitation(
            email=email, network=network, service=service, body=body, invited_by=invited_by
        )
    invitation.role = role
    invitation.token_sha256 = _hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation.save()
    transaction.on_commit(lambda: _send(invitation, token))
    return invitation


@transaction.atomic
def resend(invitation: Invitation, *, by: User) -> Invitation:
    if invitation.accepted_at or invitation.revoked_at:
        raise InvitationError(_("This invitation has been used or withdrawn."))
    return invite(
        invited_by=by,
        email=invitation.email,
        role=invitation.role,
        network=invitation.network,
        service=invitation.service,
        body=invitation.body,
    )


def revoke(invitation: Invitation, *, by: User) -> None:
    _check_may_invite(by, invitation.role, invitation.network, invitation.service, invitation.body)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


def find(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("network", "service", "body", "invited_by")
        .filter(token_sha256=_hash(token))
        .first()
    )


def problem_with(invitation: Invitation) -> str | None:
    """Why this invitation cannot be accepted now, in plain words; None if it can."""
    if invitation.revoked_at:
        return _("This invitation was withdrawn. Ask the person who invited you for a new one.")
    if invitation.accepted_at:
        return _("This invitation has already been used. Sign in to continue.")
    if invitation.expires_at <= timezone.now():
        return _("This invitation has expired. Ask the person who invited you to send it again.")
    return None


@transaction.atomic
def accept(invitation: Invitation, user: User):
    """Give `user` the invited role. The address must be the one the invitation went to."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    problem = problem_with(invitation)
    if problem:
        raise InvitationError(problem)
    if user.email.lower() != invitation.email:
        raise InvitationError(
            _(
                "This invitation is for %(invited)s, but you are signed in as %(current)s. "
                "Sign out and open the link again."
            )
            % {"invited": invitation.email, "current": user.email}
        )
    # Following the emailed link proves the address belongs to this person.
    EmailAddress.objects.update_or_create(
        user=user, email=invitation.email, defaults={"verified": True, "primary": True}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if invitation.role in Invitation.SERVICE_ROLES:
        return roles.join_service(user, invitation.service, invitation.role)
    if invitation.role == Role.COORDINATOR:
        return roles.appoint_coordinator(user, invitation.network)
    return roles.join_commissioning_body(user, invitation.body)


def create_account_and_accept(invitation: Invitation, *, name: str, password: str) -> User:
    """For a person with no account yet: create it from the invitation, then accept."""
    with transaction.atomic():
        if User.objects.filter(email=invitation.email).exists():
            raise InvitationError(
                _("An account with this email address already exists. Sign in to accept.")
            )
        user = User.objects.create_user(email=invitation.email, password=password, name=name)
        accept(invitation, user)
    return user


def _send(invitation: Invitation, token: str) -> None:
    link = settings.SITE_URL.rstrip("/") + reverse("invitation_accept", args=[token])
    context = {"invitation": invitation, "link": link, "days": settings.INVITATION_VALID_DAYS}
    send_mail(
        subject=_("You are invited to join %(target)s on Relational Assurance")
        % {"target": invitation.target},
        message=render_to_string("assurance/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
