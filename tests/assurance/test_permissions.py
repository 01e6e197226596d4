"""The policy: who sees which service, body and network, and how roles change that."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assurance import permissions, roles
from assurance.models import CommissioningBody, Membership, Service
from tests.factories import ServiceFactory


def visible_services(user):
    return set(permissions.objects_for_user(user, "assurance.view_service", Service.objects.all()))


def test_team_members_see_only_their_own_service(service, other_service, staff, lived_experience):
    assert visible_services(staff) == {service}
    assert visible_services(lived_experience) == {service}


def test_coordinator_sees_every_service_of_their_network_only(
    coordinator, service, other_service, other_network
):
    elsewhere = ServiceFactory(network=other_network)

    assert visible_services(coordinator) == {service, other_service}
    assert elsewhere not in visible_services(coordinator)


def test_service_created_later_is_visible_to_existing_coordinators(coordinator, network):
    new = ServiceFactory(network=network)

    assert new in visible_services(coordinator)


def test_outsider_and_commissioner_see_no_services(outsider, commissioner, service):
    assert visible_services(outsider) == set()
    assert visible_services(commissioner) == set()


def test_superuser_sees_everything_in_lists_and_checks_alike(service, other_service):
    from tests.factories import UserFactory

    admin = UserFactory(is_superuser=True, is_staff=True)

    assert visible_services(admin) == {service, other_service}
    assert permissions.can(admin, "assurance.change_service", service)


def test_only_leads_and_coordinators_manage_the_team(service, service_lead, staff, coordinator):
    assert permissions.can(service_lead, "assurance.manage_team", service)
    assert permissions.can(coordinator, "assurance.manage_team", service)
    assert not permissions.can(staff, "assurance.manage_team", service)


def test_get_service_for_user_is_404_when_invisible(other_service, staff):
    with pytest.raises(Http404):
        permissions.get_service_for_user(staff, other_service.pk)


def test_get_service_for_user_is_403_when_visible_but_not_allowed(service, staff):
    with pytest.raises(PermissionDenied):
        permissions.get_service_for_user(staff, service.pk, "assurance.change_service")


def test_get_service_for_user_returns_the_service_when_allowed(service, service_lead):
    assert (
        permissions.get_service_for_user(service_lead, service.pk, "assurance.change_service")
        == service
    )


def test_get_object_for_user_treats_a_malformed_id_as_missing(staff):
    with pytest.raises(Http404):
        permissions.get_service_for_user(staff, "not-a-number")


def test_leaving_a_service_takes_access_away(service, staff):
    membership = Membership.objects.get(user=staff, service=service)

    roles.leave_service(membership)

    assert visible_services(staff) == set()
    membership.refresh_from_db()
    assert membership.ended_at is not None


def test_a_lead_who_becomes_staff_loses_team_management(service, service_lead):
    roles.join_service(service_lead, service, Membership.Role.STAFF)

    assert permissions.can(service_lead, "assurance.view_service", service)
    assert not permissions.can(service_lead, "assurance.manage_team", service)
    assert Membership.objects.active().filter(user=service_lead).count() == 1


def test_ending_a_coordinator_role_takes_network_access_away(coordinator, service):
    role = coordinator.coordinator_roles.get()

    roles.end_coordinator(role)

    assert visible_services(coordinator) == set()
    assert not coordinator.has_perm("standards.import_framework")


def test_commissioner_sees_their_body_only(commissioner, body, network):
    from tests.factories import CommissioningBodyFactory

    other = CommissioningBodyFactory(network=network)
    visible = permissions.objects_for_user(
        commissioner, "assurance.view_commissioningbody", CommissioningBody.objects.all()
    )

    assert set(visible) == {body}
    assert other not in visible


def test_inactive_user_has_no_access(service, staff):
    staff.is_active = False
    staff.save()

    assert not permissions.can(staff, "assurance.view_service", service)


@pytest.mark.parametrize(
    "perm", ["assurance.view_service", "assurance.change_service", "assurance.manage_team"]
)
def test_lists_hold_the_same_objects_as_guardians_own_query(
    perm, service, other_service, service_lead, staff, coordinator, commissioner, outsider
):
    from guardian.shortcuts import assign_perm, get_objects_for_user

    assign_perm(perm, outsider, other_service)  # held by the person, not through a group
    for person in (service_lead, staff, coordinator, commissioner, outsider):
        ours = permissions.objects_for_user(person, perm, Service.objects.all())
        guardians = get_objects_for_user(
            person, perm, klass=Service.objects.all(), accept_global_perms=False
        )

        assert set(ours) == set(guardians), (person, perm)
    assert set(permissions.objects_for_user(outsider, perm, Service.objects.all())) == {
        other_service
    }


def test_a_superuser_lists_everything(service, other_service):
    from tests.factories import UserFactory

    root = UserFactory(is_superuser=True)

    assert visible_services(root) == {service, other_service}


def test_a_permission_of_another_app_is_refused(service, staff):
    with pytest.raises(ValueError, match=r"not a permission on assurance\.Service"):
        permissions.objects_for_user(staff, "reviews.view_review", Service.objects.all())
