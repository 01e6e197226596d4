"""Reviewer allocation in the API (reviews/api/allocation.py): profiles, conflicts, proposals,
assignments and the cycle's ledger, for each member of the cast."""

from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews import allocation, workflow
from reviews.models import Assignment, Conflict, Proposal, Review, ReviewerProfile
from tests.factories import OrganisationFactory, ServiceFactory, UserFactory

JSON = "application/json"
CAST = [
    "service_lead",
    "staff",
    "lived_experience",
    "reviewer",
    "lead_reviewer",
    "coordinator",
    "elsewhere_coordinator",
    "commissioner",
    "outsider",
]


# Arrangement helpers -----------------------------------------------------------------------


def profile_for(network, roles, *, email, capacity=2) -> ReviewerProfile:
    """A reviewer from a service of their own, in an organisation of their own."""
    home = ServiceFactory(network=network, organisation=OrganisationFactory(), region="london")
    return ReviewerProfile.objects.create(
        user=UserFactory(email=email),
        home_service=home,
        roles=roles,
        trained_on=date(2026, 1, 1),
        capacity=capacity,
    )


@pytest.fixture
def lead_reviewer(network):
    return profile_for(network, ["lead", "peer"], email="lead.reviewer@example.org").user


@pytest.fixture
def reviewer(network):
    return profile_for(network, ["peer"], email="reviewer@example.org").user


@pytest.fixture
def pool(lead_reviewer, reviewer, network):
    """A full team's worth: the cast's two reviewers, another peer and an expert by experience."""
    return {
        "lead": lead_reviewer.reviewer_profile,
        "peer1": reviewer.reviewer_profile,
        "peer2": profile_for(network, ["peer"], email="peer.two@example.org"),
        "expert": profile_for(network, ["expert"], email="expert@example.org"),
    }


@pytest.fixture
def elsewhere_coordinator(other_network):
    from assurance import roles

    person = UserFactory(email="elsewhere.coordinator@example.org")
    roles.appoint_coordinator(person, other_network)
    return person


@pytest.fixture
def everyone(request, pool):
    return {name: request.getfixturevalue(name) for name in CAST}


@pytest.fixture
def submitted(answered_review, service_lead):
    workflow.transition(answered_review, Review.Status.SUBMITTED, by=service_lead)
    return answered_review


@pytest.fixture
def invitations(submitted, pool, coordinator, django_capture_on_commit_callbacks):
    """The pool invited to the submitted review, through the allocation write path."""
    with django_capture_on_commit_callbacks(execute=True):
        proposal = allocation.request_proposal(submitted.cycle, by=coordinator)
    proposal.refresh_from_db()
    created = allocation.confirm(proposal, by=coordinator)
    return {a.reviewer.user.email: a for a in created}


def signed_in(client, person):
    client.force_login(person)
    return client


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


def queries(client, url: str, **params) -> tuple[int, int]:
    client.get(url, params)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), len(response.json()["results"])


def post(client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type=JSON)


def patch(client, url: str, data: dict):
    return client.patch(url, data, content_type=JSON)


# Every list -----------------------------------------------------------------------------------

LISTS = ["/api/v1/reviewer-profiles/", "/api/v1/conflicts/", "/api/v1/proposals/"]
LISTS += ["/api/v1/assignments/"]


@pytest.mark.parametrize("url", LISTS)
def test_allocation_lists_refuse_unauthenticated_requests(client, db, url):
    response = client.get(url)

    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"


# Reviewer profiles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "sees"),
    [
        ("coordinator", {"lead", "peer1", "peer2", "expert"}),
        ("reviewer", {"peer1"}),
        ("lead_reviewer", {"lead"}),
        ("service_lead", set()),
        ("elsewhere_coordinator", set()),
        ("commissioner", set()),
        ("outsider", set()),
    ],
)
def test_profiles_list_shows_own_or_the_coordinated_networks(client, everyone, pool, person, sees):
    response = signed_in(client, everyone[person]).get("/api/v1/reviewer-profiles/")

    assert ids(response) == sorted(pool[name].pk for name in sees)


def test_a_profile_someone_cannot_see_is_404(client, reviewer, pool):
    response = signed_in(client, reviewer).get(f"/api/v1/reviewer-profiles/{pool['lead'].pk}/")

    assert response.status_code == 404


def test_a_reviewer_changes_their_own_availability(client, reviewer):
    profile = reviewer.reviewer_profile
    response = patch(
        signed_in(client, reviewer),
        f"/api/v1/reviewer-profiles/{profile.pk}/",
        {"capacity": 3, "regions": ["north_west"], "active": False},
    )

    profile.refresh_from_db()
    assert response.status_code == 200, response.content
    assert (profile.capacity, profile.regions, profile.active) == (3, ["north_west"], False)


def test_a_reviewer_cannot_change_their_own_roles_or_training(client, reviewer):
    profile = reviewer.reviewer_profile
    response = patch(
        signed_in(client, reviewer),
        f"/api/v1/reviewer-profiles/{profile.pk}/",
        {"roles": ["lead"], "trained_on": "2020-01-01"},
    )

    profile.refresh_from_db()
    assert response.status_code == 403
    assert profile.roles == ["peer"]


def test_a_coordinator_changes_roles_and_training(client, coordinator, reviewer):
    profile = reviewer.reviewer_profile
    response = patch(
        signed_in(client, coordinator),
        f"/api/v1/reviewer-profiles/{profile.pk}/",
        {"roles": ["peer", "lead"], "training_expires": "2028-01-01"},
    )

    profile.refresh_from_db()
    assert response.status_code == 200, response.content
    assert profile.roles == ["lead", "peer"]
    assert profile.training_expires == date(2028, 1, 1)


@pytest.mark.parametrize(("person", "status"), [("outsider", 404), ("elsewhere_coordinator", 404)])
def test_patching_a_profile_one_cannot_see_is_404(client, everyone, pool, person, status):
    response = patch(
        signed_in(client, everyone[person]),
        f"/api/v1/reviewer-profiles/{pool['peer1'].pk}/",
        {"capacity": 9},
    )

    assert response.status_code == status


def test_a_coordinator_adds_a_member_to_the_pool(client, coordinator, staff, service):
    response = post(
        signed_in(client, coordinator),
        "/api/v1/reviewer-profiles/",
        {"user": staff.pk, "home_service": service.pk, "roles": ["peer"], "capacity": 1},
    )

    assert response.status_code == 201, response.content
    assert ReviewerProfile.objects.get(user=staff).roles == ["peer"]


@pytest.mark.parametrize("person", ["reviewer", "service_lead", "outsider"])
def test_only_coordinators_add_to_the_pool(client, everyone, staff, service, person):
    response = post(
        signed_in(client, everyone[person]),
        "/api/v1/reviewer-profiles/",
        {"user": staff.pk, "home_service": service.pk, "roles": ["peer"]},
    )

    assert response.status_code == 403
    assert not ReviewerProfile.objects.filter(user=staff).exists()


def test_someone_already_in_the_pool_cannot_be_added_twice(client, coordinator, reviewer, service):
    response = post(
        signed_in(client, coordinator),
        "/api/v1/reviewer-profiles/",
        {"user": reviewer.pk, "home_service": service.pk, "roles": ["peer"]},
    )

    assert response.status_code == 400
    assert "user" in response.json()["errors"]


# Conflicts --------------------------------------------------------------------------------------


def test_a_reviewer_declares_a_conflict_with_a_service(client, reviewer, service):
    response = post(
        signed_in(client, reviewer),
        "/api/v1/conflicts/",
        {"reviewer": reviewer.reviewer_profile.pk, "service": service.pk, "kind": "personal"},
    )

    assert response.status_code == 201, response.content
    conflict = Conflict.objects.get()
    assert (conflict.service, conflict.declared_by, conflict.blocking) == (service, reviewer, True)


@pytest.mark.parametrize(
    "named", [{}, {"service": "S", "organisation": "O"}], ids=["neither", "both"]
)
def test_a_conflict_names_a_service_or_an_organisation(client, reviewer, service, named):
    data = {"reviewer": reviewer.reviewer_profile.pk, "kind": "employment"}
    data |= {
        key: service.pk if value == "S" else service.organisation_id for key, value in named.items()
    }

    response = post(signed_in(client, reviewer), "/api/v1/conflicts/", data)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"service", "organisation"}
    assert not Conflict.objects.exists()


def test_a_coordinator_declares_a_conflict_for_a_reviewer_in_their_network(
    client, coordinator, reviewer, organisation
):
    response = post(
        signed_in(client, coordinator),
        "/api/v1/conflicts/",
        {
            "reviewer": reviewer.reviewer_profile.pk,
            "organisation": organisation.pk,
            "kind": "commissioning",
            "blocking": False,
        },
    )

    assert response.status_code == 201, response.content
    assert Conflict.objects.get().declared_by == coordinator


@pytest.mark.parametrize("person", ["lead_reviewer", "elsewhere_coordinator", "outsider"])
def test_a_conflict_for_someone_else_names_an_unknown_reviewer(
    client, everyone, reviewer, service, person
):
    response = post(
        signed_in(client, everyone[person]),
        "/api/v1/conflicts/",
        {"reviewer": reviewer.reviewer_profile.pk, "service": service.pk, "kind": "other"},
    )

    assert response.status_code == 400
    assert "reviewer" in response.json()["errors"]


@pytest.mark.parametrize(
    ("person", "status", "sees"),
    [
        ("reviewer", 204, True),
        ("coordinator", 204, True),
        ("lead_reviewer", 404, False),
        ("elsewhere_coordinator", 404, False),
        ("outsider", 404, False),
    ],
)
def test_conflicts_are_seen_and_removed_by_their_reviewer_and_coordinators(
    client, everyone, reviewer, service, person, status, sees
):
    conflict = Conflict.objects.create(
        reviewer=reviewer.reviewer_profile, service=service, kind="personal", declared_by=reviewer
    )
    client = signed_in(client, everyone[person])

    listed = ids(client.get("/api/v1/conflicts/"))
    deleted = client.delete(f"/api/v1/conflicts/{conflict.pk}/")

    assert listed == ([conflict.pk] if sees else [])
    assert deleted.status_code == status
    assert Conflict.objects.exists() is not sees


# Proposals --------------------------------------------------------------------------------------


def test_a_coordinator_asks_for_a_proposal_and_it_becomes_ready(
    client, coordinator, submitted, pool, django_capture_on_commit_callbacks
):
    client = signed_in(client, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        asked = post(client, "/api/v1/proposals/", {"cycle": submitted.cycle_id})
    shown = client.get(f"/api/v1/proposals/{asked.json()['id']}/")

    assert asked.status_code == 201, asked.content
    assert asked.json()["status"] == "queued"
    assert shown.json()["status"] == "ready"
    roles = sorted(item["role"] for item in shown.json()["result"]["assignments"])
    assert roles == ["expert", "lead", "peer", "peer"]
    assert ids(client.get("/api/v1/proposals/", {"cycle": submitted.cycle_id})) == [
        asked.json()["id"]
    ]


def test_a_proposal_with_no_review_waiting_is_409(client, coordinator, review):
    response = post(
        signed_in(client, coordinator), "/api/v1/proposals/", {"cycle": review.cycle_id}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "allocation_refused"
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("person", "status"),
    [("reviewer", 403), ("service_lead", 403), ("elsewhere_coordinator", 400), ("outsider", 403)],
)
def test_only_the_networks_coordinators_ask_for_proposals(
    client, everyone, submitted, person, status
):
    response = post(
        signed_in(client, everyone[person]), "/api/v1/proposals/", {"cycle": submitted.cycle_id}
    )

    assert response.status_code == status
    assert not Proposal.objects.exists()


@pytest.fixture
def ready_proposal(submitted, pool, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = allocation.request_proposal(submitted.cycle, by=coordinator)
    proposal.refresh_from_db()
    return proposal


@pytest.mark.parametrize("person", ["reviewer", "service_lead", "elsewhere_coordinator"])
def test_proposals_are_invisible_to_all_but_coordinators(client, everyone, ready_proposal, person):
    client = signed_in(client, everyone[person])

    assert ids(client.get("/api/v1/proposals/")) == []
    assert client.get(f"/api/v1/proposals/{ready_proposal.pk}/").status_code == 404
    assert post(client, f"/api/v1/proposals/{ready_proposal.pk}/confirm/").status_code == 404


def test_confirming_a_proposal_invites_the_team(
    client, coordinator, ready_proposal, pool, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            signed_in(client, coordinator), f"/api/v1/proposals/{ready_proposal.pk}/confirm/"
        )

    assert response.status_code == 200, response.content
    assert sorted(row["role"] for row in response.json()) == ["expert", "lead", "peer", "peer"]
    assert {row["status"] for row in response.json()} == {"invited"}
    assert len(mail.outbox) == 4


def test_confirming_a_stale_proposal_is_409_with_what_changed(
    client, coordinator, ready_proposal, pool, submitted
):
    Conflict.objects.create(reviewer=pool["expert"], service=submitted.service, kind="personal")

    response = post(
        signed_in(client, coordinator), f"/api/v1/proposals/{ready_proposal.pk}/confirm/"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "stale_proposal"
    assert "Ask for a new proposal." in response.json()["differences"]
    assert not Assignment.objects.exists()


def test_confirming_twice_is_409(client, coordinator, ready_proposal):
    client = signed_in(client, coordinator)
    post(client, f"/api/v1/proposals/{ready_proposal.pk}/confirm/")

    again = post(client, f"/api/v1/proposals/{ready_proposal.pk}/confirm/")

    assert again.status_code == 409
    assert again.json()["code"] == "allocation_refused"


# Assignments ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "count"),
    [
        ("reviewer", 1),
        ("lead_reviewer", 1),
        ("coordinator", 4),
        ("service_lead", 0),
        ("elsewhere_coordinator", 0),
        ("outsider", 0),
    ],
)
def test_assignments_list_shows_own_invitations_or_the_networks(
    client, everyone, invitations, person, count
):
    response = signed_in(client, everyone[person]).get("/api/v1/assignments/")

    assert len(ids(response)) == count


def test_assignments_filter_by_status_and_cycle(client, coordinator, invitations, submitted):
    client = signed_in(client, coordinator)

    invited = ids(client.get("/api/v1/assignments/", {"status": "invited"}))
    accepted = ids(client.get("/api/v1/assignments/", {"status": "accepted"}))
    in_cycle = ids(client.get("/api/v1/assignments/", {"cycle": submitted.cycle_id}))

    assert (len(invited), accepted, len(in_cycle)) == (4, [], 4)


def test_accepting_an_invitation_gives_the_review(client, reviewer, invitations, submitted):
    mine = invitations[reviewer.email]

    response = post(signed_in(client, reviewer), f"/api/v1/assignments/{mine.pk}/accept/")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert client.get(f"/api/v1/reviews/{submitted.pk}/").status_code == 200


def test_declining_needs_a_reason(client, reviewer, invitations):
    mine = invitations[reviewer.email]
    client = signed_in(client, reviewer)

    refused = post(client, f"/api/v1/assignments/{mine.pk}/decline/", {"reason": "  "})
    declined = post(client, f"/api/v1/assignments/{mine.pk}/decline/", {"reason": "On leave."})

    assert refused.status_code == 409
    assert refused.json()["message"] == "Say briefly why you cannot take part."
    assert declined.status_code == 200
    assert (declined.json()["status"], declined.json()["decline_reason"]) == (
        "declined",
        "On leave.",
    )


def test_answering_twice_is_409(client, reviewer, invitations):
    mine = invitations[reviewer.email]
    client = signed_in(client, reviewer)
    post(client, f"/api/v1/assignments/{mine.pk}/accept/")

    again = post(client, f"/api/v1/assignments/{mine.pk}/decline/", {"reason": "Changed mind."})

    assert again.status_code == 409
    assert again.json()["code"] == "allocation_refused"


@pytest.mark.parametrize(
    ("person", "status"),
    [("coordinator", 403), ("lead_reviewer", 404), ("elsewhere_coordinator", 404)],
)
def test_only_the_person_invited_answers(client, everyone, reviewer, invitations, person, status):
    mine = invitations[reviewer.email]

    response = post(signed_in(client, everyone[person]), f"/api/v1/assignments/{mine.pk}/accept/")

    mine.refresh_from_db()
    assert response.status_code == status
    assert mine.status == Assignment.Status.INVITED


@pytest.mark.parametrize(
    ("person", "status"),
    [("coordinator", 200), ("reviewer", 403), ("outsider", 404), ("elsewhere_coordinator", 404)],
)
def test_coordinators_withdraw_a_place(client, everyone, reviewer, invitations, person, status):
    mine = invitations[reviewer.email]

    response = post(
        signed_in(client, everyone[person]),
        f"/api/v1/assignments/{mine.pk}/withdraw/",
        {"reason": "A conflict came to light."},
    )

    mine.refresh_from_db()
    assert response.status_code == status
    assert (mine.status == Assignment.Status.WITHDRAWN) is (status == 200)


# The cycle's ledger -----------------------------------------------------------------------------


def test_the_ledger_counts_accepted_places_given_and_received(
    client, coordinator, invitations, submitted
):
    for assignment in list(invitations.values())[:3]:
        allocation.respond(assignment, by=assignment.reviewer.user, accept=True)

    response = signed_in(client, coordinator).get(f"/api/v1/cycles/{submitted.cycle_id}/ledger/")

    rows = {
        row["service"]["id"]: (row["given_now"], row["received_now"], row["balance"])
        for row in response.json()
    }
    assert response.status_code == 200
    assert rows[submitted.service_id] == (0, 3, -3)
    assert sum(given for given, _, _ in rows.values()) == 3


def test_the_ledger_refuses_unauthenticated_requests(client, cycle):
    response = client.get(f"/api/v1/cycles/{cycle.pk}/ledger/")

    assert response.status_code == 403


@pytest.mark.parametrize("person", ["reviewer", "service_lead", "elsewhere_coordinator"])
def test_the_ledger_is_for_the_networks_coordinators(client, everyone, cycle, person):
    response = signed_in(client, everyone[person]).get(f"/api/v1/cycles/{cycle.pk}/ledger/")

    assert response.status_code == 404


# Query counts ------------------------------------------------------------------------------------


def _more_profiles(network, count: int, start: int) -> list[ReviewerProfile]:
    return [
        profile_for(network, ["peer"], email=f"pool{n}@example.org")
        for n in range(start, start + count)
    ]


def test_profiles_and_conflicts_lists_queries_do_not_grow_with_rows(
    client, coordinator, network, service
):
    client = signed_in(client, coordinator)

    def add(count, start):
        for profile in _more_profiles(network, count, start):
            Conflict.objects.create(
                reviewer=profile, service=service, kind="other", declared_by=coordinator
            )

    add(2, 0)
    small = (queries(client, "/api/v1/reviewer-profiles/"), queries(client, "/api/v1/conflicts/"))
    add(10, 2)
    large = (queries(client, "/api/v1/reviewer-profiles/"), queries(client, "/api/v1/conflicts/"))

    assert [rows for _, rows in small] == [2, 2]
    assert [rows for _, rows in large] == [12, 12]
    assert [n for n, _ in small] == [n for n, _ in large]


def test_proposals_and_assignments_lists_queries_do_not_grow_with_rows(
    client, coordinator, network, review
):
    client = signed_in(client, coordinator)

    def add(count, start):
        for profile in _more_profiles(network, count, start):
            proposal = Proposal.objects.create(cycle=review.cycle, requested_by=coordinator)
            Assignment.objects.create(
                review=review, reviewer=profile, role="peer", proposal=proposal
            )

    add(2, 0)
    small = (queries(client, "/api/v1/proposals/"), queries(client, "/api/v1/assignments/"))
    add(10, 2)
    large = (queries(client, "/api/v1/proposals/"), queries(client, "/api/v1/assignments/"))

    assert [rows for _, rows in small] == [2, 2]
    assert [rows for _, rows in large] == [12, 12]
    assert [n for n, _ in small] == [n for n, _ in large]
