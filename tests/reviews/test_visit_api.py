"""The visit in the API (reviews/api/visit.py): visits with If-Match versions and the calendar
file, and agenda items; who sees and changes what, and list query counts."""

from datetime import time

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.cycles import enrol
from reviews.models import AgendaItem, Visit
from tests.factories import ServiceFactory
from tests.reviews.test_visit import MARCH_8, add_item, plan, to_drafting

VISITS = "/api/v1/visits/"
ITEMS = "/api/v1/agenda-items/"
JSON = "application/json"
NOT_PLANNERS = ["reviewer", "expert_reviewer", "coordinator", "staff", "lived_experience"]


def signed_in(client, person):
    client.force_login(person)
    return client


def visit_url(visit) -> str:
    return f"{VISITS}{visit.pk}/"


def item_url(item) -> str:
    return f"{ITEMS}{item.pk}/"


def patch(client, url, data, **headers):
    return client.patch(url, data, content_type=JSON, headers=headers)


NEW_VISIT = {
    "mode": "virtual",
    "starts_on": "2028-03-07",
    "ends_on": "2028-03-08",
    "location": "Online: the link is in the invitation",
    "access_needs": "Captions on every call.",
}


@pytest.fixture
def cast(peer_review, service_lead, staff, lived_experience, coordinator, commissioner):
    return peer_review


@pytest.fixture
def planned(cast, lead_reviewer):
    visit = plan(cast, lead_reviewer)
    add_item(visit, lead_reviewer)
    return Visit.objects.get(pk=visit.pk)


# Reading ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    ["lead_reviewer", "reviewer", "coordinator", "service_lead", "staff", "lived_experience"],
)
def test_visits_list_shows_the_visit_to_everyone_who_reads_it(request, client, planned, role):
    response = signed_in(client, request.getfixturevalue(role)).get(VISITS)

    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [planned.pk]
    assert rows[0]["mode"] == "in_person"
    assert rows[0]["agenda"][0]["title"] == "Community meeting"
    assert rows[0]["agenda"][0]["meets"] == "community"


@pytest.mark.parametrize("role", ["commissioner", "outsider"])
def test_visits_are_hidden_from_anyone_outside(request, client, planned, role):
    client = signed_in(client, request.getfixturevalue(role))
    item = planned.agenda.get()

    assert client.get(VISITS).json()["results"] == []
    assert client.get(ITEMS).json()["results"] == []
    assert client.get(visit_url(planned)).status_code == 404
    assert client.get(f"{visit_url(planned)}calendar/").status_code == 404
    assert client.get(item_url(item)).status_code == 404


def test_visits_of_another_services_review_are_hidden_from_the_host(
    client, planned, service_lead, other_service, coordinator, lead_reviewer
):
    other = enrol(
        planned.review.cycle, other_service, planned.review.framework_version, by=coordinator
    )
    hidden = Visit.objects.create(review=other, mode="virtual")

    client = signed_in(client, service_lead)

    assert [row["id"] for row in client.get(VISITS).json()["results"]] == [planned.pk]
    assert client.get(visit_url(hidden)).status_code == 404


def test_visits_list_filters_by_review(client, planned, coordinator):
    client = signed_in(client, coordinator)

    assert len(client.get(VISITS, {"review": planned.review_id}).json()["results"]) == 1
    assert client.get(VISITS, {"review": planned.review_id + 999}).json()["results"] == []


def test_visit_detail_sends_its_version_as_the_etag(client, planned, staff):
    response = signed_in(client, staff).get(visit_url(planned))

    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    assert response.json()["access_needs"] == "Step-free entrance at the side door."


# Planning and changing the visit -----------------------------------------------------------------


def test_visit_create_by_the_lead_reviewer_plans_it_and_tells_everyone(
    client, cast, lead_reviewer, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(client, lead_reviewer).post(
            VISITS, {"review": cast.pk, **NEW_VISIT}, content_type=JSON
        )

    assert response.status_code == 201
    assert response["ETag"] == '"1"'
    body = response.json()
    assert (body["mode"], body["starts_on"], body["version"]) == ("virtual", "2028-03-07", 1)
    assert body["updated_by"]["id"] == lead_reviewer.pk
    assert staff.email in {email for message in mail.outbox for email in message.to}


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_visit_create_is_forbidden_to_other_readers(request, client, cast, role):
    response = signed_in(client, request.getfixturevalue(role)).post(
        VISITS, {"review": cast.pk, **NEW_VISIT}, content_type=JSON
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Visit.objects.filter(review=cast).exists()


def test_visit_create_for_a_review_one_cannot_see_is_a_field_error(client, cast, outsider):
    response = signed_in(client, outsider).post(
        VISITS, {"review": cast.pk, **NEW_VISIT}, content_type=JSON
    )

    assert response.status_code == 400
    assert "review" in response.json()["errors"]


def test_visit_create_when_one_exists_is_stale_with_the_current_visit(
    client, planned, service_lead
):
    response = signed_in(client, service_lead).post(
        VISITS, {"review": planned.review_id, **NEW_VISIT}, content_type=JSON
    )

    assert response.status_code == 409
    assert response.json()["code"] == "stale"
    assert response.json()["current"]["location"] == "Willow House, 1 River Road"


def test_visit_create_ends_before_it_starts_is_a_field_error(client, cast, lead_reviewer):
    response = signed_in(client, lead_reviewer).post(
        VISITS, {"review": cast.pk, **NEW_VISIT, "ends_on": "2028-03-06"}, content_type=JSON
    )

    assert response.status_code == 400
    assert "same as the first day or after it" in response.json()["errors"]["ends_on"][0]


def test_visit_patch_without_a_version_needs_one(client, planned, lead_reviewer):
    response = patch(signed_in(client, lead_reviewer), visit_url(planned), {"mode": "hybrid"})

    assert response.status_code == 428
    assert response.json()["code"] == "version_required"


def test_visit_patch_with_if_match_changes_only_what_is_sent(client, planned, service_lead):
    response = patch(
        signed_in(client, service_lead),
        visit_url(planned),
        {"location": "The garden room"},
        **{"If-Match": '"2"'},
    )

    assert response.status_code == 200
    assert response["ETag"] == '"3"'
    body = response.json()
    assert (body["location"], body["mode"], body["version"]) == ("The garden room", "in_person", 3)


def test_visit_patch_stale_from_the_other_planner_is_refused_with_what_changed(
    client, planned, lead_reviewer, service_lead
):
    patch(signed_in(client, service_lead), visit_url(planned), {"location": "Hall", "version": 2})

    response = patch(
        signed_in(client, lead_reviewer), visit_url(planned), {"mode": "virtual", "version": 2}
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale"
    assert (body["current"]["location"], body["current"]["version"]) == ("Hall", 3)
    assert body["current"]["updated_by"]["id"] == service_lead.pk
    assert Visit.objects.get(pk=planned.pk).mode == "in_person"


def test_visit_put_replaces_the_details(client, planned, lead_reviewer):
    response = signed_in(client, lead_reviewer).put(
        visit_url(planned),
        {"mode": "hybrid", "starts_on": "2028-03-07", "ends_on": "2028-03-07", "version": 2},
        content_type=JSON,
    )

    assert response.status_code == 200
    stored = Visit.objects.get(pk=planned.pk)
    assert (stored.mode, stored.ends_on, stored.location, stored.access_needs) == (
        "hybrid",
        stored.starts_on,
        "",
        "",
    )


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_visit_patch_is_forbidden_to_other_readers_before_anything_else(
    request, client, planned, role
):
    response = patch(signed_in(client, request.getfixturevalue(role)), visit_url(planned), {})

    assert response.status_code == 403


def test_visit_patch_after_drafting_is_a_conflict(client, planned, lead_reviewer):
    to_drafting(planned.review, lead_reviewer)

    response = patch(
        signed_in(client, lead_reviewer), visit_url(planned), {"mode": "virtual", "version": 2}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"
    assert "Drafting the report" in response.json()["message"]


# The calendar -------------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["*/*", "text/calendar", "application/json"])
def test_visit_calendar_is_the_ics_file(client, planned, lived_experience, accept):
    response = signed_in(client, lived_experience).get(
        f"{visit_url(planned)}calendar/", headers={"Accept": accept}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.content.decode().count("BEGIN:VEVENT") == 2
    assert "SEQUENCE:2\r\n" in response.content.decode()


def test_visit_calendar_error_asked_as_calendar_is_still_a_problem_body(
    client, cast, lead_reviewer
):
    visit = Visit.objects.create(review=cast, mode="virtual")

    response = signed_in(client, lead_reviewer).get(
        f"{visit_url(visit)}calendar/", headers={"Accept": "text/calendar"}
    )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


# Agenda items -------------------------------------------------------------------------------------


def test_agenda_items_list_filters_by_review(client, planned, staff):
    client = signed_in(client, staff)

    rows = client.get(ITEMS, {"review": planned.review_id}).json()["results"]

    assert [(row["title"], row["review"], row["visit"]) for row in rows] == [
        ("Community meeting", planned.review_id, planned.pk)
    ]
    assert client.get(ITEMS, {"review": planned.review_id + 999}).json()["results"] == []


def test_agenda_item_create_adds_it_and_a_visit_version(client, planned, service_lead):
    response = signed_in(client, service_lead).post(
        ITEMS,
        {
            "visit": planned.pk,
            "day": "2028-03-08",
            "starts_at": "12:30",
            "title": "Lunch with residents",
            "meets": "people_who_use",
        },
        content_type=JSON,
    )

    assert response.status_code == 201
    assert response.json()["starts_at"] == "12:30:00"
    assert response.json()["ends_at"] is None
    assert Visit.objects.get(pk=planned.pk).version == 3


def test_agenda_item_create_outside_the_visit_days_is_a_field_error(client, planned, lead_reviewer):
    response = signed_in(client, lead_reviewer).post(
        ITEMS,
        {
            "visit": planned.pk,
            "day": "2028-04-01",
            "starts_at": "10:00",
            "title": "Tea",
            "meets": "staff",
        },
        content_type=JSON,
    )

    assert response.status_code == 400
    assert "Choose a day of the visit" in response.json()["errors"]["day"][0]


def test_agenda_item_patch_and_delete(client, planned, lead_reviewer):
    item = planned.agenda.get()
    client = signed_in(client, lead_reviewer)

    changed = patch(client, item_url(item), {"day": "2028-03-08", "note": "Main hall"})
    removed = client.delete(item_url(item))

    assert changed.status_code == 200
    assert (changed.json()["day"], changed.json()["note"]) == ("2028-03-08", "Main hall")
    assert removed.status_code == 204
    assert not AgendaItem.objects.filter(pk=item.pk).exists()
    assert Visit.objects.get(pk=planned.pk).version == 4


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_agenda_item_changes_are_forbidden_to_other_readers(request, client, planned, role):
    item = planned.agenda.get()
    client = signed_in(client, request.getfixturevalue(role))

    created = client.post(
        ITEMS,
        {
            "visit": planned.pk,
            "day": "2028-03-07",
            "starts_at": "9:00",
            "title": "x",
            "meets": "staff",
        },
        content_type=JSON,
    )

    assert created.status_code == 403
    assert patch(client, item_url(item), {"title": "Changed"}).status_code == 403
    assert client.delete(item_url(item)).status_code == 403
    assert list(planned.agenda.values_list("title", flat=True)) == ["Community meeting"]


def test_agenda_item_changes_after_drafting_are_a_conflict(client, planned, lead_reviewer):
    item = planned.agenda.get()
    to_drafting(planned.review, lead_reviewer)
    client = signed_in(client, lead_reviewer)

    response = patch(client, item_url(item), {"title": "Changed"})

    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"
    assert client.delete(item_url(item)).status_code == 409


# Query counts -------------------------------------------------------------------------------------


def queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


def more_visits(review, coordinator, count: int, start: int) -> None:
    """`count` more reviews in the coordinator's network, each with a visit of two items."""
    for n in range(start, start + count):
        service = ServiceFactory(network=review.service.network, name=f"Service {n}")
        other = enrol(review.cycle, service, review.framework_version, by=coordinator)
        visit = Visit.objects.create(review=other, mode="in_person", starts_on=MARCH_8)
        for hour in (10, 14):
            AgendaItem.objects.create(
                visit=visit, day=MARCH_8, starts_at=time(hour), title="Meeting", meets="staff"
            )


@pytest.mark.parametrize(("url", "small_rows", "large_rows"), [(VISITS, 2, 12), (ITEMS, 3, 23)])
def test_visits_and_agenda_items_lists_queries_do_not_grow_with_rows(
    client, planned, coordinator, django_assert_num_queries, url, small_rows, large_rows
):
    client = signed_in(client, coordinator)
    more_visits(planned.review, coordinator, 1, 0)
    client.get(url)  # the first request also fills the content-type cache
    few, rows = queries(client, url)
    more_visits(planned.review, coordinator, 10, 1)

    with django_assert_num_queries(few):
        response = client.get(url)

    assert rows == small_rows
    assert len(response.json()["results"]) == large_rows
