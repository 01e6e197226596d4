"""Coordinator pages: organisations, services, commissioning bodies, people and invitations."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance import invitations, permissions, roles
from assurance.models import (
    CommissioningBody,
    Invitation,
    Membership,
    Organisation,
    Service,
)
from tests.factories import (
    CommissioningBodyFactory,
    NetworkFactory,
    OrganisationFactory,
    ServiceFactory,
    UserFactory,
)


def page(response) -> str:
    return response.content.decode()


def queries_for(client, url: str) -> int:
    """The number of queries one view of `url` makes, after a warm-up view."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def elsewhere_coordinator(other_network):
    person = UserFactory(email="elsewhere@example.org")
    roles.appoint_coordinator(person, other_network)
    return person


@pytest.fixture
def elsewhere_service(other_network):
    return ServiceFactory(network=other_network, name="Distant Hostel")


def invite_staff(coordinator, service, email: str) -> Invitation:
    return invitations.invite(
        invited_by=coordinator, email=email, role="staff", network=service.network, service=service
    )


# Navigation ---------------------------------------------------------------------------------


def test_navigation_shows_coordinator_pages_to_coordinators_only(client, coordinator, service_lead):
    client.force_login(coordinator)
    as_coordinator = page(client.get(reverse("home")))
    client.force_login(service_lead)
    as_lead = page(client.get(reverse("home")))

    for url in ("service_list", "organisation_list", "body_list", "membership_list"):
        assert f'href="{reverse(url)}"' in as_coordinator
        assert f'href="{reverse(url)}"' not in as_lead


@pytest.fixture
def every_page(service, body, staff, organisation, coordinator) -> list[str]:
    invitation = invite_staff(coordinator, service, "waiting@example.org")
    return [
        reverse("organisation_list"),
        reverse("organisation_create"),
        reverse("organisation_edit", args=[organisation.pk]),
        reverse("service_list"),
        reverse("service_create"),
        reverse("service_detail", args=[service.pk]),
        reverse("service_edit", args=[service.pk]),
        reverse("service_invite", args=[service.pk]),
        reverse("body_list"),
        reverse("body_create"),
        reverse("body_detail", args=[body.pk]),
        reverse("body_edit", args=[body.pk]),
        reverse("membership_list"),
        reverse("membership_deactivate", args=[Membership.objects.get(user=staff).pk]),
        reverse("invitation_list"),
        reverse("invitation_revoke", args=[invitation.pk]),
        reverse("network_invite"),
    ]


def test_every_page_has_one_h1_and_a_title_of_its_own(client, coordinator, every_page):
    client.force_login(coordinator)

    pages = [page(client.get(url)) for url in every_page]

    titles = [content.split("<title>")[1].split("</title>")[0] for content in pages]
    assert [content.count("<h1") for content in pages] == [1] * len(every_page)
    assert len(set(titles)) == len(titles)


# Organisations ------------------------------------------------------------------------------


def test_organisation_list_shows_organisations_with_services_in_my_network(
    client, coordinator, service, elsewhere_service
):
    client.force_login(coordinator)

    response = client.get(reverse("organisation_list"))

    content = page(response)
    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert "Riverside Care Trust" in content
    assert reverse("organisation_edit", args=[service.organisation.pk]) in content
    # Organisations are shared; the services counted are only those in my networks.
    assert elsewhere_service.organisation.name in content
    assert f"?organisation={elsewhere_service.organisation.pk}" not in content


def test_organisation_list_searches_and_filters(client, coordinator, organisation):
    OrganisationFactory(name="Harbour Housing", kind=Organisation.Kind.HOUSING)
    OrganisationFactory(name="Hilltop Trust", kind=Organisation.Kind.NHS_TRUST, region="wales")
    client.force_login(coordinator)

    by_name = page(client.get(reverse("organisation_list"), {"q": "harb"}))
    by_kind = page(client.get(reverse("organisation_list"), {"kind": "nhs_trust"}))
    by_region = page(client.get(reverse("organisation_list"), {"region": "wales"}))

    assert "Harbour Housing" in by_name
    assert "Riverside Care Trust" not in by_name
    assert "Hilltop Trust" in by_kind
    assert "Harbour Housing" not in by_kind
    assert "Hilltop Trust" in by_region
    assert "Riverside Care Trust" not in by_region


def test_organisation_list_is_paginated_by_25(client, coordinator):
    for index in range(27):
        OrganisationFactory(name=f"Provider {index:02d}")
    client.force_login(coordinator)

    first = page(client.get(reverse("organisation_list")))
    second = page(client.get(reverse("organisation_list"), {"page": 2}))

    assert "27 organisations" in first
    assert "Provider 24" in first
    assert "Provider 25" not in first
    assert "Provider 25" in second
    assert 'aria-current="page">2<' in second


def test_organisation_list_empty_state_says_what_to_do(client, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("organisation_list"))

    assert "No organisations have been added yet." in page(response)


def test_organisation_list_filter_with_no_match_explains(client, coordinator, organisation):
    client.force_login(coordinator)

    response = client.get(reverse("organisation_list"), {"q": "zzz"})

    assert "No organisations match these filters." in page(response)


@pytest.mark.parametrize("person", ["service_lead", "staff", "commissioner", "outsider"])
def test_organisation_pages_are_403_for_everyone_but_coordinators(
    client, request, person, organisation
):
    client.force_login(request.getfixturevalue(person))

    responses = [
        client.get(reverse("organisation_list")),
        client.get(reverse("organisation_create")),
        client.post(
            reverse("organisation_create"), {"name": "X", "kind": "charity", "region": "london"}
        ),
        client.get(reverse("organisation_edit", args=[organisation.pk])),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403, 403]
    assert not Organisation.objects.filter(name="X").exists()


def test_organisation_create_saves_a_valid_organisation(client, coordinator):
    client.force_login(coordinator)

    response = client.post(
        reverse("organisation_create"),
        {"name": "Open Door Charity", "kind": "charity", "region": "south_west"},
        follow=True,
    )

    assert Organisation.objects.get(name="Open Door Charity").region == "south_west"
    assert "Open Door Charity has been added." in page(response)


def test_organisation_create_with_errors_saves_nothing(client, coordinator, organisation):
    client.force_login(coordinator)

    response = client.post(
        reverse("organisation_create"),
        {"name": "Riverside Care Trust", "kind": "", "region": "atlantis"},
    )

    content = page(response)
    assert "<title>Error: Add an organisation" in content
    assert "There is a problem" in content
    assert 'href="#id_name"' in content
    assert 'href="#id_kind"' in content
    assert "There is already an organisation with this name." in content
    assert "Choose the kind of organisation." in content
    assert Organisation.objects.count() == 1


def test_organisation_edit_saves_changes(client, coordinator, organisation):
    client.force_login(coordinator)

    response = client.post(
        reverse("organisation_edit", args=[organisation.pk]),
        {"name": "Riverside NHS Foundation Trust", "kind": "nhs_trust", "region": "london"},
    )

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Riverside NHS Foundation Trust"


def test_organisation_edit_with_errors_keeps_the_saved_name_in_the_title(
    client, coordinator, organisation
):
    client.force_login(coordinator)

    response = client.post(
        reverse("organisation_edit", args=[organisation.pk]),
        {"name": "", "kind": "charity", "region": "london"},
    )

    assert "<title>Error: Change Riverside Care Trust" in page(response)
    organisation.refresh_from_db()
    assert organisation.name == "Riverside Care Trust"


def test_organisation_list_query_count_does_not_grow(client, coordinator, network):
    client.force_login(coordinator)
    for _ in range(2):
        ServiceFactory(network=network)
    small = queries_for(client, reverse("organisation_list"))
    for _ in range(10):
        ServiceFactory(network=network)
    large = queries_for(client, reverse("organisation_list"))

    assert small == large


# Services -----------------------------------------------------------------------------------


def test_service_list_shows_services_of_my_network_only(
    client, coordinator, service, other_service, elsewhere_service, staff
):
    client.force_login(coordinator)

    response = client.get(reverse("service_list"))

    content = page(response)
    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert "Willow House" in content
    assert "Oak Ward" in content
    assert "Distant Hostel" not in content
    assert reverse("service_detail", args=[service.pk]) in content
    assert "2 services" in content


def test_service_list_of_another_network_does_not_show_my_services(
    client, elsewhere_coordinator, service, elsewhere_service
):
    client.force_login(elsewhere_coordinator)

    content = page(client.get(reverse("service_list")))

    assert "Distant Hostel" in content
    assert "Willow House" not in content


def test_service_list_filters_by_organisation_type_region_status_and_name(
    client, coordinator, service, other_service, network
):
    ward = ServiceFactory(
        network=network,
        name="Cedar Ward",
        setting_type=Service.SettingType.WARD,
        region="wales",
        active=False,
    )
    client.force_login(coordinator)
    url = reverse("service_list")

    by_org = page(client.get(url, {"organisation": service.organisation.pk}))
    by_type = page(client.get(url, {"setting_type": "ward"}))
    by_region = page(client.get(url, {"region": "wales"}))
    inactive = page(client.get(url, {"status": "inactive"}))
    active = page(client.get(url, {"status": "active"}))
    by_name = page(client.get(url, {"q": "cedar"}))

    assert "Willow House" in by_org
    assert "Oak Ward" not in by_org
    assert ward.name in by_type
    assert "Willow House" not in by_type
    assert ward.name in by_region
    assert "Oak Ward" not in by_region
    assert ward.name in inactive
    assert "Willow House" not in inactive
    assert ward.name not in active
    assert "Willow House" in active
    assert ward.name in by_name
    assert "Oak Ward" not in by_name


def test_service_list_empty_state_for_a_new_network(client, elsewhere_coordinator):
    client.force_login(elsewhere_coordinator)

    response = client.get(reverse("service_list"))

    assert "Your network has no services yet." in page(response)


@pytest.mark.parametrize(
    "person", ["service_lead", "staff", "lived_experience", "commissioner", "outsider"]
)
def test_coordinator_lists_are_403_for_everyone_else(client, request, person, service):
    client.force_login(request.getfixturevalue(person))

    statuses = [
        client.get(reverse(name)).status_code
        for name in (
            "service_list",
            "service_create",
            "body_list",
            "body_create",
            "membership_list",
            "invitation_list",
            "network_invite",
        )
    ]

    assert statuses == [403] * 7


def test_coordinator_lists_require_sign_in(client):
    response = client.get(reverse("service_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_service_list_query_count_does_not_grow(client, coordinator, network):
    client.force_login(coordinator)
    for _ in range(2):
        roles.join_service(UserFactory(), ServiceFactory(network=network), "staff")
    small = queries_for(client, reverse("service_list"))
    for _ in range(10):
        roles.join_service(UserFactory(), ServiceFactory(network=network), "staff")
    large = queries_for(client, reverse("service_list"))

    assert Service.objects.count() == 12
    assert small == large


def test_service_create_adds_a_service_with_its_permissions(client, coordinator, organisation):
    client.force_login(coordinator)

    form = page(client.get(reverse("service_create")))
    response = client.post(
        reverse("service_create"),
        {
            "organisation": organisation.pk,
            "name": "Larch PIPE",
            "setting_type": "pipe",
            "region": "yorkshire",
            "capacity": "40",
        },
    )

    assert 'name="network"' not in form  # one network: no choice to make
    service = Service.objects.get(name="Larch PIPE")
    assert response["Location"] == reverse("service_detail", args=[service.pk])
    assert service.network == permissions.coordinated_networks(coordinator).get()
    assert permissions.can(coordinator, "assurance.manage_team", service)


def test_service_create_with_errors_saves_nothing(client, coordinator, organisation, service):
    client.force_login(coordinator)

    response = client.post(
        reverse("service_create"),
        {
            "organisation": organisation.pk,
            "name": "Willow House",
            "setting_type": "",
            "region": "london",
        },
    )

    content = page(response)
    assert response.status_code == 200
    assert "<title>Error: Add a service" in content
    assert 'href="#id_setting_type"' in content
    assert "Choose the type of setting." in content
    assert "This organisation already runs a service with this name." in content
    assert Service.objects.count() == 1


def test_service_create_without_organisations_asks_for_one_first(client, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("service_create"))

    assert "Add the organisation that runs the service first" in page(response)


def test_service_create_for_a_coordinator_of_two_networks_offers_only_theirs(
    client, coordinator, organisation, network, other_network
):
    third = NetworkFactory(name="Third Network")
    roles.appoint_coordinator(coordinator, third)
    client.force_login(coordinator)
    data = {
        "organisation": organisation.pk,
        "name": "Rowan House",
        "setting_type": "hostel",
        "region": "london",
    }

    form = page(client.get(reverse("service_create")))
    refused = client.post(reverse("service_create"), {**data, "network": other_network.pk})
    accepted = client.post(reverse("service_create"), {**data, "network": third.pk})

    assert "Third Network" in form
    assert "Elsewhere Network" not in form
    assert "Select a valid choice" in page(refused)
    assert accepted.status_code == 302
    assert Service.objects.get(name="Rowan House").network == third


# Commissioning bodies -----------------------------------------------------------------------


def test_body_list_shows_bodies_of_my_network_with_commissioner_counts(
    client, coordinator, body, commissioner, other_network
):
    CommissioningBodyFactory(network=other_network, name="Faraway ICB")
    client.force_login(coordinator)

    response = client.get(reverse("body_list"))

    content = page(response)
    assert "North Shore ICB" in content
    assert "Faraway ICB" not in content
    assert reverse("body_detail", args=[body.pk]) in content


def test_body_list_searches_and_empty_states(client, coordinator, body):
    client.force_login(coordinator)

    found = page(client.get(reverse("body_list"), {"q": "north"}))
    missing = page(client.get(reverse("body_list"), {"q": "south"}))

    assert "North Shore ICB" in found
    assert "No commissioning bodies match these filters." in missing


def test_body_list_query_count_does_not_grow(client, coordinator, network):
    client.force_login(coordinator)

    def add(count: int) -> None:
        for _ in range(count):
            roles.join_commissioning_body(UserFactory(), CommissioningBodyFactory(network=network))

    add(2)
    small = queries_for(client, reverse("body_list"))
    add(10)
    large = queries_for(client, reverse("body_list"))

    assert small == large


def test_body_page_query_count_does_not_grow(client, coordinator, body):
    client.force_login(coordinator)
    url = reverse("body_detail", args=[body.pk])

    def add(start: int, end: int) -> None:
        for index in range(start, end):
            roles.join_commissioning_body(UserFactory(), body)
            invitations.invite(
                invited_by=coordinator,
                email=f"reader{index}@icb.example",
                role="commissioner",
                network=body.network,
                body=body,
            )

    add(0, 2)
    small = queries_for(client, url)
    add(2, 12)
    large = queries_for(client, url)

    assert small == large


def test_body_create_adds_a_body_and_refuses_a_duplicate(client, coordinator, body):
    client.force_login(coordinator)

    added = client.post(
        reverse("body_create"), {"name": "South Vale ICB", "kind": "icb", "region": "south_east"}
    )
    duplicate = client.post(reverse("body_create"), {"name": "north shore icb", "kind": "icb"})

    created = CommissioningBody.objects.get(name="South Vale ICB")
    assert added["Location"] == reverse("body_detail", args=[created.pk])
    assert permissions.can(coordinator, "assurance.change_commissioningbody", created)
    assert "There is already a commissioning body with this name." in page(duplicate)
    assert CommissioningBody.objects.count() == 2


def test_body_page_shows_commissioners_and_invitations(client, coordinator, body, commissioner):
    invitations.invite(
        invited_by=coordinator,
        email="reader@icb.example",
        role="commissioner",
        network=body.network,
        body=body,
    )
    client.force_login(coordinator)

    response = client.get(reverse("body_detail", args=[body.pk]))

    content = page(response)
    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert "commissioner@example.org" in content
    assert "reader@icb.example" in content
    assert "Invite a commissioner" in content


def test_body_page_invites_a_commissioner(
    client, coordinator, body, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("body_invite", args=[body.pk]), {"email": "reader@icb.example"}, follow=True
        )

    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.body) == ("commissioner", body)
    assert mail.outbox[0].to == ["reader@icb.example"]
    assert "We sent an invitation to reader@icb.example" in page(response)


def test_body_page_refuses_to_invite_an_existing_commissioner(
    client, coordinator, body, commissioner
):
    client.force_login(coordinator)

    response = client.post(reverse("body_invite", args=[body.pk]), {"email": commissioner.email})

    content = page(response)
    assert "<title>Error: North Shore ICB" in content
    assert "already reads for this commissioning body" in content
    assert Invitation.objects.count() == 0


def test_body_page_shows_its_commissioner_the_body_without_managing_it(
    client, commissioner, coordinator, body
):
    client.force_login(commissioner)

    response = client.get(reverse("body_detail", args=[body.pk]))

    content = page(response)
    assert response.status_code == 200
    assert "North Shore ICB" in content
    assert commissioner.name in content
    assert "Invite a commissioner" not in content
    assert reverse("body_edit", args=[body.pk]) not in content
    assert f'href="{reverse("body_list")}"' not in content  # the list is the coordinators'


def test_body_changes_are_403_for_its_commissioner_and_404_for_others(
    client, commissioner, outsider, elsewhere_coordinator, service_lead, body
):
    def statuses(person) -> list[int]:
        client.force_login(person)
        return [
            client.get(reverse("body_detail", args=[body.pk])).status_code,
            client.get(reverse("body_edit", args=[body.pk])).status_code,
            client.post(
                reverse("body_invite", args=[body.pk]), {"email": "x@example.org"}
            ).status_code,
        ]

    assert statuses(commissioner) == [200, 403, 403]
    assert statuses(outsider) == [404, 404, 404]
    assert statuses(elsewhere_coordinator) == [404, 404, 404]
    assert statuses(service_lead) == [404, 404, 404]
    assert Invitation.objects.count() == 0


def test_body_edit_saves_and_refuses_bad_data(client, coordinator, body, network):
    CommissioningBodyFactory(network=network, name="East ICB")
    client.force_login(coordinator)
    url = reverse("body_edit", args=[body.pk])

    refused = client.post(url, {"name": "East ICB", "kind": "icb"})
    saved = client.post(url, {"name": "North Shore and Coast ICB", "kind": "icb", "region": ""})

    assert "<title>Error: Change North Shore ICB" in page(refused)
    assert saved.status_code == 302
    body.refresh_from_db()
    assert body.name == "North Shore and Coast ICB"


# People -------------------------------------------------------------------------------------


def test_membership_list_shows_everyone_in_my_network_with_a_remove_link(
    client, coordinator, service, staff, service_lead, elsewhere_service
):
    outsider_member = UserFactory(email="far@example.org")
    roles.join_service(outsider_member, elsewhere_service, "staff")
    client.force_login(coordinator)

    response = client.get(reverse("membership_list"))

    content = page(response)
    assert response.status_code == 200
    assert "staff@example.org" in content
    assert "lead@example.org" in content
    assert "far@example.org" not in content
    staff_membership = Membership.objects.get(user=staff)
    assert reverse("membership_deactivate", args=[staff_membership.pk]) in content


def test_membership_list_filters_by_service_role_status_and_search(
    client, coordinator, service, other_service, staff, service_lead
):
    roles.join_service(UserFactory(email="oak@example.org"), other_service, "staff")
    roles.leave_service(Membership.objects.get(user=staff))
    client.force_login(coordinator)
    url = reverse("membership_list")

    current = page(client.get(url))
    left = page(client.get(url, {"status": "left"}))
    by_service = page(client.get(url, {"service": other_service.pk}))
    by_role = page(client.get(url, {"role": "service_lead"}))
    by_search = page(client.get(url, {"q": "OAK@"}))

    assert "staff@example.org" not in current
    assert "lead@example.org" in current
    assert "staff@example.org" in left
    assert "lead@example.org" not in left
    assert "oak@example.org" in by_service
    assert "lead@example.org" not in by_service
    assert "lead@example.org" in by_role
    assert "oak@example.org" not in by_role
    assert "oak@example.org" in by_search
    assert "lead@example.org" not in by_search


def test_membership_list_empty_state(client, elsewhere_coordinator):
    client.force_login(elsewhere_coordinator)

    response = client.get(reverse("membership_list"))

    assert "No one has joined a service team in your network yet." in page(response)


def test_membership_list_query_count_does_not_grow(client, coordinator, service, network):
    client.force_login(coordinator)

    def add(count: int) -> None:
        for _ in range(count):
            roles.join_service(UserFactory(), ServiceFactory(network=network), "staff")

    add(2)
    small = queries_for(client, reverse("membership_list"))
    add(10)
    large = queries_for(client, reverse("membership_list"))

    assert small == large


# Invitations --------------------------------------------------------------------------------


def test_invitation_list_shows_waiting_invitations_of_my_network(
    client, coordinator, service, elsewhere_coordinator, elsewhere_service
):
    invite_staff(coordinator, service, "mine@example.org")
    invite_staff(elsewhere_coordinator, elsewhere_service, "theirs@example.org")
    client.force_login(coordinator)

    response = client.get(reverse("invitation_list"))

    content = page(response)
    assert response.status_code == 200
    assert "mine@example.org" in content
    assert "theirs@example.org" not in content
    assert "Resend" in content
    assert "Withdraw" in content


def test_invitation_list_filters_by_status_role_and_email(client, coordinator, service, body):
    waiting = invite_staff(coordinator, service, "waiting@example.org")
    expired = invite_staff(coordinator, service, "expired@example.org")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    withdrawn = invite_staff(coordinator, service, "withdrawn@example.org")
    invitations.revoke(withdrawn, by=coordinator)
    invitations.invite(
        invited_by=coordinator,
        email="reader@icb.example",
        role="commissioner",
        network=body.network,
        body=body,
    )
    client.force_login(coordinator)
    url = reverse("invitation_list")

    default = page(client.get(url))
    expired_page = page(client.get(url, {"status": "expired"}))
    withdrawn_page = page(client.get(url, {"status": "withdrawn"}))
    commissioners = page(client.get(url, {"role": "commissioner"}))
    searched = page(client.get(url, {"q": "waiting"}))

    assert waiting.email in default
    assert "expired@example.org" not in default
    assert "expired@example.org" in expired_page
    assert waiting.email not in expired_page
    assert "withdrawn@example.org" in withdrawn_page
    assert "Withdrawn on" in withdrawn_page
    assert "reader@icb.example" in commissioners
    assert waiting.email not in commissioners
    assert waiting.email in searched
    assert "reader@icb.example" not in searched


def test_invitation_list_empty_state(client, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("invitation_list"))

    assert "No invitations are waiting for a reply." in page(response)


def test_invitation_list_query_count_does_not_grow(client, coordinator, service, body):
    client.force_login(coordinator)

    def add(start: int, end: int) -> None:
        for index in range(start, end):
            invite_staff(coordinator, service, f"person{index}@example.org")
            invitations.invite(
                invited_by=coordinator,
                email=f"reader{index}@icb.example",
                role="commissioner",
                network=body.network,
                body=body,
            )

    add(0, 1)
    small = queries_for(client, reverse("invitation_list"))
    add(1, 6)
    large = queries_for(client, reverse("invitation_list"))

    assert Invitation.objects.count() == 12
    assert small == large


def test_resend_sends_a_new_link_and_says_so(
    client, coordinator, service, django_capture_on_commit_callbacks
):
    invitation = invite_staff(coordinator, service, "again@example.org")
    old_hash = invitation.token_sha256
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invitation_resend", args=[invitation.pk]), follow=True)

    invitation.refresh_from_db()
    assert invitation.token_sha256 != old_hash
    assert mail.outbox[-1].to == ["again@example.org"]
    assert "We sent a new invitation link to again@example.org" in page(response)
    assert response.redirect_chain[-1][0] == reverse("invitation_list")


def test_resend_of_an_expired_invitation_sends_a_fresh_one(client, coordinator, service):
    invitation = invite_staff(coordinator, service, "late@example.org")
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(coordinator)

    client.post(reverse("invitation_resend", args=[invitation.pk]))

    assert Invitation.objects.filter(email="late@example.org").count() == 2
    fresh = Invitation.objects.filter(email="late@example.org").order_by("-sent_at").first()
    assert fresh.is_pending


def test_resend_of_a_withdrawn_invitation_shows_why_not(client, coordinator, service):
    invitation = invite_staff(coordinator, service, "gone@example.org")
    invitations.revoke(invitation, by=coordinator)
    client.force_login(coordinator)

    response = client.post(reverse("invitation_resend", args=[invitation.pk]), follow=True)

    assert "This invitation has been used or withdrawn." in page(response)


def test_resend_is_post_only(client, coordinator, service):
    invitation = invite_staff(coordinator, service, "x@example.org")
    client.force_login(coordinator)

    assert client.get(reverse("invitation_resend", args=[invitation.pk])).status_code == 405


def test_revoke_asks_for_confirmation_then_withdraws(client, coordinator, service):
    invitation = invite_staff(coordinator, service, "bye@example.org")
    client.force_login(coordinator)
    url = reverse("invitation_revoke", args=[invitation.pk])

    confirm = client.get(url)
    invitation.refresh_from_db()
    still_pending = invitation.is_pending
    done = client.post(url, follow=True)

    assert "Withdraw the invitation to bye@example.org?" in page(confirm)
    assert still_pending
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "has been withdrawn" in page(done)


def test_lead_may_resend_and_withdraw_staff_invitations_to_their_service(
    client, coordinator, service_lead, service
):
    invitation = invite_staff(coordinator, service, "team@example.org")
    client.force_login(service_lead)
    back = reverse("service_detail", args=[service.pk])

    resent = client.post(reverse("invitation_resend", args=[invitation.pk]), {"next": back})
    withdrawn = client.post(reverse("invitation_revoke", args=[invitation.pk]), {"next": back})

    assert resent["Location"] == back
    assert withdrawn["Location"] == back
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_lead_may_not_touch_a_service_lead_invitation(client, coordinator, service_lead, service):
    invitation = invitations.invite(
        invited_by=coordinator,
        email="colead@example.org",
        role="service_lead",
        network=service.network,
        service=service,
    )
    client.force_login(service_lead)

    resend = client.post(reverse("invitation_resend", args=[invitation.pk]))
    revoke = client.post(reverse("invitation_revoke", args=[invitation.pk]))

    assert (resend.status_code, revoke.status_code) == (403, 403)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_invitation_actions_are_404_for_people_who_cannot_invite_there(
    client, coordinator, service, staff, outsider, elsewhere_coordinator, body
):
    to_service = invite_staff(coordinator, service, "a@example.org")
    to_body = invitations.invite(
        invited_by=coordinator,
        email="b@icb.example",
        role="commissioner",
        network=body.network,
        body=body,
    )

    def statuses(person) -> list[int]:
        client.force_login(person)
        return [
            client.post(reverse("invitation_revoke", args=[to_service.pk])).status_code,
            client.post(reverse("invitation_revoke", args=[to_body.pk])).status_code,
        ]

    assert statuses(staff) == [404, 404]
    assert statuses(outsider) == [404, 404]
    assert statuses(elsewhere_coordinator) == [404, 404]
    assert Invitation.objects.filter(revoked_at__isnull=False).count() == 0


# Inviting anyone to any role ----------------------------------------------------------------


def test_network_invite_offers_every_role(client, coordinator, service, body):
    client.force_login(coordinator)

    response = client.get(reverse("network_invite"))

    content = page(response)
    for role in Invitation.Role.values:
        assert f'value="{role}"' in content
    assert "Willow House (Riverside Care Trust)" in content
    assert "North Shore ICB" in content


def test_network_invite_sends_each_kind_of_invitation(client, coordinator, network, service, body):
    client.force_login(coordinator)
    url = reverse("network_invite")

    client.post(url, {"email": "lead2@example.org", "role": "service_lead", "service": service.pk})
    client.post(url, {"email": "reader@icb.example", "role": "commissioner", "body": body.pk})
    client.post(url, {"email": "second@example.org", "role": "coordinator"})

    sent = {i.email: (i.role, i.service, i.body, i.network) for i in Invitation.objects.all()}
    assert sent == {
        "lead2@example.org": ("service_lead", service, None, network),
        "reader@icb.example": ("commissioner", None, body, network),
        "second@example.org": ("coordinator", None, None, network),
    }


def test_network_invite_needs_the_target_the_role_names(client, coordinator, service, body):
    client.force_login(coordinator)
    url = reverse("network_invite")

    for_service = page(client.post(url, {"email": "a@example.org", "role": "staff"}))
    for_body = page(client.post(url, {"email": "b@example.org", "role": "commissioner"}))

    assert "Choose the service to invite this person to." in for_service
    assert 'href="#id_service"' in for_service
    assert "Choose the commissioning body to invite this person to." in for_body
    assert Invitation.objects.count() == 0


def test_network_invite_cannot_target_another_network(client, coordinator, elsewhere_service):
    client.force_login(coordinator)

    response = client.post(
        reverse("network_invite"),
        {"email": "a@example.org", "role": "staff", "service": elsewhere_service.pk},
    )

    assert "Select a valid choice" in page(response)
    assert Invitation.objects.count() == 0


def test_network_invite_of_an_existing_member_is_refused_with_a_clear_message(
    client, coordinator, service, staff
):
    client.force_login(coordinator)

    response = client.post(
        reverse("network_invite"), {"email": staff.email, "role": "staff", "service": service.pk}
    )

    content = page(response)
    assert "<title>Error: Invite someone" in content
    assert "staff@example.org is already in this team." in content
    assert 'value="staff@example.org"' in content
    assert Invitation.objects.count() == 0


def test_network_invite_twice_says_a_new_link_was_sent(client, coordinator, service):
    client.force_login(coordinator)
    data = {"email": "twice@example.org", "role": "staff", "service": service.pk}
    client.post(reverse("network_invite"), data)

    response = client.post(reverse("network_invite"), data, follow=True)

    assert Invitation.objects.count() == 1
    assert "We sent a new invitation link" in page(response)


# Removing a commissioner ----------------------------------------------------------------------


def test_coordinator_removes_a_commissioner_after_confirming(
    client, coordinator, body, commissioner
):
    from assurance.models import CommissionerMembership

    role = CommissionerMembership.objects.get(user=commissioner)
    client.force_login(coordinator)
    url = reverse("commissioner_remove", args=[role.pk])

    confirm = client.get(url).content.decode()
    response = client.post(url)

    assert "Stop" in confirm
    assert commissioner.email in confirm
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.ended_at is not None
    assert not commissioner.has_perm("assurance.view_commissioningbody", body)


def test_commissioner_cannot_remove_themselves_or_others(client, body, commissioner):
    from assurance.models import CommissionerMembership

    role = CommissionerMembership.objects.get(user=commissioner)
    client.force_login(commissioner)

    response = client.post(reverse("commissioner_remove", args=[role.pk]))

    assert response.status_code == 403
    role.refresh_from_db()
    assert role.ended_at is None


def test_body_page_offers_removal_to_coordinators_only(client, coordinator, body, commissioner):
    client.force_login(coordinator)
    as_coordinator = client.get(reverse("body_detail", args=[body.pk])).content.decode()
    client.force_login(commissioner)
    as_commissioner = client.get(reverse("body_detail", args=[body.pk])).content.decode()

    assert "/network/commissioners/" in as_coordinator
    assert "/network/commissioners/" not in as_commissioner
