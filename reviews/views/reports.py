"""The report pages: a review's report versions with their render state, the preview of one
version with the accuracy check beside it, the downloads, who read what, and a correction.

Who may read a version is the report's own `view_report` (granted by reviews/report/issuing.py
when it is issued, and by sharing): the host's team, the review team (drafts) or the lead
reviewer (finals), the network's coordinators, and the commissioners of a body the final report
is shared with. Commissioners never see the review itself, so these pages start from the report:
a version the person may read is shown; one of a review they can see but may not read is 403;
anything else is 404.

What the accuracy check allows, and when, is reviews/report/accuracy.py; issuing, rendering and
reading the stored bytes is reviews/report/issuing.py. The pages and the API (reviews/api/
reports.py) call the same functions; `pdf_response` is the one download of a report's PDF.
"""

import copy
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from guardian.core import ObjectPermissionChecker

from assurance import permissions
from assurance.models import User
from reviews.models import AccessLog, AccuracyComment, RenderJob, Report, Review
from reviews.permissions import REVIEW_QUERYSET, get_review_for_user
from reviews.report import accuracy, issuing
from reviews.report_forms import (
    AccuracyAnswerForm,
    AccuracyCommentForm,
    AgreementForm,
    CorrectionForm,
    anchor_id,
)
from reviews.self_assessment import Invalid

logger = logging.getLogger(__name__)

Status = Review.Status
CORRECTABLE = (Status.PUBLISHED, Status.CLOSED)
WAITING = (RenderJob.Status.QUEUED, RenderJob.Status.RENDERING)
READERS_PER_PAGE = 50

# Reads of a commissioner summary are logged against its report, as a kind of their own.
SUMMARY_LOG_KIND = AccessLog.Kind.SUMMARY


# Who may read what --------------------------------------------------------------------------

REPORT_QUERYSET = Report.objects.select_related(
    "review__service__organisation",
    "review__service__network",
    "review__cycle",
    "review__framework_version__framework",
    "issued_by",
    "host_agreed_by",
    "supersedes",
    "superseded_by",
)


def review_perms(user: User, review: Review) -> set[str]:
    """The person's permissions on the review, in one lookup (none for a commissioner)."""
    if not (user.is_authenticated and user.is_active):
        return set()
    return set(ObjectPermissionChecker(user).get_perms(review))


def _refused(user: User, review: Review) -> Exception:
    """403 for a review the person can see, 404 for one they cannot."""
    if permissions.can(user, "reviews.view_review", review):
        return PermissionDenied(_("You cannot read this version of the report."))
    return Http404()


def readable_reports(user: User, queryset: QuerySet | None = None) -> QuerySet:
    """The report versions `user` may read."""
    return permissions.objects_for_user(
        user, "reviews.view_report", queryset if queryset is not None else Report.objects.all()
    )


def get_report_for_user(user: User, pk, report_pk) -> Report:
    """A version of review `pk`'s report: 404 unless the person may read it or see the review,
    403 if they see the review but may not read this version."""
    report = REPORT_QUERYSET.filter(review_id=pk, pk=report_pk).first()
    if report is None:
        raise Http404
    if not permissions.can(user, "reviews.view_report", report):
        raise _refused(user, report.review)
    return report


def _job_for_user(user: User, pk, job_pk) -> RenderJob:
    job = RenderJob.objects.filter(report__review_id=pk, pk=job_pk).first()
    if job is None:
        raise Http404
    job.report = get_report_for_user(user, pk, job.report_id)
    return job


def _comment_for_user(user: User, pk, comment_pk) -> AccuracyComment:
    comment = AccuracyComment.objects.filter(report__review_id=pk, pk=comment_pk).first()
    if comment is None:
        raise Http404
    comment.report = get_report_for_user(user, pk, comment.report_id)
    return comment


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# Render jobs --------------------------------------------------------------------------------


def latest_jobs(report: Report) -> list[RenderJob]:
    """The newest render of the report and of its summary (a retried render is a new job; the
    failed one stays on record). Reads the prefetched `render_jobs`, newest first."""
    newest: dict[str, RenderJob] = {}
    for job in report.render_jobs.all():
        newest.setdefault(job.what, job)
    order = (RenderJob.What.REPORT, RenderJob.What.SUMMARY)
    return [newest[what] for what in order if what in newest]


def jobs_prefetch() -> Prefetch:
    return Prefetch("render_jobs", queryset=RenderJob.objects.order_by("-created_at", "-pk"))


def ready_url(job: RenderJob) -> str | None:
    """Where a finished render can be downloaded."""
    if job.status != RenderJob.Status.READY or job.report_id is None:
        return None
    name = (
        "reviews:report_summary_pdf" if job.what == RenderJob.What.SUMMARY else "reviews:report_pdf"
    )
    return reverse(name, args=[job.report.review_id, job.report_id])


def job_state(job: RenderJob) -> dict:
    """What the page and static/js/render-status.js show of a render."""
    return {
        "status": job.status,
        "label": job.get_status_display(),
        "error": job.error if job.status == RenderJob.Status.FAILED else "",
        "ready_url": ready_url(job),
    }


# Downloads ----------------------------------------------------------------------------------


class NotReadable(Exception):
    """A report's PDF that cannot be served; `code` says why ("not_rendered" or "mismatch")."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _filename(report: Report, *, summary: bool) -> str:
    review = report.review
    what = "commissioner-summary" if summary else "improvement-report"
    kind = "draft" if report.kind == Report.Kind.DRAFT else "final"
    place = f"{slugify(review.service.name)}-{slugify(review.cycle.name)}"
    return f"{place}-{what}-{kind}-v{report.number}.pdf"


def pdf_response(report: Report, *, by: User, summary: bool = False) -> HttpResponse:
    """Serve the stored PDF of a report (or its commissioner summary) and log the read.

    The caller has checked `view_report`. The bytes go out only after issuing.read_pdf has
    checked them against the stored sha256; otherwise NotReadable, and nothing is logged. Like
    evidence downloads, the file is an attachment no browser will show as a page: nosniff, and
    a sandbox policy with nothing allowed. Pages and the API both call this.
    """
    if summary and not report.is_final:
        raise Http404  # drafts have no commissioner summary
    stored = report.summary_pdf if summary else report.pdf
    if not stored:
        raise NotReadable(
            "not_rendered",
            _("This PDF is not ready yet. The report list shows how its preparation is going."),
        )
    try:
        data = issuing.read_pdf(report, summary=summary)
    except (issuing.ReportError, OSError):
        logger.error(
            "Report %s (%s) does not match its stored sha256, or its file is missing",
            report.pk,
            "summary" if summary else "report",
        )
        raise NotReadable(
            "mismatch",
            _(
                "The stored file does not match its fingerprint, so it has not been sent. The "
                "network's coordinators have been told; ask them to check it."
            ),
        ) from None
    AccessLog.objects.create(
        user=by,
        kind=SUMMARY_LOG_KIND if summary else AccessLog.Kind.REPORT,
        object_id=report.pk,
        review_id=report.review_id,
    )
    return pdf_attachment(data, _filename(report, summary=summary))


def pdf_attachment(data: bytes, filename: str) -> HttpResponse:
    """A PDF as a download no browser will show as a page (reports and the learning report)."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    # Set here, so django-csp leaves it alone.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


# The report list ----------------------------------------------------------------------------


@login_required
@require_GET
def report_list(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review = REVIEW_QUERYSET.get(pk=pk)
    except Review.DoesNotExist:
        raise Http404 from None
    reports = list(
        readable_reports(request.user, Report.objects.filter(review=review))
        .select_related("issued_by", "supersedes", "superseded_by")
        .prefetch_related(jobs_prefetch())
        .order_by("-number")
    )
    perms = review_perms(request.user, review)
    if not reports:
        if "view_review" not in perms:
            raise Http404
        if review.reports.exists():
            raise PermissionDenied(_("You cannot read this review's report."))
    rows = [{"report": report, "jobs": latest_jobs(report)} for report in reports]
    return render(
        request,
        "reviews/reports/report_list.html",
        {
            "review": review,
            "rows": rows,
            "sees_review": "view_review" in perms,
            "may_retry": bool(perms & {"lead_review", "manage_review"}),
            "may_correct": "manage_review" in perms
            and review.status in CORRECTABLE
            and any(report.is_final for report in reports),
            "may_see_readers": bool(perms & {"submit_review", "manage_review"}),
            "waiting": any(job.status in WAITING for row in rows for job in row["jobs"]),
        },
    )


def _newest_render(what: str) -> Subquery:
    """The state of the newest render of `what` for each report, in the report's own query."""
    return Subquery(
        RenderJob.objects.filter(report=OuterRef("pk"), what=what)
        .order_by("-created_at", "-pk")
        .values("status")[:1]
    )


def report_panel(user: User, review: Review) -> dict | None:
    """The review page's "Report" section: the newest final and draft the person may read,
    with the state of their renders, in one query (None when there is nothing to show)."""
    reports = list(
        readable_reports(user, Report.objects.filter(review=review))
        .annotate(
            report_render=_newest_render(RenderJob.What.REPORT),
            summary_render=_newest_render(RenderJob.What.SUMMARY),
        )
        .only("pk", "review_id", "number", "kind")
        .order_by("-number")
    )
    if not reports:
        return None
    newest = {}
    for report in reports:
        newest.setdefault(report.kind, report)
    latest = []
    for kind in (Report.Kind.FINAL, Report.Kind.DRAFT):
        if kind not in newest:
            continue
        report = newest[kind]
        renders = [
            {"what": RenderJob.What(what).label, "state": RenderJob.Status(state).label}
            for what, state in (
                (RenderJob.What.REPORT, report.report_render),
                (RenderJob.What.SUMMARY, report.summary_render),
            )
            if state
        ]
        latest.append({"report": report, "renders": renders})
    return {"latest": latest, "count": len(reports)}


@login_required
@require_GET
def render_status(request: HttpRequest, pk: int, job_pk: int) -> JsonResponse:
    """What static/js/render-status.js polls while a report is being prepared."""
    job = _job_for_user(request.user, pk, job_pk)
    return JsonResponse(job_state(job))


@login_required
@require_POST
def render_retry(request: HttpRequest, pk: int, job_pk: int) -> HttpResponse:
    """Try a failed render again: the lead reviewer or a coordinator."""
    job = _job_for_user(request.user, pk, job_pk)
    perms = review_perms(request.user, job.report.review)
    _require(
        bool(perms & {"lead_review", "manage_review"}),
        _("Only the lead reviewer and the network's coordinators can try a render again."),
    )
    try:
        issuing.retry_render(job, by=request.user)
    except issuing.ReportError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(what)s, version %(number)d, is being prepared again.")
            % {"what": job.get_what_display(), "number": job.report.number},
        )
    return redirect("reviews:report_list", pk=job.report.review_id)


# The preview and the accuracy check ---------------------------------------------------------


def _detail_url(report: Report, anchor: str = "") -> str:
    url = reverse("reviews:report_detail", args=[report.review_id, report.pk])
    return f"{url}#{anchor}" if anchor else url


def _closed_reason(report: Report, latest: Report | None) -> str:
    """Why the accuracy check is not open on this version, or "" when it is (the same rule as
    reviews/report/accuracy.py, in words for this page)."""
    review = report.review
    if report.kind != Report.Kind.DRAFT:
        return _("Accuracy comments are made on a draft, not on the final report.")
    if review.status != Status.ACCURACY_CHECK:
        return _("The accuracy check is not open: the review is at the stage “%(stage)s”.") % {
            "stage": review.get_status_display()
        }
    if latest is None or latest.pk != report.pk:
        return _(
            "This draft has been replaced by version %(number)d. Comment on the latest draft."
        ) % {"number": latest.number if latest else report.number}
    return ""


def _latest_draft(report: Report) -> Report | None:
    if report.kind != Report.Kind.DRAFT:
        return None
    return issuing.latest_draft(report.review)


def _findings_and_actions(snapshot: dict) -> list[dict]:
    """Every finding and action of a snapshot, as the dicts the page shows (so what is added to
    one of them shows where it is drawn)."""
    findings = snapshot.get("findings", {})
    places = [findings.get("general", {}), *findings.get("domains", [])]
    items = [
        finding
        for place in places
        for group in place.get("groups", [])
        for finding in group.get("findings", [])
    ]
    return items + list(snapshot.get("learning", [])) + list(snapshot.get("actions", []))


def _accuracy_notes(
    snapshot: dict,
    comments: list[AccuracyComment],
    *,
    host_lead: bool,
    lead: bool,
    comment_form: AccuracyCommentForm | None,
    answer_form: AccuracyAnswerForm | None,
) -> dict[str, dict]:
    """For each part of a draft a comment can be about: its comments (each with an answer form
    for the lead reviewer while it waits), and a comment form for the host's service lead."""
    by_anchor: dict[str, list[AccuracyComment]] = {}
    for comment in comments:
        by_anchor.setdefault(comment.anchor, []).append(comment)
    anchors = [f"section:{key}" for key in snapshot.get("sections", {})]
    anchors += [item["anchor"] for item in _findings_and_actions(snapshot) if "anchor" in item]
    notes = {}
    for anchor in anchors:
        entries = []
        for comment in by_anchor.get(anchor, []):
            form = None
            if lead and not comment.is_answered:
                bound = answer_form is not None and answer_form.comment.pk == comment.pk
                form = answer_form if bound else AccuracyAnswerForm(comment=comment)
            entries.append({"comment": comment, "form": form})
        bound = comment_form is not None and comment_form.anchor == anchor
        form = None
        if host_lead:
            form = comment_form if bound else AccuracyCommentForm(anchor=anchor)
        notes[anchor] = {
            "anchor": anchor,
            "id": anchor_id(anchor),
            "comments": entries,
            "form": form,
            "open": bound,
        }
    return notes


def _preview(
    request: HttpRequest,
    report: Report,
    *,
    comment_form: AccuracyCommentForm | None = None,
    answer_form: AccuracyAnswerForm | None = None,
    agree_form: AgreementForm | None = None,
    refusal: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    review = report.review
    perms = review_perms(request.user, review)
    # The page adds the accuracy check to the sections it shows; the stored snapshot is never
    # changed.
    snapshot = copy.deepcopy(report.snapshot)
    is_draft = report.kind == Report.Kind.DRAFT
    latest = _latest_draft(report)
    closed = _closed_reason(report, latest)
    check_open = is_draft and not closed
    host_lead = check_open and "submit_review" in perms
    comments = (
        list(report.accuracy_comments.select_related("author", "answered_by")) if is_draft else []
    )
    notes = {}
    if is_draft:
        notes = _accuracy_notes(
            snapshot,
            comments,
            host_lead=host_lead,
            lead=check_open and "lead_review" in perms,
            comment_form=comment_form,
            answer_form=answer_form,
        )
        for item in _findings_and_actions(snapshot):
            item["accuracy"] = notes.get(item.get("anchor"))
    section_notes = {key: notes.get(f"section:{key}") for key in snapshot.get("sections", {})}
    coordinator = check_open and "manage_review" in perms
    failed_form = next(
        (form for form in (comment_form, answer_form, agree_form) if form and form.errors), None
    )
    return render(
        request,
        "reviews/reports/report_detail.html",
        {
            "review": review,
            "report": report,
            "s": snapshot,
            "is_draft": is_draft,
            "latest_draft": latest,
            "sees_review": "view_review" in perms,
            "check_open": check_open,
            "closed_reason": closed if is_draft else "",
            "section_notes": section_notes,
            "comments": comments,
            "unanswered": sum(1 for comment in comments if not comment.is_answered),
            "agree_form": (agree_form or AgreementForm())
            if host_lead and not report.host_agreed_at
            else None,
            "publish_problems": accuracy.open_problems(review) if coordinator else None,
            "may_publish": coordinator,
            "failed_form": failed_form,
            "refusal": refusal,
        },
        status=status,
    )


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    """The HTML preview of a version's frozen snapshot. Reading it is logged, like a download."""
    report = get_report_for_user(request.user, pk, report_pk)
    AccessLog.objects.create(
        user=request.user, kind=AccessLog.Kind.REPORT, object_id=report.pk, review_id=pk
    )
    return _preview(request, report)


def _refuse_closed(
    request: HttpRequest, report: Report, typed: str, *, reason: str = ""
) -> HttpResponse | None:
    """The page again, saying why nothing was saved, with what the person wrote (so that it is
    not lost); None while the accuracy check is open on this draft."""
    reason = reason or _closed_reason(report, _latest_draft(report))
    if not reason:
        return None
    refusal = {"message": reason, "typed": typed.strip()}
    return _preview(request, report, refusal=refusal, status=409)


@login_required
@require_POST
def accuracy_comment_add(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    """The host's service lead comments on a section, finding or action of the latest draft."""
    report = get_report_for_user(request.user, pk, report_pk)
    _require(
        permissions.can(request.user, "reviews.submit_review", report.review),
        _("The service lead makes the accuracy comments."),
    )
    anchor = request.POST.get("anchor", "")
    form = AccuracyCommentForm(request.POST, anchor=anchor)
    typed = request.POST.get(form.add_prefix("body"), "")
    if refused := _refuse_closed(request, report, typed):
        return refused
    if form.is_valid():
        try:
            accuracy.add_accuracy_comment(
                report,
                by=request.user,
                anchor=anchor,
                kind=form.cleaned_data["kind"],
                body=form.cleaned_data["body"],
            )
        except accuracy.AccuracyClosed as error:
            return _refuse_closed(request, report, typed, reason=str(error))
        except Invalid as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request, _("Your comment was added. The lead reviewer will answer it.")
            )
            return redirect(_detail_url(report, anchor_id(anchor)))
    return _preview(request, report, comment_form=form)


@login_required
@require_POST
def accuracy_comment_answer(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    """The lead reviewer answers an accuracy comment: accepted, partly or not, with a reason."""
    comment = _comment_for_user(request.user, pk, comment_pk)
    report = comment.report
    _require(
        permissions.can(request.user, "reviews.lead_review", report.review),
        _("The lead reviewer answers accuracy comments."),
    )
    form = AccuracyAnswerForm(request.POST, comment=comment)
    typed = request.POST.get(form.add_prefix("answer_reason"), "")
    if refused := _refuse_closed(request, report, typed):
        return refused
    if form.is_valid():
        try:
            accuracy.answer_accuracy_comment(
                comment,
                by=request.user,
                answer=form.cleaned_data["answer"],
                reason=form.cleaned_data["answer_reason"],
            )
        except accuracy.AccuracyClosed as error:
            return _refuse_closed(request, report, typed, reason=str(error))
        except Invalid as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Your answer was saved. The service can read it now."))
            return redirect(_detail_url(report, f"accuracy-comment-{comment.pk}"))
    return _preview(request, report, answer_form=form)


@login_required
@require_POST
def report_agree(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    """The host's service lead agrees the draft and its actions, with an optional note."""
    report = get_report_for_user(request.user, pk, report_pk)
    _require(
        permissions.can(request.user, "reviews.submit_review", report.review),
        _("The service lead agrees the report for the service."),
    )
    form = AgreementForm(request.POST)
    typed = request.POST.get(form.add_prefix("note"), "")
    if refused := _refuse_closed(request, report, typed):
        return refused
    if form.is_valid():
        try:
            accuracy.agree_draft(report, by=request.user, note=form.cleaned_data["note"])
        except accuracy.AccuracyClosed as error:
            return _refuse_closed(request, report, typed, reason=str(error))
        messages.success(
            request,
            _(
                "You agreed the draft and its actions. The coordinator can publish the report "
                "once every accuracy comment is answered."
            ),
        )
        return redirect(_detail_url(report, "agreement"))
    return _preview(request, report, agree_form=form)


# Downloads, readers and corrections ---------------------------------------------------------


def _download(request: HttpRequest, pk: int, report_pk: int, *, summary: bool) -> HttpResponse:
    report = get_report_for_user(request.user, pk, report_pk)
    try:
        return pdf_response(report, by=request.user, summary=summary)
    except NotReadable as error:
        return render(
            request,
            "reviews/reports/not_readable.html",
            {
                "review": report.review,
                "report": report,
                "summary": summary,
                "error": error,
                "sees_review": permissions.can(request.user, "reviews.view_review", report.review),
            },
            status=409,
        )


@login_required
@require_GET
def report_pdf(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    return _download(request, pk, report_pk, summary=False)


@login_required
@require_GET
def report_summary_pdf(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    return _download(request, pk, report_pk, summary=True)


@login_required
@require_GET
def report_readers(request: HttpRequest, pk: int) -> HttpResponse:
    """Who read which version, and when: for the host's service lead and the coordinators."""
    review = get_review_for_user(request.user, pk)
    perms = review_perms(request.user, review)
    _require(
        bool(perms & {"submit_review", "manage_review"}),
        _("Only the service lead and the network's coordinators see who read the report."),
    )
    versions = {
        report.pk: report for report in Report.objects.filter(review=review).only("number", "kind")
    }
    reads = (
        AccessLog.objects.filter(review=review, kind__in=(AccessLog.Kind.REPORT, SUMMARY_LOG_KIND))
        .select_related("user")
        .order_by("-at", "-pk")
    )
    paginator = Paginator(reads, READERS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [{"read": read, "report": versions.get(read.object_id)} for read in page]
    return render(
        request,
        "reviews/reports/report_readers.html",
        {
            "review": review,
            "rows": rows,
            "page_obj": page,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator issues a corrected final report, which supersedes the current one."""
    review = get_review_for_user(request.user, pk, "reviews.manage_review")
    current = issuing.current_final(review)
    refusal = ""
    if review.status not in CORRECTABLE or current is None:
        refusal = _("Only a published report can be corrected.")
    form = CorrectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            report = issuing.correct_report(review, by=request.user, note=form.cleaned_data["note"])
        except issuing.ReportError as error:
            form.add_error("note", str(error))
        else:
            messages.success(
                request,
                _(
                    "Version %(number)d was issued. It is being prepared now; both versions "
                    "stay listed."
                )
                % {"number": report.number},
            )
            return redirect("reviews:report_list", pk=review.pk)
    return render(
        request,
        "reviews/reports/report_correct.html",
        {"review": review, "current": current, "form": form, "refusal": refusal},
        status=409 if refusal and request.method == "POST" else 200,
    )
