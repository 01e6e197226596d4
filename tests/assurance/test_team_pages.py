"""Service and team pages: the service page, changing it, inviting to it, removing members."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance import invitations, permissions, roles
from assurance.models import Invitation, Membership, Service
from tests.factories import UserFactory


def page(response) -> str:
    return response.content.decode()


def detail_url(service) -> str:
    return reverse("service_detail", args=[service.pk])


def invite_url(service) -> str:
    return reverse("service_invite", args=[service.pk])


def edit_url(service) -> str:
    return reverse("service_edit", args=[service.pk])


def remove_url(membership) -> str:
    return reverse("membership_deactivate", args=[membership.pk])


def membership_of(person, service) -> Membership:
    return Membership.objects.get(user=person, service=service)


@pytest.fixture
def elsewhere_coordinator(other_network):
    person = UserFactory(email="elsewhere@example.org")
    roles.appoint_coordinator(person, other_network)
    return person


# The service page ---------------------------------------------------------------------------


def test_service_page_shows_details_team_and_invite_form_to_coordinator(
    client, coordinator, service, service_lead, staff, lived_experience
):
    client.force_login(coordinator)

    response = client.get(detail_url(service))

    content = page(response)
    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert "Willow House" in content
    assert "Riverside Care Trust" in content
    assert "lead@example.org" in content
    assert "Contributor with lived experience" in content
    assert "Invite someone to the team" in content
    assert remove_url(membership_of(staff, service)) in content
    assert edit_url(service) in content


def test_service_page_offers_lead_the_roles_a_lead_may_give(client, service_lead, service, staff):
    client.force_login(service_lead)

    response = client.get(detail_url(service))

    content = page(response)
    assert response.status_code == 200
    assert 'value="staff"' in content
    assert 'value="lived_experience"' in content
    assert 'value="service_lead"' not in content
    assert "Your network coordinator invites service leads." in content
    assert remove_url(membership_of(staff, service)) in content
    # A lead is not offered the removal of their own membership.
    assert remove_url(membership_of(service_lead, service)) not in content


def test_service_page_shows_staff_the_team_without_roles_emails_or_controls(
    client, staff, service, service_lead, lived_experience
):
    client.force_login(staff)

    response = client.get(detail_url(service))

    content = page(response)
    assert response.status_code == 200
    assert service_lead.name in content
    assert "Service lead" in content
    assert "Team member" in content
    # Lived experience is shown only with consent, so colleagues do not see it.
    assert "Contributor with lived experience" not in content
    assert "voice@example.org" not in content
    assert "Invite someone" not in content
    assert "Remove from team" not in content
    assert edit_url(service) not in content


def test_service_page_is_404_for_outsider(client, outsider, service):
    client.force_login(outsider)

    assert client.get(detail_url(service)).status_code == 404


def test_service_page_is_404_for_commissioner(client, commissioner, service):
    client.force_login(commissioner)

    assert client.get(detail_url(service)).status_code == 404


def test_service_page_is_404_for_coordinator_of_another_network(
    client, elsewhere_coordinator, service
):
    client.force_login(elsewhere_coordinator)

    assert client.get(detail_url(service)).status_code == 404


def test_service_page_of_another_service_is_404_for_lead(client, service_lead, other_service):
    client.force_login(service_lead)

    assert client.get(detail_url(other_service)).status_code == 404


def test_service_page_of_unknown_id_is_404(client, coordinator, service):
    client.force_login(coordinator)

    assert client.get(reverse("service_detail", args=[service.pk + 999])).status_code == 404


def test_service_page_requires_sign_in(client, service):
    response = client.get(detail_url(service))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_service_page_empty_team_explains_how_people_join(client, coordinator, service):
    client.force_login(coordinator)

    response = client.get(detail_url(service))

    assert "No one has joined this team yet." in page(response)


def test_service_page_lists_invitations_waiting_for_managers_only(
    client, coordinator, service, staff
):
    invitations.invite(
        invited_by=coordinator,
        email="waiting@example.org",
        role="staff",
        network=service.network,
        service=service,
    )
    client.force_login(coordinator)

    managed = page(client.get(detail_url(service)))
    client.force_login(staff)
    seen_by_staff = page(client.get(detail_url(service)))

    assert "waiting@example.org" in managed
    assert "Invitations waiting for a reply" in managed
    assert "waiting@example.org" not in seen_by_staff


def test_service_page_query_count_does_not_grow_with_team_and_invitations(
    client, coordinator, service
):
    def add_people(start: int, end: int) -> None:
        for index in range(start, end):
            roles.join_service(UserFactory(), service, Membership.Role.STAFF)
            invitations.invite(
                invited_by=coordinator,
                email=f"invitee{index}@example.org",
                role="staff",
                network=service.network,
                service=service,
            )

    def queries() -> int:
        client.get(detail_url(service))  # warm up
        with CaptureQueriesContext(connection) as captured:
            response = client.get(detail_url(service))
        assert response.status_code == 200
        return len(captured)

    client.force_login(coordinator)
    add_people(0, 2)
    small = queries()
    add_people(2, 12)
    large = queries()

    assert Membership.objects.filter(service=service).count() == 12
    assert small == large


# Changing a service -------------------------------------------------------------------------


def test_service_edit_by_coordinator_saves_every_detail(client, coordinator, service):
    client.force_login(coordinator)

    response = client.post(
        edit_url(service),
        {
            "organisation": service.organisation.pk,
            "name": "Willow House Community",
            "setting_type": Service.SettingType.THERAPEUTIC_COMMUNITY,
            "region": "north_west",
            "population": "Adults in recovery",
            "capacity": "18",
            "description": "We live and work together.",
            "active": "on",
        },
    )

    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "Willow House Community"
    assert service.capacity == 18
    assert service.setting_type == Service.SettingType.THERAPEUTIC_COMMUNITY


def test_service_edit_with_errors_shows_summary_and_saves_nothing(client, coordinator, service):
    client.force_login(coordinator)

    response = client.post(
        edit_url(service),
        {
            "organisation": service.organisation.pk,
            "name": "",
            "setting_type": "castle",
            "region": "london",
            "capacity": "-3",
        },
    )

    content = page(response)
    assert response.status_code == 200
    assert "<title>Error: Change Willow House" in content
    assert "There is a problem" in content
    assert 'href="#id_name"' in content
    service.refresh_from_db()
    assert service.name == "Willow House"


def test_service_edit_refuses_a_name_the_organisation_already_uses(
    client, coordinator, service, network
):
    roles.create_service(
        network=network,
        organisation=service.organisation,
        name="Birch Lodge",
        setting_type="hostel",
        region="london",
    )
    client.force_login(coordinator)

    response = client.post(
        edit_url(service),
        {
            "organisation": service.organisation.pk,
            "name": "Birch Lodge",
            "setting_type": "hostel",
            "region": "london",
            "active": "on",
        },
    )

    assert response.status_code == 200
    assert "This organisation already runs a service with this name." in page(response)
    service.refresh_from_db()
    assert service.name == "Willow House"


def test_service_edit_by_lead_changes_only_how_the_service_describes_itself(
    client, service_lead, service
):
    client.force_login(service_lead)

    form_page = page(client.get(edit_url(service)))
    response = client.post(
        edit_url(service),
        {
            "description": "A small community in our own words.",
            "population": "Young men on licence",
            "capacity": "12",
            "name": "Renamed by the lead",
            "active": "",
        },
    )

    assert 'name="organisation"' not in form_page
    assert 'name="description"' in form_page
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.description == "A small community in our own words."
    assert service.capacity == 12
    assert service.name == "Willow House"
    assert service.active is True


def test_service_edit_is_403_for_staff(client, staff, service):
    client.force_login(staff)

    assert client.get(edit_url(service)).status_code == 403
    assert client.post(edit_url(service), {"description": "x"}).status_code == 403


def test_service_edit_is_404_for_outsider(client, outsider, service):
    client.force_login(outsider)

    assert client.get(edit_url(service)).status_code == 404


def test_service_edit_is_404_for_coordinator_of_another_network(
    client, elsewhere_coordinator, service
):
    client.force_login(elsewhere_coordinator)

    assert client.get(edit_url(service)).status_code == 404


# Inviting to a service ----------------------------------------------------------------------


def test_service_invite_by_lead_sends_a_staff_invitation(
    client, service_lead, service, django_capture_on_commit_callbacks
):
    client.force_login(service_lead)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            invite_url(service), {"email": "New.Person@Example.org", "role": "staff"}
        )

    assert response.status_code == 302
    assert response["Location"] == detail_url(service)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.service) == (
        "new.person@example.org",
        "staff",
        service,
    )
    assert mail.outbox[0].to == ["new.person@example.org"]
    followed = page(client.get(response["Location"]))
    assert "We sent an invitation to new.person@example.org" in followed


def test_service_invite_page_offers_lead_two_roles(client, service_lead, service):
    client.force_login(service_lead)

    response = client.get(invite_url(service))

    content = page(response)
    assert response.status_code == 200
    assert "<title>Invite someone to Willow House" in content
    assert 'value="staff"' in content
    assert 'value="service_lead"' not in content


def test_service_invite_by_lead_as_service_lead_is_a_form_error(client, service_lead, service):
    client.force_login(service_lead)

    response = client.post(
        invite_url(service), {"email": "boss@example.org", "role": "service_lead"}
    )

    content = page(response)
    assert response.status_code == 200
    assert "<title>Error:" in content
    assert "Select a valid choice" in content
    assert Invitation.objects.count() == 0


def test_service_invite_by_coordinator_may_invite_a_service_lead(client, coordinator, service):
    client.force_login(coordinator)

    response = client.post(
        invite_url(service), {"email": "lead2@example.org", "role": "service_lead"}
    )

    assert response.status_code == 302
    assert Invitation.objects.get().role == "service_lead"


def test_service_invite_to_another_service_is_404_for_lead(client, service_lead, other_service):
    client.force_login(service_lead)

    response = client.post(invite_url(other_service), {"email": "x@example.org", "role": "staff"})

    assert response.status_code == 404
    assert Invitation.objects.count() == 0


def test_service_invite_is_403_for_staff(client, staff, service):
    client.force_login(staff)

    assert client.get(invite_url(service)).status_code == 403
    response = client.post(invite_url(service), {"email": "x@example.org", "role": "staff"})
    assert response.status_code == 403
    assert Invitation.objects.count() == 0


def test_service_invite_is_404_for_outsider(client, outsider, service):
    client.force_login(outsider)

    assert (
        client.post(invite_url(service), {"email": "x@example.org", "role": "staff"}).status_code
        == 404
    )


def test_service_invite_twice_merges_and_says_a_new_link_was_sent(client, service_lead, service):
    client.force_login(service_lead)
    client.post(invite_url(service), {"email": "twice@example.org", "role": "staff"})

    response = client.post(
        invite_url(service),
        {"email": "twice@example.org", "role": "lived_experience"},
        follow=True,
    )

    assert Invitation.objects.count() == 1
    assert Invitation.objects.get().role == "lived_experience"
    assert "We sent a new invitation link" in page(response)


def test_service_invite_of_an_existing_member_is_refused_and_keeps_the_answers(
    client, service_lead, service, staff
):
    client.force_login(service_lead)

    response = client.post(invite_url(service), {"email": staff.email, "role": "lived_experience"})

    content = page(response)
    assert response.status_code == 200
    assert "There is a problem" in content
    assert "staff@example.org is already in this team." in content
    assert 'value="staff@example.org"' in content
    assert re.search(r'value="lived_experience"[^>]*checked', content)
    assert Invitation.objects.count() == 0


def test_service_invite_with_a_bad_email_is_a_form_error(client, service_lead, service):
    client.force_login(service_lead)

    response = client.post(invite_url(service), {"email": "not an email", "role": "staff"})

    assert 'href="#id_email"' in page(response)
    assert Invitation.objects.count() == 0


# Removing someone from a team ---------------------------------------------------------------


def test_remove_page_asks_for_confirmation(client, coordinator, service, staff):
    client.force_login(coordinator)

    response = client.get(remove_url(membership_of(staff, service)))

    content = page(response)
    assert response.status_code == 200
    assert f"Remove {staff.name} from the team?" in content.replace("&#x27;", "'")
    assert "Remove from team" in content
    assert membership_of(staff, service).is_active


def test_remove_by_coordinator_ends_the_membership_and_its_access(
    client, coordinator, service, staff
):
    client.force_login(coordinator)

    response = client.post(remove_url(membership_of(staff, service)), follow=True)

    assert response.redirect_chain[-1][0] == detail_url(service)
    assert "has been removed from the Willow House team" in page(response)
    assert not membership_of(staff, service).is_active
    assert not permissions.can(staff, "assurance.view_service", service)


def test_remove_by_lead_of_a_staff_member_of_their_service(client, service_lead, service, staff):
    client.force_login(service_lead)

    response = client.post(remove_url(membership_of(staff, service)))

    assert response.status_code == 302
    assert not membership_of(staff, service).is_active


def test_remove_by_staff_is_403(client, staff, service, lived_experience):
    membership = membership_of(lived_experience, service)
    client.force_login(staff)

    assert client.get(remove_url(membership)).status_code == 403
    assert client.post(remove_url(membership)).status_code == 403
    assert membership_of(lived_experience, service).is_active


def test_remove_is_404_for_outsider_and_other_network(
    client, outsider, elsewhere_coordinator, service, staff
):
    membership = membership_of(staff, service)

    client.force_login(outsider)
    outsider_status = client.post(remove_url(membership)).status_code
    client.force_login(elsewhere_coordinator)
    elsewhere_status = client.post(remove_url(membership)).status_code

    assert (outsider_status, elsewhere_status) == (404, 404)
    assert membership_of(staff, service).is_active


def test_remove_from_another_service_is_404_for_lead(client, service_lead, other_service):
    member = UserFactory()
    membership = roles.join_service(member, other_service, Membership.Role.STAFF)
    client.force_login(service_lead)

    assert client.post(remove_url(membership)).status_code == 404
    membership.refresh_from_db()
    assert membership.is_active


def test_remove_of_self_is_refused_with_the_reason(client, service_lead, service):
    membership = membership_of(service_lead, service)
    client.force_login(service_lead)

    shown = client.get(remove_url(membership))
    posted = client.post(remove_url(membership))

    assert shown.status_code == 200
    assert "You cannot remove yourself from the team" in page(shown)
    assert "Remove from team</button>" not in page(shown)
    assert posted.status_code == 403
    assert "ask your network coordinator or another service lead" in page(posted)
    assert membership_of(service_lead, service).is_active


def test_remove_of_the_only_lead_warns_the_coordinator(client, coordinator, service, service_lead):
    client.force_login(coordinator)

    response = client.get(remove_url(membership_of(service_lead, service)))

    assert "the team's only service lead" in page(response)


def test_remove_returns_to_a_safe_next_page_only(
    client, coordinator, service, staff, lived_experience
):
    client.force_login(coordinator)
    people = reverse("membership_list") + "?role=staff"

    to_list = client.post(remove_url(membership_of(staff, service)), {"next": people})
    to_elsewhere = client.post(
        remove_url(membership_of(lived_experience, service)), {"next": "https://evil.example/"}
    )

    assert to_list["Location"] == people
    assert to_elsewhere["Location"] == detail_url(service)


def test_remove_of_someone_who_already_left_says_so(client, coordinator, service, staff):
    membership = membership_of(staff, service)
    roles.leave_service(membership)
    client.force_login(coordinator)

    response = client.post(remove_url(membership), follow=True)

    assert "had already left Willow House" in page(response)


def test_remove_requires_sign_in(client, service, staff):
    response = client.post(remove_url(membership_of(staff, service)))

    assert response.status_code == 302
    assert membership_of(staff, service).is_active


def test_expired_invitations_are_not_listed_as_waiting(client, coordinator, service):
    invitation = invitations.invite(
        invited_by=coordinator,
        email="late@example.org",
        role="staff",
        network=service.network,
        service=service,
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(coordinator)

    assert "late@example.org" not in page(client.get(detail_url(service)))


def test_team_page_shows_each_person_their_own_role_but_not_others(
    client, service, staff, lived_experience
):
    client.force_login(lived_experience)
    as_voice = client.get(reverse("service_detail", args=[service.pk])).content.decode()
    client.force_login(staff)
    as_staff = client.get(reverse("service_detail", args=[service.pk])).content.decode()

    assert "Contributor with lived experience" in as_voice
    assert "Contributor with lived experience" not in as_staff
    assert lived_experience.email not in as_staff
