"""Matrix entries for the report pages and their API: versions, previews, downloads, render
jobs, the accuracy check, readers and corrections (see table.py for how to read them).

The world (build_reports): ACCURACY_REVIEW_S is service S2's review in the accuracy check, with
DRAFT_REPORT_S (version 1, not rendered) and ACCURACY_COMMENT_S (by the host's service lead, not
answered); PUBLISHED_REVIEW_S is S3's, with FINAL_REPORT_S (rendered, with its summary) shared
with body B, the commissioner's. `service_lead`, `staff` and `lived_experience` are the host of
both; `lead_reviewer` leads and `reviewer` is a peer on both teams; `coordinator` runs network
N. Everything _U is in network M, where none of the cast has a role.

Who reads a version is the report's own `view_report`: drafts the host, the review team and the
coordinators; finals the host, the lead reviewer, the coordinators and the commissioners of a
body it is shared with. A version of a review the person sees but may not read is 403 on pages
(a peer reviewer and the final); the API, which lists only what the person reads, answers 404.
Commissioners never see the review, so its pages that are not a report's (readers, correction)
are 404 for them.
"""

import json

from reviews.models import Report
from tests.matrix.table import Route, expect, pk

JSON = "application/json"
SIGNED_IN = expect(200)
NOBODY = expect(404)
HIDDEN = {"commissioner": 404, "outsider": 404}

READS_DRAFT = expect(200, **HIDDEN)
READS_FINAL = expect(200, reviewer=403, outsider=404)
READS_FINAL_API = expect(200, reviewer=404, outsider=404)
# Every version of a published review: the peer reviewer reads its draft, the commissioner
# its shared final.
READS_SOME_VERSION = expect(200, outsider=404)


def report_kwargs(report) -> dict:
    return {"pk": report.review_id, "report_pk": report.pk}


def job_kwargs(report) -> dict:
    return {"pk": report.review_id, "job_pk": report.render_jobs.order_by("pk").first().pk}


def job_pk(report) -> dict:
    return {"pk": report.render_jobs.order_by("pk").first().pk}


def comment_kwargs(comment) -> dict:
    return {"pk": comment.report.review_id, "comment_pk": comment.pk}


def draft_id(service: str) -> int:
    return Report.objects.get(review__service__name=f"Service {service}", kind="draft").pk


class Naming:
    """A JSON body naming one of the world's objects by id, written when the request is sent
    (the ids are known only once the world is built)."""

    def __init__(self, make):
        self.make = make

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return json.dumps(self.make())


def body(data: dict) -> bytes:
    return json.dumps(data).encode()


REPORT_ROUTES: list[Route] = [
    # Pages: the list of versions -------------------------------------------------------------
    Route(
        "reviews:report_list",
        kind="published_review",
        kwargs=pk,
        own=READS_SOME_VERSION,
        other=NOBODY,
    ),
    Route("reviews:report_list", kind="accuracy_review", kwargs=pk, own=READS_DRAFT, other=NOBODY),
    # The preview of one version
    Route(
        "reviews:report_detail",
        kind="draft_report",
        kwargs=report_kwargs,
        own=READS_DRAFT,
        other=NOBODY,
    ),
    Route(
        "reviews:report_detail",
        kind="final_report",
        kwargs=report_kwargs,
        own=READS_FINAL,
        other=NOBODY,
    ),
    # Downloads: the final is rendered; the draft is not yet (409, a page saying so).
    Route(
        "reviews:report_pdf",
        kind="final_report",
        kwargs=report_kwargs,
        own=READS_FINAL,
        other=NOBODY,
    ),
    Route(
        "reviews:report_pdf",
        kind="draft_report",
        kwargs=report_kwargs,
        own=expect(409, **HIDDEN),
        other=NOBODY,
    ),
    Route(
        "reviews:report_summary_pdf",
        kind="final_report",
        kwargs=report_kwargs,
        own=READS_FINAL,
        other=NOBODY,
    ),
    # The accuracy check: the host's service lead comments (nothing posted: the page again
    # with its errors) and agrees; the lead reviewer answers.
    Route(
        "reviews:accuracy_comment_add",
        method="POST",
        kind="draft_report",
        kwargs=report_kwargs,
        own=expect(403, service_lead=200, **HIDDEN),
        other=NOBODY,
    ),
    Route(
        "reviews:accuracy_comment_answer",
        method="POST",
        kind="accuracy_comment",
        kwargs=comment_kwargs,
        own=expect(403, lead_reviewer=200, **HIDDEN),
        other=NOBODY,
    ),
    Route(
        "reviews:report_agree",
        method="POST",
        kind="draft_report",
        kwargs=report_kwargs,
        own=expect(403, service_lead=302, **HIDDEN),
        other=NOBODY,
    ),
    # Render jobs: the state for everyone who reads the version; trying again for the lead
    # reviewer and the coordinators (the final's render did not fail: a message, and back).
    Route(
        "reviews:render_status",
        kind="final_report",
        kwargs=job_kwargs,
        own=READS_FINAL,
        other=NOBODY,
    ),
    Route(
        "reviews:render_status",
        kind="draft_report",
        kwargs=job_kwargs,
        own=READS_DRAFT,
        other=NOBODY,
    ),
    Route(
        "reviews:render_retry",
        method="POST",
        kind="final_report",
        kwargs=job_kwargs,
        own=expect(403, lead_reviewer=302, coordinator=302, outsider=404),
        other=NOBODY,
    ),
    # Who read it: the host's service lead and the coordinators.
    Route(
        "reviews:report_readers",
        kind="published_review",
        kwargs=pk,
        own=expect(403, service_lead=200, coordinator=200, **HIDDEN),
        other=NOBODY,
    ),
    # A correction: the coordinators (nothing posted: the form again with its error).
    Route(
        "reviews:report_correct",
        kind="published_review",
        kwargs=pk,
        own=expect(403, coordinator=200, **HIDDEN),
        other=NOBODY,
    ),
    Route(
        "reviews:report_correct",
        method="POST",
        kind="published_review",
        kwargs=pk,
        own=expect(403, coordinator=200, **HIDDEN),
        other=NOBODY,
    ),
    # API: reports ------------------------------------------------------------------------------
    Route("report-list", own=SIGNED_IN),
    Route("report-detail", kind="draft_report", kwargs=pk, own=READS_DRAFT, other=NOBODY),
    Route("report-detail", kind="final_report", kwargs=pk, own=READS_FINAL_API, other=NOBODY),
    Route("report-pdf", kind="final_report", kwargs=pk, own=READS_FINAL_API, other=NOBODY),
    Route("report-pdf", kind="draft_report", kwargs=pk, own=expect(409, **HIDDEN), other=NOBODY),
    Route("report-summary", kind="final_report", kwargs=pk, own=READS_FINAL_API, other=NOBODY),
    Route(
        "report-agree",
        method="POST",
        kind="draft_report",
        kwargs=pk,
        own=expect(403, service_lead=200, **HIDDEN),
        other=NOBODY,
        data=body({"note": "Agreed with thanks."}),
        content_type=JSON,
    ),
    # Render jobs
    Route(
        "render-job-detail", kind="final_report", kwargs=job_pk, own=READS_FINAL_API, other=NOBODY
    ),
    Route("render-job-detail", kind="draft_report", kwargs=job_pk, own=READS_DRAFT, other=NOBODY),
    Route(
        "render-job-retry",
        method="POST",
        kind="final_report",
        kwargs=job_pk,
        # The render did not fail: 409 for those who may try again.
        own=expect(403, reviewer=404, lead_reviewer=409, coordinator=409, outsider=404),
        other=NOBODY,
        data=body({}),
        content_type=JSON,
    ),
    # Accuracy comments
    Route("accuracy-comment-list", own=SIGNED_IN),
    Route(
        "accuracy-comment-list",
        method="POST",
        # A report the person cannot read is an unknown id (400).
        own=expect(403, service_lead=201, commissioner=400, outsider=400),
        data=Naming(
            lambda: {
                "report": draft_id("S2"),
                "anchor": "section:about",
                "kind": "context",
                "body": "We opened in 2019.",
            }
        ),
        content_type=JSON,
    ),
    Route(
        "accuracy-comment-list",
        method="POST",
        own=expect(400),
        data=Naming(
            lambda: {
                "report": draft_id("U2"),
                "anchor": "section:about",
                "kind": "context",
                "body": "We opened in 2019.",
            }
        ),
        content_type=JSON,
    ),
    Route(
        "accuracy-comment-detail",
        kind="accuracy_comment",
        kwargs=pk,
        own=READS_DRAFT,
        other=NOBODY,
    ),
    Route(
        "accuracy-comment-answer",
        method="POST",
        kind="accuracy_comment",
        kwargs=pk,
        own=expect(403, lead_reviewer=200, **HIDDEN),
        other=NOBODY,
        data=body({"answer": "accepted"}),
        content_type=JSON,
    ),
]
