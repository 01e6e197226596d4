"""The agreed actions' pages: a review's actions with their progress, drafting them (the lead
reviewer), recording progress (the host, once the report is published), and the CSV of every
action of a service.

Each view starts from `get_review_for_actions` (404 when the person may not read the review's
actions: the people who see the review, and the commissioners of a body its report is shared
with). Writing is then 403 for anyone it is not for, and, at a stage that does not allow it, a
return to the list that says why. Actions are looked up through their review, so an id from
another review is 404. Every write goes through reviews/report/actions.py, which checks the same
again.
"""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from assurance import permissions
from assurance.models import Service
from assurance.views.team import next_url
from reviews.action_forms import KIND_ORDER, ActionForm, ProgressForm
from reviews.models import Action, ActionProgress, Finding, Review
from reviews.peer_review import require
from reviews.report import actions as writing
from reviews.report.actions import ActionAccess, get_review_for_actions
from reviews.report.issuing import latest_draft
from reviews.self_assessment import Invalid, StaleWrite
from reviews.views.self_assessment import put_errors, with_version
from standards.models import Standard


def actions_of(review: Review) -> QuerySet:
    """The review's actions with everything the pages show, in a constant number of queries."""
    return review.actions.order_by(*writing.DUE_ORDER).prefetch_related(
        Prefetch(
            "findings",
            queryset=Finding.objects.annotate(kind_order=KIND_ORDER).order_by(
                "kind_order", "order", "pk"
            ),
        ),
        Prefetch(
            "standards",
            queryset=Standard.objects.order_by("domain__order", "order"),
        ),
        Prefetch(
            "progress",
            queryset=ActionProgress.objects.select_related("by", "review__cycle").order_by(
                "at", "pk"
            ),
        ),
    )


def _list_url(review: Review, anchor: str = "") -> str:
    url = reverse("reviews:action_list", args=[review.pk])
    return f"{url}#{anchor}" if anchor else url


def _back_to_list(request: HttpRequest, review: Review, reason: str) -> HttpResponse:
    messages.error(request, reason)
    return redirect(_list_url(review))


@login_required
@require_GET
def action_list(request: HttpRequest, pk: int) -> HttpResponse:
    review, access = get_review_for_actions(request.user, pk)
    today = timezone.localdate()
    actions = list(actions_of(review))
    for action in actions:
        action.review = review
        action.overdue = writing.is_overdue(action, today)
    draft = latest_draft(review) if review.status == Review.Status.ACCURACY_CHECK else None
    return render(
        request,
        "reviews/actions/action_list.html",
        {
            "review": review,
            "access": access,
            "actions": actions,
            "overdue_count": sum(1 for action in actions if action.overdue),
            "draft": draft,
            "closed": writing.closed_reason(review) if access.lead and not access.may_draft else "",
            "progress_refusal": writing.progress_refusal(review) if access.host_editor else "",
        },
    )


def _lead(request: HttpRequest, pk: int) -> tuple[Review, ActionAccess]:
    """The review and the person's access, once they are its lead reviewer (else 403/404)."""
    review, access = get_review_for_actions(request.user, pk)
    require(access.lead)
    return review, access


def _get_action(review: Review, action_pk: int) -> Action:
    action = get_object_or_404(actions_of(review), pk=action_pk)
    action.review = review
    return action


@login_required
@require_http_methods(["GET", "POST"])
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    review, access = _lead(request, pk)
    if not access.may_draft:
        return _back_to_list(request, review, writing.closed_reason(review))
    if request.method == "POST":
        form = ActionForm(request.POST, review=review)
        if form.is_valid():
            try:
                action = writing.add_action(review, by=request.user, **form.values())
            except writing.ActionsClosed as error:
                return _back_to_list(request, review, str(error))
            except Invalid as error:
                put_errors(form, error.errors)
            else:
                messages.success(
                    request, _("The action “%(title)s” was added.") % {"title": action.title}
                )
                return redirect(_list_url(review, f"action-{action.pk}"))
    else:
        form = ActionForm(review=review)
    return render(
        request,
        "reviews/actions/action_form.html",
        {"review": review, "form": form, "action": None, "conflict": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    """Change an action. A save made from an older version than the stored one shows what is
    stored now, keeps what the person entered, and saves only when they save again."""
    review, access = _lead(request, pk)
    action = _get_action(review, action_pk)
    if not access.may_draft:
        return _back_to_list(request, review, writing.closed_reason(review))
    conflict = None
    status = 200
    if request.method == "POST":
        form = ActionForm(request.POST, review=review)
        if form.is_valid() and form.cleaned_data["version"] is None:
            form.add_error(None, _("Reload the page and make your change again."))
        elif form.is_valid():
            try:
                saved = writing.update_action(
                    action,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    **form.values(),
                )
            except writing.ActionsClosed as error:
                return _back_to_list(request, review, str(error))
            except StaleWrite as stale:
                conflict = stale.current
                form = ActionForm(
                    with_version(request.POST, "version", conflict.version), review=review
                )
                form.is_valid()
                status = 409
            except Invalid as error:
                put_errors(form, error.errors)
            else:
                messages.success(
                    request, _("The action “%(title)s” was saved.") % {"title": saved.title}
                )
                return redirect(_list_url(review, f"action-{action.pk}"))
    else:
        form = ActionForm.for_action(action, review=review)
    return render(
        request,
        "reviews/actions/action_form.html",
        {"review": review, "form": form, "action": action, "conflict": conflict},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_remove(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    """Confirm, then remove an action."""
    review, access = _lead(request, pk)
    action = _get_action(review, action_pk)
    if not access.may_draft:
        return _back_to_list(request, review, writing.closed_reason(review))
    back = next_url(request, _list_url(review, f"action-{action.pk}"))
    if request.method == "POST":
        try:
            writing.remove_action(action, by=request.user)
        except writing.ActionsClosed as error:
            return _back_to_list(request, review, str(error))
        messages.success(
            request, _("The action “%(title)s” was removed.") % {"title": action.title}
        )
        return redirect(_list_url(review))
    return render(
        request,
        "reviews/actions/action_remove.html",
        {"review": review, "action": action, "back": back},
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_progress(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    """Say how an agreed action is going: the service lead and staff contributors, once the
    report is published."""
    review, access = get_review_for_actions(request.user, pk)
    require(access.host_editor)
    action = _get_action(review, action_pk)
    refusal = writing.progress_refusal(review)
    if refusal:
        return _back_to_list(request, review, refusal)
    if request.method == "POST":
        form = ProgressForm(request.POST)
        if form.is_valid():
            try:
                writing.record_progress(action, by=request.user, **form.cleaned_data)
            except writing.ActionsClosed as error:
                return _back_to_list(request, review, str(error))
            except Invalid as error:
                put_errors(form, error.errors)
            else:
                messages.success(
                    request,
                    _("Progress on “%(title)s” was recorded.") % {"title": action.title},
                )
                return redirect(_list_url(review, f"action-{action.pk}"))
    else:
        form = ProgressForm(initial={"status": action.status})
    action.overdue = writing.is_overdue(action, timezone.localdate())
    return render(
        request,
        "reviews/actions/action_progress.html",
        {"review": review, "action": action, "form": form},
    )


# The CSV of a service's actions --------------------------------------------------------------

# A cell a spreadsheet would read as a formula starts with one of these: it gets a quote first.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _latest_progress(field: str) -> Subquery:
    return Subquery(
        ActionProgress.objects.filter(action=OuterRef("pk"))
        .order_by("-at", "-pk")
        .values(field)[:1]
    )


@login_required
@require_GET
def action_csv(request: HttpRequest, service_pk: int) -> HttpResponse:
    """Every action of every review of the service that the person may read, one per row."""
    service = Service.objects.filter(pk=service_pk).first()
    if service is None:
        raise Http404
    reviews = Review.objects.filter(service=service, pk__in=writing.readable_reviews(request.user))
    if not reviews.exists() and not permissions.can(
        request.user, "assurance.view_service", service
    ):
        raise Http404
    actions = (
        Action.objects.filter(review__in=reviews)
        .select_related("review__cycle")
        .annotate(latest_note=_latest_progress("note"), latest_at=_latest_progress("at"))
        .order_by("review__cycle__opens_on", "review_id", *writing.DUE_ORDER)
    )
    statuses = dict(Action.Status.choices)
    out = io.StringIO()
    out.write("\ufeff")  # a byte order mark, so that Excel reads the file as UTF-8
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Review"),
            _("Action"),
            _("Who leads it"),
            _("Due"),
            _("Where it stands"),
            _("Latest progress"),
            _("Date of latest progress"),
        ]
    )
    for action in actions:
        latest_at = timezone.localtime(action.latest_at).date() if action.latest_at else None
        writer.writerow(
            csv_cell(value)
            for value in (
                action.review.cycle.name,
                action.title,
                action.owner_role,
                action.due_on.isoformat() if action.due_on else "",
                statuses.get(action.status, action.status),
                action.latest_note or "",
                latest_at.isoformat() if latest_at else "",
            )
        )
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    name = slugify(service.name) or f"service-{service.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}-actions.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
