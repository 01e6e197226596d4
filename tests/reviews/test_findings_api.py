"""Findings and the reviewers' summary in the API (reviews/api/findings.py): the team reads, the
lead writes through the same functions as the pages; versions on the summary; who sees what."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.cycles import enrol
from reviews.models import Comment, Finding, Review, ReviewersSummary, Thread
from reviews.peer_review import findings
from reviews.workflow import transition
from standards.models import Standard
from standards.yaml_format import import_framework
from tests.factories import ServiceFactory
from tests.reviews.conftest import FIXTURES

JSON = "application/json"
FINDINGS = "/api/v1/findings/"
SUMMARIES = "/api/v1/reviewers-summaries/"


def signed_in(client, person):
    client.force_login(person)
    return client


def send(client, method: str, url: str, data: dict | None = None, **headers):
    return client.generic(
        method, url, json.dumps(data or {}), content_type=JSON, headers=headers or None
    )


def add(review, by, kind=Finding.Kind.STRENGTH, title="A warm welcome", **values) -> Finding:
    return findings.add_finding(review, by=by, kind=kind, title=title, **values)


def standards_of(review, count: int) -> list[Standard]:
    return list(
        Standard.objects.filter(version=review.framework_version).order_by(
            "domain__order", "order"
        )[:count]
    )


def queries(client, url: str, **params) -> tuple[int, int]:
    client.get(url, params)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), len(response.json()["results"])


# Reading findings ---------------------------------------------------------------------------


def test_findings_list_shows_the_team_each_finding_with_its_links(
    client, peer_review, lead_reviewer, reviewer
):
    standard = standards_of(peer_review, 1)[0]
    add(peer_review, lead_reviewer, kind=Finding.Kind.LEARNING, title="Share the buddy system")
    add(
        peer_review,
        lead_reviewer,
        title="A warm welcome",
        body="Buddies.",
        standards=[standard],
        domains=[standard.domain],
    )

    rows = signed_in(client, reviewer).get(FINDINGS, {"review": peer_review.pk}).json()["results"]

    # Strengths come first, whatever their names: the kinds keep the report's order.
    assert [(row["kind"], row["title"], row["order"]) for row in rows] == [
        ("strength", "A warm welcome", 0),
        ("learning", "Share the buddy system", 0),
    ]
    assert rows[0]["standards"] == [
        {
            "id": standard.pk,
            "code": standard.code,
            "title": standard.title,
            "domain": standard.domain.code,
        }
    ]
    assert rows[0]["domains"] == [
        {"id": standard.domain.pk, "code": standard.domain.code, "name": standard.domain.name}
    ]
    assert rows[0]["created_by"]["id"] == lead_reviewer.pk


@pytest.mark.parametrize(
    "role", ["service_lead", "staff", "lived_experience", "commissioner", "outsider"]
)
def test_findings_are_hidden_from_everyone_but_the_team(
    client, peer_review, lead_reviewer, request, role
):
    finding = add(peer_review, lead_reviewer)
    client = signed_in(client, request.getfixturevalue(role))

    assert client.get(FINDINGS).json()["results"] == []
    assert client.get(f"{FINDINGS}{finding.pk}/").status_code == 404
    assert send(client, "PATCH", f"{FINDINGS}{finding.pk}/", {"title": "x"}).status_code == 404


def test_findings_list_queries_do_not_grow_with_rows(client, peer_review, lead_reviewer):
    standards = standards_of(peer_review, 3)
    client = signed_in(client, lead_reviewer)
    add(peer_review, lead_reviewer, standards=standards[:1])
    small = queries(client, FINDINGS)
    for n in range(12):
        add(peer_review, lead_reviewer, kind=Finding.Kind.values[n % 4], standards=standards)
    large = queries(client, FINDINGS)

    assert small[0] == large[0]
    assert (small[1], large[1]) == (1, 13)


# Writing findings -----------------------------------------------------------------------------


def test_findings_create_by_the_lead(client, peer_review, lead_reviewer):
    standard = standards_of(peer_review, 1)[0]

    response = send(
        signed_in(client, lead_reviewer),
        "POST",
        FINDINGS,
        {
            "review": peer_review.pk,
            "kind": "development",
            "title": "Night handovers",
            "body": "Night staff hear less of the day.",
            "standards": [standard.pk],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["title"], body["order"]) == ("development", "Night handovers", 0)
    assert Finding.objects.get(pk=body["id"]).standards.get() == standard


def test_findings_create_refuses_a_standard_of_another_framework(
    client, peer_review, lead_reviewer
):
    other = FIXTURES / "relational-environment-standards.yaml"
    elsewhere = import_framework(other.read_bytes(), source=other.name).version

    response = send(
        signed_in(client, lead_reviewer),
        "POST",
        FINDINGS,
        {
            "review": peer_review.pk,
            "kind": "strength",
            "title": "T",
            "standards": [elsewhere.standards.first().pk],
        },
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "standards": ["Choose standards of this review's framework."]
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [("reviewer", 403), ("coordinator", 403), ("service_lead", 403), ("outsider", 400)],
)
def test_findings_create_by_anyone_but_the_lead_is_refused(
    client, peer_review, request, role, status
):
    response = send(
        signed_in(client, request.getfixturevalue(role)),
        "POST",
        FINDINGS,
        {"review": peer_review.pk, "kind": "strength", "title": "Not mine"},
    )

    assert response.status_code == status
    assert not peer_review.findings.exists()


def test_findings_create_after_withdrawal_is_a_conflict(
    client, peer_review, lead_reviewer, coordinator
):
    transition(peer_review, Review.Status.WITHDRAWN, by=coordinator, note="The service closed.")

    response = send(
        signed_in(client, lead_reviewer),
        "POST",
        FINDINGS,
        {"review": peer_review.pk, "kind": "strength", "title": "Too late"},
    )

    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"
    assert "withdrawn" in response.json()["message"]


def test_findings_create_from_a_team_only_comment(client, peer_review, lead_reviewer, reviewer):
    thread = Thread.objects.create(
        review=peer_review, visibility=Thread.Visibility.TEAM, title="Handover", started_by=reviewer
    )
    comment = Comment.objects.create(thread=thread, author=reviewer, body="Names known.")

    response = send(
        signed_in(client, lead_reviewer),
        "POST",
        FINDINGS,
        {
            "review": peer_review.pk,
            "kind": "strength",
            "title": "Known by name",
            "started_from": comment.pk,
        },
    )

    assert response.status_code == 201
    assert response.json()["started_from"] == comment.pk


def test_findings_create_from_a_comment_on_another_review_is_refused(
    client, peer_review, lead_reviewer, other_service, coordinator
):
    other = enrol(peer_review.cycle, other_service, peer_review.framework_version, by=coordinator)
    thread = Thread.objects.create(
        review=other, visibility=Thread.Visibility.SHARED, title="Elsewhere", started_by=coordinator
    )
    comment = Comment.objects.create(thread=thread, author=coordinator, body="Elsewhere.")

    response = send(
        signed_in(client, lead_reviewer),
        "POST",
        FINDINGS,
        {"review": peer_review.pk, "kind": "strength", "title": "T", "started_from": comment.pk},
    )

    assert response.status_code == 400
    assert "started_from" in response.json()["errors"]
    assert not peer_review.findings.exists()


def test_findings_patch_changes_what_is_sent(client, peer_review, lead_reviewer):
    finding = add(peer_review, lead_reviewer, body="Buddies.")

    response = send(
        signed_in(client, lead_reviewer),
        "PATCH",
        f"{FINDINGS}{finding.pk}/",
        {"title": "A steady welcome"},
    )

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["body"]) == ("A steady welcome", "Buddies.")


def test_findings_patch_by_a_peer_reviewer_is_forbidden(
    client, peer_review, lead_reviewer, reviewer
):
    finding = add(peer_review, lead_reviewer)

    response = send(
        signed_in(client, reviewer), "PATCH", f"{FINDINGS}{finding.pk}/", {"title": "x"}
    )

    assert response.status_code == 403
    finding.refresh_from_db()
    assert finding.title == "A warm welcome"


def test_findings_move_and_delete(client, peer_review, lead_reviewer):
    a = add(peer_review, lead_reviewer, title="A")
    b = add(peer_review, lead_reviewer, title="B")
    client = signed_in(client, lead_reviewer)

    moved = send(client, "POST", f"{FINDINGS}{b.pk}/move/", {"direction": "up"})
    sideways = send(client, "POST", f"{FINDINGS}{b.pk}/move/", {"direction": "sideways"})
    deleted = send(client, "DELETE", f"{FINDINGS}{b.pk}/")

    assert (moved.status_code, moved.json()["order"]) == (200, 0)
    assert sideways.status_code == 400
    assert deleted.status_code == 204
    a.refresh_from_db()
    assert (a.order, peer_review.findings.count()) == (0, 1)


# The reviewers' summary -----------------------------------------------------------------------


def test_summaries_create_once_then_patch_with_the_version(client, peer_review, lead_reviewer):
    client = signed_in(client, lead_reviewer)
    url = f"{SUMMARIES}{peer_review.pk}/"

    created = send(client, "POST", SUMMARIES, {"review": peer_review.pk, "text": "One."})
    again = send(client, "POST", SUMMARIES, {"review": peer_review.pk, "text": "Other."})
    without = send(client, "PATCH", url, {"text": "Two."})
    patched = send(client, "PATCH", url, {"text": "Two."}, **{"If-Match": '"1"'})
    read = client.get(url)

    assert (created.status_code, created.json()["version"], created["ETag"]) == (201, 1, '"1"')
    assert again.status_code == 409
    assert again.json()["code"] == "stale"
    assert again.json()["current"]["text"] == "One."
    assert without.status_code == 428
    assert (patched.status_code, patched["ETag"], patched.json()["text"]) == (200, '"2"', "Two.")
    assert (read.json()["text"], read["ETag"]) == ("Two.", '"2"')


def test_summaries_patch_from_a_stale_version_is_refused_with_current(
    client, peer_review, lead_reviewer
):
    findings.save_summary(peer_review, by=lead_reviewer, expected_version=None, text="One.")
    findings.save_summary(peer_review, by=lead_reviewer, expected_version=1, text="Two.")

    response = send(
        signed_in(client, lead_reviewer),
        "PATCH",
        f"{SUMMARIES}{peer_review.pk}/",
        {"text": "Three.", "version": 1},
    )

    assert response.status_code == 409
    assert response.json()["current"] == {
        "review": peer_review.pk,
        "text": "Two.",
        "version": 2,
        "updated_by": {"id": lead_reviewer.pk, "name": lead_reviewer.name},
        "updated_at": response.json()["current"]["updated_at"],
    }
    assert ReviewersSummary.objects.get(review=peer_review).text == "Two."


def test_summaries_put_creates_without_a_version_and_updates_with_one(
    client, peer_review, lead_reviewer
):
    client = signed_in(client, lead_reviewer)
    url = f"{SUMMARIES}{peer_review.pk}/"

    created = send(client, "PUT", url, {"text": "One."})
    updated = send(client, "PUT", url, {"text": "Two.", "version": 1})
    stale = send(client, "PUT", url, {"text": "Three."})

    assert (created.status_code, created.json()["version"]) == (201, 1)
    assert (updated.status_code, updated.json()["version"]) == (200, 2)
    assert stale.status_code == 409


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("reviewer", 200, 403),
        ("coordinator", 200, 403),
        ("service_lead", 404, 403),
        ("staff", 404, 403),
        ("commissioner", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_summaries_read_by_the_team_written_by_the_lead(
    client, peer_review, lead_reviewer, request, role, read, write
):
    findings.save_summary(peer_review, by=lead_reviewer, expected_version=None, text="Ours.")
    client = signed_in(client, request.getfixturevalue(role))
    url = f"{SUMMARIES}{peer_review.pk}/"

    assert client.get(url).status_code == read
    assert send(client, "PUT", url, {"text": "Mine.", "version": 1}).status_code == write
    listed = [row["text"] for row in client.get(SUMMARIES).json()["results"]]
    assert listed == (["Ours."] if read == 200 else [])
    assert ReviewersSummary.objects.get(review=peer_review).text == "Ours."


def test_summaries_list_queries_do_not_grow_with_rows(
    client, peer_review, lead_reviewer, coordinator, cycle, network, version
):
    client = signed_in(client, coordinator)
    findings.save_summary(peer_review, by=lead_reviewer, expected_version=None, text="Ours.")
    small = queries(client, SUMMARIES)
    for _n in range(5):
        review = enrol(cycle, ServiceFactory(network=network), version, by=coordinator)
        ReviewersSummary.objects.create(review=review, text="Another.")
    large = queries(client, SUMMARIES)

    assert small[0] == large[0]
    assert (small[1], large[1]) == (1, 6)
