"""Network API: organisations, services, bodies, memberships, invitations and /me/, per role."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assurance import invitations, permissions, roles
from assurance.api import router
from assurance.models import (
    CommissioningBody,
    Invitation,
    Membership,
    Organisation,
    Service,
    User,
)
from tests.factories import (
    CommissioningBodyFactory,
    OrganisationFactory,
    ServiceFactory,
    UserFactory,
)

CAST = [
    "coordinator",
    "elsewhere_coordinator",
    "service_lead",
    "staff",
    "lived_experience",
    "commissioner",
    "outsider",
]


# Arrangement helpers -----------------------------------------------------------------------


@pytest.fixture
def elsewhere_coordinator(other_network):
    person = UserFactory(email="elsewhere.coordinator@example.org")
    roles.appoint_coordinator(person, other_network)
    return person


@pytest.fixture
def elsewhere_service(other_network):
    return ServiceFactory(
        network=other_network,
        organisation=OrganisationFactory(name="Faraway Housing"),
        name="Birch Lodge",
    )


@pytest.fixture
def elsewhere_body(other_network):
    return CommissioningBodyFactory(network=other_network, name="Far South ICB")


@pytest.fixture
def other_member(other_service):
    person = UserFactory(email="oak.staff@example.org")
    roles.join_service(person, other_service, Membership.Role.STAFF)
    return person


@pytest.fixture
def everyone(
    request,
    service,
    other_service,
    elsewhere_service,
    body,
    elsewhere_body,
    other_member,
):
    """Every object and every member of the cast, so a list shows exactly what it should."""
    return {name: request.getfixturevalue(name) for name in CAST}


def signed_in(client, person):
    client.force_login(person)
    return client


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def token_from(message) -> str:
    link = next(line for line in message.body.splitlines() if "/invitations/" in line)
    return link.rstrip("/").rsplit("/", 1)[-1]


def list_queries(client, url: str, expected_count: int, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    assert response.json()["count"] == expected_count
    return len(queries.captured_queries)


def service_fields(service: Service, **changes) -> dict:
    fields = {
        "name": service.name,
        "network": service.network_id,
        "organisation": service.organisation_id,
        "setting_type": service.setting_type,
        "population": service.population,
        "capacity": service.capacity,
        "region": service.region,
        "description": service.description,
        "active": service.active,
    }
    return {**fields, **changes}


# Every route --------------------------------------------------------------------------------

LIST_ROUTES = [
    f"/api/v1/{prefix}/"
    for prefix, viewset, _basename in router.registry
    if hasattr(viewset, "list")
]
# Resources read one at a time (no list): their detail route, with an id that may not exist.
DETAIL_ONLY_ROUTES = [
    f"/api/v1/{prefix}/1/"
    for prefix, viewset, _basename in router.registry
    if not hasattr(viewset, "list")
]


@pytest.mark.parametrize("url", [*LIST_ROUTES, *DETAIL_ONLY_ROUTES, "/api/v1/me/"])
def test_every_route_refuses_unauthenticated_requests(client, db, url):
    response = client.get(url)

    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "url",
    ["/api/v1/services/", "/api/v1/organisations/", "/api/v1/invitations/"],
)
def test_writes_refuse_unauthenticated_requests(client, service, url):
    response = client.post(url, {"name": "X"}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("method", "url", "data", "status"),
    [
        ("get", "/api/v1/services/not-a-number/", None, 404),
        ("get", "/api/v1/services/", {"network": "north"}, 400),
        ("get", "/api/v1/memberships/", {"role": "chief"}, 400),
        ("get", "/api/v1/invitations/", {"status": "lost"}, 400),
        ("post", "/api/v1/invitations/", ["a", "list"], 400),
        ("post", "/api/v1/invitations/", {"email": "a@example.org", "service": "x"}, 400),
        ("post", "/api/v1/services/", {"network": {"id": 1}}, 400),
        ("delete", "/api/v1/organisations/1/", None, 405),
    ],
)
def test_bad_requests_get_a_problem_body_never_a_500(
    client, coordinator, service, method, url, data, status
):
    client = signed_in(client, coordinator)

    if method == "get":
        response = client.get(url, data)
    else:
        response = getattr(client, method)(url, data, content_type="application/json")

    assert response.status_code == status
    assert set(response.json()) >= {"code", "message"}


# Organisations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("coordinator", "all"),
        ("elsewhere_coordinator", "all"),
        ("service_lead", ["Riverside Care Trust"]),
        ("staff", ["Riverside Care Trust"]),
        ("lived_experience", ["Riverside Care Trust"]),
        ("commissioner", []),
        ("outsider", []),
    ],
)
def test_organisations_list_shows_what_the_policy_allows(client, everyone, person, expected):
    if expected == "all":
        expected = list(Organisation.objects.order_by("name").values_list("name", flat=True))

    response = signed_in(client, everyone[person]).get("/api/v1/organisations/")

    assert names(response) == expected


def test_organisation_of_an_invisible_service_is_404(client, staff, other_service):
    response = signed_in(client, staff).get(
        f"/api/v1/organisations/{other_service.organisation_id}/"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_organisations_filter_by_kind_region_and_search(client, coordinator):
    OrganisationFactory(name="Northern Trust", kind="nhs_trust", region="north_east")
    OrganisationFactory(name="Northern Homes", kind="housing", region="north_east")
    OrganisationFactory(name="Southern Trust", kind="nhs_trust", region="south_west")
    client = signed_in(client, coordinator)

    by_kind = client.get("/api/v1/organisations/", {"kind": "nhs_trust"})
    by_region = client.get("/api/v1/organisations/", {"region": "north_east"})
    by_search = client.get("/api/v1/organisations/", {"search": "southern"})

    assert names(by_kind) == ["Northern Trust", "Southern Trust"]
    assert names(by_region) == ["Northern Homes", "Northern Trust"]
    assert names(by_search) == ["Southern Trust"]


def test_organisation_create_by_coordinator(client, coordinator):
    response = signed_in(client, coordinator).post(
        "/api/v1/organisations/",
        {"name": "Hillside Charity", "kind": "charity", "region": "wales"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json() == {
        "id": Organisation.objects.get(name="Hillside Charity").pk,
        "name": "Hillside Charity",
        "kind": "charity",
        "region": "wales",
    }


@pytest.mark.parametrize("person", ["service_lead", "commissioner", "outsider"])
def test_organisation_create_is_forbidden_to_non_coordinators(client, everyone, person):
    response = signed_in(client, everyone[person]).post(
        "/api/v1/organisations/",
        {"name": "Hillside Charity", "kind": "charity", "region": "wales"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Organisation.objects.filter(name="Hillside Charity").exists()


def test_organisation_create_with_bad_input_gives_field_errors(client, coordinator, organisation):
    response = signed_in(client, coordinator).post(
        "/api/v1/organisations/",
        {"name": organisation.name, "kind": "guild", "region": ""},
        content_type="application/json",
    )

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"name", "kind", "region"}


def test_organisation_update_by_coordinator(client, coordinator, organisation):
    response = signed_in(client, coordinator).patch(
        f"/api/v1/organisations/{organisation.pk}/",
        {"region": "north_west"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["region"] == "north_west"


def test_organisation_update_by_service_lead_is_forbidden(client, service_lead, organisation):
    response = signed_in(client, service_lead).patch(
        f"/api/v1/organisations/{organisation.pk}/",
        {"name": "Renamed"},
        content_type="application/json",
    )

    assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.name == "Riverside Care Trust"


# Services -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("coordinator", ["Oak Ward", "Willow House"]),
        ("elsewhere_coordinator", ["Birch Lodge"]),
        ("service_lead", ["Willow House"]),
        ("staff", ["Willow House"]),
        ("lived_experience", ["Willow House"]),
        ("commissioner", []),
        ("outsider", []),
    ],
)
def test_services_list_shows_what_the_policy_allows(client, everyone, person, expected):
    response = signed_in(client, everyone[person]).get("/api/v1/services/")

    assert names(response) == expected


def test_service_detail_carries_its_network_and_organisation(client, staff, service):
    response = signed_in(client, staff).get(f"/api/v1/services/{service.pk}/")

    assert response.json() == {
        "id": service.pk,
        "name": "Willow House",
        "network": service.network_id,
        "network_name": "Test Collaborative",
        "organisation": service.organisation_id,
        "organisation_name": "Riverside Care Trust",
        "setting_type": "hostel",
        "population": "",
        "capacity": None,
        "region": "london",
        "description": "",
        "active": True,
    }


@pytest.mark.parametrize(
    ("person", "target"),
    [
        ("staff", "other_service"),
        ("service_lead", "other_service"),
        ("commissioner", "service"),
        ("outsider", "service"),
        ("elsewhere_coordinator", "service"),
        ("coordinator", "elsewhere_service"),
    ],
)
def test_service_detail_someone_else_cannot_see_is_404(client, everyone, request, person, target):
    service = request.getfixturevalue(target)

    response = signed_in(client, everyone[person]).get(f"/api/v1/services/{service.pk}/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


def test_services_filter_by_network_organisation_type_region_active_and_name(
    client, coordinator, network, service, other_service
):
    ServiceFactory(
        network=network,
        organisation=service.organisation,
        name="Willow Annexe",
        setting_type="ward",
        region="wales",
        active=False,
    )
    client = signed_in(client, coordinator)

    def listed(**params):
        return names(client.get("/api/v1/services/", params))

    assert listed(network=network.pk) == ["Oak Ward", "Willow Annexe", "Willow House"]
    assert listed(organisation=service.organisation_id) == ["Willow Annexe", "Willow House"]
    assert listed(setting_type="ward") == ["Willow Annexe"]
    assert listed(region="wales") == ["Willow Annexe"]
    assert listed(active="false") == ["Willow Annexe"]
    assert listed(search="willow") == ["Willow Annexe", "Willow House"]


def test_services_filtered_by_an_invisible_network_are_empty(
    client, staff, service, elsewhere_service
):
    response = signed_in(client, staff).get(
        "/api/v1/services/", {"network": elsewhere_service.network_id}
    )

    assert names(response) == []


def test_service_create_by_coordinator_grants_the_usual_permissions(
    client, coordinator, network, organisation
):
    response = signed_in(client, coordinator).post(
        "/api/v1/services/",
        {
            "name": "Cedar Wing",
            "network": network.pk,
            "organisation": organisation.pk,
            "setting_type": "prison_wing",
            "region": "yorkshire",
            "capacity": 40,
        },
        content_type="application/json",
    )

    assert response.status_code == 201
    created = Service.objects.get(name="Cedar Wing")
    assert response.json()["id"] == created.pk
    assert response.json()["network_name"] == "Test Collaborative"
    assert permissions.can(coordinator, "assurance.manage_team", created)
    assert "Cedar Wing" in names(client.get("/api/v1/services/"))


@pytest.mark.parametrize("person", ["service_lead", "staff", "commissioner", "outsider"])
def test_service_create_is_forbidden_to_non_coordinators(
    client, everyone, person, network, organisation
):
    response = signed_in(client, everyone[person]).post(
        "/api/v1/services/",
        {
            "name": "Cedar Wing",
            "network": network.pk,
            "organisation": organisation.pk,
            "setting_type": "hostel",
            "region": "london",
        },
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "Only network coordinators can add services.",
    }
    assert not Service.objects.filter(name="Cedar Wing").exists()


def test_service_create_in_a_network_you_cannot_see_is_a_field_error(
    client, coordinator, other_network, organisation
):
    response = signed_in(client, coordinator).post(
        "/api/v1/services/",
        {
            "name": "Cedar Wing",
            "network": other_network.pk,
            "organisation": organisation.pk,
            "setting_type": "hostel",
            "region": "london",
        },
        content_type="application/json",
    )

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["network"]
    assert "does not exist" in body["errors"]["network"][0]
    assert not Service.objects.filter(name="Cedar Wing").exists()


def test_service_create_with_bad_input_gives_field_errors(client, coordinator, network):
    response = signed_in(client, coordinator).post(
        "/api/v1/services/",
        {"network": network.pk, "setting_type": "castle", "capacity": -3, "region": "mars"},
        content_type="application/json",
    )

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"name", "organisation", "setting_type", "capacity", "region"}


def test_service_create_with_a_duplicate_name_in_the_organisation_is_refused(
    client, coordinator, service
):
    response = signed_in(client, coordinator).post(
        "/api/v1/services/",
        {
            "name": "Willow House",
            "network": service.network_id,
            "organisation": service.organisation_id,
            "setting_type": "hostel",
            "region": "london",
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["non_field_errors"]


def test_service_lead_updates_description_population_and_capacity(client, service_lead, service):
    response = signed_in(client, service_lead).patch(
        f"/api/v1/services/{service.pk}/",
        {"description": "A house where people stay.", "population": "Adults", "capacity": 12},
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["description"], body["population"], body["capacity"]) == (
        "A house where people stay.",
        "Adults",
        12,
    )


def test_service_lead_may_put_back_the_unchanged_fields(client, service_lead, service):
    response = signed_in(client, service_lead).put(
        f"/api/v1/services/{service.pk}/",
        service_fields(service, capacity=9),
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["capacity"] == 9


def test_service_lead_changing_a_coordinator_field_gets_field_errors(client, service_lead, service):
    response = signed_in(client, service_lead).patch(
        f"/api/v1/services/{service.pk}/",
        {"name": "Willow Palace", "active": False, "capacity": 3},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "name": ["Only a network coordinator can change this."],
        "active": ["Only a network coordinator can change this."],
    }
    service.refresh_from_db()
    assert (service.name, service.active, service.capacity) == ("Willow House", True, None)


@pytest.mark.parametrize("person", ["staff", "lived_experience"])
def test_service_update_by_team_members_who_are_not_leads_is_forbidden(
    client, everyone, person, service
):
    response = signed_in(client, everyone[person]).patch(
        f"/api/v1/services/{service.pk}/", {"capacity": 3}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_service_update_of_another_service_is_404(client, service_lead, other_service):
    response = signed_in(client, service_lead).patch(
        f"/api/v1/services/{other_service.pk}/", {"capacity": 3}, content_type="application/json"
    )

    assert response.status_code == 404


def test_service_update_by_coordinator_changes_any_field(client, coordinator, service):
    response = signed_in(client, coordinator).patch(
        f"/api/v1/services/{service.pk}/",
        {"name": "Willow Court", "active": False},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["active"]) == ("Willow Court", False)


def test_service_cannot_move_to_another_network(client, coordinator, service, other_network):
    roles.appoint_coordinator(coordinator, other_network)

    response = signed_in(client, coordinator).patch(
        f"/api/v1/services/{service.pk}/",
        {"network": other_network.pk},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"network": ["A service cannot move to another network."]}


def test_service_delete_is_not_offered(client, coordinator, service):
    response = signed_in(client, coordinator).delete(f"/api/v1/services/{service.pk}/")

    assert response.status_code == 405
    assert Service.objects.filter(pk=service.pk).exists()


# Commissioning bodies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("coordinator", ["North Shore ICB"]),
        ("elsewhere_coordinator", ["Far South ICB"]),
        ("commissioner", ["North Shore ICB"]),
        ("service_lead", []),
        ("staff", []),
        ("lived_experience", []),
        ("outsider", []),
    ],
)
def test_commissioning_bodies_list_shows_what_the_policy_allows(client, everyone, person, expected):
    response = signed_in(client, everyone[person]).get("/api/v1/commissioning-bodies/")

    assert names(response) == expected


def test_commissioning_body_of_another_network_is_404(client, commissioner, elsewhere_body):
    response = signed_in(client, commissioner).get(
        f"/api/v1/commissioning-bodies/{elsewhere_body.pk}/"
    )

    assert response.status_code == 404


def test_commissioning_body_create_by_coordinator(client, coordinator, network):
    response = signed_in(client, coordinator).post(
        "/api/v1/commissioning-bodies/",
        {"name": "Probation North", "network": network.pk, "kind": "probation"},
        content_type="application/json",
    )

    assert response.status_code == 201
    created = CommissioningBody.objects.get(name="Probation North")
    assert response.json() == {
        "id": created.pk,
        "name": "Probation North",
        "network": network.pk,
        "network_name": "Test Collaborative",
        "kind": "probation",
        "region": "",
    }
    assert permissions.can(coordinator, "assurance.change_commissioningbody", created)


def test_commissioning_body_create_by_commissioner_is_forbidden(client, commissioner, network):
    response = signed_in(client, commissioner).post(
        "/api/v1/commissioning-bodies/",
        {"name": "Probation North", "network": network.pk, "kind": "probation"},
        content_type="application/json",
    )

    assert response.status_code == 403


def test_commissioning_body_create_in_an_invisible_network_is_a_field_error(
    client, coordinator, other_network
):
    response = signed_in(client, coordinator).post(
        "/api/v1/commissioning-bodies/",
        {"name": "Probation North", "network": other_network.pk, "kind": "nonsense"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"network", "kind"}


def test_commissioning_body_update_by_commissioner_is_forbidden(client, commissioner, body):
    response = signed_in(client, commissioner).patch(
        f"/api/v1/commissioning-bodies/{body.pk}/",
        {"name": "Renamed"},
        content_type="application/json",
    )

    assert response.status_code == 403
    body.refresh_from_db()
    assert body.name == "North Shore ICB"


def test_commissioning_body_update_by_coordinator(client, coordinator, body):
    response = signed_in(client, coordinator).patch(
        f"/api/v1/commissioning-bodies/{body.pk}/",
        {"region": "north_west"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["region"] == "north_west"


def test_commissioning_bodies_filter_and_search(client, coordinator, network, body):
    CommissioningBodyFactory(network=network, name="Probation North", kind="probation")
    client = signed_in(client, coordinator)

    by_kind = client.get("/api/v1/commissioning-bodies/", {"kind": "probation"})
    by_search = client.get("/api/v1/commissioning-bodies/", {"search": "shore"})
    by_network = client.get("/api/v1/commissioning-bodies/", {"network": network.pk})

    assert names(by_kind) == ["Probation North"]
    assert names(by_search) == ["North Shore ICB"]
    assert names(by_network) == ["North Shore ICB", "Probation North"]


# Memberships --------------------------------------------------------------------------------

TEAM = ["lead@example.org", "staff@example.org", "voice@example.org"]


def emails(response) -> list[str]:
    """The members listed, by email (looked up: the API hides other members' addresses
    from people who do not manage the team)."""
    assert response.status_code == 200, response.content
    ids = [row["user"]["id"] for row in response.json()["results"]]
    by_id = dict(User.objects.filter(pk__in=ids).values_list("pk", "email"))
    return [by_id[pk] for pk in ids]


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("coordinator", ["oak.staff@example.org", *TEAM]),
        ("service_lead", TEAM),
        ("staff", TEAM),
        ("lived_experience", TEAM),
        ("elsewhere_coordinator", []),
        ("commissioner", []),
        ("outsider", []),
    ],
)
def test_memberships_list_shows_what_the_policy_allows(client, everyone, person, expected):
    response = signed_in(client, everyone[person]).get("/api/v1/memberships/")

    assert sorted(emails(response)) == sorted(expected)


def test_membership_detail_shows_person_service_and_role(client, staff, service_lead, service):
    membership = Membership.objects.get(user=service_lead)

    response = signed_in(client, staff).get(f"/api/v1/memberships/{membership.pk}/")

    body = response.json()
    assert body["user"] == {"id": service_lead.pk, "name": service_lead.name, "email": None}
    assert body["service"] == {"id": service.pk, "name": "Willow House"}
    assert (body["role"], body["active"], body["ended_at"]) == ("service_lead", True, None)


def test_membership_of_another_team_is_404(client, staff, other_member):
    membership = Membership.objects.get(user=other_member)

    response = signed_in(client, staff).get(f"/api/v1/memberships/{membership.pk}/")

    assert response.status_code == 404


def test_memberships_filter_by_service_role_and_active(
    client, coordinator, service, service_lead, staff, lived_experience, other_member
):
    roles.leave_service(Membership.objects.get(user=lived_experience))
    client = signed_in(client, coordinator)

    by_service = client.get("/api/v1/memberships/", {"service": service.pk})
    by_role = client.get("/api/v1/memberships/", {"role": "service_lead"})
    ended = client.get("/api/v1/memberships/", {"active": "false"})
    current = client.get("/api/v1/memberships/", {"active": "true", "service": service.pk})

    assert sorted(emails(by_service)) == TEAM
    assert emails(by_role) == ["lead@example.org"]
    assert emails(ended) == ["voice@example.org"]
    assert sorted(emails(current)) == ["lead@example.org", "staff@example.org"]


def test_memberships_cannot_be_created_directly(client, coordinator, service, outsider):
    response = signed_in(client, coordinator).post(
        "/api/v1/memberships/",
        {"user": outsider.pk, "service": service.pk, "role": "staff"},
        content_type="application/json",
    )

    assert response.status_code == 405
    assert not Membership.objects.filter(user=outsider).exists()


@pytest.mark.parametrize("person", ["service_lead", "coordinator"])
def test_membership_deactivate_by_lead_or_coordinator_ends_access(
    client, everyone, person, staff, service
):
    membership = Membership.objects.get(user=staff)

    response = signed_in(client, everyone[person]).post(
        f"/api/v1/memberships/{membership.pk}/deactivate/"
    )

    assert response.status_code == 200
    assert response.json()["active"] is False
    assert response.json()["ended_at"] is not None
    assert not permissions.can(staff, "assurance.view_service", service)


@pytest.mark.parametrize("person", ["staff", "lived_experience"])
def test_membership_deactivate_by_other_team_members_is_forbidden(
    client, everyone, person, service_lead
):
    membership = Membership.objects.get(user=service_lead)

    response = signed_in(client, everyone[person]).post(
        f"/api/v1/memberships/{membership.pk}/deactivate/"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Membership.objects.get(pk=membership.pk).is_active


@pytest.mark.parametrize("person", ["elsewhere_coordinator", "commissioner", "outsider"])
def test_membership_deactivate_by_people_outside_the_team_is_404(client, everyone, person, staff):
    membership = Membership.objects.get(user=staff)

    response = signed_in(client, everyone[person]).post(
        f"/api/v1/memberships/{membership.pk}/deactivate/"
    )

    assert response.status_code == 404
    assert Membership.objects.get(pk=membership.pk).is_active


def test_service_lead_cannot_deactivate_themselves(client, service_lead):
    membership = Membership.objects.get(user=service_lead)

    response = signed_in(client, service_lead).post(
        f"/api/v1/memberships/{membership.pk}/deactivate/"
    )

    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict",
        "message": (
            "You cannot remove yourself from a team. Another service lead or a network "
            "coordinator can do it."
        ),
    }
    assert Membership.objects.get(pk=membership.pk).is_active


def test_coordinator_in_a_team_cannot_deactivate_themselves_either(client, coordinator, service):
    membership = roles.join_service(coordinator, service, Membership.Role.STAFF)

    response = signed_in(client, coordinator).post(
        f"/api/v1/memberships/{membership.pk}/deactivate/"
    )

    assert response.status_code == 409
    assert Membership.objects.get(pk=membership.pk).is_active


def test_membership_deactivate_twice_is_a_conflict(client, coordinator, staff):
    membership = Membership.objects.get(user=staff)
    roles.leave_service(membership)

    response = signed_in(client, coordinator).post(
        f"/api/v1/memberships/{membership.pk}/deactivate/"
    )

    assert response.status_code == 409
    assert response.json()["message"] == f"{staff} has already left this team."


# Invitations --------------------------------------------------------------------------------


def invite_by_api(client, person, captured, **data):
    with captured(execute=True):
        return signed_in(client, person).post(
            "/api/v1/invitations/", data, content_type="application/json"
        )


def test_invitation_create_by_coordinator_sends_an_email_and_hides_the_token(
    client, coordinator, service, django_capture_on_commit_callbacks
):
    response = invite_by_api(
        client,
        coordinator,
        django_capture_on_commit_callbacks,
        email="New.Lead@Example.org",
        role="service_lead",
        service=service.pk,
    )

    assert response.status_code == 201
    invitation = Invitation.objects.get()
    body = response.json()
    assert body["id"] == invitation.pk
    assert (body["email"], body["role"], body["status"]) == (
        "new.lead@example.org",
        "service_lead",
        "pending",
    )
    assert body["service"] == {"id": service.pk, "name": "Willow House"}
    assert body["body"] is None
    assert body["invited_by"]["email"] == "coordinator@example.org"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.lead@example.org"]
    token = token_from(mail.outbox[0])
    assert token not in response.content.decode()
    assert invitation.token_sha256 not in response.content.decode()
    assert "token" not in " ".join(body)


def test_invitation_create_by_service_lead_for_staff(
    client, service_lead, service, django_capture_on_commit_callbacks
):
    response = invite_by_api(
        client,
        service_lead,
        django_capture_on_commit_callbacks,
        email="helper@example.org",
        role="staff",
        service=service.pk,
    )

    assert response.status_code == 201
    assert len(mail.outbox) == 1


def test_invitation_by_service_lead_to_a_role_above_their_own_is_forbidden(
    client, service_lead, service, django_capture_on_commit_callbacks
):
    response = invite_by_api(
        client,
        service_lead,
        django_capture_on_commit_callbacks,
        email="boss@example.org",
        role="service_lead",
        service=service.pk,
    )

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "You cannot invite people to this role.",
    }
    assert not Invitation.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("person", ["staff", "lived_experience"])
def test_invitation_by_team_members_who_are_not_leads_is_forbidden(
    client, everyone, person, service, django_capture_on_commit_callbacks
):
    response = invite_by_api(
        client,
        everyone[person],
        django_capture_on_commit_callbacks,
        email="friend@example.org",
        role="staff",
        service=service.pk,
    )

    assert response.status_code == 403
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("person", ["outsider", "commissioner", "elsewhere_coordinator"])
def test_invitation_to_a_service_you_cannot_see_is_a_field_error(
    client, everyone, person, service, django_capture_on_commit_callbacks
):
    response = invite_by_api(
        client,
        everyone[person],
        django_capture_on_commit_callbacks,
        email="friend@example.org",
        role="staff",
        service=service.pk,
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["service"]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not-an-address", "role": "staff"}, "email"),
        ({"email": "a@example.org", "role": "chief"}, "role"),
        ({"email": "a@example.org", "role": "staff"}, "service"),
        ({"email": "a@example.org", "role": "commissioner"}, "body"),
        ({"email": "a@example.org", "role": "coordinator"}, "network"),
    ],
)
def test_invitation_with_bad_input_gives_field_errors(
    client, coordinator, service, data, field, django_capture_on_commit_callbacks
):
    response = invite_by_api(client, coordinator, django_capture_on_commit_callbacks, **data)

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert field in body["errors"]
    assert not Invitation.objects.exists()


def test_invitation_for_someone_already_in_the_team_is_refused_on_email(
    client, coordinator, service, staff, django_capture_on_commit_callbacks
):
    response = invite_by_api(
        client,
        coordinator,
        django_capture_on_commit_callbacks,
        email="staff@example.org",
        role="lived_experience",
        service=service.pk,
    )

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert body["errors"] == {"email": ["staff@example.org is already in this team."]}


def test_invitation_twice_to_the_same_person_is_merged(
    client, coordinator, service, django_capture_on_commit_callbacks
):
    first = invite_by_api(
        client,
        coordinator,
        django_capture_on_commit_callbacks,
        email="a@example.org",
        role="staff",
        service=service.pk,
    )
    second = invite_by_api(
        client,
        coordinator,
        django_capture_on_commit_callbacks,
        email="A@example.org",
        role="lived_experience",
        service=service.pk,
    )

    assert first.json()["id"] == second.json()["id"]
    assert second.json()["role"] == "lived_experience"
    assert Invitation.objects.count() == 1
    assert invitations.find(token_from(mail.outbox[0])) is None
    assert invitations.find(token_from(mail.outbox[1])).pk == second.json()["id"]


def test_invitation_of_a_coordinator_names_the_network(
    client, coordinator, network, django_capture_on_commit_callbacks
):
    response = invite_by_api(
        client,
        coordinator,
        django_capture_on_commit_callbacks,
        email="colleague@example.org",
        role="coordinator",
        network=network.pk,
    )

    assert response.status_code == 201
    assert response.json()["network"] == {"id": network.pk, "name": "Test Collaborative"}
    assert (response.json()["service"], response.json()["body"]) == (None, None)


def test_invitation_of_a_coordinator_to_another_network_is_a_field_error(
    client, coordinator, other_network, django_capture_on_commit_callbacks
):
    response = invite_by_api(
        client,
        coordinator,
        django_capture_on_commit_callbacks,
        email="colleague@example.org",
        role="coordinator",
        network=other_network.pk,
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["network"]


def test_invitation_of_a_commissioner_to_a_body(
    client, coordinator, body, django_capture_on_commit_callbacks
):
    response = invite_by_api(
        client,
        coordinator,
        django_capture_on_commit_callbacks,
        email="reader@example.org",
        role="commissioner",
        body=body.pk,
    )

    assert response.status_code == 201
    assert response.json()["body"] == {"id": body.pk, "name": "North Shore ICB"}


def test_commissioner_cannot_invite_to_their_own_body(
    client, commissioner, body, django_capture_on_commit_callbacks
):
    response = invite_by_api(
        client,
        commissioner,
        django_capture_on_commit_callbacks,
        email="reader@example.org",
        role="commissioner",
        body=body.pk,
    )

    assert response.status_code == 403


@pytest.fixture
def sent(
    coordinator, service, other_service, body, network, elsewhere_coordinator, elsewhere_service
):
    """One invitation to each kind of target, from the coordinator; one elsewhere."""
    return {
        "willow": invitations.invite(
            invited_by=coordinator,
            email="w@example.org",
            role="staff",
            network=network,
            service=service,
        ),
        "oak": invitations.invite(
            invited_by=coordinator,
            email="o@example.org",
            role="staff",
            network=network,
            service=other_service,
        ),
        "body": invitations.invite(
            invited_by=coordinator,
            email="b@example.org",
            role="commissioner",
            network=network,
            body=body,
        ),
        "network": invitations.invite(
            invited_by=coordinator, email="n@example.org", role="coordinator", network=network
        ),
        "elsewhere": invitations.invite(
            invited_by=elsewhere_coordinator,
            email="e@example.org",
            role="staff",
            network=elsewhere_service.network,
            service=elsewhere_service,
        ),
    }


def invitation_emails(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["email"] for row in response.json()["results"])


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("coordinator", ["b@example.org", "n@example.org", "o@example.org", "w@example.org"]),
        ("elsewhere_coordinator", ["e@example.org"]),
        ("service_lead", ["w@example.org"]),
        ("staff", []),
        ("lived_experience", []),
        ("commissioner", []),
        ("outsider", []),
    ],
)
def test_invitations_list_shows_only_those_you_manage(client, everyone, sent, person, expected):
    response = signed_in(client, everyone[person]).get("/api/v1/invitations/")

    assert invitation_emails(response) == expected


def test_invitations_filter_by_status_and_service(client, coordinator, sent, service):
    invitations.revoke(sent["oak"], by=coordinator)
    Invitation.objects.filter(pk=sent["body"].pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    client = signed_in(client, coordinator)

    def listed(**params):
        return invitation_emails(client.get("/api/v1/invitations/", params))

    assert listed(status="pending") == ["n@example.org", "w@example.org"]
    assert listed(status="revoked") == ["o@example.org"]
    assert listed(status="expired") == ["b@example.org"]
    assert listed(service=service.pk) == ["w@example.org"]
    assert listed(role="coordinator") == ["n@example.org"]


@pytest.mark.parametrize("person", ["staff", "outsider", "commissioner"])
def test_invitation_detail_you_do_not_manage_is_404(client, everyone, sent, person):
    response = signed_in(client, everyone[person]).get(f"/api/v1/invitations/{sent['willow'].pk}/")

    assert response.status_code == 404


def test_invitation_of_another_service_is_404_to_a_service_lead(client, service_lead, sent):
    client = signed_in(client, service_lead)

    detail = client.get(f"/api/v1/invitations/{sent['oak'].pk}/")
    revoke = client.post(f"/api/v1/invitations/{sent['oak'].pk}/revoke/")

    assert (detail.status_code, revoke.status_code) == (404, 404)
    assert Invitation.objects.get(pk=sent["oak"].pk).revoked_at is None


def test_invitation_resend_sends_a_new_link_and_the_old_one_stops_working(
    client, service_lead, service, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invite(
            invited_by=service_lead,
            email="x@example.org",
            role="staff",
            network=service.network,
            service=service,
        )
    client = signed_in(client, service_lead)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/invitations/{invitation.pk}/resend/")

    assert response.status_code == 200
    assert response.json()["id"] == invitation.pk
    assert len(mail.outbox) == 2
    assert invitations.find(token_from(mail.outbox[0])) is None
    assert invitations.find(token_from(mail.outbox[1])) == invitation


def test_invitation_resend_of_a_withdrawn_invitation_is_a_conflict(
    client, coordinator, sent, django_capture_on_commit_callbacks
):
    invitations.revoke(sent["willow"], by=coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(client, coordinator).post(
            f"/api/v1/invitations/{sent['willow'].pk}/resend/"
        )

    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict",
        "message": "This invitation has been used or withdrawn.",
    }
    assert mail.outbox == []


def test_invitation_revoke_by_coordinator(client, coordinator, sent):
    response = signed_in(client, coordinator).post(
        f"/api/v1/invitations/{sent['willow'].pk}/revoke/"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert invitations.problem_with(Invitation.objects.get(pk=sent["willow"].pk))


def test_invitation_revoke_of_a_lead_invitation_by_a_service_lead_is_forbidden(
    client, coordinator, service_lead, service
):
    invitation = invitations.invite(
        invited_by=coordinator,
        email="co.lead@example.org",
        role="service_lead",
        network=service.network,
        service=service,
    )

    response = signed_in(client, service_lead).post(f"/api/v1/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 403
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


def test_invitation_revoke_after_it_was_used_is_a_conflict(client, coordinator, sent):
    invitations.accept(sent["willow"], UserFactory(email="w@example.org"))

    response = signed_in(client, coordinator).post(
        f"/api/v1/invitations/{sent['willow'].pk}/revoke/"
    )

    assert response.status_code == 409
    assert Invitation.objects.get(pk=sent["willow"].pk).revoked_at is None


# /me/ ---------------------------------------------------------------------------------------


def test_me_for_a_service_lead_lists_their_membership(client, service_lead, service):
    response = signed_in(client, service_lead).get("/api/v1/me/")

    body = response.json()
    assert (body["email"], body["name"]) == ("lead@example.org", service_lead.name)
    assert [(m["service"], m["role"]) for m in body["memberships"]] == [
        ({"id": service.pk, "name": "Willow House"}, "service_lead")
    ]
    assert (body["coordinator_networks"], body["commissioning_bodies"]) == ([], [])


def test_me_for_a_coordinator_and_commissioner(client, coordinator, network, body):
    roles.join_commissioning_body(coordinator, body)

    body_json = signed_in(client, coordinator).get("/api/v1/me/").json()

    assert body_json["memberships"] == []
    assert body_json["coordinator_networks"] == [{"id": network.pk, "name": "Test Collaborative"}]
    assert body_json["commissioning_bodies"] == [{"id": body.pk, "name": "North Shore ICB"}]


def test_me_leaves_out_ended_roles(client, staff, service):
    roles.leave_service(Membership.objects.get(user=staff))

    response = signed_in(client, staff).get("/api/v1/me/")

    assert response.json()["memberships"] == []


def test_me_for_an_outsider_has_no_roles(client, outsider):
    body = signed_in(client, outsider).get("/api/v1/me/").json()

    assert body == {
        "id": outsider.pk,
        "email": "outsider@example.org",
        "name": outsider.name,
        "memberships": [],
        "coordinator_networks": [],
        "commissioning_bodies": [],
    }


# Query counts: equal at two sizes ------------------------------------------------------------


def test_organisations_list_query_count_is_constant(client, coordinator):
    OrganisationFactory.create_batch(2)
    client = signed_in(client, coordinator)
    client.get("/api/v1/organisations/")
    small = list_queries(client, "/api/v1/organisations/", 2)

    OrganisationFactory.create_batch(10)
    large = list_queries(client, "/api/v1/organisations/", 12)

    assert small == large


def test_organisations_list_query_count_is_constant_for_team_members(client, network):
    person = UserFactory()
    for service in ServiceFactory.create_batch(2, network=network):
        roles.join_service(person, service, Membership.Role.STAFF)
    client = signed_in(client, person)
    client.get("/api/v1/organisations/")
    small = list_queries(client, "/api/v1/organisations/", 2)

    for service in ServiceFactory.create_batch(10, network=network):
        roles.join_service(person, service, Membership.Role.STAFF)
    large = list_queries(client, "/api/v1/organisations/", 12)

    assert small == large


def test_services_list_query_count_is_constant(client, coordinator, network):
    ServiceFactory.create_batch(2, network=network)
    client = signed_in(client, coordinator)
    client.get("/api/v1/services/")
    small = list_queries(client, "/api/v1/services/", 2)

    ServiceFactory.create_batch(10, network=network)
    large = list_queries(client, "/api/v1/services/", 12)

    assert small == large


def test_commissioning_bodies_list_query_count_is_constant(client, coordinator, network):
    CommissioningBodyFactory.create_batch(2, network=network)
    client = signed_in(client, coordinator)
    client.get("/api/v1/commissioning-bodies/")
    small = list_queries(client, "/api/v1/commissioning-bodies/", 2)

    CommissioningBodyFactory.create_batch(10, network=network)
    large = list_queries(client, "/api/v1/commissioning-bodies/", 12)

    assert small == large


def test_memberships_list_query_count_is_constant(client, coordinator, service):
    for person in UserFactory.create_batch(2):
        roles.join_service(person, service, Membership.Role.STAFF)
    client = signed_in(client, coordinator)
    client.get("/api/v1/memberships/")
    small = list_queries(client, "/api/v1/memberships/", 2)

    for person in UserFactory.create_batch(10):
        roles.join_service(person, service, Membership.Role.STAFF)
    large = list_queries(client, "/api/v1/memberships/", 12)

    assert small == large


def test_invitations_list_query_count_is_constant(client, coordinator, service, body):
    def send(count: int, start: int) -> None:
        for n in range(start, start + count):
            target = {"service": service} if n % 2 else {"body": body}
            invitations.invite(
                invited_by=coordinator,
                email=f"invitee{n}@example.org",
                role="staff" if n % 2 else "commissioner",
                network=service.network,
                **target,
            )

    send(2, 0)
    client = signed_in(client, coordinator)
    client.get("/api/v1/invitations/")
    small = list_queries(client, "/api/v1/invitations/", 2)

    send(10, 2)
    large = list_queries(client, "/api/v1/invitations/", 12)

    assert small == large


def test_me_query_count_does_not_grow_with_roles(client, network):
    person = UserFactory()
    for service in ServiceFactory.create_batch(2, network=network):
        roles.join_service(person, service, Membership.Role.STAFF)
    client = signed_in(client, person)
    client.get("/api/v1/me/")
    with CaptureQueriesContext(connection) as small:
        assert len(client.get("/api/v1/me/").json()["memberships"]) == 2

    for service in ServiceFactory.create_batch(10, network=network):
        roles.join_service(person, service, Membership.Role.STAFF)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/v1/me/").json()["memberships"]) == 12

    assert len(small.captured_queries) == len(large.captured_queries)


# Lived-experience status is not shown to other team members -------------------------------


def test_team_members_do_not_see_who_has_lived_experience(
    client, service, service_lead, staff, lived_experience
):
    body = signed_in(client, staff).get("/api/v1/memberships/", {"service": service.pk}).json()

    rows = {row["user"]["id"]: row for row in body["results"]}
    assert rows[lived_experience.pk]["role"] is None
    assert rows[lived_experience.pk]["user"]["email"] is None
    assert rows[service_lead.pk]["role"] == "service_lead"
    assert rows[staff.pk]["role"] == "staff"  # their own
    assert rows[staff.pk]["user"]["email"] == staff.email


def test_filtering_by_role_does_not_reveal_lived_experience(
    client, service, staff, lived_experience
):
    body = signed_in(client, staff).get("/api/v1/memberships/", {"role": "lived_experience"}).json()

    assert body["results"] == []


def test_service_lead_sees_roles_and_emails_of_their_team(
    client, service, service_lead, lived_experience
):
    body = (
        signed_in(client, service_lead)
        .get("/api/v1/memberships/", {"role": "lived_experience"})
        .json()
    )

    assert [row["user"]["email"] for row in body["results"]] == [lived_experience.email]
    assert body["results"][0]["role"] == "lived_experience"
