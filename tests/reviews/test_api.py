"""The review cycle's API: cycles, reviews and their moves, responses, perspectives, progress on
last cycle's actions and evidence, for each member of the cast."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assurance import roles
from assurance.models import Membership
from reviews import self_assessment, workflow
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.models import (
    Action,
    ActionProgress,
    Cycle,
    Evidence,
    Perspective,
    Rating,
    Response,
    Review,
    ReviewEvent,
)
from standards.yaml_format import import_framework
from tests.factories import ServiceFactory, UserFactory
from tests.reviews.conftest import as_published

CAST = [
    "service_lead",
    "staff",
    "lived_experience",
    "reviewer",
    "coordinator",
    "elsewhere_coordinator",
    "commissioner",
    "outsider",
]
SEES_REVIEW = {"service_lead", "staff", "lived_experience", "coordinator"}
JSON = "application/json"


# Arrangement helpers -----------------------------------------------------------------------


@pytest.fixture
def reviewer(other_service):
    """Until reviewer allocation arrives, a reviewer is a member of another service."""
    person = UserFactory(email="reviewer@example.org")
    roles.join_service(person, other_service, Membership.Role.STAFF)
    return person


@pytest.fixture
def elsewhere_coordinator(other_network):
    person = UserFactory(email="elsewhere.coordinator@example.org")
    roles.appoint_coordinator(person, other_network)
    return person


@pytest.fixture
def everyone(request, review):
    return {name: request.getfixturevalue(name) for name in CAST}


@pytest.fixture
def previous_review(network, service, version, coordinator):
    """The service's review in an earlier cycle, with text to carry and an open action.
    Enrolled before `review`, so `review.previous` points at it."""
    cycle = open_cycle(
        network=network,
        name="2026",
        versions=[version],
        **default_dates(network, date(2026, 1, 5)),
    )
    earlier = enrol(cycle, service, version, by=coordinator)
    first = earlier.responses.select_related("review").order_by("standard__order").first()
    self_assessment.save_response(
        first, by=coordinator, expected_version=1, narrative="Morning meetings."
    )
    self_assessment.add_perspective(
        first, by=coordinator, voice="staff", text="We value them.", method="group"
    )
    return as_published(earlier)


@pytest.fixture
def next_review(previous_review, network, service, version, coordinator):
    cycle = open_cycle(
        network=network,
        name="2027",
        versions=[version],
        **default_dates(network, date(2027, 1, 4)),
    )
    return enrol(cycle, service, version, by=coordinator)


def open_action(review: Review, title: str = "Weekly community meeting") -> Action:
    # Actions are agreed with the report (a later issue); until it exists, made directly.
    return Action.objects.create(review=review, title=title)


def framework_with(count: int, slug: str):
    standards = "".join(
        f"""
      - code: A-{n}
        title: Standard {n}
        statement: Statement {n}.
        type: essential"""
        for n in range(1, count + 1)
    )
    document = f"""
framework:
  slug: {slug}
  name: Framework {slug}
  version: "1.0"
domains:
  - code: A
    name: Arriving
    standards:{standards}
"""
    return import_framework(document.encode(), source=f"{slug}.yaml").version


def signed_in(client, person):
    client.force_login(person)
    return client


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def queries(client, url: str, **params) -> tuple[int, int]:
    """(number of queries, number of rows) of one list request, once caches are warm (the first
    request of a test loads content types and the session)."""
    client.get(url, params)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), len(response.json()["results"])


def patch(client, url: str, data: dict, **headers):
    return client.patch(url, data, content_type=JSON, headers=headers)


def answer_all(review: Review, by) -> None:
    for response in review.responses.select_related("review"):
        self_assessment.save_response(
            response, by=by, expected_version=response.version, rating=Rating.MET
        )


# Every route --------------------------------------------------------------------------------

LISTS = [
    "/api/v1/cycles/",
    "/api/v1/reviews/",
    "/api/v1/responses/",
    "/api/v1/perspectives/",
    "/api/v1/action-progress/",
    "/api/v1/evidence/",
]


@pytest.mark.parametrize("url", LISTS)
def test_lists_refuse_unauthenticated_requests(client, db, url):
    response = client.get(url)

    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"


def test_writes_refuse_unauthenticated_requests(client, review):
    response_id = review.responses.first().pk

    patched = patch(client, f"/api/v1/responses/{response_id}/", {"narrative": "x", "version": 1})
    moved = client.post(
        f"/api/v1/reviews/{review.pk}/transitions/", {"to": "submitted"}, content_type=JSON
    )

    assert patched.status_code == moved.status_code == 403
    assert patched.json()["code"] == moved.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("method", "url", "data", "status"),
    [
        ("get", "/api/v1/reviews/", {"status": "lost"}, 400),
        ("get", "/api/v1/reviews/", {"cycle": "north"}, 400),
        ("get", "/api/v1/reviews/not-a-number/", None, 404),
        ("get", "/api/v1/responses/", {"review": "x"}, 400),
        ("post", "/api/v1/cycles/", ["a", "list"], 400),
        ("post", "/api/v1/cycles/", {"network": {"id": 1}, "opens_on": "someday"}, 400),
        ("post", "/api/v1/perspectives/", {"response": "x", "people_count": -1}, 400),
        ("post", "/api/v1/action-progress/", {"review": None}, 400),
        ("delete", "/api/v1/reviews/1/", None, 405),
        ("put", "/api/v1/responses/1/", {"narrative": "x"}, 405),
    ],
)
def test_bad_requests_get_a_problem_body_never_a_500(
    client, coordinator, review, method, url, data, status
):
    client = signed_in(client, coordinator)

    if method == "get":
        response = client.get(url, data)
    else:
        response = getattr(client, method)(url, data, content_type=JSON)

    assert response.status_code == status
    assert set(response.json()) >= {"code", "message"}


# Cycles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("person", CAST)
def test_cycles_list_shows_what_the_policy_allows(client, everyone, cycle, person):
    response = signed_in(client, everyone[person]).get("/api/v1/cycles/")

    assert ids(response) == ([cycle.pk] if person in SEES_REVIEW else [])


def test_cycle_of_a_coordinators_network_is_listed_before_any_enrolment(client, coordinator, cycle):
    response = signed_in(client, coordinator).get(f"/api/v1/cycles/{cycle.pk}/")

    assert response.status_code == 200
    assert response.json()["name"] == "2027"
    assert response.json()["framework_versions"][0]["reference"] == (
        "developmental-relational-framework@2027.1"
    )


@pytest.mark.parametrize(
    "person", ["reviewer", "elsewhere_coordinator", "commissioner", "outsider"]
)
def test_cycle_someone_else_cannot_see_is_404(client, everyone, cycle, person):
    response = signed_in(client, everyone[person]).get(f"/api/v1/cycles/{cycle.pk}/")

    assert response.status_code == 404


def test_cycle_create_takes_missing_dates_from_the_networks_timeline(
    client, coordinator, network, version
):
    response = signed_in(client, coordinator).post(
        "/api/v1/cycles/",
        {
            "network": network.pk,
            "name": "2028",
            "framework_versions": [version.pk],
            "opens_on": "2028-01-03",
        },
        content_type=JSON,
    )

    assert response.status_code == 201, response.content
    cycle = Cycle.objects.get(name="2028")
    expected = default_dates(network, date(2028, 1, 3))
    assert response.json()["id"] == cycle.pk
    assert {name: getattr(cycle, name) for name in expected} == expected
    assert list(cycle.framework_versions.all()) == [version]


def test_cycle_create_with_dates_out_of_order_names_the_later_date(
    client, coordinator, network, version
):
    response = signed_in(client, coordinator).post(
        "/api/v1/cycles/",
        {
            "network": network.pk,
            "name": "2028",
            "framework_versions": [version.pk],
            "opens_on": "2028-03-01",
            "self_assessment_due": "2028-02-01",
        },
        content_type=JSON,
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"self_assessment_due"}
    assert not Cycle.objects.filter(name="2028").exists()


def test_cycle_create_opening_too_far_ahead_is_a_field_error(client, coordinator, network, version):
    response = signed_in(client, coordinator).post(
        "/api/v1/cycles/",
        {
            "network": network.pk,
            "name": "Far",
            "framework_versions": [version.pk],
            "opens_on": "9999-12-01",
        },
        content_type=JSON,
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"opens_on"}


def test_cycle_create_with_a_name_in_use_is_a_field_error(client, coordinator, cycle, version):
    response = signed_in(client, coordinator).post(
        "/api/v1/cycles/",
        {"network": cycle.network_id, "name": "2027", "framework_versions": [version.pk]},
        content_type=JSON,
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name"}


def test_cycle_create_in_a_network_not_coordinated_is_an_unknown_id(
    client, elsewhere_coordinator, network, version
):
    response = signed_in(client, elsewhere_coordinator).post(
        "/api/v1/cycles/",
        {"network": network.pk, "name": "2028", "framework_versions": [version.pk]},
        content_type=JSON,
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"network"}


@pytest.mark.parametrize("person", ["service_lead", "staff", "commissioner", "outsider"])
def test_cycle_create_is_forbidden_to_non_coordinators(client, everyone, network, version, person):
    response = signed_in(client, everyone[person]).post(
        "/api/v1/cycles/",
        {"network": network.pk, "name": "2028", "framework_versions": [version.pk]},
        content_type=JSON,
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_enrol_creates_the_review_in_self_assessment(
    client, coordinator, cycle, other_service, version
):
    response = signed_in(client, coordinator).post(
        f"/api/v1/cycles/{cycle.pk}/enrol/",
        {"service": other_service.pk, "framework_version": version.pk},
        content_type=JSON,
    )

    assert response.status_code == 201, response.content
    review = Review.objects.get(cycle=cycle, service=other_service)
    body = response.json()
    assert body["id"] == review.pk
    assert body["status"] == "self_assessment"
    assert body["progress"]["total"] == version.standards.count() == review.responses.count()
    assert [move["name"] for move in body["moves"]] == ["withdraw"]


def test_enrol_twice_is_a_field_error(client, coordinator, review, cycle, service, version):
    response = signed_in(client, coordinator).post(
        f"/api/v1/cycles/{cycle.pk}/enrol/",
        {"service": service.pk, "framework_version": version.pk},
        content_type=JSON,
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"service"}
    assert Review.objects.filter(service=service).count() == 1


def test_enrol_against_a_version_not_offered_is_a_field_error(
    client, coordinator, cycle, other_service
):
    other_version = framework_with(1, "other")

    response = signed_in(client, coordinator).post(
        f"/api/v1/cycles/{cycle.pk}/enrol/",
        {"service": other_service.pk, "framework_version": other_version.pk},
        content_type=JSON,
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"framework_version"}


def test_enrol_of_a_service_of_another_network_is_a_field_error(
    client, coordinator, cycle, other_network, version
):
    faraway = ServiceFactory(network=other_network)

    response = signed_in(client, coordinator).post(
        f"/api/v1/cycles/{cycle.pk}/enrol/",
        {"service": faraway.pk, "framework_version": version.pk},
        content_type=JSON,
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"service"}


@pytest.mark.parametrize(
    ("person", "status"),
    [("service_lead", 403), ("staff", 403), ("reviewer", 404), ("outsider", 404)],
)
def test_enrol_is_for_the_networks_coordinators(
    client, everyone, cycle, other_service, version, person, status
):
    response = signed_in(client, everyone[person]).post(
        f"/api/v1/cycles/{cycle.pk}/enrol/",
        {"service": other_service.pk, "framework_version": version.pk},
        content_type=JSON,
    )

    assert response.status_code == status
    assert not Review.objects.filter(service=other_service).exists()


def test_cycles_list_queries_do_not_grow_with_rows(client, coordinator, network, version):
    def open_cycles(names):
        for name in names:
            open_cycle(
                network=network,
                name=name,
                versions=[version],
                **default_dates(network, date(2027, 1, 4)),
            )

    client = signed_in(client, coordinator)
    open_cycles(["A", "B"])
    small = queries(client, "/api/v1/cycles/")
    open_cycles([f"C{n}" for n in range(10)])
    large = queries(client, "/api/v1/cycles/")

    assert (small[1], large[1]) == (2, 12)
    assert small[0] == large[0]


# Reviews ------------------------------------------------------------------------------------


@pytest.mark.parametrize("person", CAST)
def test_reviews_list_shows_what_the_policy_allows(client, everyone, review, person):
    response = signed_in(client, everyone[person]).get("/api/v1/reviews/")

    assert ids(response) == ([review.pk] if person in SEES_REVIEW else [])


@pytest.mark.parametrize(
    "person", ["reviewer", "elsewhere_coordinator", "commissioner", "outsider"]
)
def test_review_someone_else_cannot_see_is_404(client, everyone, review, person):
    response = signed_in(client, everyone[person]).get(f"/api/v1/reviews/{review.pk}/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


@pytest.mark.parametrize(
    ("person", "moves"),
    [
        ("service_lead", ["submit"]),
        ("staff", []),
        ("lived_experience", []),
        ("coordinator", ["withdraw"]),
    ],
)
def test_review_detail_offers_the_moves_open_to_the_caller(client, everyone, review, person, moves):
    response = signed_in(client, everyone[person]).get(f"/api/v1/reviews/{review.pk}/")

    assert response.status_code == 200
    assert [move["name"] for move in response.json()["moves"]] == moves


def test_review_detail_shows_progress_and_voices(client, staff, review):
    total = review.responses.count()
    first, second = review.responses.select_related("review").order_by("standard__order")[:2]
    self_assessment.save_response(first, by=staff, expected_version=1, rating=Rating.MET)
    self_assessment.add_perspective(
        second, by=staff, voice="families_carers", text="Calls each week.", method="one_to_one"
    )

    response = signed_in(client, staff).get(f"/api/v1/reviews/{review.pk}/")

    assert response.json()["progress"] == {
        "answered": 1,
        "total": total,
        "voices": {
            "staff": 0,
            "people_using_service": 0,
            "families_carers": 1,
            "partners": 0,
        },
    }


def test_reviews_filter_by_cycle_service_and_status(client, coordinator, review, other_service):
    other = enrol(review.cycle, other_service, review.framework_version, by=coordinator)
    answer_all(other, coordinator)
    lead = UserFactory()
    roles.join_service(lead, other_service, Membership.Role.SERVICE_LEAD)
    workflow.transition(other, "submitted", by=lead)
    client = signed_in(client, coordinator)

    def listed(**params):
        return ids(client.get("/api/v1/reviews/", params))

    assert sorted(listed(cycle=review.cycle_id)) == sorted([review.pk, other.pk])
    assert listed(service=other_service.pk) == [other.pk]
    assert listed(status="submitted") == [other.pk]
    assert listed(status="self_assessment") == [review.pk]
    assert listed(cycle=review.cycle_id + 1000) == []


def test_reviews_list_is_paged_by_cursor_newest_first(client, coordinator, review, other_service):
    other = enrol(review.cycle, other_service, review.framework_version, by=coordinator)
    client = signed_in(client, coordinator)

    first = client.get("/api/v1/reviews/", {"page_size": 1}).json()
    second = client.get(first["next"]).json()

    assert "cursor=" in first["next"]
    assert first["previous"] is None
    assert [row["id"] for row in first["results"]] == [other.pk]
    assert [row["id"] for row in second["results"]] == [review.pk]
    assert "count" not in first


def test_reviews_list_queries_do_not_grow_with_rows(client, coordinator, network, cycle):
    tiny = framework_with(1, "tiny")
    cycle.framework_versions.add(tiny)

    def enrol_services(count):
        for _n in range(count):
            enrol(cycle, ServiceFactory(network=network), tiny, by=coordinator)

    client = signed_in(client, coordinator)
    enrol_services(2)
    small = queries(client, "/api/v1/reviews/")
    enrol_services(10)
    large = queries(client, "/api/v1/reviews/")

    assert (small[1], large[1]) == (2, 12)
    assert small[0] == large[0]


# Moves --------------------------------------------------------------------------------------


def move(client, review, to: str, **data):
    return client.post(
        f"/api/v1/reviews/{review.pk}/transitions/", {"to": to, **data}, content_type=JSON
    )


def test_submit_with_unanswered_standards_lists_each_of_them(client, service_lead, review, staff):
    first = review.responses.select_related("review").order_by("standard__order").first()
    self_assessment.save_response(first, by=staff, expected_version=1, rating=Rating.MET)
    unanswered = list(
        review.responses.exclude(pk=first.pk)
        .order_by("standard__order")
        .values_list("standard_id", flat=True)
    )

    response = move(signed_in(client, service_lead), review, "submitted")

    body = response.json()
    assert response.status_code == 409
    assert body["code"] == "guards"
    assert body["message"]
    assert [problem["standard"] for problem in body["problems"]] == unanswered
    assert all(problem["message"] and problem["action"] is None for problem in body["problems"])
    review.refresh_from_db()
    assert review.status == Review.Status.SELF_ASSESSMENT


def test_submit_when_everything_is_answered_moves_the_review(client, service_lead, answered_review):
    response = move(signed_in(client, service_lead), answered_review, "submitted", note="Done.")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    assert response.json()["version"] == 2
    assert response.json()["moves"] == []
    event = ReviewEvent.objects.filter(review=answered_review).latest("pk")
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        "self_assessment",
        "submitted",
        service_lead,
        "Done.",
    )


def test_submit_needs_progress_on_last_cycles_open_actions(
    client, service_lead, previous_review, next_review
):
    action = open_action(previous_review)
    answer_all(next_review, service_lead)

    response = move(signed_in(client, service_lead), next_review, "submitted")

    assert response.status_code == 409
    assert [problem["action"] for problem in response.json()["problems"]] == [action.pk]


@pytest.mark.parametrize("person", ["staff", "lived_experience", "coordinator"])
def test_submit_is_forbidden_to_all_but_the_service_lead(client, everyone, answered_review, person):
    response = move(signed_in(client, everyone[person]), answered_review, "submitted")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    answered_review.refresh_from_db()
    assert answered_review.status == Review.Status.SELF_ASSESSMENT


@pytest.mark.parametrize("person", ["reviewer", "commissioner", "outsider"])
def test_moves_on_a_review_someone_cannot_see_are_404(client, everyone, answered_review, person):
    response = move(signed_in(client, everyone[person]), answered_review, "submitted")

    assert response.status_code == 404


def test_return_needs_a_note(client, service_lead, coordinator, answered_review):
    workflow.transition(answered_review, "submitted", by=service_lead)

    without = move(signed_in(client, coordinator), answered_review, "self_assessment")
    with_note = move(client, answered_review, "self_assessment", note="Please add voices.")

    assert without.status_code == 409
    assert without.json()["code"] == "guards"
    assert len(without.json()["problems"]) == 1
    assert with_note.status_code == 200
    assert with_note.json()["status"] == "self_assessment"


def test_a_move_not_in_the_table_is_a_conflict(client, service_lead, answered_review):
    workflow.transition(answered_review, "submitted", by=service_lead)

    response = move(signed_in(client, service_lead), answered_review, "submitted")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_move"
    assert "problems" not in response.json()


def test_a_move_from_a_stale_version_is_a_conflict(client, service_lead, answered_review):
    response = move(signed_in(client, service_lead), answered_review, "submitted", version=7)

    assert response.status_code == 409
    assert response.json()["code"] == "stale"
    answered_review.refresh_from_db()
    assert answered_review.status == Review.Status.SELF_ASSESSMENT


def test_a_move_to_no_stage_is_a_field_error(client, service_lead, review):
    response = move(signed_in(client, service_lead), review, "finished")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"to"}


def test_history_lists_every_move_oldest_first(client, service_lead, staff, answered_review):
    workflow.transition(answered_review, "submitted", by=service_lead, note="All yours.")

    response = signed_in(client, staff).get(f"/api/v1/reviews/{answered_review.pk}/history/")

    assert response.status_code == 200
    assert [(e["from_status"], e["to_status"]) for e in response.json()] == [
        (None, "self_assessment"),
        ("self_assessment", "submitted"),
    ]
    assert response.json()[1]["actor"] == {"id": service_lead.pk, "name": service_lead.name}
    assert response.json()[1]["note"] == "All yours."


def test_history_of_a_review_someone_cannot_see_is_404(client, outsider, review):
    response = signed_in(client, outsider).get(f"/api/v1/reviews/{review.pk}/history/")

    assert response.status_code == 404


# Carry forward ------------------------------------------------------------------------------


def test_carry_forward_copies_text_and_voices_never_ratings(client, staff, next_review):
    response = signed_in(client, staff).post(f"/api/v1/reviews/{next_review.pk}/carry-forward/")

    assert response.status_code == 200, response.content
    assert response.json() == {"responses": 1, "perspectives": 1}
    carried = next_review.responses.get(carried=True)
    assert (carried.narrative, carried.rating) == ("Morning meetings.", "")


def test_carry_forward_twice_is_a_conflict(client, staff, next_review):
    client = signed_in(client, staff)
    client.post(f"/api/v1/reviews/{next_review.pk}/carry-forward/")

    response = client.post(f"/api/v1/reviews/{next_review.pk}/carry-forward/")

    assert response.status_code == 409
    assert response.json()["code"] == "cannot_carry_forward"


def test_carry_forward_without_an_earlier_review_is_a_conflict(client, staff, review):
    response = signed_in(client, staff).post(f"/api/v1/reviews/{review.pk}/carry-forward/")

    assert response.status_code == 409
    assert response.json()["code"] == "cannot_carry_forward"


@pytest.mark.parametrize(
    ("person", "status"), [("lived_experience", 403), ("coordinator", 403), ("outsider", 404)]
)
def test_carry_forward_is_for_the_people_who_write_it(client, request, next_review, person, status):
    person = request.getfixturevalue(person)

    response = signed_in(client, person).post(f"/api/v1/reviews/{next_review.pk}/carry-forward/")

    assert response.status_code == status
    assert next_review.responses.filter(carried=True).count() == 0


# Responses ----------------------------------------------------------------------------------


@pytest.fixture
def response(review) -> Response:
    return review.responses.select_related("review").order_by("standard__order").first()


def response_url(response: Response) -> str:
    return f"/api/v1/responses/{response.pk}/"


@pytest.mark.parametrize("person", CAST)
def test_responses_list_shows_what_the_policy_allows(client, everyone, review, person):
    response = signed_in(client, everyone[person]).get("/api/v1/responses/", {"review": review.pk})

    expected = (
        list(review.responses.order_by("standard__order").values_list("pk", flat=True))
        if person in SEES_REVIEW
        else []
    )
    assert ids(response) == expected


def test_response_detail_carries_its_version_as_etag(client, lived_experience, response):
    reply = signed_in(client, lived_experience).get(response_url(response))

    assert reply.status_code == 200
    assert reply["ETag"] == '"1"'
    body = reply.json()
    assert body["standard"]["code"] == response.standard.code
    assert (body["rating"], body["answered"], body["version"]) == (None, False, 1)


@pytest.mark.parametrize("if_match", ['"1"', 'W/"1"', "1"])
def test_response_patch_with_if_match(client, staff, response, if_match):
    reply = patch(
        signed_in(client, staff),
        response_url(response),
        {"rating": "met", "narrative": "A named worker for everyone."},
        **{"If-Match": if_match},
    )

    assert reply.status_code == 200, reply.content
    assert reply["ETag"] == '"2"'
    assert reply.json()["version"] == 2
    assert reply.json()["answered"] is True
    response.refresh_from_db()
    assert (response.rating, response.narrative, response.updated_by) == (
        "met",
        "A named worker for everyone.",
        staff,
    )


def test_response_patch_with_version_in_the_body(client, service_lead, response):
    reply = patch(
        signed_in(client, service_lead),
        response_url(response),
        {"development_ideas": "More evening groups.", "version": 1},
    )

    assert reply.status_code == 200
    assert reply.json()["development_ideas"] == "More evening groups."
    assert reply["ETag"] == '"2"'


def test_response_patch_with_a_null_rating_clears_the_view(client, staff, response):
    self_assessment.save_response(response, by=staff, expected_version=1, rating=Rating.MET)

    reply = patch(signed_in(client, staff), response_url(response), {"rating": None, "version": 2})

    assert reply.status_code == 200
    assert (reply.json()["rating"], reply.json()["answered"]) == (None, False)
    response.refresh_from_db()
    assert response.rating == ""


def test_response_patch_without_a_version_is_428(client, staff, response):
    reply = patch(signed_in(client, staff), response_url(response), {"narrative": "Lost?"})

    assert reply.status_code == 428
    assert reply.json()["code"] == "version_required"
    response.refresh_from_db()
    assert response.narrative == ""


@pytest.mark.parametrize(
    ("data", "headers"),
    [
        ({"narrative": "x"}, {"If-Match": "*"}),
        ({"narrative": "x", "version": 2}, {"If-Match": "1"}),
    ],
)
def test_response_patch_with_an_unclear_version_is_a_field_error(
    client, staff, response, data, headers
):
    reply = patch(signed_in(client, staff), response_url(response), data, **headers)

    assert reply.status_code == 400
    assert set(reply.json()["errors"]) == {"version"}


def test_response_patch_from_a_stale_version_returns_the_current_one(client, staff, response):
    self_assessment.save_response(response, by=staff, expected_version=1, narrative="Saved first.")

    reply = patch(
        signed_in(client, staff),
        response_url(response),
        {"narrative": "Saved second.", "version": 1},
    )

    assert reply.status_code == 409
    body = reply.json()
    assert body["code"] == "stale"
    assert body["current"]["narrative"] == "Saved first."
    assert body["current"]["version"] == 2
    response.refresh_from_db()
    assert response.narrative == "Saved first."


def test_two_people_saving_the_same_version_one_wins_and_nothing_is_lost(
    client, staff, service_lead, response
):
    first, second = Client(), Client()
    first.force_login(staff)
    second.force_login(service_lead)

    replies = [
        patch(
            first, response_url(response), {"narrative": "Staff's words."}, **{"If-Match": '"1"'}
        ),
        patch(
            second,
            response_url(response),
            {"narrative": "The lead's words."},
            **{"If-Match": '"1"'},
        ),
    ]

    assert sorted(reply.status_code for reply in replies) == [200, 409]
    winner = next(reply for reply in replies if reply.status_code == 200).json()
    loser = next(reply for reply in replies if reply.status_code == 409).json()
    response.refresh_from_db()
    assert response.narrative == winner["narrative"] == loser["current"]["narrative"]
    assert response.version == 2


def test_response_not_applicable_without_a_reason_is_a_field_error(client, staff, response):
    reply = patch(
        signed_in(client, staff), response_url(response), {"rating": "not_applicable", "version": 1}
    )

    assert reply.status_code == 400
    assert set(reply.json()["errors"]) == {"not_applicable_reason"}
    response.refresh_from_db()
    assert (response.rating, response.version) == ("", 1)


def test_response_with_an_unknown_rating_is_a_field_error(client, staff, response):
    reply = patch(
        signed_in(client, staff), response_url(response), {"rating": "great", "version": 1}
    )

    assert reply.status_code == 400
    assert set(reply.json()["errors"]) == {"rating"}


def test_response_patch_after_submit_is_a_conflict(client, staff, service_lead, answered_review):
    workflow.transition(answered_review, "submitted", by=service_lead)
    response = answered_review.responses.first()

    reply = patch(
        signed_in(client, staff),
        response_url(response),
        {"narrative": "Too late.", "version": response.version},
    )

    assert reply.status_code == 409
    assert reply.json()["code"] == "not_editable"
    response.refresh_from_db()
    assert response.narrative != "Too late."


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("lived_experience", 403),
        ("coordinator", 403),
        ("reviewer", 404),
        ("elsewhere_coordinator", 404),
        ("commissioner", 404),
        ("outsider", 404),
    ],
)
def test_response_patch_is_for_the_people_who_write_it(client, everyone, response, person, status):
    reply = patch(
        signed_in(client, everyone[person]),
        response_url(response),
        {"narrative": "x", "version": 1},
    )

    assert reply.status_code == status
    response.refresh_from_db()
    assert response.narrative == ""


def test_responses_list_queries_do_not_grow_with_standards(
    client, coordinator, cycle, service, other_service, staff
):
    small_version, large_version = framework_with(1, "one"), framework_with(40, "forty")
    cycle.framework_versions.add(small_version, large_version)
    small_review = enrol(cycle, service, small_version, by=coordinator)
    large_review = enrol(cycle, other_service, large_version, by=coordinator)
    for review in (small_review, large_review):
        for response in review.responses.select_related("review"):
            self_assessment.save_response(
                response, by=coordinator, expected_version=1, rating="met"
            )
            self_assessment.add_perspective(
                response, by=staff, voice="staff", text="Said so.", method="group"
            )
    client = signed_in(client, coordinator)

    small = queries(client, "/api/v1/responses/", review=small_review.pk)
    large = queries(client, "/api/v1/responses/", review=large_review.pk)

    assert (small[1], large[1]) == (1, 40)
    assert small[0] == large[0]


# Perspectives -------------------------------------------------------------------------------


def perspective_data(response: Response, **changes) -> dict:
    return {
        "response": response.pk,
        "voice": "people_using_service",
        "text": "We feel listened to at the community meeting.",
        "people_count": 8,
        "method": "group",
        "co_produced": True,
        **changes,
    }


@pytest.fixture
def perspective(response, staff) -> Perspective:
    return self_assessment.add_perspective(
        response, by=staff, voice="staff", text="We keep to the times we agree.", method="written"
    )


def test_perspective_create_by_a_lived_experience_contributor(client, lived_experience, response):
    reply = signed_in(client, lived_experience).post(
        "/api/v1/perspectives/", perspective_data(response), content_type=JSON
    )

    assert reply.status_code == 201, reply.content
    created = Perspective.objects.get()
    assert reply.json()["id"] == created.pk
    assert reply["ETag"] == '"1"'
    assert (created.voice, created.people_count, created.co_produced, created.added_by) == (
        "people_using_service",
        8,
        True,
        lived_experience,
    )


@pytest.mark.parametrize(
    ("person", "status"), [("coordinator", 403), ("reviewer", 400), ("outsider", 400)]
)
def test_perspective_create_is_for_the_service_team(client, everyone, response, person, status):
    reply = signed_in(client, everyone[person]).post(
        "/api/v1/perspectives/", perspective_data(response), content_type=JSON
    )

    # A response of a review the person cannot see is an unknown id, as for every body field.
    assert reply.status_code == status
    if status == 400:
        assert set(reply.json()["errors"]) == {"response"}
    assert not Perspective.objects.exists()


def test_perspective_create_with_bad_input_gives_field_errors(client, staff, response):
    reply = signed_in(client, staff).post(
        "/api/v1/perspectives/",
        perspective_data(response, voice="everyone", text="", people_count=0, method=""),
        content_type=JSON,
    )

    assert reply.status_code == 400
    assert set(reply.json()["errors"]) == {"voice", "text", "people_count", "method"}


def test_perspective_create_after_submit_is_a_conflict(
    client, staff, service_lead, answered_review
):
    workflow.transition(answered_review, "submitted", by=service_lead)

    reply = signed_in(client, staff).post(
        "/api/v1/perspectives/",
        perspective_data(answered_review.responses.first()),
        content_type=JSON,
    )

    assert reply.status_code == 409
    assert reply.json()["code"] == "not_editable"


def test_perspectives_list_by_response_and_by_review(client, staff, review, perspective):
    other_response = review.responses.exclude(pk=perspective.response_id).first()
    other = self_assessment.add_perspective(
        other_response, by=staff, voice="partners", text="Good links.", method="survey"
    )
    client = signed_in(client, staff)

    assert ids(client.get("/api/v1/perspectives/", {"response": other_response.pk})) == [other.pk]
    assert sorted(ids(client.get("/api/v1/perspectives/", {"review": review.pk}))) == sorted(
        [perspective.pk, other.pk]
    )


@pytest.mark.parametrize("person", CAST)
def test_perspectives_list_shows_what_the_policy_allows(client, everyone, perspective, person):
    reply = signed_in(client, everyone[person]).get("/api/v1/perspectives/")

    assert ids(reply) == ([perspective.pk] if person in SEES_REVIEW else [])


def test_perspective_patch_with_if_match(client, staff, perspective):
    reply = patch(
        signed_in(client, staff),
        f"/api/v1/perspectives/{perspective.pk}/",
        {"text": "We keep to the times we agree, mostly."},
        **{"If-Match": '"1"'},
    )

    assert reply.status_code == 200, reply.content
    assert reply["ETag"] == '"2"'
    perspective.refresh_from_db()
    assert perspective.text == "We keep to the times we agree, mostly."
    assert perspective.voice == "staff"


def test_perspective_patch_from_a_stale_version_returns_the_current_one(client, staff, perspective):
    self_assessment.update_perspective(perspective, by=staff, expected_version=1, text="First.")

    reply = patch(
        signed_in(client, staff),
        f"/api/v1/perspectives/{perspective.pk}/",
        {"text": "Second.", "version": 1},
    )

    assert reply.status_code == 409
    assert reply.json()["current"]["text"] == "First."
    perspective.refresh_from_db()
    assert perspective.text == "First."


def test_perspective_delete_with_if_match(client, staff, perspective):
    reply = signed_in(client, staff).delete(
        f"/api/v1/perspectives/{perspective.pk}/", headers={"If-Match": '"1"'}
    )

    assert reply.status_code == 204
    assert not Perspective.objects.exists()


def test_perspective_delete_from_a_stale_version_is_a_conflict(client, staff, perspective):
    self_assessment.update_perspective(perspective, by=staff, expected_version=1, text="Newer.")

    reply = signed_in(client, staff).delete(
        f"/api/v1/perspectives/{perspective.pk}/", headers={"If-Match": '"1"'}
    )

    assert reply.status_code == 409
    assert reply.json()["code"] == "stale"
    assert reply.json()["current"]["text"] == "Newer."
    assert Perspective.objects.exists()


def test_perspective_delete_without_a_version_is_428(client, staff, perspective):
    reply = signed_in(client, staff).delete(f"/api/v1/perspectives/{perspective.pk}/")

    assert reply.status_code == 428
    assert Perspective.objects.exists()


@pytest.mark.parametrize(
    ("person", "status"), [("coordinator", 403), ("reviewer", 404), ("outsider", 404)]
)
def test_perspective_changes_are_for_the_service_team(
    client, everyone, perspective, person, status
):
    client = signed_in(client, everyone[person])
    url = f"/api/v1/perspectives/{perspective.pk}/"

    patched = patch(client, url, {"text": "x"}, **{"If-Match": '"1"'})
    deleted = client.delete(url, headers={"If-Match": '"1"'})

    assert patched.status_code == deleted.status_code == status
    perspective.refresh_from_db()
    assert perspective.text == "We keep to the times we agree."


def test_perspectives_list_queries_do_not_grow_with_rows(client, staff, response):
    def add(count):
        for _n in range(count):
            self_assessment.add_perspective(
                response, by=staff, voice="staff", text="Said so.", method="group"
            )

    client = signed_in(client, staff)
    add(2)
    small = queries(client, "/api/v1/perspectives/")
    add(10)
    large = queries(client, "/api/v1/perspectives/")

    assert (small[1], large[1]) == (2, 12)
    assert small[0] == large[0]


# Progress on last cycle's actions -----------------------------------------------------------


def progress_data(review: Review, action: Action, **changes) -> dict:
    return {
        "review": review.pk,
        "action": action.pk,
        "note": "Running every Monday since March.",
        "status": "done",
        **changes,
    }


def test_action_progress_create_records_it_and_moves_the_action(
    client, staff, previous_review, next_review
):
    action = open_action(previous_review)

    reply = signed_in(client, staff).post(
        "/api/v1/action-progress/", progress_data(next_review, action), content_type=JSON
    )

    assert reply.status_code == 201, reply.content
    assert reply.json()["action"] == {"id": action.pk, "title": "Weekly community meeting"}
    progress = ActionProgress.objects.get()
    assert (progress.review, progress.by, progress.status) == (next_review, staff, "done")
    action.refresh_from_db()
    assert action.status == "done"


def test_action_progress_on_an_action_of_another_review_is_a_field_error(
    client, staff, next_review
):
    action = open_action(next_review)

    reply = signed_in(client, staff).post(
        "/api/v1/action-progress/", progress_data(next_review, action), content_type=JSON
    )

    assert reply.status_code == 400
    assert set(reply.json()["errors"]) == {"action"}


@pytest.mark.parametrize(
    ("person", "status"), [("lived_experience", 403), ("coordinator", 403), ("outsider", 400)]
)
def test_action_progress_is_for_the_people_who_write_the_self_assessment(
    client, request, previous_review, next_review, person, status
):
    action = open_action(previous_review)

    reply = signed_in(client, request.getfixturevalue(person)).post(
        "/api/v1/action-progress/", progress_data(next_review, action), content_type=JSON
    )

    assert reply.status_code == status
    assert not ActionProgress.objects.exists()


def test_action_progress_list_by_review_and_its_queries(
    client, staff, previous_review, next_review
):
    def report(count):
        for n in range(count):
            action = open_action(previous_review, title=f"Action {n}")
            self_assessment.record_action_progress(
                action, next_review, by=staff, note="Going well.", status="in_progress"
            )

    client = signed_in(client, staff)
    report(2)
    small = queries(client, "/api/v1/action-progress/", review=next_review.pk)
    report(10)
    large = queries(client, "/api/v1/action-progress/", review=next_review.pk)

    assert (small[1], large[1]) == (2, 12)
    assert small[0] == large[0]
    assert ids(client.get("/api/v1/action-progress/", {"review": previous_review.pk})) == []


@pytest.mark.parametrize("person", CAST)
def test_action_progress_shows_what_the_policy_allows(
    client, request, staff, previous_review, next_review, person
):
    action = open_action(previous_review)
    progress = self_assessment.record_action_progress(
        action, next_review, by=staff, note="Going well.", status="in_progress"
    )
    client = signed_in(client, request.getfixturevalue(person))

    listed = client.get("/api/v1/action-progress/")
    detail = client.get(f"/api/v1/action-progress/{progress.pk}/")

    sees = person in SEES_REVIEW
    assert ids(listed) == ([progress.pk] if sees else [])
    assert detail.status_code == (200 if sees else 404)


# Evidence -----------------------------------------------------------------------------------


def add_note(review: Review, title: str = "Community meeting minutes") -> Evidence:
    # Evidence is added on the self-assessment pages (reviews/evidence.py); a note needs no file.
    evidence = Evidence.objects.create(
        review=review, kind=Evidence.Kind.NOTE, title=title, note="Held daily."
    )
    evidence.responses.set(review.responses.all()[:2])
    return evidence


@pytest.mark.parametrize("person", CAST)
def test_evidence_list_shows_what_the_policy_allows(client, everyone, review, person):
    evidence = add_note(review)

    reply = signed_in(client, everyone[person]).get("/api/v1/evidence/", {"review": review.pk})

    assert ids(reply) == ([evidence.pk] if person in SEES_REVIEW else [])


def test_evidence_detail_names_the_responses_it_supports(client, lived_experience, review):
    evidence = add_note(review)

    reply = signed_in(client, lived_experience).get(f"/api/v1/evidence/{evidence.pk}/")

    assert reply.status_code == 200
    assert sorted(reply.json()["responses"]) == sorted(
        evidence.responses.values_list("pk", flat=True)
    )
    assert reply.json()["kind"] == "note"


def test_evidence_someone_cannot_see_is_404(client, reviewer, review):
    evidence = add_note(review)

    reply = signed_in(client, reviewer).get(f"/api/v1/evidence/{evidence.pk}/")

    assert reply.status_code == 404


def test_evidence_list_queries_do_not_grow_with_rows(client, staff, review):
    def add(count):
        for n in range(count):
            add_note(review, title=f"Note {n}")

    client = signed_in(client, staff)
    add(2)
    small = queries(client, "/api/v1/evidence/")
    add(10)
    large = queries(client, "/api/v1/evidence/")

    assert (small[1], large[1]) == (2, 12)
    assert small[0] == large[0]


def test_evidence_download_through_the_api_is_logged_and_safe(client, review, staff, commissioner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reviews.evidence import add_evidence
    from reviews.models import AccessLog

    item = add_evidence(
        review,
        by=staff,
        kind="file",
        title="Minutes",
        responses=[review.responses.first()],
        attested=True,
        upload=SimpleUploadedFile("minutes.txt", b"Community meeting minutes.\n"),
    )
    url = f"/api/v1/evidence/{item.pk}/download/"

    response = signed_in(client, staff).get(url)
    refused = signed_in(client, commissioner).get(url)

    assert b"".join(response.streaming_content) == b"Community meeting minutes.\n"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert AccessLog.objects.filter(object_id=item.pk, user=staff).count() == 1
    assert refused.status_code == 404


def test_lived_experience_contributor_cannot_patch_someone_elses_perspective(
    client, lived_experience, perspective
):
    reply = patch(
        signed_in(client, lived_experience),
        f"/api/v1/perspectives/{perspective.pk}/",
        {"text": "Changed.", "version": 1},
    )

    assert reply.status_code == 403
    assert reply.json()["message"] == "You can change only the perspectives you added."
