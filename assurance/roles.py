"""Joining and leaving roles: the one write path for memberships and role rows.

Each function writes the role row and changes group membership (and so permissions, see
assurance/permissions.py) in one transaction. Ending a role keeps the row, with `ended_at`, so
the history of who was in which team survives.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assurance import permissions
from assurance.models import (
    CommissionerMembership,
    CommissioningBody,
    Coordinator,
    Membership,
    Network,
    Organisation,
    Service,
    User,
)


class RoleError(Exception):
    """A role change that the rules do not allow; the message is shown to the person."""


@transaction.atomic
def create_network(**fields) -> Network:
    network = Network.objects.create(**fields)
    permissions.setup_network_permissions(network)
    return network


@transaction.atomic
def create_service(*, network: Network, organisation: Organisation, **fields) -> Service:
    service = Service.objects.create(network=network, organisation=organisation, **fields)
    permissions.setup_service_permissions(service)
    return service


@transaction.atomic
def create_commissioning_body(*, network: Network, **fields) -> CommissioningBody:
    body = CommissioningBody.objects.create(network=network, **fields)
    permissions.setup_body_permissions(body)
    return body


@transaction.atomic
def join_service(user: User, service: Service, role: str) -> Membership:
    """Add `user` to the service team in `role`; an existing active membership changes role."""
    if role not in Membership.Role.values:
        raise RoleError(f"Unknown service role: {role}")
    membership = Membership.objects.active().filter(user=user, service=service).first()
    if membership is None:
        membership = Membership.objects.create(user=user, service=service, role=role)
    elif membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    user.groups.add(permissions.service_team(service))
    for group, holds in (
        (permissions.service_leads(service), role == Membership.Role.SERVICE_LEAD),
        (permissions.service_editors(service), role != Membership.Role.LIVED_EXPERIENCE),
    ):
        if holds:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    return membership


@transaction.atomic
def leave_service(membership: Membership) -> None:
    """End a membership and take away the access it gave."""
    if membership.ended_at is not None:
        return
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    user, service = membership.user, membership.service
    user.groups.remove(
        permissions.service_team(service),
        permissions.service_editors(service),
        permissions.service_leads(service),
    )


def remove_member(membership: Membership, *, by: User) -> None:
    """Someone with the right to manage the team removes a member.

    Nobody removes themselves: a lead doing so could leave the team with no one to manage it.
    Another lead or a coordinator does it. The caller has checked `manage_team` already.
    """
    if membership.ended_at is not None:
        raise RoleError(_("%(name)s has already left this team.") % {"name": membership.user})
    if membership.user_id == by.pk:
        raise RoleError(
            _(
                "You cannot remove yourself from a team. Another service lead or a network "
                "coordinator can do it."
            )
        )
    leave_service(membership)


@transaction.atomic
def appoint_coordinator(user: User, network: Network) -> Coordinator:
    role, _ = Coordinator.objects.active().get_or_create(user=user, network=network)
    user.groups.add(permissions.network_coordinators(network), permissions.coordinators_group())
    return role


@transaction.atomic
def end_coordinator(role: Coordinator) -> None:
    if role.ended_at is not None:
        return
    role.ended_at = timezone.now()
    role.save(update_fields=["ended_at"])
    role.user.groups.remove(permissions.network_coordinators(role.network))
    if not Coordinator.objects.active().filter(user=role.user).exists():
        role.user.groups.remove(permissions.coordinators_group())


@transaction.atomic
def join_commissioning_body(user: User, body: CommissioningBody) -> CommissionerMembership:
    role, _ = CommissionerMembership.objects.active().get_or_create(user=user, body=body)
    user.groups.add(permissions.body_commissioners(body))
    return role


@transaction.atomic
def leave_commissioning_body(role: CommissionerMembership) -> None:
    if role.ended_at is not None:
        return
    role.ended_at = timezone.now()
    role.save(update_fields=["ended_at"])
    role.user.groups.remove(permissions.body_commissioners(role.body))
