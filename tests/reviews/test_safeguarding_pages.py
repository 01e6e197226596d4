"""Safeguarding pages (reviews/views/safeguarding.py): who reads which notes, raising a concern,
updating where it stands; the host's staff and lived-experience contributors never see any."""

from html import unescape

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import Review, SafeguardingNote
from reviews.peer_review import safeguarding
from reviews.workflow import transition

SUMMARY = "A resident described a worrying contact outside the service."


def page(response) -> str:
    return unescape(response.content.decode())


def signed_in(client, person):
    client.force_login(person)
    return client


def raise_one(review, by, summary=SUMMARY) -> SafeguardingNote:
    return safeguarding.raise_note(review, by=by, summary=summary, raised_to="The service's lead")


def list_url(review) -> str:
    return reverse("reviews:safeguarding_list", args=[review.pk])


def detail_url(note) -> str:
    return reverse("reviews:safeguarding_detail", args=[note.review_id, note.pk])


@pytest.fixture
def notes(peer_review, reviewer, expert_reviewer):
    return {
        "peer": raise_one(peer_review, reviewer, summary="Heard by the peer reviewer."),
        "expert": raise_one(peer_review, expert_reviewer, summary="Heard by the expert."),
    }


# The list -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["service_lead", "lead_reviewer", "coordinator"])
def test_safeguarding_list_shows_every_note_to_those_who_follow_them_up(
    client, peer_review, notes, request, role
):
    html = page(signed_in(client, request.getfixturevalue(role)).get(list_url(peer_review)))

    assert "2 safeguarding notes" in html
    for note in notes.values():
        assert detail_url(note) in html
    # The list names no content: that is on each note's own page.
    assert "Heard by" not in html
    assert "Restricted information" in html
    assert "never appear in any report" in html


def test_safeguarding_list_shows_a_peer_reviewer_only_the_notes_they_raised(
    client, peer_review, notes, reviewer
):
    html = page(signed_in(client, reviewer).get(list_url(peer_review)))

    assert "1 note you raised" in html
    assert detail_url(notes["peer"]) in html
    assert detail_url(notes["expert"]) not in html
    assert "Raise a safeguarding concern" in html


@pytest.mark.parametrize(
    ("role", "status"),
    [("staff", 403), ("lived_experience", 403), ("commissioner", 404), ("outsider", 404)],
)
def test_safeguarding_list_is_closed_to_everyone_else(
    client, peer_review, notes, request, role, status
):
    response = signed_in(client, request.getfixturevalue(role)).get(list_url(peer_review))

    assert response.status_code == status
    for note in notes.values():
        assert detail_url(note) not in page(response)


def test_safeguarding_list_when_empty_says_so(client, peer_review, service_lead, reviewer):
    lead_html = page(signed_in(client, service_lead).get(list_url(peer_review)))
    peer_html = page(signed_in(client, reviewer).get(list_url(peer_review)))

    assert "No safeguarding notes have been raised on this review." in lead_html
    assert "Raise a safeguarding concern" not in lead_html  # the host lead reads, never raises
    assert "You have not raised any safeguarding notes on this review." in peer_html


def test_safeguarding_list_queries_do_not_grow_with_notes(
    client, peer_review, coordinator, reviewer
):
    client = signed_in(client, coordinator)

    def count() -> int:
        client.get(list_url(peer_review))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(list_url(peer_review))
        assert response.status_code == 200
        return len(captured.captured_queries)

    raise_one(peer_review, reviewer)
    small = count()
    for _n in range(10):
        raise_one(peer_review, reviewer)
    large = count()

    assert small == large


# One note -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["service_lead", "lead_reviewer", "coordinator", "reviewer"])
def test_safeguarding_detail_shows_the_note_to_its_readers(client, notes, request, role):
    note = notes["peer"]

    html = page(signed_in(client, request.getfixturevalue(role)).get(detail_url(note)))

    assert "Heard by the peer reviewer." in html
    assert "The service's lead" in html
    assert "Restricted information" in html


@pytest.mark.parametrize(
    "role", ["staff", "lived_experience", "expert_reviewer", "commissioner", "outsider"]
)
def test_safeguarding_detail_is_not_found_for_anyone_else(client, notes, request, role):
    response = signed_in(client, request.getfixturevalue(role)).get(detail_url(notes["peer"]))

    assert response.status_code == 404
    assert "Heard by the peer reviewer." not in page(response)


def test_safeguarding_detail_offers_the_status_form_only_to_those_who_update(
    client, notes, reviewer, service_lead
):
    note = notes["peer"]

    peer_html = page(signed_in(client, reviewer).get(detail_url(note)))
    lead_html = page(signed_in(client, service_lead).get(detail_url(note)))

    assert "Update where it stands" not in peer_html
    assert "Update where it stands" in lead_html


def test_safeguarding_detail_post_updates_the_status(client, notes, service_lead):
    note = notes["peer"]

    response = signed_in(client, service_lead).post(
        detail_url(note), {"status": "passed_on", "status_note": "Passed to the council."}
    )

    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.status, note.status_note, note.updated_by) == (
        "passed_on",
        "Passed to the council.",
        service_lead,
    )


def test_safeguarding_detail_post_by_the_raiser_is_refused(client, notes, reviewer):
    note = notes["peer"]

    response = signed_in(client, reviewer).post(detail_url(note), {"status": "closed"})

    assert response.status_code == 403
    note.refresh_from_db()
    assert note.status == SafeguardingNote.Status.OPEN


def test_safeguarding_detail_post_by_staff_is_not_found(client, notes, staff):
    response = signed_in(client, staff).post(detail_url(notes["peer"]), {"status": "closed"})

    assert response.status_code == 404


# Raising ------------------------------------------------------------------------------------


def test_safeguarding_add_gives_the_guidance(client, peer_review, reviewer):
    html = page(
        signed_in(client, reviewer).get(reverse("reviews:safeguarding_add", args=[peer_review.pk]))
    )

    assert "If someone is in immediate danger, call 999 first." in html
    assert "Tell the service's safeguarding lead on the day" in html
    assert "Who you have told" in html


def test_safeguarding_add_stores_the_note_and_tells_readers_without_its_words(
    client, peer_review, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(client, reviewer).post(
            reverse("reviews:safeguarding_add", args=[peer_review.pk]),
            {"summary": SUMMARY, "raised_to": "The deputy manager, by phone"},
        )

    note = SafeguardingNote.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(note)
    assert (note.raised_by, note.summary) == (reviewer, SUMMARY)
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        assert "worrying" not in message.body
        assert "deputy manager" not in message.body
        assert detail_url(note) in message.body


def test_safeguarding_add_with_nothing_written_shows_the_error(client, peer_review, reviewer):
    response = signed_in(client, reviewer).post(
        reverse("reviews:safeguarding_add", args=[peer_review.pk]), {"summary": " "}
    )

    html = page(response)
    assert "<title>Error:" in html
    assert 'href="#id_summary"' in html
    assert "Write what you heard or saw." in html
    assert not SafeguardingNote.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("service_lead", 403), ("staff", 403), ("coordinator", 403), ("outsider", 404)],
)
def test_safeguarding_add_is_for_reviewers_on_the_team(client, peer_review, request, role, status):
    response = signed_in(client, request.getfixturevalue(role)).post(
        reverse("reviews:safeguarding_add", args=[peer_review.pk]), {"summary": SUMMARY}
    )

    assert response.status_code == status
    assert not SafeguardingNote.objects.exists()


def test_safeguarding_add_after_withdrawal_explains(client, peer_review, reviewer, coordinator):
    transition(peer_review, Review.Status.WITHDRAWN, by=coordinator, note="The service closed.")

    response = signed_in(client, reviewer).post(
        reverse("reviews:safeguarding_add", args=[peer_review.pk]),
        {"summary": SUMMARY},
        follow=True,
    )

    assert "cannot be raised on a review at the stage “Withdrawn”" in page(response)
    assert not SafeguardingNote.objects.exists()
