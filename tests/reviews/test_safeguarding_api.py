"""Safeguarding notes in the API (reviews/api/findings.py): the list holds only the notes the
person may read; the host's staff and lived-experience contributors never learn one exists."""

import json

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.models import Review, SafeguardingNote
from reviews.peer_review import safeguarding
from reviews.workflow import transition

JSON = "application/json"
NOTES = "/api/v1/safeguarding-notes/"
SUMMARY = "A resident described a worrying contact outside the service."


def signed_in(client, person):
    client.force_login(person)
    return client


def send(client, method: str, url: str, data: dict):
    return client.generic(method, url, json.dumps(data), content_type=JSON)


def raise_one(review, by, summary=SUMMARY) -> SafeguardingNote:
    return safeguarding.raise_note(review, by=by, summary=summary, raised_to="The deputy manager")


@pytest.fixture
def notes(peer_review, reviewer, expert_reviewer):
    return {
        "peer": raise_one(peer_review, reviewer, summary="Heard by the peer reviewer."),
        "expert": raise_one(peer_review, expert_reviewer, summary="Heard by the expert."),
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("service_lead", {"peer", "expert"}),
        ("lead_reviewer", {"peer", "expert"}),
        ("coordinator", {"peer", "expert"}),
        ("reviewer", {"peer"}),
        ("expert_reviewer", {"expert"}),
        ("staff", set()),
        ("lived_experience", set()),
        ("commissioner", set()),
        ("outsider", set()),
    ],
)
def test_safeguarding_list_holds_only_the_notes_the_person_may_read(
    client, notes, request, role, expected
):
    rows = signed_in(client, request.getfixturevalue(role)).get(NOTES).json()["results"]

    by_id = {note.pk: name for name, note in notes.items()}
    assert {by_id[row["id"]] for row in rows} == expected


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("service_lead", 200),
        ("reviewer", 200),
        ("staff", 404),
        ("lived_experience", 404),
        ("expert_reviewer", 404),
        ("commissioner", 404),
        ("outsider", 404),
    ],
)
def test_safeguarding_detail_only_for_its_readers(client, notes, request, role, status):
    response = signed_in(client, request.getfixturevalue(role)).get(f"{NOTES}{notes['peer'].pk}/")

    assert response.status_code == status
    if status == 200:
        assert response.json()["summary"] == "Heard by the peer reviewer."
    else:
        assert "Heard by" not in response.content.decode()


def test_safeguarding_filter_by_review_tells_staff_nothing(client, peer_review, notes, staff):
    response = signed_in(client, staff).get(NOTES, {"review": peer_review.pk})

    assert (response.status_code, response.json()["count"]) == (200, 0)


def test_safeguarding_list_queries_do_not_grow_with_rows(
    client, peer_review, coordinator, reviewer
):
    client = signed_in(client, coordinator)

    def count() -> tuple[int, int]:
        client.get(NOTES)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(NOTES)
        return len(captured.captured_queries), response.json()["count"]

    raise_one(peer_review, reviewer)
    small = count()
    for _n in range(10):
        raise_one(peer_review, reviewer)
    large = count()

    assert small[0] == large[0]
    assert (small[1], large[1]) == (1, 11)


def test_safeguarding_create_by_a_reviewer_tells_readers_without_its_words(
    client, peer_review, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            signed_in(client, reviewer),
            "POST",
            NOTES,
            {"review": peer_review.pk, "summary": SUMMARY, "raised_to": "The deputy manager"},
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["summary"], body["status"], body["raised_by"]["id"]) == (
        SUMMARY,
        "open",
        reviewer.pk,
    )
    assert len(mail.outbox) == 3
    assert all("worrying" not in m.body and "deputy" not in m.body for m in mail.outbox)


@pytest.mark.parametrize(
    ("role", "status"),
    [("service_lead", 403), ("staff", 403), ("coordinator", 403), ("outsider", 400)],
)
def test_safeguarding_create_by_anyone_not_reviewing_is_refused(
    client, peer_review, request, role, status
):
    response = send(
        signed_in(client, request.getfixturevalue(role)),
        "POST",
        NOTES,
        {"review": peer_review.pk, "summary": SUMMARY},
    )

    assert response.status_code == status
    assert not SafeguardingNote.objects.exists()


def test_safeguarding_create_after_withdrawal_is_a_conflict(
    client, peer_review, reviewer, coordinator
):
    transition(peer_review, Review.Status.WITHDRAWN, by=coordinator, note="The service closed.")

    response = send(
        signed_in(client, reviewer), "POST", NOTES, {"review": peer_review.pk, "summary": SUMMARY}
    )

    assert (response.status_code, response.json()["code"]) == (409, "not_editable")


def test_safeguarding_patch_by_the_service_lead(client, notes, service_lead):
    note = notes["peer"]

    response = send(
        signed_in(client, service_lead),
        "PATCH",
        f"{NOTES}{note.pk}/",
        {"status": "passed_on", "status_note": "Passed to the council."},
    )
    kept = send(
        signed_in(client, service_lead), "PATCH", f"{NOTES}{note.pk}/", {"status": "closed"}
    )

    assert response.status_code == 200
    assert (kept.json()["status"], kept.json()["status_note"]) == (
        "closed",
        "Passed to the council.",
    )


@pytest.mark.parametrize(("role", "status"), [("reviewer", 403), ("staff", 404)])
def test_safeguarding_patch_by_others_is_refused(client, notes, request, role, status):
    note = notes["peer"]

    response = send(
        signed_in(client, request.getfixturevalue(role)),
        "PATCH",
        f"{NOTES}{note.pk}/",
        {"status": "closed"},
    )

    assert response.status_code == status
    note.refresh_from_db()
    assert note.status == "open"


def test_safeguarding_delete_is_not_offered(client, notes, coordinator):
    response = signed_in(client, coordinator).delete(f"{NOTES}{notes['peer'].pk}/")

    assert response.status_code == 405
    assert SafeguardingNote.objects.count() == 2
