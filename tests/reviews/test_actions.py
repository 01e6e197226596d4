"""The agreed actions' write path (reviews/report/actions.py): the lead reviewer drafts them
while drafting and in the accuracy check, the host records progress once the report is
published, overdue actions, and the carry into the next cycle's self-assessment.

The helpers `to_drafting` and `publish` are shared with the other action and sharing tests:
they take the cast's peer review through the real workflow (nothing is rendered: render tasks
run only on commit).
"""

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from reviews import self_assessment
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.models import Action, ActionProgress, AgendaItem, Finding, Rating, Review, Visit
from reviews.peer_review import findings, reflections, visit
from reviews.report import accuracy, issuing
from reviews.report import actions as writing
from reviews.self_assessment import Invalid, StaleWrite
from reviews.workflow import TransitionError, transition
from standards.models import Standard
from standards.yaml_format import import_framework
from tests.reviews.conftest import FIXTURES

Status = Review.Status
PAST = date(2020, 1, 31)


def to_drafting(review, lead_reviewer, reviewer) -> Review:
    """The peer review with its visit and reflections recorded, moved to drafting, with one
    strength (linked to the first standard) and the reviewers' summary."""
    planned = visit.save_visit(
        review,
        by=lead_reviewer,
        expected_version=None,
        mode=Visit.Mode.IN_PERSON,
        starts_on=review.cycle.visits_from,
        ends_on=review.cycle.visits_from,
    )
    visit.add_agenda_item(
        planned,
        by=lead_reviewer,
        day=planned.starts_on,
        starts_at=time(10, 0),
        title="Community meeting",
        meets=AgendaItem.Meets.COMMUNITY,
    )
    for reflection in review.reflections.all():
        reflections.save_reflection(
            reflection,
            by=reviewer,
            expected_version=reflection.version,
            rating="partly_met",
            agreement="agrees",
            rationale="",
        )
    transition(review, Status.DRAFTING, by=lead_reviewer)
    findings.add_finding(
        review,
        by=lead_reviewer,
        kind=Finding.Kind.STRENGTH,
        title="Residents lead the community meeting",
        standards=[first_standard(review)],
    )
    findings.save_summary(
        review, by=lead_reviewer, expected_version=None, text="A warm, thoughtful place."
    )
    return review


def publish(review, lead_reviewer, service_lead, coordinator) -> Review:
    """From drafting (or the accuracy check) to published: the draft, the host's agreement,
    and the final report (not rendered)."""
    if review.status == Status.DRAFTING:
        transition(review, Status.ACCURACY_CHECK, by=lead_reviewer)
    accuracy.agree_draft(issuing.latest_draft(review), by=service_lead)
    transition(review, Status.PUBLISHED, by=coordinator)
    return review


def first_standard(review) -> Standard:
    return review.responses.order_by("standard__order").first().standard


def add(review, lead_reviewer, title="Ask night staff what would help", **values) -> Action:
    return writing.add_action(review, by=lead_reviewer, title=title, **values)


@pytest.fixture
def drafting(peer_review, lead_reviewer, reviewer):
    return to_drafting(peer_review, lead_reviewer, reviewer)


@pytest.fixture
def published(drafting, lead_reviewer, service_lead, coordinator):
    add(drafting, lead_reviewer, title="Hold a night-staff meeting", due_on=PAST)
    add(drafting, lead_reviewer, title="Review the welcome pack", owner_role="Service lead")
    return publish(drafting, lead_reviewer, service_lead, coordinator)


# Drafting ------------------------------------------------------------------------------------


def test_lead_reviewer_adds_an_action_linked_to_findings_and_standards(drafting, lead_reviewer):
    finding = drafting.findings.get()
    standard = first_standard(drafting)

    action = add(
        drafting,
        lead_reviewer,
        title="  Ask night staff what would help  ",
        detail="Two listening sessions.",
        owner_role="Night shift lead",
        due_on=date(2028, 3, 31),
        findings=[finding],
        standards=[standard.pk],
    )

    stored = Action.objects.get(pk=action.pk)
    assert (stored.title, stored.owner_role, stored.due_on) == (
        "Ask night staff what would help",
        "Night shift lead",
        date(2028, 3, 31),
    )
    assert stored.status == Action.Status.PLANNED
    assert stored.version == 1
    assert list(stored.findings.all()) == [finding]
    assert list(stored.standards.all()) == [standard]


@pytest.mark.parametrize("who", ["reviewer", "service_lead", "staff", "coordinator", "outsider"])
def test_only_the_lead_reviewer_drafts_actions(request, drafting, who):
    person = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        add(drafting, person)

    assert not Action.objects.exists()


def test_actions_wait_for_drafting(peer_review, lead_reviewer):
    with pytest.raises(writing.ActionsClosed):
        add(peer_review, lead_reviewer)


def test_an_action_needs_a_title_and_links_of_its_own_review(
    drafting, lead_reviewer, network, version
):
    other_version = import_framework(
        (FIXTURES / "relational-environment-standards.yaml").read_bytes(),
        source="relational-environment-standards.yaml",
    ).version
    foreign_standard = Standard.objects.filter(version=other_version).first()

    with pytest.raises(Invalid) as refused:
        add(drafting, lead_reviewer, title=" ", findings=[999_999], standards=[foreign_standard])

    assert set(refused.value.errors) == {"title", "findings", "standards"}
    assert not Action.objects.exists()


def test_a_save_from_an_old_version_is_refused_with_what_is_stored(drafting, lead_reviewer):
    action = add(drafting, lead_reviewer, owner_role="Service lead")
    writing.update_action(action, by=lead_reviewer, expected_version=1, title="Listen at night")

    with pytest.raises(StaleWrite) as stale:
        writing.update_action(action, by=lead_reviewer, expected_version=1, title="Something else")

    assert stale.value.current.title == "Listen at night"
    stored = Action.objects.get(pk=action.pk)
    assert (stored.title, stored.version, stored.owner_role) == (
        "Listen at night",
        2,
        "Service lead",
    )


def test_update_changes_links_only_when_given(drafting, lead_reviewer):
    finding = drafting.findings.get()
    action = add(drafting, lead_reviewer, findings=[finding])

    writing.update_action(action, by=lead_reviewer, expected_version=1, detail="More.")
    assert list(action.findings.all()) == [finding]
    writing.update_action(action, by=lead_reviewer, expected_version=2, findings=[])
    assert list(action.findings.all()) == []


def test_lead_changes_actions_during_the_accuracy_check(drafting, lead_reviewer):
    action = add(drafting, lead_reviewer)
    transition(drafting, Status.ACCURACY_CHECK, by=lead_reviewer)

    saved = writing.update_action(
        action, by=lead_reviewer, expected_version=1, due_on=date(2028, 6, 30)
    )

    assert saved.due_on == date(2028, 6, 30)


def test_lead_reviewer_cannot_change_actions_after_publication(published, lead_reviewer):
    action = published.actions.first()

    with pytest.raises(writing.ActionsClosed):
        writing.update_action(action, by=lead_reviewer, expected_version=1, title="Later")
    with pytest.raises(writing.ActionsClosed):
        writing.remove_action(action, by=lead_reviewer)
    with pytest.raises(writing.ActionsClosed):
        add(published, lead_reviewer)

    assert published.actions.count() == 2


def test_removing_an_action(drafting, lead_reviewer):
    action = add(drafting, lead_reviewer)

    writing.remove_action(action, by=lead_reviewer)

    assert not Action.objects.exists()


def test_the_final_report_carries_the_actions(published):
    snapshot = issuing.current_final(published).snapshot

    assert sorted(a["title"] for a in snapshot["actions"]) == [
        "Hold a night-staff meeting",
        "Review the welcome pack",
    ]


# Progress after publication ------------------------------------------------------------------


def test_staff_record_dated_progress_on_the_actions_own_review(published, staff, service_lead):
    action = published.actions.get(title="Review the welcome pack")

    writing.record_progress(action, by=staff, status="in_progress", note="First draft done.")
    writing.record_progress(action, by=service_lead, status="done", note="Printed and in use.")

    action.refresh_from_db()
    assert action.status == Action.Status.DONE
    assert action.version == 3
    notes = list(action.progress.order_by("at", "pk"))
    assert [(n.status, n.note, n.by, n.review_id) for n in notes] == [
        ("in_progress", "First draft done.", staff, published.pk),
        ("done", "Printed and in use.", service_lead, published.pk),
    ]


def test_a_dropped_action_needs_a_reason(published, service_lead):
    action = published.actions.first()

    with pytest.raises(Invalid) as refused:
        writing.record_progress(action, by=service_lead, status="dropped", note="Stopped.")
    assert set(refused.value.errors) == {"dropped_reason"}
    writing.record_progress(
        action,
        by=service_lead,
        status="dropped",
        note="Stopped.",
        dropped_reason="The night team now joins the day meeting.",
    )

    action.refresh_from_db()
    assert (action.status, action.dropped_reason) == (
        "dropped",
        "The night team now joins the day meeting.",
    )


def test_progress_needs_a_note_and_a_known_status(published, staff):
    with pytest.raises(Invalid) as refused:
        writing.record_progress(published.actions.first(), by=staff, status="finished", note=" ")

    assert set(refused.value.errors) == {"status", "note"}
    assert not ActionProgress.objects.exists()


def test_progress_is_refused_before_publication(drafting, lead_reviewer, service_lead):
    action = add(drafting, lead_reviewer)

    with pytest.raises(writing.ActionsClosed):
        writing.record_progress(action, by=service_lead, status="in_progress", note="Started.")

    assert not ActionProgress.objects.exists()


@pytest.mark.parametrize(
    "who", ["lived_experience", "reviewer", "lead_reviewer", "coordinator", "commissioner"]
)
def test_progress_is_for_the_service_lead_and_staff(request, published, who):
    person = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        writing.record_progress(
            published.actions.first(), by=person, status="done", note="All done."
        )

    assert not ActionProgress.objects.exists()


def test_progress_on_a_closed_review_waits_for_the_next_self_assessment(published, service_lead):
    transition(published, Status.CLOSED, by=service_lead)

    with pytest.raises(writing.ActionsClosed) as closed:
        writing.record_progress(
            published.actions.first(), by=service_lead, status="done", note="Done."
        )

    assert "next review" in str(closed.value)


# Overdue --------------------------------------------------------------------------------------


def test_overdue_is_the_open_actions_past_their_due_date(published, lead_reviewer, staff):
    today = timezone.localdate()
    late = published.actions.get(title="Hold a night-staff meeting")
    no_date = published.actions.get(title="Review the welcome pack")
    Action.objects.create(review=published, title="Later", due_on=today + timedelta(days=1))
    Action.objects.create(review=published, title="Due today", due_on=today)
    finished = Action.objects.create(
        review=published, title="Done already", due_on=PAST, status=Action.Status.DONE
    )

    found = list(writing.overdue(Action.objects.all(), today))

    assert found == [late]
    assert writing.is_overdue(late, today)
    assert not writing.is_overdue(no_date, today)
    assert not writing.is_overdue(finished, today)


# Carried into the next cycle -----------------------------------------------------------------


def test_open_actions_come_back_in_the_next_cycle_and_the_submit_asks_for_progress(
    client, published, service, version, coordinator, service_lead, staff
):
    done = published.actions.get(title="Review the welcome pack")
    still_open = published.actions.get(title="Hold a night-staff meeting")
    writing.record_progress(done, by=staff, status="done", note="Printed and in use.")
    writing.record_progress(still_open, by=staff, status="in_progress", note="One held so far.")
    transition(published, Status.CLOSED, by=service_lead)
    cycle = open_cycle(
        network=service.network,
        name="2028",
        versions=[version],
        **default_dates(service.network, date(2028, 1, 3)),
    )
    following = enrol(cycle, service, version, by=coordinator)
    for response in following.responses.all():
        self_assessment.save_response(
            response, by=staff, expected_version=response.version, rating=Rating.MET
        )

    client.force_login(service_lead)
    page = client.get(reverse("reviews:previous_actions", args=[following.pk])).content.decode()
    assert following.previous_id == published.pk
    assert "Hold a night-staff meeting" in page
    assert "One held so far." in page  # its latest progress, recorded after publication
    assert "Review the welcome pack" not in page  # done: nothing left to report

    with pytest.raises(TransitionError) as refused:
        transition(following, Status.SUBMITTED, by=service_lead)
    assert [p.action_id for p in refused.value.problems] == [still_open.pk]

    self_assessment.record_action_progress(
        still_open, following, by=staff, note="Monthly now.", status="in_progress"
    )
    transition(following, Status.SUBMITTED, by=service_lead)
    assert Review.objects.get(pk=following.pk).status == Status.SUBMITTED


def test_changing_an_action_in_the_accuracy_check_asks_the_host_to_agree_again(
    drafting, lead_reviewer, service_lead, coordinator
):
    action = writing.add_action(drafting, by=lead_reviewer, title="Ask night staff")
    transition(drafting, Review.Status.ACCURACY_CHECK, by=lead_reviewer)
    accuracy.agree_draft(issuing.latest_draft(drafting), by=service_lead)

    writing.update_action(
        action, by=lead_reviewer, expected_version=action.version, due_on=date(2028, 6, 1)
    )

    assert issuing.latest_draft(drafting).host_agreed_at is None
    with pytest.raises(TransitionError, match="cannot be done yet"):
        transition(drafting, Review.Status.PUBLISHED, by=coordinator)
