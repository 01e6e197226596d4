"""The accuracy check: the host reads the draft, comments on its accuracy and agrees it; the
lead reviewer answers every comment.

- `add_accuracy_comment`: the host's service lead, on the latest draft, while the review is in
  the accuracy check; about a section, a finding or an action of that draft.
- `answer_accuracy_comment`: the lead reviewer: accepted, partly accepted or not accepted,
  with a reason (needed unless accepted).
- `agree_draft`: the host's service lead records their agreement to the latest draft and its
  actions. Publishing needs it, and every comment answered (the `publish` move's guards in
  reviews/workflow.py use `open_problems`).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assurance import permissions
from assurance.models import User
from reviews import history
from reviews.models import AccuracyComment, Report, Review
from reviews.report.issuing import latest_draft
from reviews.self_assessment import Invalid

BODY_MAX = 10_000


class AccuracyClosed(Exception):
    """The accuracy check is not open on this draft (another version, or another stage)."""


def _open_draft(report: Report) -> Report:
    """Lock the review; the report must be its latest draft, in the accuracy check."""
    review = Review.objects.select_for_update().get(pk=report.review_id)
    if review.status != Review.Status.ACCURACY_CHECK:
        raise AccuracyClosed(_("The accuracy check is not open: the review is at another stage."))
    if report.kind != Report.Kind.DRAFT or latest_draft(review).pk != report.pk:
        raise AccuracyClosed(_("Comment on the latest draft: this version has been replaced."))
    report.review = review
    return report


def anchors(report: Report) -> dict[str, str]:
    """What a comment can be about in this draft: its sections, findings and actions."""
    snapshot = report.snapshot
    found = {f"section:{key}": title for key, title in snapshot.get("sections", {}).items()}
    findings = snapshot.get("findings", {})
    for place in [findings.get("general", {}), *findings.get("domains", [])]:
        for group in place.get("groups", []):
            for finding in group.get("findings", []):
                found[finding["anchor"]] = finding["title"]
    for finding in snapshot.get("learning", []):
        found[finding["anchor"]] = finding["title"]
    for action in snapshot.get("actions", []):
        found[action["anchor"]] = action["title"]
    return found


@transaction.atomic
def add_accuracy_comment(
    report: Report, *, by: User, anchor: str, kind: str, body: str
) -> AccuracyComment:
    report = _open_draft(report)
    if not permissions.can(by, "reviews.submit_review", report.review):
        raise PermissionDenied(_("The service lead makes the accuracy comments."))
    errors = {}
    if anchor not in anchors(report):
        errors["anchor"] = _("Choose the part of the report your comment is about.")
    if kind not in AccuracyComment.Kind.values:
        errors["kind"] = _("Choose what kind of comment this is.")
    body = body.strip()
    if not body:
        errors["body"] = _("Write your comment.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("Keep your comment under %(n)s characters.") % {"n": f"{BODY_MAX:,}"}
    if errors:
        raise Invalid(errors)
    return AccuracyComment.objects.create(
        report=report, anchor=anchor, kind=kind, body=body, author=by
    )


@transaction.atomic
def answer_accuracy_comment(
    comment: AccuracyComment, *, by: User, answer: str, reason: str = ""
) -> AccuracyComment:
    _open_draft(comment.report)
    if not permissions.can(by, "reviews.lead_review", comment.report.review):
        raise PermissionDenied(_("The lead reviewer answers accuracy comments."))
    errors = {}
    if answer not in AccuracyComment.Answer.values:
        errors["answer"] = _("Choose whether you accept the comment.")
    reason = reason.strip()
    if answer and answer != AccuracyComment.Answer.ACCEPTED and not reason:
        errors["answer_reason"] = _("Say why, so the service understands your answer.")
    if errors:
        raise Invalid(errors)
    AccuracyComment.objects.filter(pk=comment.pk).update(
        answer=answer, answer_reason=reason, answered_by=by, answered_at=timezone.now()
    )
    comment.refresh_from_db()
    history.record_change(comment, by=by)
    return comment


@transaction.atomic
def agree_draft(report: Report, *, by: User, note: str = "") -> Report:
    report = _open_draft(report)
    if not permissions.can(by, "reviews.submit_review", report.review):
        raise PermissionDenied(_("The service lead agrees the report for the service."))
    Report.objects.filter(pk=report.pk).update(
        host_agreed_by=by, host_agreed_at=timezone.now(), host_agreement_note=note.strip()
    )
    report.refresh_from_db()
    history.record_change(report, by=by)
    return report


def open_problems(review: Review) -> list[str]:
    """What stops publishing: unanswered comments and the host's agreement, in words."""
    draft = latest_draft(review)
    if draft is None:
        return [_("Issue a draft for the accuracy check first.")]
    problems = [
        _("Answer the accuracy comment on “%(about)s”.")
        % {"about": anchors(draft).get(comment.anchor, comment.anchor)}
        for comment in draft.accuracy_comments.filter(answer="").order_by("created_at", "pk")
    ]
    if draft.host_agreed_at is None:
        problems.append(_("The service lead has not yet agreed the draft and its actions."))
    return problems
