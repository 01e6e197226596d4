"""The findings pages: the reviewers' summary and the findings grouped by kind, adding a finding
(from scratch or from a comment), editing, moving and removing one, and editing the summary.

Each view starts from `get_review_access` (404 when the review is not visible) and then asks
the policy (reviews/peer_review/__init__.py): the team and the network's coordinators read
(else 403); only the lead reviewer writes (else 403), and only while the review is in
`TEAM_WRITING` (else the list explains). Findings are looked up through their review, so an id
from another review is a 404. Every write goes through reviews/peer_review/findings.py, which
checks the same again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assurance.views.team import next_url
from reviews.finding_forms import FindingForm, SummaryForm
from reviews.models import Finding, Review, ReviewersSummary
from reviews.peer_review import Access, get_review_access, require
from reviews.peer_review import findings as writing
from reviews.self_assessment import Invalid, StaleWrite
from reviews.views.self_assessment import put_errors, with_version
from standards.models import Domain, Standard

# The list's headings, one per kind, in the order the report gives them.
KIND_HEADINGS = {
    Finding.Kind.STRENGTH: _lazy("Strengths"),
    Finding.Kind.EVEN_BETTER_IF: _lazy("Even better if"),
    Finding.Kind.DEVELOPMENT: _lazy("Areas for development"),
    Finding.Kind.LEARNING: _lazy("Learning to share"),
}


def _findings(review: Review):
    return review.findings.order_by("order", "pk").prefetch_related(
        Prefetch("standards", queryset=Standard.objects.order_by("domain__order", "order")),
        Prefetch("domains", queryset=Domain.objects.order_by("order")),
    )


def _list_url(review: Review, anchor: str = "") -> str:
    url = reverse("reviews:finding_list", args=[review.pk])
    return f"{url}#{anchor}" if anchor else url


def _closed(request: HttpRequest, review: Review, reason: str = "") -> HttpResponse:
    """Back to the findings, saying why they can no longer change."""
    messages.error(request, reason or writing.closed_reason(review))
    return redirect(_list_url(review))


def _lead(request: HttpRequest, pk: int) -> tuple[Review, Access]:
    """The review and the person's access, once they are its lead reviewer (else 403/404)."""
    review, access = get_review_access(request.user, pk)
    require(access.lead)
    return review, access


@login_required
@require_GET
def finding_list(request: HttpRequest, pk: int) -> HttpResponse:
    review, access = get_review_access(request.user, pk)
    require(access.reads_team_work)
    findings = list(_findings(review))
    groups = [
        {"kind": kind, "label": label, "findings": [f for f in findings if f.kind == kind]}
        for kind, label in KIND_HEADINGS.items()
    ]
    summary = ReviewersSummary.objects.filter(review=review).select_related("updated_by").first()
    return render(
        request,
        "reviews/findings/finding_list.html",
        {
            "review": review,
            "access": access,
            "groups": groups,
            "count": len(findings),
            "summary": summary,
            "can_write": access.may_write_findings,
            "closed": writing.closed_reason(review) if access.lead else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A new finding. `?kind=` chooses its kind to start with; `?comment=<pk>` starts it from a
    comment the lead can read on this review: the page quotes it and the form starts from it."""
    review, access = _lead(request, pk)
    if not access.may_write_findings:
        return _closed(request, review)
    comment = None
    if "comment" in request.GET:
        comment = writing.readable_comment(access, review, request.GET["comment"])
        if comment is None:
            raise Http404
    if request.method == "POST":
        form = FindingForm(request.POST, review=review)
        if form.is_valid():
            try:
                finding = writing.add_finding(
                    review, by=request.user, started_from=comment, **form.values()
                )
            except writing.FindingsClosed as error:
                return _closed(request, review, str(error))
            except Invalid as error:
                put_errors(form, error.errors)
            else:
                messages.success(
                    request, _("The finding “%(title)s” was added.") % {"title": finding.title}
                )
                return redirect(_list_url(review, f"finding-{finding.pk}"))
    else:
        initial = {}
        if request.GET.get("kind") in Finding.Kind.values:
            initial["kind"] = request.GET["kind"]
        if comment is not None:
            initial.update(writing.draft_from_comment(comment))
        form = FindingForm(review=review, initial=initial)
    return render(
        request,
        "reviews/findings/finding_form.html",
        {"review": review, "form": form, "comment": comment, "finding": None},
    )


def _get_finding(review: Review, finding_pk: int) -> Finding:
    return get_object_or_404(_findings(review), pk=finding_pk)


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    review, access = _lead(request, pk)
    finding = _get_finding(review, finding_pk)
    if not access.may_write_findings:
        return _closed(request, review)
    if request.method == "POST":
        form = FindingForm(request.POST, review=review)
        if form.is_valid():
            try:
                finding = writing.update_finding(finding, by=request.user, **form.values())
            except writing.FindingsClosed as error:
                return _closed(request, review, str(error))
            except Invalid as error:
                put_errors(form, error.errors)
            else:
                messages.success(
                    request, _("The finding “%(title)s” was saved.") % {"title": finding.title}
                )
                return redirect(_list_url(review, f"finding-{finding.pk}"))
    else:
        form = FindingForm(
            review=review,
            initial={
                "kind": finding.kind,
                "title": finding.title,
                "body": finding.body,
                "standards": [s.pk for s in finding.standards.all()],
                "domains": [d.pk for d in finding.domains.all()],
            },
        )
    return render(
        request,
        "reviews/findings/finding_form.html",
        {"review": review, "form": form, "comment": None, "finding": finding},
    )


@login_required
@require_POST
def finding_move(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    """Move a finding up or down within its kind: a small form beside each finding."""
    review, _access = _lead(request, pk)
    finding = _get_finding(review, finding_pk)
    direction = request.POST.get("direction", "")
    try:
        moved = writing.move_finding(finding, by=request.user, direction=direction)
    except writing.FindingsClosed as error:
        return _closed(request, review, str(error))
    except Invalid as error:
        messages.error(request, " ".join(error.errors.values()))
    else:
        template = (
            _("“%(title)s” is now number %(place)s.")
            if moved.order != finding.order
            else _("“%(title)s” stays at number %(place)s.")
        )
        messages.success(request, template % {"title": moved.title, "place": moved.order + 1})
    return redirect(_list_url(review, f"finding-{finding.pk}"))


@login_required
@require_http_methods(["GET", "POST"])
def finding_remove(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    """Confirm, then remove a finding."""
    review, access = _lead(request, pk)
    finding = _get_finding(review, finding_pk)
    if not access.may_write_findings:
        return _closed(request, review)
    back = next_url(request, _list_url(review, f"finding-{finding.pk}"))
    if request.method == "POST":
        try:
            writing.remove_finding(finding, by=request.user)
        except writing.FindingsClosed as error:
            return _closed(request, review, str(error))
        messages.success(
            request, _("The finding “%(title)s” was removed.") % {"title": finding.title}
        )
        return redirect(_list_url(review))
    return render(
        request,
        "reviews/findings/finding_remove.html",
        {"review": review, "finding": finding, "back": back},
    )


@login_required
@require_http_methods(["GET", "POST"])
def summary_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the reviewers' summary. A save made from an older version than the stored one
    shows both texts, keeps what the person typed, and saves only when they save again."""
    review, access = _lead(request, pk)
    if not access.may_write_findings:
        return _closed(request, review)
    summary = ReviewersSummary.objects.filter(review=review).select_related("updated_by").first()
    conflict = None
    status = 200
    if request.method == "POST":
        form = SummaryForm(request.POST)
        if form.is_valid():
            try:
                writing.save_summary(
                    review,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    text=form.cleaned_data["text"],
                )
            except writing.FindingsClosed as error:
                return _closed(request, review, str(error))
            except StaleWrite as stale:
                conflict = stale.current
                form = SummaryForm(with_version(request.POST, "version", conflict.version))
                status = 409
            except Invalid as error:
                put_errors(form, error.errors)
            else:
                messages.success(request, _("The reviewers' summary was saved."))
                return redirect(_list_url(review, "summary"))
    else:
        form = SummaryForm.for_summary(summary)
    return render(
        request,
        "reviews/findings/summary_edit.html",
        {"review": review, "form": form, "summary": summary, "conflict": conflict},
        status=status,
    )
