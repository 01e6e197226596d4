"""reviews/workflow.py: the table of moves, the order of checks, history, guards and emails."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from reviews import self_assessment
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.models import Action, Rating, Response, Review, ReviewEvent
from reviews.workflow import MOVES, TransitionError, find_move, moves_for, transition
from tests.reviews.conftest import as_published

Status = Review.Status


def move_to(review: Review, status: str, *, by, note: str = "") -> Review:
    return transition(review, status, by=by, note=note)


def refusal(review: Review, status: str, *, by, note: str = "", **kwargs) -> TransitionError:
    with pytest.raises(TransitionError) as caught:
        transition(review, status, by=by, note=note, **kwargs)
    return caught.value


@pytest.fixture
def submitted_review(answered_review, service_lead):
    return move_to(answered_review, Status.SUBMITTED, by=service_lead)


# The table ------------------------------------------------------------------------------------


def test_the_table_holds_each_move_with_its_stages_and_permission():
    table = {(move.name, move.sources, move.target, move.permission) for move in MOVES}

    assert table == {
        ("submit", (Status.SELF_ASSESSMENT,), Status.SUBMITTED, "reviews.submit_review"),
        ("return", (Status.SUBMITTED,), Status.SELF_ASSESSMENT, "reviews.manage_review"),
        ("start_peer_review", (Status.SUBMITTED,), Status.PEER_REVIEW, "reviews.manage_review"),
        ("start_drafting", (Status.PEER_REVIEW,), Status.DRAFTING, "reviews.lead_review"),
        ("issue_draft", (Status.DRAFTING,), Status.ACCURACY_CHECK, "reviews.lead_review"),
        ("revise", (Status.ACCURACY_CHECK,), Status.DRAFTING, "reviews.lead_review"),
        ("publish", (Status.ACCURACY_CHECK,), Status.PUBLISHED, "reviews.manage_review"),
        (
            "close",
            (Status.PUBLISHED,),
            Status.CLOSED,
            ("reviews.submit_review", "reviews.manage_review"),
        ),
        (
            "withdraw",
            (
                Status.SELF_ASSESSMENT,
                Status.SUBMITTED,
                Status.PEER_REVIEW,
                Status.DRAFTING,
                Status.ACCURACY_CHECK,
            ),
            Status.WITHDRAWN,
            "reviews.manage_review",
        ),
    }


@pytest.mark.parametrize(
    ("current", "target", "name"),
    [
        (Status.SELF_ASSESSMENT, Status.SUBMITTED, "submit"),
        (Status.SUBMITTED, Status.SELF_ASSESSMENT, "return"),
        (Status.SUBMITTED, Status.PEER_REVIEW, "start_peer_review"),
        (Status.DRAFTING, Status.WITHDRAWN, "withdraw"),
        (Status.SELF_ASSESSMENT, Status.PEER_REVIEW, None),
        (Status.PUBLISHED, Status.WITHDRAWN, None),
        (Status.WITHDRAWN, Status.SELF_ASSESSMENT, None),
        (Status.CLOSED, Status.SUBMITTED, None),
    ],
)
def test_find_move_knows_only_the_moves_in_the_table(current, target, name):
    move = find_move(current, target)

    assert (move.name if move else None) == name


def test_the_moves_that_need_a_note_are_return_and_withdraw():
    assert {move.name for move in MOVES if move.note_required} == {"return", "withdraw"}


# The order of checks: invalid move, then forbidden, then guards ------------------------------


def test_a_move_not_in_the_table_is_invalid_even_for_someone_who_may_not_move_it(review, outsider):
    error = refusal(review, Status.PUBLISHED, by=outsider)

    assert error.code == "invalid_move"
    assert "Published" in str(error)


def test_a_target_that_is_not_a_stage_is_invalid(review, service_lead):
    error = refusal(review, "finished", by=service_lead)

    assert error.code == "invalid_move"
    assert "finished" in str(error)


@pytest.mark.parametrize("who", ["staff", "lived_experience", "coordinator", "outsider"])
def test_submit_by_someone_without_the_right_is_forbidden_before_any_guard(review, who, request):
    person = request.getfixturevalue(who)

    error = refusal(review, Status.SUBMITTED, by=person)

    # The review has every standard unanswered, yet the refusal is about who, not what.
    assert error.code == "forbidden"
    assert error.problems == []


def test_return_by_the_service_lead_is_forbidden(submitted_review, service_lead):
    assert refusal(submitted_review, Status.SELF_ASSESSMENT, by=service_lead).code == "forbidden"


def test_a_refused_move_changes_nothing_and_writes_no_history(review, service_lead):
    events = ReviewEvent.objects.filter(review=review).count()

    refusal(review, Status.SUBMITTED, by=service_lead)

    review.refresh_from_db()
    assert (review.status, review.version) == (Status.SELF_ASSESSMENT, 1)
    assert ReviewEvent.objects.filter(review=review).count() == events


# A stale page ---------------------------------------------------------------------------------


def test_a_move_from_a_stale_page_is_refused(answered_review, service_lead):
    error = refusal(
        answered_review,
        Status.SUBMITTED,
        by=service_lead,
        expected_version=answered_review.version + 1,
    )

    assert error.code == "stale"
    answered_review.refresh_from_db()
    assert answered_review.status == Status.SELF_ASSESSMENT


def test_a_move_from_the_current_version_goes_ahead(answered_review, service_lead):
    moved = transition(
        answered_review,
        Status.SUBMITTED,
        by=service_lead,
        expected_version=answered_review.version,
    )

    assert moved.status == Status.SUBMITTED


# History --------------------------------------------------------------------------------------


def test_each_move_writes_one_event_and_bumps_the_version(
    answered_review, service_lead, coordinator
):
    move_to(answered_review, Status.SUBMITTED, by=service_lead)
    move_to(answered_review, Status.SELF_ASSESSMENT, by=coordinator, note="  Add more voices. ")

    events = list(
        ReviewEvent.objects.filter(review=answered_review).values_list(
            "from_status", "to_status", "actor", "note"
        )
    )
    assert events == [
        ("", Status.SELF_ASSESSMENT, coordinator.pk, "Enrolled in 2027."),
        (Status.SELF_ASSESSMENT, Status.SUBMITTED, service_lead.pk, ""),
        (Status.SUBMITTED, Status.SELF_ASSESSMENT, coordinator.pk, "Add more voices."),
    ]
    answered_review.refresh_from_db()
    assert answered_review.version == 3


def test_transition_updates_the_object_it_was_given(answered_review, service_lead):
    transition(answered_review, Status.SUBMITTED, by=service_lead)

    assert (answered_review.status, answered_review.version) == (Status.SUBMITTED, 2)


# Submit: its guards and its email -------------------------------------------------------------


def test_submit_lists_every_unanswered_standard_in_order(review, service_lead, staff):
    responses = list(review.responses.select_related("standard").order_by("standard__order"))
    first, *rest = responses
    self_assessment.save_response(
        first, by=staff, expected_version=first.version, rating=Rating.MET
    )
    # "Not applicable" with no reason (as an import or an old row could leave it) still counts
    # as unanswered, with its own message.
    Response.objects.filter(pk=rest[0].pk).update(rating=Rating.NOT_APPLICABLE)

    error = refusal(review, Status.SUBMITTED, by=service_lead)

    assert error.code == "guards"
    assert [problem.standard_id for problem in error.problems] == [
        response.standard_id for response in rest
    ]
    assert "give a reason why it does not apply" in error.problems[0].message
    assert all("choose your view" in p.message for p in error.problems[1:])
    assert rest[1].standard.code in error.problems[1].message


@pytest.fixture
def review_after_last_cycle(network, service, version, coordinator, staff):
    """A 2026 review with four actions (two still open), and the service's 2027 review."""
    last_cycle = open_cycle(
        network=network, name="2026", versions=[version], **default_dates(network, date(2026, 1, 5))
    )
    last = as_published(enrol(last_cycle, service, version, by=coordinator))
    for title, status in (
        ("Morning meeting rota", Action.Status.PLANNED),
        ("Induction with residents", Action.Status.IN_PROGRESS),
        ("Family evenings", Action.Status.DONE),
        ("New handbook", Action.Status.DROPPED),
    ):
        Action.objects.create(review=last, title=title, status=status)
    this_cycle = open_cycle(
        network=network, name="2027", versions=[version], **default_dates(network, date(2027, 1, 4))
    )
    review = enrol(this_cycle, service, version, by=coordinator)
    for response in review.responses.all():
        self_assessment.save_response(
            response, by=staff, expected_version=response.version, rating=Rating.MET
        )
    return review


def test_submit_lists_every_open_action_of_last_cycle_without_progress(
    review_after_last_cycle, service_lead
):
    error = refusal(review_after_last_cycle, Status.SUBMITTED, by=service_lead)

    open_actions = Action.objects.filter(status__in=Action.OPEN).order_by("pk")
    assert error.code == "guards"
    assert [problem.action_id for problem in error.problems] == [a.pk for a in open_actions]
    assert "Morning meeting rota" in error.problems[0].message


def test_submit_goes_ahead_once_each_open_action_has_progress(
    review_after_last_cycle, service_lead, staff
):
    for action in Action.objects.filter(status__in=Action.OPEN):
        self_assessment.record_action_progress(
            action,
            review_after_last_cycle,
            by=staff,
            note="Started in March.",
            status=Action.Status.IN_PROGRESS,
        )

    moved = move_to(review_after_last_cycle, Status.SUBMITTED, by=service_lead)

    assert moved.status == Status.SUBMITTED


def test_submit_lists_standards_and_actions_together(review_after_last_cycle, service_lead):
    Response.objects.filter(review=review_after_last_cycle).update(rating="")

    error = refusal(review_after_last_cycle, Status.SUBMITTED, by=service_lead)

    standards = sum(1 for p in error.problems if p.standard_id)
    actions = sum(1 for p in error.problems if p.action_id)
    assert (standards, actions) == (review_after_last_cycle.responses.count(), 2)


def test_submit_emails_the_networks_coordinators_after_commit(
    answered_review, service_lead, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        move_to(answered_review, Status.SUBMITTED, by=service_lead)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [coordinator.email]
    assert "Willow House has submitted its self-assessment" in mail.outbox[0].subject
    assert reverse("reviews:review_detail", args=[answered_review.pk]) in mail.outbox[0].body


def test_no_email_leaves_before_the_move_commits(
    answered_review, service_lead, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        move_to(answered_review, Status.SUBMITTED, by=service_lead)

    assert len(callbacks) == 1
    assert mail.outbox == []


# Return ---------------------------------------------------------------------------------------


def test_return_without_a_note_is_refused(submitted_review, coordinator):
    error = refusal(submitted_review, Status.SELF_ASSESSMENT, by=coordinator, note="   ")

    assert error.code == "guards"
    assert [problem.message for problem in error.problems] == ["Write a note saying why."]


def test_return_sends_the_note_to_the_service_lead_and_staff_after_commit(
    submitted_review,
    coordinator,
    service_lead,
    staff,
    lived_experience,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        move_to(
            submitted_review,
            Status.SELF_ASSESSMENT,
            by=coordinator,
            note="Please add what families said.",
        )

    assert submitted_review.status == Status.SELF_ASSESSMENT
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([service_lead.email, staff.email])
    assert "Please add what families said." in mail.outbox[0].body


def test_a_returned_review_can_be_edited_and_submitted_again(
    submitted_review, coordinator, service_lead, staff
):
    move_to(submitted_review, Status.SELF_ASSESSMENT, by=coordinator, note="Add more.")
    response = submitted_review.responses.first()

    self_assessment.save_response(
        response, by=staff, expected_version=response.version, narrative="More."
    )
    moved = move_to(submitted_review, Status.SUBMITTED, by=service_lead)

    assert moved.status == Status.SUBMITTED


# Start the peer review ------------------------------------------------------------------------


def test_start_peer_review_is_refused_until_a_team_is_confirmed(submitted_review, coordinator):
    error = refusal(submitted_review, Status.PEER_REVIEW, by=coordinator)

    assert error.code == "guards"
    assert [problem.message for problem in error.problems] == [
        "No lead reviewer has accepted yet.",
        "No peer reviewer has accepted yet.",
        "No expert by experience has accepted yet.",
    ]
    submitted_review.refresh_from_db()
    assert submitted_review.status == Status.SUBMITTED


# Withdraw -------------------------------------------------------------------------------------


@pytest.mark.parametrize("submitted", [False, True])
def test_a_coordinator_withdraws_a_review_with_a_note(
    submitted, answered_review, service_lead, coordinator, django_capture_on_commit_callbacks
):
    if submitted:
        move_to(answered_review, Status.SUBMITTED, by=service_lead)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        move_to(answered_review, Status.WITHDRAWN, by=coordinator, note="The service closed.")

    assert answered_review.status == Status.WITHDRAWN
    assert [message.to for message in mail.outbox] == [[service_lead.email]]
    assert "The service closed." in mail.outbox[0].body


def test_withdraw_needs_a_note(review, coordinator):
    error = refusal(review, Status.WITHDRAWN, by=coordinator)

    assert (error.code, len(error.problems)) == ("guards", 1)


def test_the_service_lead_cannot_withdraw(review, service_lead):
    assert refusal(review, Status.WITHDRAWN, by=service_lead, note="No.").code == "forbidden"


def test_a_withdrawn_review_moves_nowhere(review, coordinator, service_lead):
    move_to(review, Status.WITHDRAWN, by=coordinator, note="Closed.")

    assert moves_for(review, coordinator) == []
    assert refusal(review, Status.SELF_ASSESSMENT, by=coordinator).code == "invalid_move"


# What each person may ask for -----------------------------------------------------------------


def test_moves_for_offers_each_person_only_their_own_moves(
    submitted_review, service_lead, staff, coordinator, outsider
):
    assert [m.name for m in moves_for(submitted_review, coordinator)] == [
        "return",
        "start_peer_review",
        "withdraw",
    ]
    assert moves_for(submitted_review, service_lead) == []
    assert moves_for(submitted_review, outsider) == []


def test_moves_for_offers_submit_to_the_service_lead_only(review, service_lead, staff):
    assert [m.name for m in moves_for(review, service_lead)] == ["submit"]
    assert moves_for(review, staff) == []


# Through the review page ----------------------------------------------------------------------


def test_submitting_with_problems_shows_them_linked_to_the_standards(client, review, service_lead):
    client.force_login(service_lead)

    response = client.post(
        reverse("reviews:review_transition", args=[review.pk]),
        {"to": Status.SUBMITTED, "version": review.version},
    )

    content = response.content.decode()
    assert response.status_code == 409
    assert "govuk-error-summary" in content
    assert "<title>Error:" in content
    standards = review.framework_version.standards.select_related("domain").order_by("order")
    for standard in standards:
        href = (
            reverse("reviews:domain", args=[review.pk, standard.domain.code])
            + f"#standard-{standard.code}"
        )
        assert f'href="{href}"' in content
    review.refresh_from_db()
    assert review.status == Status.SELF_ASSESSMENT


def test_submitting_from_the_page_moves_the_review_and_says_so(
    client, answered_review, service_lead
):
    client.force_login(service_lead)

    response = client.post(
        reverse("reviews:review_transition", args=[answered_review.pk]),
        {"to": Status.SUBMITTED, "version": answered_review.version},
        follow=True,
    )

    assert "The review is now at the stage: Submitted." in response.content.decode()
    answered_review.refresh_from_db()
    assert answered_review.status == Status.SUBMITTED


def test_the_page_refuses_a_move_by_someone_without_the_right(client, answered_review, staff):
    client.force_login(staff)

    response = client.post(
        reverse("reviews:review_transition", args=[answered_review.pk]),
        {"to": Status.SUBMITTED, "version": answered_review.version},
    )

    assert response.status_code == 403
