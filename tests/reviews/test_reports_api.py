"""Reports in the API (reviews/api/reports.py): versions and their metadata, downloads through the
same function as the pages (sha256 checked, every read logged), render jobs, the accuracy check;
who sees which version."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.models import AccessLog, AccuracyComment, RenderJob, Report, Review
from reviews.report import accuracy, issuing
from reviews.workflow import transition
from tests.reviews.report_pages_data import (
    PDF_BYTES,
    SUMMARY_BYTES,
    draft_for_accuracy_check,
    publish,
    share,
    store_pdf,
)

JSON = "application/json"
REPORTS = "/api/v1/reports/"
JOBS = "/api/v1/render-jobs/"
COMMENTS = "/api/v1/accuracy-comments/"


def signed_in(client, person):
    client.force_login(person)
    return client


def post(client, url: str, data: dict | None = None):
    return client.post(url, json.dumps(data or {}), content_type=JSON)


def numbers(response) -> list[tuple[int, str]]:
    assert response.status_code == 200, response.content
    return [(row["number"], row["kind"]) for row in response.json()["results"]]


@pytest.fixture
def draft(peer_review, lead_reviewer, reviewer):
    return draft_for_accuracy_check(peer_review, lead_reviewer=lead_reviewer, reviewer=reviewer)


@pytest.fixture
def final(draft, service_lead, coordinator):
    return publish(draft.review, host_lead=service_lead, coordinator=coordinator)


# Who sees which version -----------------------------------------------------------------------


def test_report_list_gives_each_reader_their_versions(
    client, final, body, service_lead, lead_reviewer, reviewer, commissioner, outsider
):
    params = {"review": final.review_id}

    assert numbers(signed_in(client, service_lead).get(REPORTS, params)) == [
        (2, "final"),
        (1, "draft"),
    ]
    assert numbers(signed_in(client, lead_reviewer).get(REPORTS, params)) == [
        (2, "final"),
        (1, "draft"),
    ]
    assert numbers(signed_in(client, reviewer).get(REPORTS, params)) == [(1, "draft")]
    assert numbers(signed_in(client, commissioner).get(REPORTS, params)) == []
    share(final.review, body, by=service_lead)
    assert numbers(signed_in(client, commissioner).get(REPORTS, params)) == [(2, "final")]
    assert numbers(signed_in(client, outsider).get(REPORTS)) == []
    assert signed_in(client, outsider).get(f"{REPORTS}{final.pk}/").status_code == 404


def test_report_detail_gives_its_metadata(client, final, draft, service_lead, staff):
    body = signed_in(client, staff).get(f"{REPORTS}{final.pk}/").json()
    draft_body = client.get(f"{REPORTS}{draft.pk}/").json()

    assert body["number"] == 2
    assert body["kind"] == "final"
    assert body["review"] == final.review_id
    assert body["supersedes"] is None
    assert body["superseded_by"] is None
    assert body["sha256"] == final.sha256
    assert body["summary_sha256"] == final.summary_sha256
    assert len(body["sha256"]) == 64
    assert sorted((job["what"], job["status"]) for job in body["render_jobs"]) == [
        ("report", "ready"),
        ("summary", "ready"),
    ]
    assert body["issued_by"]["id"] == final.issued_by_id
    assert "snapshot" not in body
    # The draft: never rendered here, and agreed by the host's service lead.
    assert draft_body["sha256"] is None
    assert draft_body["render_jobs"][0]["status"] == "queued"
    assert draft_body["host_agreed_by"] == {"id": service_lead.pk, "name": service_lead.name}
    assert draft_body["host_agreement_note"] == "We agree."


def test_a_correction_names_what_it_supersedes(client, final, coordinator):
    corrected = issuing.correct_report(final.review, by=coordinator, note="The visit date.")
    client = signed_in(client, coordinator)

    assert client.get(f"{REPORTS}{corrected.pk}/").json()["supersedes"] == final.pk
    assert client.get(f"{REPORTS}{final.pk}/").json()["superseded_by"] == corrected.pk
    assert client.get(f"{REPORTS}{corrected.pk}/").json()["correction_note"] == "The visit date."


def test_report_list_queries_do_not_grow_with_versions(client, draft, service_lead, lead_reviewer):
    client = signed_in(client, service_lead)

    def count() -> int:
        client.get(REPORTS)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(REPORTS)
        assert response.status_code == 200
        return len(captured.captured_queries)

    one = count()
    for _n in range(5):
        issuing.issue_report(draft.review, kind=Report.Kind.DRAFT, by=lead_reviewer)
    six = count()

    assert one == six
    assert six <= 12


# Downloads ----------------------------------------------------------------------------------


def test_pdf_and_summary_download_the_stored_bytes_and_log_each_read(client, final, staff):
    client = signed_in(client, staff)

    report = client.get(f"{REPORTS}{final.pk}/pdf/")
    summary = client.get(f"{REPORTS}{final.pk}/summary/")

    assert report.status_code == 200
    assert report.content == PDF_BYTES
    assert summary.content == SUMMARY_BYTES
    assert report["Content-Disposition"].startswith("attachment;")
    assert report["X-Content-Type-Options"] == "nosniff"
    reads = AccessLog.objects.filter(user=staff, object_id=final.pk)
    assert sorted(reads.values_list("kind", flat=True)) == ["report", "summary"]


def test_tampered_bytes_are_refused_with_a_problem(client, final, staff):
    with final.summary_pdf.open("wb") as stored:
        stored.write(b"%PDF-1.7 tampered")

    response = signed_in(client, staff).get(f"{REPORTS}{final.pk}/summary/")

    assert response.status_code == 409
    assert response.json()["code"] == "mismatch"
    assert "does not match its fingerprint" in response.json()["message"]
    assert not AccessLog.objects.exists()


def test_a_pdf_not_rendered_is_409_and_a_draft_has_no_summary(client, draft, staff):
    client = signed_in(client, staff)

    waiting = client.get(f"{REPORTS}{draft.pk}/pdf/")
    store_pdf(draft)
    summary = client.get(f"{REPORTS}{draft.pk}/summary/")

    assert waiting.status_code == 409
    assert waiting.json()["code"] == "not_rendered"
    assert summary.status_code == 404
    assert not AccessLog.objects.exists()


def test_commissioner_downloads_only_a_shared_final(
    client, final, body, service_lead, commissioner
):
    client = signed_in(client, commissioner)

    assert client.get(f"{REPORTS}{final.pk}/summary/").status_code == 404
    share(final.review, body, by=service_lead)
    assert client.get(f"{REPORTS}{final.pk}/summary/").content == SUMMARY_BYTES
    assert AccessLog.objects.get().user == commissioner


# Render jobs --------------------------------------------------------------------------------


def test_render_job_gives_its_state(client, draft, staff, outsider):
    job = draft.render_jobs.get()
    RenderJob.objects.filter(pk=job.pk).update(status="failed", error="Out of time.")

    body = signed_in(client, staff).get(f"{JOBS}{job.pk}/").json()

    assert (body["what"], body["status"], body["error"]) == ("report", "failed", "Out of time.")
    assert body["report"] == draft.pk
    assert signed_in(client, outsider).get(f"{JOBS}{job.pk}/").status_code == 404


def test_lead_reviewer_retries_a_failed_render(client, draft, lead_reviewer, staff):
    job = draft.render_jobs.get()
    url = f"{JOBS}{job.pk}/retry/"

    ready = post(signed_in(client, lead_reviewer), url)
    RenderJob.objects.filter(pk=job.pk).update(status="failed", error="Out of time.")
    refused = post(signed_in(client, staff), url)
    again = post(signed_in(client, lead_reviewer), url)

    assert ready.status_code == 409
    assert ready.json()["code"] == "not_failed"
    assert refused.status_code == 403
    assert again.status_code == 201
    assert again.json()["status"] == "queued"
    assert draft.render_jobs.count() == 2


# The accuracy check -------------------------------------------------------------------------


def test_host_lead_comments_on_the_draft(client, draft, service_lead):
    anchor = next(a for a in accuracy.anchors(draft) if a.startswith("finding:"))

    response = post(
        signed_in(client, service_lead),
        COMMENTS,
        {"report": draft.pk, "anchor": anchor, "kind": "factual", "body": "It is weekly."},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["anchor"], body["kind"], body["body"]) == (anchor, "factual", "It is weekly.")
    assert body["answer"] is None
    assert body["author"]["id"] == service_lead.pk


def test_staff_and_reviewers_cannot_comment(client, draft, staff, reviewer):
    data = {"report": draft.pk, "anchor": "section:about", "kind": "factual", "body": "x"}

    assert post(signed_in(client, staff), COMMENTS, data).status_code == 403
    assert post(signed_in(client, reviewer), COMMENTS, data).status_code == 403
    assert not AccuracyComment.objects.exists()


def test_comment_errors_name_their_fields(client, draft, service_lead):
    response = post(
        signed_in(client, service_lead),
        COMMENTS,
        {"report": draft.pk, "anchor": "finding:999999", "kind": "factual", "body": "x"},
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "anchor": ["Choose the part of the report your comment is about."]
    }


def test_commenting_after_the_check_closed_is_409(client, draft, service_lead, lead_reviewer):
    transition(draft.review, Review.Status.DRAFTING, by=lead_reviewer)

    response = post(
        signed_in(client, service_lead),
        COMMENTS,
        {"report": draft.pk, "anchor": "section:about", "kind": "factual", "body": "Late."},
    )

    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"


def test_a_report_you_cannot_read_is_an_unknown_id(client, final, body, commissioner):
    draft = final.review.reports.get(kind="draft")
    response = post(
        signed_in(client, commissioner),
        COMMENTS,
        {"report": draft.pk, "anchor": "section:about", "kind": "factual", "body": "x"},
    )

    assert response.status_code == 400
    assert "report" in response.json()["errors"]


def test_lead_reviewer_answers_and_readers_see_the_answer(
    client, draft, service_lead, lead_reviewer, reviewer
):
    comment = accuracy.add_accuracy_comment(
        draft, by=service_lead, anchor="section:about", kind="context", body="We are new."
    )
    url = f"{COMMENTS}{comment.pk}/answer/"

    refused = post(signed_in(client, service_lead), url, {"answer": "accepted"})
    missing = post(signed_in(client, lead_reviewer), url, {"answer": "not_accepted"})
    done = post(client, url, {"answer": "not_accepted", "answer_reason": "It says so already."})
    rows = signed_in(client, reviewer).get(COMMENTS, {"report": draft.pk}).json()["results"]

    assert refused.status_code == 403
    assert missing.status_code == 400
    assert missing.json()["errors"] == {
        "answer_reason": ["Say why, so the service understands your answer."]
    }
    assert done.status_code == 200
    assert [(row["answer"], row["answer_reason"]) for row in rows] == [
        ("not_accepted", "It says so already.")
    ]


def test_accuracy_comments_are_hidden_from_those_who_cannot_read_the_draft(
    client, final, service_lead, body, commissioner, outsider
):
    share(final.review, body, by=service_lead)
    draft = final.review.reports.get(kind="draft")
    comment = AccuracyComment.objects.create(
        report=draft, anchor="section:about", kind="context", body="x", author=service_lead
    )

    for person in (commissioner, outsider):
        client = signed_in(client, person)
        assert client.get(COMMENTS).json()["results"] == []
        assert client.get(f"{COMMENTS}{comment.pk}/").status_code == 404


def test_accuracy_comment_list_queries_do_not_grow(client, draft, service_lead, reviewer):
    client = signed_in(client, reviewer)

    def count() -> int:
        client.get(COMMENTS, {"report": draft.pk})
        with CaptureQueriesContext(connection) as captured:
            response = client.get(COMMENTS, {"report": draft.pk})
        assert response.status_code == 200
        return len(captured.captured_queries)

    def comment(n: int) -> None:
        accuracy.add_accuracy_comment(
            draft, by=service_lead, anchor="section:about", kind="context", body=f"Note {n}."
        )

    comment(0)
    one = count()
    for n in range(1, 6):
        comment(n)
    six = count()

    assert one == six
    assert six <= 12


def test_host_lead_agrees_through_the_api(client, draft, service_lead, staff):
    url = f"{REPORTS}{draft.pk}/agree/"

    refused = post(signed_in(client, staff), url, {"note": "Fine."})
    response = post(signed_in(client, service_lead), url, {"note": "Agreed with thanks."})

    assert refused.status_code == 403
    assert response.status_code == 200
    assert response.json()["host_agreed_by"]["id"] == service_lead.pk
    assert response.json()["host_agreement_note"] == "Agreed with thanks."
    draft.refresh_from_db()
    assert draft.host_agreed_at is not None


def test_agreeing_a_final_is_409(client, final, service_lead):
    response = post(signed_in(client, service_lead), f"{REPORTS}{final.pk}/agree/")

    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"
