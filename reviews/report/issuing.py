"""Issuing reports: a draft for the accuracy check, the final report at publication, and a
correction of a final report; and the background task that renders each one.

`issue_report` freezes the review's report context as the snapshot of a new version, gives the
people who may read that kind of report `view_report` on it, and queues its render. Nothing
renders in a request: `render_report` runs in the task worker, records its progress on a
`RenderJob` (queued, rendering, ready or failed with the reason) and stores the bytes with
their sha256. A final report is rendered once; `read_pdf` serves the stored bytes only after
checking them against the stored hash.

Who reads which kind (DESIGN section 7), granted when the report is issued:

- drafts: the host's team, the review team and the network's coordinators;
- finals: the host's team, the lead reviewer and the network's coordinators, and the
  commissioners of every body the review is shared with (reviews/report/sharing.py).
"""

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from assurance import permissions
from assurance.models import User
from assurance.tasks import task
from reviews.allocation.teams import review_lead, review_team
from reviews.models import RenderJob, Report, ReportShare, Review
from reviews.report.context import build_report_context
from reviews.report.summary import build_summary_context

# Where a final report's snapshot keeps its commissioner summary.
SUMMARY_KEY = "commissioner_summary"


class ReportError(Exception):
    """A report that cannot be issued or read; the message says why in plain words."""


def readers(report: Report) -> list:
    """The groups that read `report`, by its kind (see the module's docstring)."""
    review = report.review
    groups = [
        permissions.service_team(review.service),
        permissions.network_coordinators(review.service.network),
        review_lead(review),
    ]
    if report.kind == Report.Kind.DRAFT:
        groups.append(review_team(review))
    else:
        groups += [
            permissions.body_commissioners(share.body)
            for share in ReportShare.objects.filter(review=review, revoked_at__isnull=True)
        ]
    return groups


def issue_report(
    review: Review,
    *,
    kind: str,
    by: User | None,
    supersedes: Report | None = None,
    correction_note: str = "",
) -> Report:
    """A new version of the review's report, frozen from the review as it is now."""
    with transaction.atomic():
        Review.objects.select_for_update().get(pk=review.pk)
        latest = Report.objects.filter(review=review).aggregate(n=Max("number"))["n"] or 0
        issued_at = timezone.now()
        snapshot = build_report_context(review, kind=kind, number=latest + 1, issued_at=issued_at)
        if kind == Report.Kind.FINAL:
            # Frozen with the report, so the summary never changes after publication either.
            snapshot[SUMMARY_KEY] = build_summary_context(review, snapshot)
        report = Report.objects.create(
            review=review,
            number=latest + 1,
            kind=kind,
            snapshot=snapshot,
            issued_by=by,
            issued_at=issued_at,
            supersedes=supersedes,
            correction_note=correction_note.strip(),
        )
        for group in readers(report):
            assign_perm("reviews.view_report", group, report)
        jobs = [
            RenderJob.objects.create(what=RenderJob.What.REPORT, report=report, requested_by=by)
        ]
        if kind == Report.Kind.FINAL:
            jobs.append(
                RenderJob.objects.create(
                    what=RenderJob.What.SUMMARY, report=report, requested_by=by
                )
            )
        for job in jobs:
            transaction.on_commit(lambda job_id=job.pk: render_report.enqueue(job_id))
    return report


def correct_report(review: Review, *, by: User, note: str) -> Report:
    """A coordinator issues a corrected final report, which supersedes the current one. Both
    stay listed; the old one's bytes never change."""
    if not permissions.can(by, "reviews.manage_review", review):
        raise ReportError(_("Only the network's coordinators can issue a correction."))
    if review.status not in (Review.Status.PUBLISHED, Review.Status.CLOSED):
        raise ReportError(_("Only a published report can be corrected."))
    if not note.strip():
        raise ReportError(_("Say what the correction changes."))
    current = current_final(review)
    return issue_report(
        review, kind=Report.Kind.FINAL, by=by, supersedes=current, correction_note=note
    )


def current_final(review: Review) -> Report | None:
    """The final report in force: the newest final version."""
    return review.reports.filter(kind=Report.Kind.FINAL).order_by("-number").first()


def latest_draft(review: Review) -> Report | None:
    return review.reports.filter(kind=Report.Kind.DRAFT).order_by("-number").first()


# Rendering ----------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@task()
def render_report(job_id: int) -> str:
    """The background task: render one report (or its commissioner summary) and store it."""
    from reviews.report.rendering import RenderFailed, render_pdf_with_limit, render_seconds

    started = RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.QUEUED).update(
        status=RenderJob.Status.RENDERING, started_at=timezone.now()
    )
    if not started:  # delivered twice, or already done: leave it as it is
        return RenderJob.objects.get(pk=job_id).status
    job = RenderJob.objects.select_related("report__review__service").get(pk=job_id)
    report = job.report
    try:
        if job.what == RenderJob.What.SUMMARY:
            data = render_pdf_with_limit(
                report.snapshot[SUMMARY_KEY], document="summary", seconds=render_seconds()
            )
        else:
            data = render_pdf_with_limit(
                report.snapshot, document="report", seconds=render_seconds()
            )
    except RenderFailed as error:
        RenderJob.objects.filter(pk=job_id).update(
            status=RenderJob.Status.FAILED, error=str(error), finished_at=timezone.now()
        )
        return RenderJob.Status.FAILED
    name = f"{report.review.service_id}-{report.review_id}-v{report.number}-{job.what}.pdf"
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        field, digest = (
            ("summary_pdf", "summary_sha256")
            if job.what == RenderJob.What.SUMMARY
            else ("pdf", "sha256")
        )
        if getattr(locked, field):  # rendered once: a final report's bytes never change
            RenderJob.objects.filter(pk=job_id).update(
                status=RenderJob.Status.READY, finished_at=timezone.now()
            )
            return RenderJob.Status.READY
        getattr(locked, field).save(name, ContentFile(data), save=False)
        setattr(locked, digest, _sha256(data))
        locked.save(update_fields=[field, digest])
        RenderJob.objects.filter(pk=job_id).update(
            status=RenderJob.Status.READY, finished_at=timezone.now()
        )
    return RenderJob.Status.READY


def retry_render(job: RenderJob, *, by: User) -> RenderJob:
    """Queue a failed render again (as a new job, so the failure stays on record)."""
    if job.status != RenderJob.Status.FAILED:
        raise ReportError(_("Only a render that failed can be tried again."))
    again = RenderJob.objects.create(
        what=job.what, report=job.report, cycle=job.cycle, requested_by=by
    )
    transaction.on_commit(lambda: render_report.enqueue(again.pk))
    return again


def checked_bytes(stored, digest: str) -> bytes:
    """The bytes of a stored PDF, only if they match the sha256 recorded when it was made."""
    with stored.open("rb") as opened:
        data = opened.read()
    if _sha256(data) != digest:
        raise ReportError(
            _("The stored file does not match its fingerprint. Ask the coordinator to check it.")
        )
    return data


def read_pdf(report: Report, *, summary: bool = False) -> bytes:
    """The stored bytes of a rendered report, after checking them against the stored hash."""
    field, digest = (
        (report.summary_pdf, report.summary_sha256) if summary else (report.pdf, report.sha256)
    )
    if not field:
        raise ReportError(_("This report has not been rendered yet."))
    return checked_bytes(field, digest)
