"""Safeguarding notes (reviews/peer_review/safeguarding.py): who raises and updates them, when,
and the e-mail that says a note exists without ever carrying what it says."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from reviews.models import Review, SafeguardingNote
from reviews.peer_review import safeguarding
from reviews.self_assessment import Invalid
from reviews.workflow import transition

SUMMARY = "A resident described a worrying contact outside the service."
RAISED_TO = "Priya, the service's safeguarding lead, in person"


def raise_one(review, by, summary=SUMMARY, raised_to=RAISED_TO) -> SafeguardingNote:
    return safeguarding.raise_note(review, by=by, summary=summary, raised_to=raised_to)


def test_raise_note_by_a_peer_reviewer_stores_it(peer_review, reviewer):
    note = raise_one(peer_review, reviewer, summary=f"  {SUMMARY}  ")

    note.refresh_from_db()
    assert (note.review, note.raised_by, note.summary, note.raised_to, note.status) == (
        peer_review,
        reviewer,
        SUMMARY,
        RAISED_TO,
        SafeguardingNote.Status.OPEN,
    )


def test_raise_note_tells_the_readers_but_not_the_raiser(
    peer_review,
    reviewer,
    lead_reviewer,
    coordinator,
    service_lead,
    staff,
    lived_experience,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        raise_one(peer_review, reviewer)

    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([lead_reviewer.email, coordinator.email, service_lead.email])
    # One e-mail each, so no reader learns who else was told.
    assert all(len(message.to) == 1 for message in mail.outbox)


def test_raise_note_email_carries_none_of_the_note(
    peer_review, reviewer, lead_reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note = raise_one(peer_review, reviewer)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        safeguarding.update_note(
            note, by=lead_reviewer, status="passed_on", status_note="Passed to the local authority."
        )

    assert sent == 3 == len(mail.outbox)  # updating the status sends nothing
    for message in mail.outbox:
        words = f"{message.subject}\n{message.body}"
        assert "A safeguarding note has been raised on" in message.body
        assert f"/reviews/{peer_review.pk}/safeguarding/{note.pk}/" in message.body
        for secret in (SUMMARY, RAISED_TO, "Priya", "worrying", "Passed to the local authority"):
            assert secret not in words


def test_raise_note_by_the_lead_tells_the_others_only(
    peer_review, lead_reviewer, coordinator, service_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        raise_one(peer_review, lead_reviewer)

    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([coordinator.email, service_lead.email])


def test_raise_note_sends_nothing_when_refused(
    peer_review, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        raise_one(peer_review, staff)

    assert mail.outbox == []


@pytest.mark.parametrize("role", ["service_lead", "staff", "lived_experience", "coordinator"])
def test_raise_note_is_refused_to_anyone_not_reviewing(request, peer_review, role):
    with pytest.raises(PermissionDenied):
        raise_one(peer_review, request.getfixturevalue(role))

    assert not SafeguardingNote.objects.exists()


def test_raise_note_is_refused_once_the_review_is_withdrawn(peer_review, reviewer, coordinator):
    transition(peer_review, Review.Status.WITHDRAWN, by=coordinator, note="The service closed.")

    with pytest.raises(safeguarding.SafeguardingClosed):
        raise_one(peer_review, reviewer)


def test_raise_note_needs_what_was_heard(peer_review, reviewer):
    with pytest.raises(Invalid) as refused:
        raise_one(peer_review, reviewer, summary="   ", raised_to="x" * 301)

    assert set(refused.value.errors) == {"summary", "raised_to"}


@pytest.mark.parametrize("role", ["service_lead", "lead_reviewer", "coordinator"])
def test_update_note_by_those_who_follow_it_up(request, peer_review, reviewer, role):
    note = raise_one(peer_review, reviewer)
    person = request.getfixturevalue(role)

    safeguarding.update_note(note, by=person, status="closed", status_note="  Resolved.  ")

    note.refresh_from_db()
    assert (note.status, note.status_note, note.updated_by) == ("closed", "Resolved.", person)


@pytest.mark.parametrize("role", ["reviewer", "staff", "expert_reviewer"])
def test_update_note_is_refused_to_others_even_the_raiser(request, peer_review, reviewer, role):
    note = raise_one(peer_review, reviewer)

    with pytest.raises(PermissionDenied):
        safeguarding.update_note(note, by=request.getfixturevalue(role), status="closed")

    note.refresh_from_db()
    assert note.status == SafeguardingNote.Status.OPEN


def test_update_note_needs_a_known_status(peer_review, reviewer, service_lead):
    note = raise_one(peer_review, reviewer)

    with pytest.raises(Invalid) as refused:
        safeguarding.update_note(note, by=service_lead, status="resolved-ish")

    assert "status" in refused.value.errors


def test_update_note_still_works_after_the_review_is_withdrawn(peer_review, reviewer, coordinator):
    note = raise_one(peer_review, reviewer)
    transition(peer_review, Review.Status.WITHDRAWN, by=coordinator, note="The service closed.")

    safeguarding.update_note(note, by=coordinator, status="passed_on")

    note.refresh_from_db()
    assert note.status == "passed_on"
