"""The team's reflections write path (reviews/peer_review/reflections.py): who may write them and
when, the rule that "differs" needs a reason, stale saves refused with what is stored, and the
move to drafting that waits for every reflection."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from reviews import workflow
from reviews.allocation import withdraw
from reviews.models import Assignment, Rating, Reflection, Review, Visit
from reviews.peer_review.reflections import ReflectionsClosed, save_reflection
from reviews.self_assessment import Invalid, StaleWrite

AGREES = Reflection.Agreement.AGREES
DIFFERS = Reflection.Agreement.DIFFERS


def first_reflection(review) -> Reflection:
    return review.reflections.select_related("standard").order_by("standard__order").first()


def save(reflection, by, *, version=None, rating=Rating.MET, agreement=AGREES, rationale=""):
    return save_reflection(
        reflection,
        by=by,
        expected_version=reflection.version if version is None else version,
        rating=rating,
        agreement=agreement,
        rationale=rationale,
    )


def reflect_on_everything(review, by) -> None:
    for reflection in review.reflections.all():
        save(reflection, by, rating=Rating.PARTLY_MET, agreement=AGREES)


def record_visit(review) -> Visit:
    return Visit.objects.create(
        review=review, mode=Visit.Mode.IN_PERSON, starts_on=date(2027, 3, 2), ends_on=None
    )


def test_saving_stores_the_teams_view_and_moves_the_version_on(peer_review, reviewer):
    reflection = first_reflection(peer_review)

    saved = save(
        reflection,
        reviewer,
        rating=Rating.NOT_YET_MET,
        agreement=DIFFERS,
        rationale="  Handovers happen without residents.  ",
    )

    stored = Reflection.objects.get(pk=reflection.pk)
    assert (stored.rating, stored.agreement, stored.rationale) == (
        Rating.NOT_YET_MET,
        DIFFERS,
        "Handovers happen without residents.",
    )
    assert stored.version == 2
    assert stored.updated_by == reviewer
    assert saved.version == 2
    assert stored.is_recorded


@pytest.mark.parametrize("who", ["lead_reviewer", "reviewer", "expert_reviewer"])
def test_every_reviewer_on_the_team_can_reflect(request, peer_review, who):
    person = request.getfixturevalue(who)
    reflection = first_reflection(peer_review)

    save(reflection, person, rating=Rating.MET, agreement=AGREES)

    assert Reflection.objects.get(pk=reflection.pk).updated_by == person


@pytest.mark.parametrize(
    "who", ["coordinator", "service_lead", "staff", "lived_experience", "outsider"]
)
def test_anyone_but_the_reviewers_is_refused_and_nothing_changes(request, peer_review, who):
    reflection = first_reflection(peer_review)

    with pytest.raises(PermissionDenied):
        save(reflection, request.getfixturevalue(who))

    assert Reflection.objects.get(pk=reflection.pk).version == 1


def test_differs_without_a_reason_is_refused_as_the_recorded_rule_says(peer_review, reviewer):
    reflection = first_reflection(peer_review)

    with pytest.raises(Invalid) as refused:
        save(reflection, reviewer, rating=Rating.MET, agreement=DIFFERS, rationale="   ")

    assert set(refused.value.errors) == {"rationale"}
    stored = Reflection.objects.get(pk=reflection.pk)
    assert (stored.rating, stored.version) == ("", 1)


@pytest.mark.parametrize(
    ("values", "field"),
    [({"rating": "excellent"}, "rating"), ({"agreement": "maybe"}, "agreement")],
)
def test_an_unknown_view_or_answer_is_refused(peer_review, reviewer, values, field):
    reflection = first_reflection(peer_review)

    with pytest.raises(Invalid) as refused:
        save(reflection, reviewer, **values)

    assert set(refused.value.errors) == {field}


def test_a_reflection_can_be_written_in_steps(peer_review, reviewer):
    reflection = first_reflection(peer_review)

    saved = save(reflection, reviewer, rating="", agreement="", rationale="First thoughts.")

    assert saved.rationale == "First thoughts."
    assert not saved.is_recorded


def test_a_stale_save_is_refused_with_what_is_stored(peer_review, reviewer, lead_reviewer):
    reflection = first_reflection(peer_review)
    save(reflection, lead_reviewer, rating=Rating.MET, agreement=AGREES, rationale="Lead's words")

    with pytest.raises(StaleWrite) as stale:
        save(reflection, reviewer, version=1, rating=Rating.PARTLY_MET, rationale="Mine")

    assert stale.value.current.rationale == "Lead's words"
    assert stale.value.current.version == 2
    assert Reflection.objects.get(pk=reflection.pk).rationale == "Lead's words"


def test_saving_again_from_the_current_version_goes_ahead(peer_review, reviewer, lead_reviewer):
    reflection = first_reflection(peer_review)
    save(reflection, lead_reviewer, rationale="Lead's words")

    saved = save(reflection, reviewer, version=2, rationale="Lead's words, and mine")

    assert (saved.rationale, saved.version) == ("Lead's words, and mine", 3)


def test_reflections_still_change_while_drafting(peer_review, lead_reviewer, reviewer):
    record_visit(peer_review)
    reflect_on_everything(peer_review, lead_reviewer)
    workflow.transition(peer_review, Review.Status.DRAFTING, by=lead_reviewer)
    reflection = first_reflection(peer_review)

    saved = save(reflection, reviewer, rating=Rating.MET, agreement=DIFFERS, rationale="On reading")

    assert saved.rationale == "On reading"


def test_nothing_is_saved_once_the_review_is_withdrawn(peer_review, reviewer, coordinator):
    workflow.transition(peer_review, Review.Status.WITHDRAWN, by=coordinator, note="Closed.")
    reflection = first_reflection(peer_review)

    with pytest.raises(ReflectionsClosed) as closed:
        save(reflection, reviewer)

    assert "withdrawn" in str(closed.value)
    assert Reflection.objects.get(pk=reflection.pk).version == 1


def test_a_closed_review_says_so_before_looking_at_the_input(peer_review, reviewer, coordinator):
    workflow.transition(peer_review, Review.Status.WITHDRAWN, by=coordinator, note="Closed.")

    with pytest.raises(ReflectionsClosed):
        save(first_reflection(peer_review), reviewer, agreement=DIFFERS, rationale="")


def test_a_reviewer_withdrawn_from_the_team_can_no_longer_reflect(
    peer_review, reviewer, coordinator
):
    assignment = Assignment.objects.get(review=peer_review, reviewer__user=reviewer)
    withdraw(assignment, by=coordinator)

    with pytest.raises(PermissionDenied):
        save(first_reflection(peer_review), reviewer)


def test_start_drafting_waits_for_every_reflection_then_goes_ahead(peer_review, lead_reviewer):
    record_visit(peer_review)
    reflections = list(peer_review.reflections.order_by("standard__order"))
    for reflection in reflections[1:]:
        save(reflection, lead_reviewer)
    save(reflections[0], lead_reviewer, rating=Rating.MET, agreement=AGREES)

    workflow.transition(peer_review, Review.Status.DRAFTING, by=lead_reviewer)

    peer_review.refresh_from_db()
    assert peer_review.status == Review.Status.DRAFTING


def test_start_drafting_names_the_standards_still_without_the_teams_view(
    peer_review, lead_reviewer
):
    record_visit(peer_review)
    reflections = list(
        peer_review.reflections.select_related("standard").order_by("standard__order")
    )
    for reflection in reflections[1:]:
        save(reflection, lead_reviewer)

    with pytest.raises(workflow.TransitionError) as refused:
        workflow.transition(peer_review, Review.Status.DRAFTING, by=lead_reviewer)

    assert [p.standard_id for p in refused.value.problems] == [reflections[0].standard_id]
