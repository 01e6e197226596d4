"""Reviews with reports, for the tests of the report pages and API (test_report_pages.py,
test_reports_api.py): built through the workflow, with stored PDF bytes standing in for
WeasyPrint's (rendering for real is test_report_pdf.py's, and slow).

- `draft_for_accuracy_check(peer_review, ...)`: the visit, reflections, a finding and the
  summary, then the move to the accuracy check, which issues draft version 1;
- `publish(review, ...)`: the accuracy check closed (the host's agreement) and the final report
  issued, both stored as if rendered;
- `store_pdf(report)`: bytes in the report's field with their sha256, its render job ready;
- `share(review, body)`: the published report shared with a commissioning body, through
  reviews/report/sharing.py.
"""

import hashlib
from datetime import time

from django.core.files.base import ContentFile

from assurance.models import CommissioningBody, User
from reviews.models import AgendaItem, Finding, RenderJob, Report, ReportShare, Review, Visit
from reviews.peer_review import findings, reflections, visit
from reviews.report import accuracy, issuing, sharing
from reviews.workflow import transition

PDF_BYTES = b"%PDF-1.7\n% a stand-in for a rendered report\n%%EOF\n"
SUMMARY_BYTES = b"%PDF-1.7\n% a stand-in for a commissioner summary\n%%EOF\n"


def draft_for_accuracy_check(peer_review: Review, *, lead_reviewer: User, reviewer: User) -> Report:
    """Move `peer_review` through drafting to the accuracy check; its draft, version 1."""
    planned = visit.save_visit(
        peer_review,
        by=lead_reviewer,
        expected_version=None,
        mode=Visit.Mode.IN_PERSON,
        starts_on=peer_review.cycle.visits_from,
        ends_on=peer_review.cycle.visits_from,
    )
    visit.add_agenda_item(
        planned,
        by=lead_reviewer,
        day=planned.starts_on,
        starts_at=time(10, 0),
        title="Community meeting",
        meets=AgendaItem.Meets.COMMUNITY,
    )
    for reflection in peer_review.reflections.all():
        reflections.save_reflection(
            reflection,
            by=reviewer,
            expected_version=reflection.version,
            rating="partly_met",
            agreement="agrees",
            rationale="We heard this from residents.",
        )
    transition(peer_review, Review.Status.DRAFTING, by=lead_reviewer)
    standard = peer_review.responses.order_by("standard__order").first().standard
    findings.add_finding(
        peer_review,
        by=lead_reviewer,
        kind=Finding.Kind.STRENGTH,
        title="Residents lead the community meeting",
        body="They chair it in turns.",
        standards=[standard],
    )
    findings.save_summary(
        peer_review, by=lead_reviewer, expected_version=None, text="A warm, thoughtful place."
    )
    transition(peer_review, Review.Status.ACCURACY_CHECK, by=lead_reviewer)
    peer_review.refresh_from_db()
    return issuing.latest_draft(peer_review)


def store_pdf(report: Report, *, summary: bool = False, data: bytes | None = None) -> Report:
    """Store bytes as the report's rendered PDF (or summary), as the render task does."""
    data = data if data is not None else (SUMMARY_BYTES if summary else PDF_BYTES)
    field, digest, what = (
        ("summary_pdf", "summary_sha256", RenderJob.What.SUMMARY)
        if summary
        else ("pdf", "sha256", RenderJob.What.REPORT)
    )
    getattr(report, field).save(f"test-{report.pk}-{what}.pdf", ContentFile(data), save=False)
    setattr(report, digest, hashlib.sha256(data).hexdigest())
    report.save(update_fields=[field, digest])
    report.render_jobs.filter(what=what).update(status=RenderJob.Status.READY)
    return report


def publish(review: Review, *, host_lead: User, coordinator: User) -> Report:
    """Close the accuracy check (the host agrees) and publish; the final, stored as rendered."""
    draft = issuing.latest_draft(review)
    accuracy.agree_draft(draft, by=host_lead, note="We agree.")
    transition(review, Review.Status.PUBLISHED, by=coordinator)
    review.refresh_from_db()
    final = issuing.current_final(review)
    store_pdf(final)
    store_pdf(final, summary=True)
    return final


def share(review: Review, body: CommissioningBody, *, by: User) -> ReportShare:
    return sharing.share_report(review, body, by=by)
