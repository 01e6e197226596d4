"""Evidence pages: the list of a review's evidence, adding a file, link or note, one item, its
download, and removing it. What is acceptable, and who may remove what, is reviews/evidence.py.

Every view starts from the review (`get_review_for_user`) and finds evidence only among that
review's own, so an id from another review is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from assurance import permissions
from assurance.views.team import next_url
from reviews import evidence as evidence_actions
from reviews.evidence_forms import EvidenceForm
from reviews.models import Evidence, Response, Review
from reviews.permissions import get_review_for_user
from reviews.self_assessment import Invalid, NotEditable, ensure_editable


def _evidence(review: Review) -> QuerySet:
    return (
        Evidence.objects.filter(review=review)
        .select_related("uploaded_by")
        .prefetch_related(
            Prefetch("responses", queryset=Response.objects.select_related("standard"))
        )
    )


def _list_url(review: Review) -> str:
    return reverse("reviews:evidence_list", args=[review.pk])


def _read_only(request: HttpRequest, review: Review, error: NotEditable) -> HttpResponse:
    messages.error(request, str(error))
    return redirect(_list_url(review))


@login_required
@require_GET
def evidence_list(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request.user, pk)
    items = list(_evidence(review))
    editable = review.is_editable_by_service
    can_add = editable and permissions.can(request.user, "reviews.contribute_review", review)
    removable = evidence_actions.removable(request.user, review, items) if editable else set()
    return render(
        request,
        "reviews/evidence/evidence_list.html",
        {
            "review": review,
            "items": items,
            "removable": removable,
            "form": EvidenceForm(review=review) if can_add else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a file, link or note. `?standard=<response pk>` ticks that standard to start with;
    `next` is where to return afterwards (the self-assessment page the person came from)."""
    review = get_review_for_user(request.user, pk, "reviews.contribute_review")
    try:
        ensure_editable(review)
    except NotEditable as error:
        return _read_only(request, review, error)
    back = next_url(request, _list_url(review))
    if request.method == "POST":
        form = EvidenceForm(request.POST, request.FILES, review=review)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = evidence_actions.add_evidence(
                    review,
                    by=request.user,
                    kind=data["kind"],
                    title=data["title"],
                    responses=data["responses"],
                    attested=data["attested"],
                    upload=data["file"] if data["kind"] == Evidence.Kind.FILE else None,
                    url=data["url"],
                    note=data["note"],
                )
            except NotEditable as error:
                return _read_only(request, review, error)
            except Invalid as error:
                for field, message in error.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(
                    request, _("“%(title)s” was added as evidence.") % {"title": item.title}
                )
                return redirect(back)
    else:
        form = EvidenceForm(review=review, initial=_initial(request, review))
    return render(
        request,
        "reviews/evidence/evidence_add.html",
        {"review": review, "form": form, "back": back},
    )


def _initial(request: HttpRequest, review: Review) -> dict:
    """Tick the standard the person came from, if it is one of this review's."""
    standard = request.GET.get("standard", "")
    if standard.isdigit() and review.responses.filter(pk=int(standard)).exists():
        return {"responses": [int(standard)]}
    return {}


@login_required
@require_GET
def evidence_detail(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    review = get_review_for_user(request.user, pk)
    item = get_object_or_404(_evidence(review), pk=evidence_pk)
    return render(
        request,
        "reviews/evidence/evidence_detail.html",
        {
            "review": review,
            "item": item,
            "removable": review.is_editable_by_service
            and evidence_actions.may_remove(request.user, item),
        },
    )


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    """The file, as an attachment no browser will show as a page; every download is logged."""
    review = get_review_for_user(request.user, pk)
    item = get_object_or_404(Evidence.objects.filter(review=review), pk=evidence_pk)
    return evidence_actions.download(item, by=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def evidence_remove(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    """Confirm, then remove evidence and its file: the person who added it, or an editor."""
    review = get_review_for_user(request.user, pk, "reviews.contribute_review")
    item = get_object_or_404(_evidence(review), pk=evidence_pk)
    if not evidence_actions.may_remove(request.user, item):
        return render(
            request,
            "reviews/evidence/evidence_remove.html",
            {"review": review, "item": item, "forbidden": evidence_actions.NOT_YOURS},
            status=403,
        )
    back = next_url(request, _list_url(review))
    try:
        if request.method == "POST":
            evidence_actions.remove_evidence(item, by=request.user)
            messages.success(request, _("“%(title)s” was removed.") % {"title": item.title})
            return redirect(back)
        ensure_editable(review)
    except NotEditable as error:
        return _read_only(request, review, error)
    return render(
        request,
        "reviews/evidence/evidence_remove.html",
        {"review": review, "item": item, "back": back},
    )
