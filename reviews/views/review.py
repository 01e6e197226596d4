"""The review page: where a review stands, its history, and the moves the person may make."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reviews import self_assessment, workflow
from reviews.models import Review
from reviews.permissions import get_review_for_user


def problem_links(review: Review, problems: list[workflow.Problem]) -> list[dict]:
    """Each guard problem with a link to where it can be put right."""
    domain_of = dict(review.framework_version.standards.values_list("pk", "domain__code"))
    code_of = dict(review.framework_version.standards.values_list("pk", "code"))
    items = []
    for problem in problems:
        href = None
        if problem.standard_id in domain_of:
            href = (
                reverse("reviews:domain", args=[review.pk, domain_of[problem.standard_id]])
                + f"#standard-{code_of[problem.standard_id]}"
            )
        elif problem.action_id:
            href = reverse("reviews:previous_actions", args=[review.pk]) + (
                f"#action-{problem.action_id}"
            )
        items.append({"text": problem.message, "href": href})
    return items


def _page(request: HttpRequest, review: Review, *, problems=None, status: int = 200):
    moves = workflow.moves_for(review, request.user)
    return render(
        request,
        "reviews/review_detail.html",
        {
            "review": review,
            "events": review.events.select_related("actor").order_by("-at", "-pk"),
            "moves": moves,
            "progress": self_assessment.progress(review),
            "problems": problem_links(review, problems or []),
            "returned_note": _latest_return_note(review),
        },
        status=status,
    )


def _latest_return_note(review: Review) -> str:
    if review.status != Review.Status.SELF_ASSESSMENT:
        return ""
    event = review.events.order_by("-at", "-pk").first()
    if event and event.from_status == Review.Status.SUBMITTED and event.note:
        return event.note
    return ""


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request.user, pk)
    return _page(request, review)


@login_required
@require_POST
def review_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a move (submit, return, ...). The workflow checks who, when and what is missing."""
    review = get_review_for_user(request.user, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        workflow.transition(
            review,
            request.POST.get("to", ""),
            by=request.user,
            note=request.POST.get("note", ""),
            expected_version=version,
        )
    except workflow.TransitionError as error:
        if error.code == "forbidden":
            raise PermissionDenied(str(error)) from None
        if not error.problems:
            messages.error(request, str(error))
            return redirect("reviews:review_detail", pk=review.pk)
        return _page(request, review, problems=error.problems, status=409)
    review.refresh_from_db()
    messages.success(
        request,
        _("The review is now at the stage: %(stage)s.") % {"stage": review.get_status_display()},
    )
    return redirect("reviews:review_detail", pk=review.pk)
