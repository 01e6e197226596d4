"""Planning the visit (reviews/peer_review/visit.py): who may, when, versions, the agenda, the
e-mails, and the calendar file.

The helpers at the top (`plan`, `to_drafting`, `unfold`, `events`) are shared with
test_visit_pages.py and test_visit_api.py.
"""

import re
from datetime import date, time

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from assurance import roles
from reviews.models import AgendaItem, Rating, Review, Visit
from reviews.peer_review import visit as visit_actions
from reviews.peer_review.calendar import calendar, calendar_download
from reviews.peer_review.visit import (
    VisitClosed,
    add_agenda_item,
    remove_agenda_item,
    save_visit,
    update_agenda_item,
)
from reviews.self_assessment import Invalid, StaleWrite
from reviews.workflow import transition

MARCH_7 = date(2028, 3, 7)
MARCH_8 = date(2028, 3, 8)


def plan(review, by, **changes) -> Visit:
    values = {
        "mode": Visit.Mode.IN_PERSON,
        "starts_on": MARCH_7,
        "ends_on": MARCH_8,
        "location": "Willow House, 1 River Road",
        "access_needs": "Step-free entrance at the side door.",
        **changes,
    }
    return save_visit(review, by=by, expected_version=None, **values)


def add_item(visit, by, **changes) -> AgendaItem:
    values = {
        "day": MARCH_7,
        "starts_at": time(10, 0),
        "ends_at": time(11, 0),
        "title": "Community meeting",
        "meets": AgendaItem.Meets.COMMUNITY,
        **changes,
    }
    return add_agenda_item(visit, by=by, **values)


def to_drafting(review, lead) -> Review:
    """Move a review in peer review on to drafting: its visit recorded, every standard
    reflected on."""
    if not Visit.objects.filter(review=review).exists():
        Visit.objects.create(review=review, mode=Visit.Mode.VIRTUAL, starts_on=MARCH_7)
    review.reflections.update(rating=Rating.MET, agreement="agrees")
    transition(review, Review.Status.DRAFTING, by=lead)
    review.refresh_from_db()
    return review


def saved(visit: Visit, **changes) -> dict:
    """The visit's stored values, with some changed: what a page or the API sends."""
    values = {name: getattr(visit, name) for name in visit_actions.VISIT_FIELDS}
    return {**values, **changes}


# The calendar, parsed back ---------------------------------------------------------------------


def unfold(text: str) -> list[str]:
    """The content lines of an iCalendar text (RFC 5545 3.1)."""
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", ""), "a bare line feed"
    assert "\r" not in text.replace("\r\n", ""), "a bare carriage return"
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def events(text: str) -> tuple[dict, list[dict]]:
    """The calendar's own properties and each VEVENT's, as {name: (params, value)}."""
    top, found, current = {}, [], None
    for line in unfold(text):
        head, value = line.split(":", 1)
        name, *params = head.split(";")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            assert name not in current, f"{name} twice in one event"
            current[name] = (params, value)
        else:
            top.setdefault(name, []).append(value)
    return top, found


# Who may plan the visit, and when ---------------------------------------------------------------


def test_save_visit_lead_reviewer_plans_the_visit(peer_review, lead_reviewer):
    visit = plan(peer_review, lead_reviewer)

    stored = Visit.objects.get(review=peer_review)
    assert (stored.mode, stored.starts_on, stored.ends_on) == ("in_person", MARCH_7, MARCH_8)
    assert stored.location == "Willow House, 1 River Road"
    assert stored.version == visit.version == 1
    assert stored.updated_by == lead_reviewer


def test_save_visit_host_lead_and_lead_reviewer_both_edit(peer_review, lead_reviewer, service_lead):
    visit = plan(peer_review, service_lead)

    changed = save_visit(
        peer_review,
        by=lead_reviewer,
        expected_version=visit.version,
        **saved(visit, mode=Visit.Mode.HYBRID),
    )
    again = save_visit(
        peer_review,
        by=service_lead,
        expected_version=changed.version,
        **saved(changed, location="The garden room"),
    )

    assert (again.version, again.mode, again.location) == (3, "hybrid", "The garden room")
    assert again.updated_by == service_lead


def test_save_visit_stale_save_from_the_other_is_refused_with_what_changed(
    peer_review, lead_reviewer, service_lead
):
    visit = plan(peer_review, lead_reviewer)
    save_visit(
        peer_review,
        by=service_lead,
        expected_version=visit.version,
        **saved(visit, location="The garden room"),
    )

    with pytest.raises(StaleWrite) as refused:
        save_visit(
            peer_review,
            by=lead_reviewer,
            expected_version=visit.version,
            **saved(visit, mode=Visit.Mode.VIRTUAL),
        )

    assert refused.value.current.location == "The garden room"
    assert refused.value.current.version == 2
    assert refused.value.current.updated_by == service_lead
    stored = Visit.objects.get(review=peer_review)
    assert (stored.mode, stored.version) == ("in_person", 2)


def test_save_visit_planning_a_visit_someone_already_planned_is_stale(
    peer_review, lead_reviewer, service_lead
):
    plan(peer_review, service_lead, location="The hall")

    with pytest.raises(StaleWrite) as refused:
        plan(peer_review, lead_reviewer, location="The library")

    assert refused.value.current.location == "The hall"
    assert Visit.objects.filter(review=peer_review).count() == 1


def test_save_visit_same_values_again_changes_nothing(
    peer_review, lead_reviewer, django_capture_on_commit_callbacks
):
    visit = plan(peer_review, lead_reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        again = save_visit(peer_review, by=lead_reviewer, expected_version=1, **saved(visit))

    assert again.version == 1
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"ends_on": date(2028, 3, 6)}, "ends_on", "same as the first day or after it"),
        ({"starts_on": None}, "starts_on", "Enter the first day"),
        ({"ends_on": None}, "ends_on", "Enter the last day"),
        ({"mode": "by_carrier_pigeon"}, "mode", "Choose how the visit happens"),
        ({"location": "x" * 2_001}, "location", "2,000 characters or fewer"),
        ({"access_needs": "x" * 5_001}, "access_needs", "5,000 characters or fewer"),
    ],
)
def test_save_visit_bad_input_is_refused_and_nothing_stored(
    peer_review, lead_reviewer, changes, field, words
):
    with pytest.raises(Invalid) as refused:
        plan(peer_review, lead_reviewer, **changes)

    assert words in refused.value.errors[field]
    assert not Visit.objects.filter(review=peer_review).exists()


@pytest.mark.parametrize(
    "role",
    [
        "staff",
        "lived_experience",
        "reviewer",
        "expert_reviewer",
        "coordinator",
        "commissioner",
        "outsider",
    ],
)
def test_save_visit_refused_for_anyone_but_the_two_planners(request, peer_review, role):
    person = request.getfixturevalue(role)

    with pytest.raises(PermissionDenied):
        plan(peer_review, person)

    assert not Visit.objects.filter(review=peer_review).exists()


def test_save_visit_refused_after_the_peer_review_moved_to_drafting(
    peer_review, lead_reviewer, service_lead
):
    visit = plan(peer_review, lead_reviewer)
    to_drafting(peer_review, lead_reviewer)

    for person in (lead_reviewer, service_lead):
        with pytest.raises(VisitClosed, match="Drafting"):
            save_visit(
                peer_review,
                by=person,
                expected_version=visit.version,
                **saved(visit, location="Elsewhere"),
            )

    assert Visit.objects.get(review=peer_review).location == "Willow House, 1 River Road"


def test_save_visit_not_yet_while_the_service_writes_its_self_assessment(review, service_lead):
    with pytest.raises(VisitClosed, match="once the self-assessment has been submitted"):
        plan(review, service_lead)


def test_save_visit_host_lead_plans_as_soon_as_the_review_is_submitted(
    answered_review, service_lead
):
    transition(answered_review, Review.Status.SUBMITTED, by=service_lead)

    visit = plan(answered_review, service_lead)

    assert visit.version == 1


# The agenda ---------------------------------------------------------------------------------------


def test_add_agenda_item_stores_it_and_makes_a_new_version_of_the_visit(
    peer_review, lead_reviewer, service_lead
):
    visit = plan(peer_review, lead_reviewer)

    item = add_item(visit, service_lead, title="  Lunch \r\n with   residents ")

    assert item.title == "Lunch with residents"
    assert list(visit.agenda.values_list("title", flat=True)) == ["Lunch with residents"]
    stored = Visit.objects.get(pk=visit.pk)
    assert (stored.version, stored.updated_by) == (2, service_lead)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"day": date(2028, 3, 9)}, "day", "Choose a day of the visit"),
        ({"day": None}, "day", "Choose the day"),
        ({"starts_at": None}, "starts_at", "Enter the time it starts"),
        ({"ends_at": time(9, 0)}, "ends_at", "end time must be after the start time"),
        ({"ends_at": time(10, 0)}, "ends_at", "end time must be after the start time"),
        ({"title": " \n "}, "title", "Say what happens"),
        ({"title": "x" * 201}, "title", "200 characters or fewer"),
        ({"meets": "everyone"}, "meets", "Choose who the team meets"),
        ({"note": "x" * 2_001}, "note", "2,000 characters or fewer"),
    ],
)
def test_add_agenda_item_bad_input_is_refused(peer_review, lead_reviewer, changes, field, words):
    visit = plan(peer_review, lead_reviewer)

    with pytest.raises(Invalid) as refused:
        add_item(visit, lead_reviewer, **changes)

    assert words in refused.value.errors[field]
    assert not visit.agenda.exists()
    assert Visit.objects.get(pk=visit.pk).version == 1


def test_add_agenda_item_refused_before_the_visit_has_dates(peer_review, lead_reviewer):
    visit = Visit.objects.create(review=peer_review, mode=Visit.Mode.VIRTUAL)

    with pytest.raises(Invalid) as refused:
        add_item(visit, lead_reviewer)

    assert "Add the visit's dates" in refused.value.errors["day"]


def test_update_agenda_item_changes_only_what_is_given(peer_review, lead_reviewer, service_lead):
    visit = plan(peer_review, lead_reviewer)
    item = add_item(visit, lead_reviewer, note="In the main hall")

    changed = update_agenda_item(item, by=service_lead, day=MARCH_8, starts_at=time(10, 30))

    stored = AgendaItem.objects.get(pk=item.pk)
    assert (stored.day, stored.starts_at, stored.ends_at) == (MARCH_8, time(10, 30), time(11, 0))
    assert changed.pk == item.pk
    assert (stored.title, stored.note) == ("Community meeting", "In the main hall")
    assert Visit.objects.get(pk=visit.pk).version == 3


def test_update_agenda_item_refuses_a_field_it_does_not_have(peer_review, lead_reviewer):
    item = add_item(plan(peer_review, lead_reviewer), lead_reviewer)

    with pytest.raises(Invalid) as refused:
        update_agenda_item(item, by=lead_reviewer, visit_id=1)

    assert "visit_id" in refused.value.errors


def test_remove_agenda_item_removes_it_once(peer_review, lead_reviewer):
    visit = plan(peer_review, lead_reviewer)
    item = add_item(visit, lead_reviewer)

    remove_agenda_item(item, by=lead_reviewer)
    remove_agenda_item(item, by=lead_reviewer)

    assert not visit.agenda.exists()
    assert Visit.objects.get(pk=visit.pk).version == 3


@pytest.mark.parametrize("role", ["staff", "reviewer", "coordinator", "outsider"])
def test_agenda_changes_refused_for_anyone_but_the_two_planners(
    request, peer_review, lead_reviewer, role
):
    person = request.getfixturevalue(role)
    visit = plan(peer_review, lead_reviewer)
    item = add_item(visit, lead_reviewer)

    with pytest.raises(PermissionDenied):
        add_item(visit, person)
    with pytest.raises(PermissionDenied):
        update_agenda_item(item, by=person, title="Something else")
    with pytest.raises(PermissionDenied):
        remove_agenda_item(item, by=person)

    assert list(visit.agenda.values_list("title", flat=True)) == ["Community meeting"]


def test_agenda_changes_refused_after_the_peer_review_moved_to_drafting(peer_review, lead_reviewer):
    visit = plan(peer_review, lead_reviewer)
    item = add_item(visit, lead_reviewer)
    to_drafting(peer_review, lead_reviewer)

    with pytest.raises(VisitClosed):
        add_item(visit, lead_reviewer, title="Lunch")
    with pytest.raises(VisitClosed):
        update_agenda_item(item, by=lead_reviewer, title="Lunch")
    with pytest.raises(VisitClosed):
        remove_agenda_item(item, by=lead_reviewer)

    assert list(visit.agenda.values_list("title", flat=True)) == ["Community meeting"]


def test_save_visit_moving_the_first_day_moves_the_agenda_with_it(peer_review, lead_reviewer):
    visit = plan(peer_review, lead_reviewer)
    first = add_item(visit, lead_reviewer, day=MARCH_7)
    second = add_item(visit, lead_reviewer, day=MARCH_8, title="Feedback")

    save_visit(
        peer_review,
        by=lead_reviewer,
        expected_version=3,
        **saved(visit, starts_on=date(2028, 3, 14), ends_on=date(2028, 3, 15)),
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.day, second.day) == (date(2028, 3, 14), date(2028, 3, 15))


def test_save_visit_dates_that_would_leave_an_item_outside_are_refused(peer_review, lead_reviewer):
    visit = plan(peer_review, lead_reviewer)
    add_item(visit, lead_reviewer, day=MARCH_8, title="Feedback")

    with pytest.raises(Invalid) as refused:
        save_visit(
            peer_review, by=lead_reviewer, expected_version=2, **saved(visit, ends_on=MARCH_7)
        )

    assert "Feedback" in refused.value.errors["ends_on"]
    assert Visit.objects.get(pk=visit.pk).ends_on == MARCH_8


# E-mails ----------------------------------------------------------------------------------------


@pytest.fixture
def everyone(peer_review, service_lead, staff, lived_experience, coordinator, commissioner):
    """The whole cast exists (members, coordinators and a commissioner)."""
    return peer_review


def test_visit_change_emails_the_team_and_the_host_but_not_the_editor(
    everyone,
    lead_reviewer,
    reviewer,
    expert_reviewer,
    service_lead,
    staff,
    lived_experience,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        plan(everyone, lead_reviewer)

    sent_to = sorted(email for message in mail.outbox for email in message.to)
    assert sent_to == sorted(
        p.email for p in (reviewer, expert_reviewer, service_lead, staff, lived_experience)
    )
    # One message each: nobody sees who else was told.
    assert all(len(message.to) == 1 and not message.cc for message in mail.outbox)
    assert "coordinator@example.org" not in sent_to
    assert "commissioner@example.org" not in sent_to
    assert lead_reviewer.email not in sent_to


def test_visit_change_email_says_what_changed_and_links_to_the_visit(
    everyone, lead_reviewer, service_lead, django_capture_on_commit_callbacks
):
    visit = plan(everyone, lead_reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        save_visit(
            everyone,
            by=service_lead,
            expected_version=visit.version,
            **saved(
                visit,
                mode=Visit.Mode.VIRTUAL,
                starts_on=date(2028, 3, 14),
                ends_on=date(2028, 3, 14),
                access_needs="Captions on every call.",
            ),
        )

    message = mail.outbox[0]
    assert message.subject == "The visit to Willow House has changed"
    assert f"{service_lead.name} changed the visit to Willow House:" in message.body
    assert "How: now Virtual (was In person)." in message.body
    assert (
        "When: now Tuesday 14 March 2028 (was Tuesday 7 March 2028 to Wednesday 8 March 2028)."
        in message.body
    )
    assert "Access needs: changed (see the visit page)." in message.body
    assert f"http://127.0.0.1:8000/reviews/{everyone.pk}/visit/" in message.body
    # The free text itself stays on the visit page.
    assert "Captions" not in message.body
    assert "River Road" not in message.body
    assert service_lead.email not in {email for m in mail.outbox for email in m.to}


def test_agenda_change_email_names_the_item(
    everyone, lead_reviewer, service_lead, django_capture_on_commit_callbacks
):
    visit = plan(everyone, lead_reviewer)
    item = add_item(visit, lead_reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        update_agenda_item(item, by=service_lead, starts_at=time(10, 30), note="Bring tea")

    body = mail.outbox[0].body
    assert mail.outbox[0].subject == "The visit to Willow House: the agenda has changed"
    assert "Tuesday 7 March 2028, 10:00 to 11:00: Community meeting" in body
    assert "Now 10:30 to 11:00 (was 10:00 to 11:00)." in body
    assert "The note changed." in body
    assert "Bring tea" not in body


def test_agenda_add_and_remove_emails_say_so(
    everyone, lead_reviewer, django_capture_on_commit_callbacks
):
    visit = plan(everyone, lead_reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        item = add_item(visit, lead_reviewer, meets=AgendaItem.Meets.PEOPLE_WHO_USE)
        remove_agenda_item(item, by=lead_reviewer)

    bodies = [m.body for m in mail.outbox]
    assert any("added to the agenda" in b and "People who use the service" in b for b in bodies)
    assert any("removed from the agenda" in b and "Community meeting" in b for b in bodies)


def test_visit_emails_leave_out_people_who_have_left(
    everyone, lead_reviewer, staff, django_capture_on_commit_callbacks
):
    roles.leave_service(staff.memberships.get())

    with django_capture_on_commit_callbacks(execute=True):
        plan(everyone, lead_reviewer)

    assert staff.email not in {email for m in mail.outbox for email in m.to}


def test_refused_saves_email_nobody(
    everyone, lead_reviewer, service_lead, django_capture_on_commit_callbacks
):
    visit = plan(everyone, lead_reviewer)
    save_visit(everyone, by=service_lead, expected_version=1, **saved(visit, location="Hall"))

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(StaleWrite):
        save_visit(everyone, by=lead_reviewer, expected_version=1, **saved(visit, location="Gym"))

    assert mail.outbox == []


# The calendar file ------------------------------------------------------------------------------


def test_calendar_parses_back_with_the_visit_and_each_item(peer_review, lead_reviewer):
    visit = plan(peer_review, lead_reviewer)
    add_item(visit, lead_reviewer, day=MARCH_7, starts_at=time(10, 0), ends_at=time(11, 30))
    add_item(visit, lead_reviewer, day=MARCH_8, starts_at=time(14, 0), ends_at=None, title="Tea")
    visit = Visit.objects.get(pk=visit.pk)

    top, found = events(calendar(visit))

    assert top["BEGIN"] == ["VCALENDAR"]
    assert top["END"] == ["VCALENDAR"]
    assert top["VERSION"] == ["2.0"]
    assert top["METHOD"] == ["PUBLISH"]
    assert top["PRODID"] == ["-//Relational Assurance//Peer review visit//EN"]
    whole, morning, tea = found
    assert whole["DTSTART"] == (["VALUE=DATE"], "20280307")
    assert whole["DTEND"] == (["VALUE=DATE"], "20280309")  # the day after the last day
    assert unescape(whole["SUMMARY"][1]) == "Peer review visit: Willow House"
    assert unescape(whole["LOCATION"][1]) == "Willow House, 1 River Road"
    assert "How: In person" in unescape(whole["DESCRIPTION"][1])
    assert "Access needs: Step-free entrance at the side door." in unescape(whole["DESCRIPTION"][1])
    # March is GMT: local time is UTC.
    assert morning["DTSTART"] == ([], "20280307T100000Z")
    assert morning["DTEND"] == ([], "20280307T113000Z")
    assert unescape(morning["SUMMARY"][1]) == "Community meeting (Willow House)"
    assert "The review team meets: The whole community" in unescape(morning["DESCRIPTION"][1])
    assert tea["DTSTART"] == ([], "20280308T140000Z")
    assert "DTEND" not in tea
    for event in found:
        assert event["SEQUENCE"] == ([], "3")
        assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"][1])
        assert event["URL"][1] == f"http://127.0.0.1:8000/reviews/{peer_review.pk}/visit/"
    assert len({event["UID"][1] for event in found}) == 3


def test_calendar_times_in_summer_are_converted_from_british_summer_time(
    peer_review, lead_reviewer
):
    visit = plan(peer_review, lead_reviewer, starts_on=date(2028, 6, 6), ends_on=date(2028, 6, 6))
    add_item(visit, lead_reviewer, day=date(2028, 6, 6), starts_at=time(9, 30), ends_at=None)

    _top, (_whole, item) = events(calendar(Visit.objects.get(pk=visit.pk)))

    assert item["DTSTART"] == ([], "20280606T083000Z")


def test_calendar_uids_stay_and_the_sequence_grows_with_each_change(
    peer_review, lead_reviewer, service_lead
):
    visit = plan(peer_review, lead_reviewer)
    item = add_item(visit, lead_reviewer)
    _top, before = events(calendar(Visit.objects.get(pk=visit.pk)))

    update_agenda_item(item, by=service_lead, title="Morning meeting")
    _top, after = events(calendar(Visit.objects.get(pk=visit.pk)))

    assert [e["UID"] for e in before] == [e["UID"] for e in after]
    assert [e["SEQUENCE"][1] for e in before] == ["2", "2"]
    assert [e["SEQUENCE"][1] for e in after] == ["3", "3"]


def test_calendar_escapes_commas_semicolons_backslashes_and_line_breaks(peer_review, lead_reviewer):
    place = "Room 2, first floor; ring the bell\\buzzer\nThen wait\r\nin reception"
    visit = plan(peer_review, lead_reviewer, location=place)

    text = calendar(visit)
    _top, (whole,) = events(text)

    raw = whole["LOCATION"][1]
    assert raw == ("Room 2\\, first floor\\; ring the bell\\\\buzzer\\nThen wait\\nin reception")
    assert unescape(raw) == place.replace("\r\n", "\n")


def test_calendar_folds_long_lines_at_75_octets_without_splitting_a_character(
    peer_review, lead_reviewer
):
    visit = plan(peer_review, lead_reviewer, location="Café ☕ in the 🌳 garden, " * 12)

    text = calendar(visit)

    physical = text.split("\r\n")[:-1]
    assert max(len(line.encode()) for line in physical) <= 75
    assert any(line.startswith(" ") for line in physical)
    for line in physical:
        line.encode().decode("utf-8")  # each line is whole characters
    _top, (whole,) = events(text)
    assert unescape(whole["LOCATION"][1]) == ("Café ☕ in the 🌳 garden, " * 12).strip()


def test_calendar_hostile_title_cannot_add_fields_or_events(peer_review, lead_reviewer):
    visit = plan(peer_review, lead_reviewer)
    hostile = (
        "Lunch\r\nATTENDEE:mailto:someone@example.org\r\nEND:VEVENT\r\nBEGIN:VEVENT\n"
        "SUMMARY:Injected\rX-EVIL:1\x07\x1b"
    )
    # Stored directly, as the write path would fold the line breaks away first. (No NUL: no
    # form or API field accepts one, and PostgreSQL cannot store it.)
    AgendaItem.objects.create(
        visit=visit, day=MARCH_7, starts_at=time(12, 0), title=hostile, meets="community"
    )

    text = calendar(Visit.objects.get(pk=visit.pk))
    _top, found = events(text)

    assert len(found) == 2
    names = set().union(*(set(event) for event in found))
    assert names == {
        "UID",
        "DTSTAMP",
        "SEQUENCE",
        "DTSTART",
        "DTEND",
        "TRANSP",
        "SUMMARY",
        "LOCATION",
        "DESCRIPTION",
        "URL",
    }
    assert "ATTENDEE" not in {line.split(":")[0] for line in unfold(text)}
    assert unescape(found[1]["SUMMARY"][1]).startswith("Lunch\nATTENDEE:mailto:")
    assert "\x00" not in text
    assert "\x1b" not in text


def test_calendar_download_names_the_file_after_the_service(peer_review, lead_reviewer):
    peer_review.service.name = 'Willow House / "North" Wing; é'
    peer_review.service.save()
    visit = Visit.objects.select_related("review__service").get(
        pk=plan(peer_review, lead_reviewer).pk
    )

    response = calendar_download(visit)

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="visit-willow-house-north-wing-e.ics"'
    )
