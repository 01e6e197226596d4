"""The visit pages (reviews/views/visit.py): the visit and its agenda, planning it, the agenda
pages, the calendar download; who sees what and who may change it."""

from datetime import date, time

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.cycles import enrol
from reviews.models import AgendaItem, Visit
from tests.reviews.test_visit import MARCH_7, MARCH_8, add_item, plan, saved, to_drafting

READERS = [
    "lead_reviewer",
    "reviewer",
    "expert_reviewer",
    "coordinator",
    "service_lead",
    "staff",
    "lived_experience",
]
NOT_PLANNERS = ["reviewer", "expert_reviewer", "coordinator", "staff", "lived_experience"]


def page(response) -> str:
    return response.content.decode()


def signed_in(client, person):
    client.force_login(person)
    return client


def visit_url(review) -> str:
    return reverse("reviews:visit", args=[review.pk])


def edit_url(review) -> str:
    return reverse("reviews:visit_edit", args=[review.pk])


def add_url(review) -> str:
    return reverse("reviews:agenda_add", args=[review.pk])


def item_url(item, name="reviews:agenda_edit") -> str:
    return reverse(name, args=[item.visit.review_id, item.pk])


def ics_url(review) -> str:
    return reverse("reviews:visit_ics", args=[review.pk])


def visit_form(**changes) -> dict:
    data = {
        "mode": "in_person",
        "starts_on_day": "7",
        "starts_on_month": "3",
        "starts_on_year": "2028",
        "ends_on_day": "8",
        "ends_on_month": "3",
        "ends_on_year": "2028",
        "location": "Willow House, 1 River Road",
        "access_needs": "Step-free entrance at the side door.",
        "version": "",
    }
    return {**data, **changes}


def item_form(**changes) -> dict:
    data = {
        "day": "2028-03-07",
        "starts_at": "10:00",
        "ends_at": "11:00",
        "title": "Community meeting",
        "meets": "community",
        "note": "",
    }
    return {**data, **changes}


@pytest.fixture
def cast(peer_review, service_lead, staff, lived_experience, coordinator, commissioner):
    return peer_review


@pytest.fixture
def planned(cast, lead_reviewer):
    visit = plan(cast, lead_reviewer)
    add_item(visit, lead_reviewer, title="Community meeting", meets=AgendaItem.Meets.COMMUNITY)
    add_item(
        visit,
        lead_reviewer,
        day=MARCH_8,
        starts_at=time(9, 30),
        ends_at=None,
        title="Feedback to the service",
        meets=AgendaItem.Meets.LEADERS,
        note="In the lead's office",
    )
    return Visit.objects.get(pk=visit.pk)


# The visit page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_visit_page_shows_the_visit_and_agenda_by_day_to_everyone_who_reads_it(
    request, client, planned, role
):
    response = signed_in(client, request.getfixturevalue(role)).get(visit_url(planned.review))

    text = page(response)
    assert response.status_code == 200
    assert text.count("<h1") == 1
    assert "In person" in text
    assert "Tuesday 7 March 2028 to Wednesday 8 March 2028" in text
    assert "Willow House, 1 River Road" in text
    assert "Step-free entrance at the side door." in text
    assert text.index("Community meeting") < text.index("Feedback to the service")
    assert 'id="day-2028-03-07"' in text
    assert 'id="day-2028-03-08"' in text
    assert "The whole community" in text
    assert "Leaders" in text
    assert "In the lead&#x27;s office" in text
    assert "10:00 to 11:00" in text
    assert "from 09:30" in text
    assert ics_url(planned.review) in text


@pytest.mark.parametrize("role", ["commissioner", "outsider"])
def test_visit_page_is_not_found_for_anyone_outside(request, client, planned, role):
    person = request.getfixturevalue(role)

    assert signed_in(client, person).get(visit_url(planned.review)).status_code == 404


def test_visit_page_of_another_services_review_is_not_found_for_the_host(
    client, cast, service_lead, other_service, coordinator, lead_reviewer
):
    other = enrol(cast.cycle, other_service, cast.framework_version, by=coordinator)

    response = signed_in(client, service_lead).get(visit_url(other))

    assert response.status_code == 404


@pytest.mark.parametrize("role", ["lead_reviewer", "service_lead"])
def test_visit_page_planners_see_change_links(request, client, planned, role):
    text = page(signed_in(client, request.getfixturevalue(role)).get(visit_url(planned.review)))

    assert edit_url(planned.review) in text
    assert add_url(planned.review) in text
    assert item_url(planned.agenda.first()) in text
    assert item_url(planned.agenda.first(), "reviews:agenda_remove") in text


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_visit_page_readers_see_no_change_links(request, client, planned, role):
    text = page(signed_in(client, request.getfixturevalue(role)).get(visit_url(planned.review)))

    assert edit_url(planned.review) not in text
    assert add_url(planned.review) not in text
    assert "/remove/" not in text


def test_visit_page_empty_state_offers_planning_to_the_planners(client, cast, lead_reviewer):
    text = page(signed_in(client, lead_reviewer).get(visit_url(cast)))

    assert "No visit has been planned yet" in text
    assert "Plan the visit" in text
    assert edit_url(cast) in text
    assert ics_url(cast) not in text


def test_visit_page_empty_state_for_a_reader(client, cast, staff):
    text = page(signed_in(client, staff).get(visit_url(cast)))

    assert "No visit has been planned yet" in text
    assert edit_url(cast) not in text


def test_visit_page_after_drafting_says_why_nothing_can_change(client, planned, lead_reviewer):
    to_drafting(planned.review, lead_reviewer)

    text = page(signed_in(client, lead_reviewer).get(visit_url(planned.review)))

    assert "moved on to “Drafting the report”, so the visit can no longer be changed" in text
    assert edit_url(planned.review) not in text
    assert "Community meeting" in text


def test_visit_page_queries_do_not_grow_with_the_agenda(
    client, cast, lead_reviewer, django_assert_num_queries
):
    visit = plan(cast, lead_reviewer)
    client = signed_in(client, lead_reviewer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(visit_url(cast)).status_code == 200
        return len(queries)

    add_item(visit, lead_reviewer)
    count()  # the first request also fills the content-type cache
    few = count()
    for n in range(20):
        add_item(
            visit, lead_reviewer, day=MARCH_8, starts_at=time(8 + n // 4, n % 4 * 15), ends_at=None
        )
    with django_assert_num_queries(few):
        client.get(visit_url(cast))


# Planning the visit -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead_reviewer", "service_lead"])
def test_visit_edit_page_for_the_planners_starts_from_the_stored_visit(
    request, client, planned, role
):
    response = signed_in(client, request.getfixturevalue(role)).get(edit_url(planned.review))

    text = page(response)
    assert response.status_code == 200
    assert "<title>Change the visit – Willow House" in text
    assert 'name="version" value="3"' in text
    assert 'name="starts_on_day" type="text" inputmode="numeric" value="7"' in text
    assert "Willow House, 1 River Road" in text


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_visit_edit_page_is_forbidden_to_other_readers(request, client, planned, role):
    client = signed_in(client, request.getfixturevalue(role))

    assert client.get(edit_url(planned.review)).status_code == 403
    assert client.post(edit_url(planned.review), visit_form(version="3")).status_code == 403
    assert Visit.objects.get(pk=planned.pk).version == 3


@pytest.mark.parametrize("role", ["commissioner", "outsider"])
def test_visit_edit_page_is_not_found_for_anyone_outside(request, client, planned, role):
    client = signed_in(client, request.getfixturevalue(role))

    assert client.get(edit_url(planned.review)).status_code == 404
    assert client.post(edit_url(planned.review), visit_form()).status_code == 404


def test_visit_edit_plans_the_visit_and_tells_everyone(
    client, cast, lead_reviewer, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(client, lead_reviewer).post(edit_url(cast), visit_form())

    assert response.status_code == 302
    assert response["Location"] == visit_url(cast)
    visit = Visit.objects.get(review=cast)
    assert (visit.starts_on, visit.ends_on, visit.version) == (MARCH_7, MARCH_8, 1)
    assert staff.email in {email for message in mail.outbox for email in message.to}
    assert "The visit is planned" in page(client.get(visit_url(cast)))


def test_visit_edit_bad_dates_show_errors_and_keep_what_was_typed(client, cast, lead_reviewer):
    response = signed_in(client, lead_reviewer).post(
        edit_url(cast),
        visit_form(ends_on_day="6", ends_on_month="3", location="The garden room"),
    )

    text = page(response)
    assert response.status_code == 200
    assert "<title>Error: Plan the visit" in text
    assert '<a href="#id_ends_on">The last day must be the same as the first day' in text
    assert "The garden room" in text
    assert not Visit.objects.filter(review=cast).exists()


def test_visit_edit_a_date_that_is_not_real_is_refused(client, cast, lead_reviewer):
    response = signed_in(client, lead_reviewer).post(
        edit_url(cast), visit_form(starts_on_day="31", starts_on_month="2")
    )

    assert "The first day of the visit must be a real date." in page(response)
    assert not Visit.objects.filter(review=cast).exists()


def test_visit_edit_stale_save_shows_both_versions_and_keeps_what_was_typed(
    client, planned, lead_reviewer, service_lead
):
    save_visit_by(service_lead, planned, location="The garden room")

    response = signed_in(client, lead_reviewer).post(
        edit_url(planned.review), visit_form(version="3", access_needs="Captions, please.")
    )

    text = page(response)
    assert response.status_code == 409
    assert "Not saved: someone else changed the visit" in text
    assert f"What is saved now: version 4, by {service_lead.name}" in text
    assert "You started from version 3." in text
    assert "What you entered differs in: Where, Access needs." in text
    assert "The garden room" in text  # what is saved now
    assert "Captions, please." in text  # what this person typed, kept
    assert 'name="version" value="4"' in text
    stored = Visit.objects.get(pk=planned.pk)
    assert (stored.version, stored.access_needs) == (4, "Step-free entrance at the side door.")


def test_visit_edit_saving_again_after_a_stale_save_replaces_it(
    client, planned, lead_reviewer, service_lead
):
    save_visit_by(service_lead, planned, location="The garden room")
    client = signed_in(client, lead_reviewer)

    client.post(edit_url(planned.review), visit_form(version="3", location="The library"))
    response = client.post(
        edit_url(planned.review), visit_form(version="4", location="The library")
    )

    assert response.status_code == 302
    assert Visit.objects.get(pk=planned.pk).location == "The library"


def test_visit_edit_after_drafting_goes_back_with_the_reason(client, planned, lead_reviewer):
    to_drafting(planned.review, lead_reviewer)
    client = signed_in(client, lead_reviewer)

    response = client.post(edit_url(planned.review), visit_form(version="3"))

    assert response.status_code == 302
    assert response["Location"] == visit_url(planned.review)
    assert "the visit can no longer be changed" in page(client.get(visit_url(planned.review)))
    assert client.get(edit_url(planned.review)).status_code == 302


def save_visit_by(person, visit, **changes):
    from reviews.peer_review.visit import save_visit

    return save_visit(
        visit.review, by=person, expected_version=visit.version, **saved(visit, **changes)
    )


# The agenda pages ---------------------------------------------------------------------------------


def test_agenda_add_page_lists_the_visit_days_and_starts_on_the_day_asked(
    client, planned, service_lead
):
    response = signed_in(client, service_lead).get(add_url(planned.review) + "?day=2028-03-08")

    text = page(response)
    assert response.status_code == 200
    assert "Tuesday 7 March 2028" in text
    assert 'value="2028-03-08" id="id_day_1" required checked' in text


def test_agenda_add_adds_the_item(client, planned, service_lead):
    response = signed_in(client, service_lead).post(
        add_url(planned.review),
        item_form(title="Lunch with residents", starts_at="12.30", ends_at="1330"),
    )

    assert response.status_code == 302
    assert response["Location"] == visit_url(planned.review) + "#day-2028-03-07"
    item = planned.agenda.get(title="Lunch with residents")
    assert (item.starts_at, item.ends_at) == (time(12, 30), time(13, 30))
    assert Visit.objects.get(pk=planned.pk).version == 4


def test_agenda_add_bad_times_show_errors(client, planned, service_lead):
    response = signed_in(client, service_lead).post(
        add_url(planned.review), item_form(starts_at="half ten", ends_at="09:00", title="")
    )

    text = page(response)
    assert "<title>Error: Add to the visit's agenda – Willow House" in text
    assert "Enter the time it starts as hours and minutes" in text
    assert "Say what happens" in text
    assert planned.agenda.count() == 2


def test_agenda_add_end_before_start_is_refused_by_the_write_path(client, planned, service_lead):
    response = signed_in(client, service_lead).post(
        add_url(planned.review), item_form(starts_at="14:00", ends_at="13:00")
    )

    assert '<a href="#id_ends_at">The end time must be after the start time.' in page(response)
    assert planned.agenda.count() == 2


def test_agenda_add_before_the_visit_is_planned_goes_to_planning(client, cast, lead_reviewer):
    response = signed_in(client, lead_reviewer).get(add_url(cast))

    assert response.status_code == 302
    assert response["Location"] == edit_url(cast)


def test_agenda_edit_changes_the_item(client, planned, lead_reviewer):
    item = planned.agenda.get(title="Community meeting")
    client = signed_in(client, lead_reviewer)

    form = page(client.get(item_url(item)))
    response = client.post(item_url(item), item_form(day="2028-03-08", title="Morning meeting"))

    assert 'value="Community meeting"' in form
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.day, item.title) == (MARCH_8, "Morning meeting")


def test_agenda_remove_asks_first_then_removes(client, planned, lead_reviewer):
    item = planned.agenda.get(title="Community meeting")
    client = signed_in(client, lead_reviewer)

    confirm = client.get(item_url(item, "reviews:agenda_remove"))
    response = client.post(item_url(item, "reviews:agenda_remove"))

    assert "Remove “Community meeting” from the agenda?" in page(confirm)
    assert not planned.agenda.filter(pk=item.pk).exists()
    assert response.status_code == 302


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_agenda_pages_are_forbidden_to_other_readers(request, client, planned, role):
    item = planned.agenda.first()
    client = signed_in(client, request.getfixturevalue(role))

    assert client.get(add_url(planned.review)).status_code == 403
    assert client.post(add_url(planned.review), item_form()).status_code == 403
    assert client.get(item_url(item)).status_code == 403
    assert client.post(item_url(item), item_form(title="Changed")).status_code == 403
    assert client.post(item_url(item, "reviews:agenda_remove")).status_code == 403
    assert list(planned.agenda.values_list("title", flat=True)) == [
        "Community meeting",
        "Feedback to the service",
    ]


def test_agenda_item_of_another_review_is_not_found(
    client, planned, lead_reviewer, other_service, coordinator, service_lead
):
    other = enrol(
        planned.review.cycle, other_service, planned.review.framework_version, by=coordinator
    )
    item = planned.agenda.first()
    client = signed_in(client, lead_reviewer)

    url = reverse("reviews:agenda_edit", args=[other.pk, item.pk])

    assert client.get(url).status_code == 404


def test_agenda_pages_after_drafting_go_back_with_the_reason(client, planned, lead_reviewer):
    to_drafting(planned.review, lead_reviewer)
    item = planned.agenda.first()
    client = signed_in(client, lead_reviewer)

    assert client.post(add_url(planned.review), item_form()).status_code == 302
    assert client.post(item_url(item, "reviews:agenda_remove")).status_code == 302

    assert planned.agenda.count() == 2


# The calendar file --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_visit_ics_downloads_for_everyone_who_reads_the_visit(request, client, planned, role):
    response = signed_in(client, request.getfixturevalue(role)).get(ics_url(planned.review))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="visit-willow-house.ics"'
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == 3


@pytest.mark.parametrize("role", ["commissioner", "outsider"])
def test_visit_ics_is_not_found_for_anyone_outside(request, client, planned, role):
    person = request.getfixturevalue(role)

    assert signed_in(client, person).get(ics_url(planned.review)).status_code == 404


def test_visit_ics_without_a_visit_is_not_found(client, cast, lead_reviewer):
    assert signed_in(client, lead_reviewer).get(ics_url(cast)).status_code == 404


def test_visit_ics_holds_no_team_only_or_safeguarding_text(client, planned, service_lead, reviewer):
    from reviews.models import SafeguardingNote, Thread

    Thread.objects.create(
        review=planned.review, visibility="team", title="Private team worry", started_by=reviewer
    )
    SafeguardingNote.objects.create(
        review=planned.review, raised_by=reviewer, summary="A concern about a resident"
    )

    body = signed_in(client, service_lead).get(ics_url(planned.review)).content.decode()

    assert "Private team worry" not in body
    assert "concern" not in body


def test_visit_one_day_visit_date_shown_once(client, cast, lead_reviewer):
    plan(cast, lead_reviewer, starts_on=date(2028, 3, 7), ends_on=date(2028, 3, 7))

    text = page(signed_in(client, lead_reviewer).get(visit_url(cast)))

    assert "Tuesday 7 March 2028 to" not in text
    assert "Tuesday 7 March 2028" in text
