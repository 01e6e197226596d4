"""Actions and shares in the API (reviews/api/actions.py): who reads which, the lead's drafting
with versions, the host's progress, sharing and revoking, filters, and query counts."""

import json

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assurance import roles
from reviews.models import Action, ActionProgress, ReportShare, Review
from reviews.report import actions as writing
from reviews.report import sharing
from reviews.workflow import transition
from tests.factories import CommissioningBodyFactory, UserFactory
from tests.reviews.test_actions import PAST, add, first_standard, publish, to_drafting

JSON = "application/json"
ACTIONS = "/api/v1/actions/"
SHARES = "/api/v1/shares/"
Status = Review.Status


@pytest.fixture
def drafting(peer_review, lead_reviewer, reviewer):
    return to_drafting(peer_review, lead_reviewer, reviewer)


@pytest.fixture
def published(drafting, lead_reviewer, service_lead, coordinator):
    add(drafting, lead_reviewer, title="Hold a night-staff meeting", due_on=PAST)
    add(drafting, lead_reviewer, title="Review the welcome pack", owner_role="Service lead")
    return publish(drafting, lead_reviewer, service_lead, coordinator)


def signed_in(client, person):
    client.force_login(person)
    return client


def send(client, method: str, url: str, data: dict | None = None, **headers):
    return client.generic(
        method, url, json.dumps(data or {}), content_type=JSON, headers=headers or None
    )


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def queries(client, url: str, **params) -> tuple[int, int]:
    client.get(url, params)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), len(response.json()["results"])


# Reading actions -----------------------------------------------------------------------------


def test_actions_list_gives_each_action_with_links_and_progress(
    client, published, staff, service_lead
):
    action = published.actions.get(title="Review the welcome pack")
    writing.record_progress(action, by=staff, status="done", note="Printed.")

    rows = signed_in(client, service_lead).get(ACTIONS, {"review": published.pk}).json()
    row = next(r for r in rows["results"] if r["id"] == action.pk)

    assert row["status"] == "done"
    assert row["owner_role"] == "Service lead"
    assert row["overdue"] is False
    assert row["progress"] == [
        {
            "id": action.progress.get().pk,
            "review": published.pk,
            "status": "done",
            "note": "Printed.",
            "by": {"id": staff.pk, "name": staff.name},
            "at": row["progress"][0]["at"],
        }
    ]
    assert row["version"] == 2


def test_actions_filters(client, published, staff, lead_reviewer):
    writing.record_progress(
        published.actions.get(title="Review the welcome pack"), by=staff, status="done", note="Ok."
    )
    client = signed_in(client, staff)

    assert titles(client.get(ACTIONS, {"overdue": "true"})) == ["Hold a night-staff meeting"]
    assert titles(client.get(ACTIONS, {"overdue": "false"})) == ["Review the welcome pack"]
    assert titles(client.get(ACTIONS, {"status": "done"})) == ["Review the welcome pack"]
    assert len(titles(client.get(ACTIONS, {"service": published.service_id}))) == 2
    assert titles(client.get(ACTIONS, {"service": published.service_id + 1000})) == []


def test_outsider_and_unshared_commissioner_see_no_actions(
    client, published, outsider, commissioner
):
    action = published.actions.first()

    for person in (outsider, commissioner):
        client = signed_in(client, person)
        assert titles(client.get(ACTIONS)) == []
        assert client.get(f"{ACTIONS}{action.pk}/").status_code == 404


def test_commissioner_reads_shared_actions_without_names_until_revoked(
    client, published, body, staff, service_lead, commissioner
):
    writing.record_progress(
        published.actions.first(), by=staff, status="in_progress", note="Started."
    )
    share = sharing.share_report(published, body, by=service_lead)
    client = signed_in(client, commissioner)

    rows = client.get(ACTIONS).json()["results"]
    assert sorted(r["title"] for r in rows) == [
        "Hold a night-staff meeting",
        "Review the welcome pack",
    ]
    assert [note["by"] for r in rows for note in r["progress"]] == [None]

    sharing.revoke_share(share, by=service_lead)
    assert titles(client.get(ACTIONS)) == []


def test_actions_list_makes_the_same_queries_at_two_sizes(client, drafting, lead_reviewer, staff):
    finding = drafting.findings.get()
    add(drafting, lead_reviewer, findings=[finding], standards=[first_standard(drafting)])
    client = signed_in(client, staff)
    few = queries(client, ACTIONS)
    for n in range(10):
        action = add(
            drafting,
            lead_reviewer,
            title=f"Action {n}",
            findings=[finding],
            standards=[first_standard(drafting)],
        )
        ActionProgress.objects.create(
            action=action, review=drafting, note="Noted.", status="planned", by=staff
        )

    many = queries(client, ACTIONS)

    assert (few[1], many[1]) == (1, 11)
    assert few[0] == many[0] <= 12


# Drafting ------------------------------------------------------------------------------------


def test_lead_creates_changes_with_a_version_and_removes(client, drafting, lead_reviewer):
    client = signed_in(client, lead_reviewer)
    finding = drafting.findings.get()

    created = send(
        client,
        "POST",
        ACTIONS,
        {
            "review": drafting.pk,
            "title": "Ask night staff",
            "due_on": "2028-03-31",
            "findings": [finding.pk],
            "standards": [first_standard(drafting).pk],
        },
    )
    assert created.status_code == 201, created.content
    assert created["ETag"] == '"1"'
    url = f"{ACTIONS}{created.json()['id']}/"
    assert created.json()["findings"] == [
        {"id": finding.pk, "kind": "strength", "title": finding.title}
    ]

    assert send(client, "PATCH", url, {"title": "No version"}).status_code == 428
    changed = send(client, "PATCH", url, {"title": "Listen at night"}, **{"If-Match": '"1"'})
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["version"]) == ("Listen at night", 2)
    stale = send(client, "PATCH", url, {"title": "Late", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale"
    assert stale.json()["current"]["title"] == "Listen at night"

    assert send(client, "DELETE", url).status_code == 204
    assert not Action.objects.exists()


def test_bad_links_are_field_errors(client, drafting, lead_reviewer):
    response = send(
        signed_in(client, lead_reviewer),
        "POST",
        ACTIONS,
        {"review": drafting.pk, "title": "x", "findings": [999_999]},
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"findings"}


@pytest.mark.parametrize("who", ["reviewer", "service_lead", "coordinator"])
def test_only_the_lead_drafts(client, request, drafting, lead_reviewer, who):
    action = add(drafting, lead_reviewer)
    client = signed_in(client, request.getfixturevalue(who))

    create = send(client, "POST", ACTIONS, {"review": drafting.pk, "title": "Mine"})
    patch = send(client, "PATCH", f"{ACTIONS}{action.pk}/", {"title": "Mine", "version": 1})
    delete = send(client, "DELETE", f"{ACTIONS}{action.pk}/")

    assert (create.status_code, patch.status_code, delete.status_code) == (403, 403, 403)
    assert Action.objects.get().title == action.title


def test_lead_cannot_change_actions_after_publication(client, published, lead_reviewer):
    action = published.actions.first()
    client = signed_in(client, lead_reviewer)

    response = send(client, "PATCH", f"{ACTIONS}{action.pk}/", {"title": "Later", "version": 1})

    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"
    assert send(client, "DELETE", f"{ACTIONS}{action.pk}/").status_code == 409


# Progress ------------------------------------------------------------------------------------


def test_staff_record_progress(client, published, staff):
    action = published.actions.get(title="Hold a night-staff meeting")

    response = send(
        signed_in(client, staff),
        "POST",
        f"{ACTIONS}{action.pk}/progress/",
        {"status": "in_progress", "note": "Two meetings held."},
    )

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "in_progress"
    assert [n["note"] for n in response.json()["progress"]] == ["Two meetings held."]


def test_dropping_needs_a_reason(client, published, service_lead):
    action = published.actions.first()

    response = send(
        signed_in(client, service_lead),
        "POST",
        f"{ACTIONS}{action.pk}/progress/",
        {"status": "dropped", "note": "Stopped."},
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"dropped_reason"}


def test_progress_refused_to_lived_experience_and_once_closed(
    client, published, lived_experience, staff, service_lead
):
    action = published.actions.first()
    refused = send(
        signed_in(client, lived_experience),
        "POST",
        f"{ACTIONS}{action.pk}/progress/",
        {"status": "done", "note": "Done."},
    )
    assert refused.status_code == 403

    transition(published, Status.CLOSED, by=service_lead)
    closed = send(
        signed_in(client, staff),
        "POST",
        f"{ACTIONS}{action.pk}/progress/",
        {"status": "done", "note": "Done."},
    )
    assert closed.status_code == 409
    assert not ActionProgress.objects.exists()


def test_progress_refused_while_drafting(client, drafting, lead_reviewer, staff):
    action = add(drafting, lead_reviewer)

    response = send(
        signed_in(client, staff),
        "POST",
        f"{ACTIONS}{action.pk}/progress/",
        {"status": "done", "note": "Done."},
    )

    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"


# Shares --------------------------------------------------------------------------------------


def test_service_lead_shares_and_revokes(
    client, published, body, service_lead, commissioner, django_capture_on_commit_callbacks
):
    client = signed_in(client, service_lead)

    with django_capture_on_commit_callbacks(execute=True):
        created = send(client, "POST", SHARES, {"review": published.pk, "body": body.pk})

    assert created.status_code == 201, created.content
    row = created.json()
    assert row["body"] == {"id": body.pk, "name": "North Shore ICB"}
    assert row["review"]["service"]["name"] == "Willow House"
    assert (row["live"], row["granted_by"]["id"]) == (True, service_lead.pk)
    assert len(mail.outbox) == 1
    again = send(client, "POST", SHARES, {"review": published.pk, "body": body.pk})
    assert again.status_code == 400

    revoked = send(client, "POST", f"{SHARES}{row['id']}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["live"] is False
    assert revoked.json()["revoked_by"]["id"] == service_lead.pk
    assert send(client, "POST", f"{SHARES}{row['id']}/revoke/").status_code == 409


def test_sharing_waits_for_publication(client, drafting, body, service_lead):
    response = send(
        signed_in(client, service_lead), "POST", SHARES, {"review": drafting.pk, "body": body.pk}
    )

    assert response.status_code == 409
    assert not ReportShare.objects.exists()


def test_who_sees_which_shares(
    client,
    published,
    body,
    network,
    service_lead,
    staff,
    coordinator,
    commissioner,
    outsider,
):
    other_body = CommissioningBodyFactory(network=network, name="South Shore ICB")
    other_commissioner = UserFactory(email="south@example.org")
    roles.join_commissioning_body(other_commissioner, other_body)
    live = sharing.share_report(published, body, by=service_lead)
    stopped = sharing.share_report(published, other_body, by=service_lead)
    sharing.revoke_share(stopped, by=service_lead)

    def ids(person):
        return [row["id"] for row in signed_in(client, person).get(SHARES).json()["results"]]

    assert sorted(ids(service_lead)) == sorted([live.pk, stopped.pk])
    assert sorted(ids(coordinator)) == sorted([live.pk, stopped.pk])
    assert ids(commissioner) == [live.pk]
    assert ids(other_commissioner) == []
    assert ids(staff) == []
    assert ids(outsider) == []
    seen = signed_in(client, commissioner).get(f"{SHARES}{live.pk}/").json()
    assert seen["granted_by"] is None
    refused = send(signed_in(client, commissioner), "POST", f"{SHARES}{live.pk}/revoke/")
    assert refused.status_code == 403
    assert signed_in(client, staff).get(f"{SHARES}{live.pk}/").status_code == 404


def test_staff_and_coordinators_cannot_share(client, published, body, staff, coordinator):
    for person in (staff, coordinator):
        response = send(
            signed_in(client, person), "POST", SHARES, {"review": published.pk, "body": body.pk}
        )
        assert response.status_code == 403
    assert not ReportShare.objects.exists()


def test_shares_list_makes_the_same_queries_at_two_sizes(client, published, network, service_lead):
    bodies = [CommissioningBodyFactory(network=network, name=f"Body {n}") for n in range(8)]
    sharing.share_report(published, bodies[0], by=service_lead)
    client = signed_in(client, service_lead)
    few = queries(client, SHARES)
    for body in bodies[1:]:
        share = sharing.share_report(published, body, by=service_lead)
        sharing.revoke_share(share, by=service_lead)

    many = queries(client, SHARES)

    assert (few[1], many[1]) == (1, 8)
    assert few[0] == many[0] <= 12


def test_a_due_date_is_a_date(client, drafting, lead_reviewer):
    response = send(
        signed_in(client, lead_reviewer),
        "POST",
        ACTIONS,
        {"review": drafting.pk, "title": "x", "due_on": "31/03/2028"},
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"due_on"}
