"""The review page: where a review stands, its history, and the moves the person may make."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from reviews import self_assessment, workflow
from reviews.models import Review
from reviews.peer_review import Access, access_for
from reviews.permissions import get_review_for_user
from reviews.views.reports import report_panel


def problem_links(
    review: Review, problems: list[workflow.Problem], move: workflow.Move | None = None
) -> list[dict]:
    """Each guard problem with a link to where it can be put right.

    A standard's problem links to the standard on its self-assessment page, or, for the move to
    drafting, on its reviewing page (where the team records its reflection). The move to
    drafting's other problem is the visit's.
    """
    drafting = move is not None and move.target == Review.Status.DRAFTING
    standards = review.framework_version.standards.values_list("pk", "domain__code", "code")
    where = {pk: (domain, code) for pk, domain, code in standards}
    page = "reviews:reviewing_domain" if drafting else "reviews:domain"
    items = []
    for problem in problems:
        href = None
        if problem.standard_id in where:
            domain, code = where[problem.standard_id]
            href = reverse(page, args=[review.pk, domain]) + f"#standard-{code}"
        elif problem.action_id:
            href = reverse("reviews:previous_actions", args=[review.pk]) + (
                f"#action-{problem.action_id}"
            )
        elif drafting:
            href = reverse("reviews:visit", args=[review.pk])
        items.append({"text": problem.message, "href": href})
    return items


ACTIONS_FOR_HOST = (Review.Status.ACCURACY_CHECK, Review.Status.PUBLISHED, Review.Status.CLOSED)
ACTIONS_FOR_TEAM = (Review.Status.DRAFTING, *ACTIONS_FOR_HOST)

PEER_REVIEW_PARTS = (
    # (URL name, what the link says, who may open it: a test of the person's Access)
    ("reviews:visit", gettext_lazy("The visit"), lambda access: access.reads_visit),
    (
        "reviews:reviewing",
        gettext_lazy("Reviewing the self-assessment, and the team's reflections"),
        lambda access: access.reads_team_work,
    ),
    ("reviews:thread_list", gettext_lazy("Threads"), lambda access: bool(access.visibilities)),
    (
        "reviews:finding_list",
        gettext_lazy("Findings and the reviewers' summary"),
        lambda access: access.reads_team_work,
    ),
    (
        "reviews:safeguarding_list",
        gettext_lazy("Safeguarding notes"),
        lambda access: access.reads_all_safeguarding or access.reviewer,
    ),
    (
        "reviews:action_list",
        gettext_lazy("Agreed actions"),
        # The team from drafting on; the host once the draft report shows them the actions.
        lambda access: (
            (access.team and access.status in ACTIONS_FOR_TEAM)
            or (access.host and access.status in ACTIONS_FOR_HOST)
        ),
    ),
    (
        "reviews:share_list",
        gettext_lazy("Sharing the report with commissioners"),
        lambda access: (
            (access.host_lead or access.coordinator)
            and access.status in (Review.Status.PUBLISHED, Review.Status.CLOSED)
        ),
    ),
)


def peer_review_links(review: Review, access: Access) -> list[dict]:
    """The parts of the peer review this person may open, once the review has been submitted."""
    if review.status in Review.EDITABLE_BY_SERVICE:
        return []
    return [
        {"href": reverse(name, args=[review.pk]), "text": text}
        for name, text, may_open in PEER_REVIEW_PARTS
        if may_open(access)
    ]


def _page(
    request: HttpRequest,
    review: Review,
    *,
    problems=None,
    move: workflow.Move | None = None,
    status: int = 200,
):
    moves = workflow.moves_for(review, request.user)
    access = access_for(request.user, review)
    return render(
        request,
        "reviews/review_detail.html",
        {
            "review": review,
            "access": access,
            "events": review.events.select_related("actor").order_by("-at", "-pk"),
            "moves": moves,
            "progress": self_assessment.progress(review),
            "problems": problem_links(review, problems or [], move),
            "returned_note": _latest_return_note(review),
            "peer_review_links": peer_review_links(review, access),
            "report_panel": report_panel(request.user, review),
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
        move = workflow.find_move(review.status, request.POST.get("to", ""))
        return _page(request, review, problems=error.problems, move=move, status=409)
    review.refresh_from_db()
    messages.success(
        request,
        _("The review is now at the stage: %(stage)s.") % {"stage": review.get_status_display()},
    )
    return redirect("reviews:review_detail", pk=review.pk)
