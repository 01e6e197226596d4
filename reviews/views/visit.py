"""The visit pages: the visit and its agenda, planning or changing the visit, adding, changing
and removing agenda items, and the visit's calendar file.

Everyone who reads the visit (the review team, the network's coordinators and the host service's
team) sees the visit page and downloads the calendar; the lead reviewer and the host's service
lead plan it while the review is at the planning stage (reviews/peer_review/__init__.py). Other
readers get 403 on the planning pages; the planners, once the review has moved on, are sent back
to the visit page with the reason.

Every change goes through reviews/peer_review/visit.py, as the API's do. A save made from a stale
version of the visit keeps what the person typed and shows what is stored now beside it (409).
"""

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from reviews.models import AgendaItem, Review, Visit
from reviews.peer_review import Access, calendar, get_review_access, require
from reviews.peer_review import visit as visit_actions
from reviews.self_assessment import Invalid, StaleWrite
from reviews.views.self_assessment import put_errors, with_version
from reviews.visit_forms import LISTED_DAYS, AgendaItemForm, VisitForm


def _visit_of(review: Review) -> Visit | None:
    visit = Visit.objects.filter(review=review).select_related("updated_by").first()
    if visit is not None:
        visit.review = review
    return visit


def _visit_url(review: Review, anchor: str = "") -> str:
    return reverse("reviews:visit", args=[review.pk]) + (f"#{anchor}" if anchor else "")


def _reader(request: HttpRequest, pk: int) -> tuple[Review, Access]:
    """The review (404 if the person cannot see it) for someone who reads its visit (else 403)."""
    review, access = get_review_access(request.user, pk)
    require(access.reads_visit)
    return review, access


def _closed(request: HttpRequest, review: Review, access: Access) -> HttpResponse | None:
    """For the planning pages: 403 for someone who never plans the visit; for the planners at
    the wrong stage, back to the visit page with the reason. None when they may go on."""
    try:
        visit_actions.check_may_edit(access)
    except visit_actions.VisitClosed as error:
        return _refused(request, review, error)
    return None


def _refused(request: HttpRequest, review: Review, error: Exception) -> HttpResponse:
    messages.error(request, str(error))
    return redirect(_visit_url(review))


# The visit page --------------------------------------------------------------------------------


@dataclass
class Day:
    day: date
    items: list[AgendaItem] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"day-{self.day.isoformat()}"


def _agenda_by_day(visit: Visit | None, items: list[AgendaItem]) -> list[Day]:
    """The agenda, day by day. A short visit lists every day, planned or not yet; a long one
    only the days that have something planned."""
    by_day = {day: list(group) for day, group in groupby(items, key=lambda item: item.day)}
    days = set(by_day)
    if visit is not None and visit.starts_on is not None:
        last = visit.ends_on or visit.starts_on
        length = (last - visit.starts_on).days + 1
        if length <= LISTED_DAYS:
            days |= {visit.starts_on + timedelta(days=n) for n in range(length)}
    return [Day(day, by_day.get(day, [])) for day in sorted(days)]


@login_required
@require_GET
def visit(request: HttpRequest, pk: int) -> HttpResponse:
    review, access = _reader(request, pk)
    current = _visit_of(review)
    items = list(current.agenda.all()) if current is not None else []
    closed = ""
    try:
        visit_actions.check_may_edit(access)
    except visit_actions.VisitClosed as error:
        closed = str(error)  # a planner, at the wrong stage: say why nothing can change
    except PermissionDenied:
        pass  # reads only
    return render(
        request,
        "reviews/visit/visit.html",
        {
            "review": review,
            "visit": current,
            "days": _agenda_by_day(current, items),
            "can_edit": access.may_edit_visit,
            "closed": closed,
        },
    )


@login_required
@require_GET
def visit_ics(request: HttpRequest, pk: int) -> HttpResponse:
    review, _access = _reader(request, pk)
    current = get_object_or_404(Visit.objects.select_related("review__service"), review=review)
    return calendar.calendar_download(current)


# Planning the visit ----------------------------------------------------------------------------


def _differences(stored: Visit, form: VisitForm) -> list[str]:
    """The labels of the fields where what is stored differs from what the person typed."""
    typed = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return [
        str(form.fields[name].label)
        for name in visit_actions.VISIT_FIELDS
        if name in typed and (typed[name] or "") != (getattr(stored, name) or "")
    ]


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan the visit, or change it; `version` (hidden) is the one the page started from."""
    review, access = _reader(request, pk)
    if (closed := _closed(request, review, access)) is not None:
        return closed
    current = _visit_of(review)
    conflict, started_from, status = None, None, 200
    if request.method == "POST":
        form = VisitForm(request.POST)
        if form.is_valid():
            started_from = form.cleaned_data["version"]
            try:
                visit_actions.save_visit(
                    review,
                    by=request.user,
                    expected_version=started_from,
                    **form.values(),
                )
            except visit_actions.VisitClosed as error:
                return _refused(request, review, error)
            except StaleWrite as stale:
                # Keep what this person typed, now carrying the stored version: saving again
                # is then a choice made with both in view.
                conflict, status = stale.current, 409
                form = VisitForm(with_version(request.POST, "version", conflict.version))
            except Invalid as invalid:
                put_errors(form, invalid.errors)
            else:
                messages.success(
                    request,
                    _(
                        "The visit was saved. Everyone on the review team and the service's team "
                        "has been told what changed."
                    )
                    if current is not None
                    else _(
                        "The visit is planned. Everyone on the review team and the service's "
                        "team has been told."
                    ),
                )
                return redirect(_visit_url(review))
    else:
        form = VisitForm.for_visit(current)
    return render(
        request,
        "reviews/visit/visit_edit.html",
        {
            "review": review,
            "visit": current,
            "form": form,
            "conflict": conflict,
            "started_from": started_from,
            "differences": _differences(conflict, form) if conflict else [],
        },
        status=status,
    )


# The agenda ------------------------------------------------------------------------------------


def _item(review: Review, item_pk: int) -> AgendaItem:
    """One agenda item of this review's visit, or 404: an id from another review is not found."""
    item = get_object_or_404(
        AgendaItem.objects.filter(visit__review=review).select_related("visit"), pk=item_pk
    )
    item.visit.review = review
    return item


@login_required
@require_http_methods(["GET", "POST"])
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add to the agenda; `?day=YYYY-MM-DD` starts the form on that day."""
    review, access = _reader(request, pk)
    if (closed := _closed(request, review, access)) is not None:
        return closed
    current = _visit_of(review)
    if current is None or current.starts_on is None:
        messages.error(request, _("Plan the visit's dates first; then add to its agenda."))
        return redirect("reviews:visit_edit", pk=review.pk)
    if request.method == "POST":
        form = AgendaItemForm(request.POST, visit=current)
        if form.is_valid():
            try:
                item = visit_actions.add_agenda_item(current, by=request.user, **form.cleaned_data)
            except visit_actions.VisitClosed as error:
                return _refused(request, review, error)
            except Invalid as invalid:
                put_errors(form, invalid.errors)
            else:
                messages.success(
                    request, _("“%(title)s” was added to the agenda.") % {"title": item.title}
                )
                return redirect(_visit_url(review, f"day-{item.day.isoformat()}"))
    else:
        form = AgendaItemForm(visit=current)
        with suppress(ValueError):  # no day asked for, or not a date
            form.day_initial(date.fromisoformat(request.GET.get("day", "")))
    return render(
        request,
        "reviews/visit/agenda_form.html",
        {"review": review, "visit": current, "form": form, "item": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def agenda_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    review, access = _reader(request, pk)
    item = _item(review, item_pk)
    if (closed := _closed(request, review, access)) is not None:
        return closed
    if request.method == "POST":
        form = AgendaItemForm(request.POST, visit=item.visit)
        if form.is_valid():
            try:
                saved = visit_actions.update_agenda_item(item, by=request.user, **form.cleaned_data)
            except visit_actions.VisitClosed as error:
                return _refused(request, review, error)
            except Invalid as invalid:
                put_errors(form, invalid.errors)
            else:
                messages.success(request, _("“%(title)s” was saved.") % {"title": saved.title})
                return redirect(_visit_url(review, f"day-{saved.day.isoformat()}"))
    else:
        form = AgendaItemForm.for_item(item)
    return render(
        request,
        "reviews/visit/agenda_form.html",
        {"review": review, "visit": item.visit, "form": form, "item": item},
    )


@login_required
@require_http_methods(["GET", "POST"])
def agenda_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Confirm, then take the item off the agenda."""
    review, access = _reader(request, pk)
    item = _item(review, item_pk)
    if (closed := _closed(request, review, access)) is not None:
        return closed
    back = _visit_url(review, f"day-{item.day.isoformat()}")
    if request.method == "POST":
        try:
            visit_actions.remove_agenda_item(item, by=request.user)
        except visit_actions.VisitClosed as error:
            return _refused(request, review, error)
        messages.success(
            request, _("“%(title)s” was removed from the agenda.") % {"title": item.title}
        )
        return redirect(back)
    return render(
        request,
        "reviews/visit/agenda_remove.html",
        {"review": review, "item": item, "back": back},
    )
