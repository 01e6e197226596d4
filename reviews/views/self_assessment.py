"""The self-assessment pages: the overview, one page per domain, saving a response (by the Save
button, or by autosave, which asks for JSON), last cycle's actions, and starting from last cycle.

This module also owns the helpers that the other self-assessment screens share, in the section
below: reviews/views/perspectives.py (adding, editing and removing a perspective) and
reviews/views/voice.py (the plain-language "your voice" page) import them from here, and this
module imports nothing from them.

Each view asks for the review first, with the permission it needs (reviews/permissions.py):
reading needs view_review (the team and the network's coordinators); responses, progress on last
cycle's actions and carrying forward need change_review (staff contributors and leads).
Objects below the review are looked up through it, so an id from another review is a 404.

Every write goes through reviews/self_assessment.py, which refuses a save made from a stale
version (`StaleWrite`: the page shows both texts so the person can merge, 409) and any change
once the review has been submitted (`NotEditable`: the page explains, 409). Neither loses what
the person typed: it comes back to them in the form.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assurance import permissions
from reviews import self_assessment
from reviews.forms import ActionProgressForm, PerspectiveForm, ResponseForm
from reviews.models import Action, ActionProgress, Evidence, Perspective, Rating, Review
from reviews.models import Response as ReviewResponse
from reviews.permissions import get_review_for_user

# A response counts as answered with a rating, and for "not applicable" a reason too
# (the same rule as Response.is_answered and the submit guard).
ANSWERED = Q(rating__in=[r for r in Rating.values if r != Rating.NOT_APPLICABLE]) | (
    Q(rating=Rating.NOT_APPLICABLE) & ~Q(not_applicable_reason="")
)


# Helpers, shared with perspectives.py and voice.py ------------------------------------------


def access(request: HttpRequest, review: Review) -> dict:
    """What the person may do here now: shown or hidden forms, and the read-only banner."""
    editable = review.is_editable_by_service
    user = request.user
    context = {
        "review": review,
        "editable": editable,
        "can_change": editable and permissions.can(user, "reviews.change_review", review),
        "can_contribute": editable and permissions.can(user, "reviews.contribute_review", review),
        "submitted_at": None,
    }
    if not editable:
        context["submitted_at"] = (
            review.events.filter(to_status=Review.Status.SUBMITTED)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
    return context


def domain_url(review: Review, standard, *, saved: str = "") -> str:
    """The standard on its domain page. `saved` names the form whose local draft (kept by
    static/js/autosave.js in case the session had expired) can now be forgotten."""
    query = f"?{urlencode({'saved': saved})}" if saved else ""
    return (
        reverse("reviews:domain", args=[review.pk, standard.domain.code])
        + f"{query}#standard-{standard.code}"
    )


def with_version(data: QueryDict, name: str, version: int) -> QueryDict:
    """The posted form again, now carrying the current version so that it can be saved."""
    data = data.copy()
    data[name] = str(version)
    return data


def refusal(review: Review) -> str:
    """Why the service can no longer change this review, or "" while it can.

    Asked before a posted form is checked, so that a late form gets the explanation (409)
    rather than its field errors; the write functions refuse the same again, inside their
    transaction, should the review be submitted in between.
    """
    try:
        self_assessment.ensure_editable(review)
    except self_assessment.NotEditable as error:
        return str(error)
    return ""


def put_errors(form, errors: dict[str, str]) -> None:
    """Put the write path's `Invalid` errors onto the form, by field where there is one."""
    for name, message in errors.items():
        form.add_error(name if name in form.fields else None, message)


def get_response(review: Review, response_pk: int) -> ReviewResponse:
    """One response of this review, or 404: an id from another review is not found."""
    response = get_object_or_404(
        review.responses.select_related("standard__domain", "updated_by"), pk=response_pk
    )
    response.review = review
    return response


# The overview --------------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    """Where the self-assessment stands: progress, voices, domains, and what comes from last
    cycle."""
    review = get_review_for_user(request.user, pk)
    context = access(request, review)
    progress = self_assessment.progress(review)
    counts = {
        row["standard__domain_id"]: row
        for row in review.responses.order_by()
        .values("standard__domain_id")
        .annotate(total=Count("pk"), answered=Count("pk", filter=ANSWERED))
    }
    domains = [
        {
            "domain": domain,
            "total": counts.get(domain.pk, {}).get("total", 0),
            "answered": counts.get(domain.pk, {}).get("answered", 0),
        }
        for domain in review.framework_version.domains.order_by("order")
    ]
    actions_waiting = 0
    if review.previous_id:
        actions_waiting = (
            self_assessment.last_cycles_actions(review)
            .filter(status__in=Action.OPEN)
            .exclude(pk__in=ActionProgress.objects.filter(review=review).values("action_id"))
            .count()
        )
    context.update(
        {
            "progress": progress,
            "voices": [
                {"label": label, "count": progress.voices[value]}
                for value, label in Perspective.Voice.choices
            ],
            "domains": domains,
            "actions_waiting": actions_waiting,
            "can_carry_forward": context["can_change"]
            and review.previous_id is not None
            and review.carried_forward_at is None,
        }
    )
    return render(request, "reviews/self_assessment/overview.html", context)


# One page per domain --------------------------------------------------------------------------


@dataclass
class StandardItem:
    """One standard on the domain page, with everything shown beside it."""

    response: ReviewResponse
    form: ResponseForm
    perspective_form: PerspectiveForm
    voices: list[tuple[str, list[Perspective]]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    conflict: ReviewResponse | None = None
    refused: bool = False  # the save was refused because the review can no longer change

    @property
    def standard(self):
        return self.response.standard


def _domain_page(
    request: HttpRequest,
    review: Review,
    code: str,
    *,
    bound: ResponseForm | None = None,
    bound_pk: int | None = None,
    conflict: ReviewResponse | None = None,
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    """The domain page; after a refused save, with that response's form as the person sent it.

    The number of queries does not depend on the number of standards: responses, their
    perspectives and their evidence come in three queries.
    """
    context = access(request, review)
    domains = list(review.framework_version.domains.order_by("order"))
    index = next((i for i, d in enumerate(domains) if d.code == code), None)
    if index is None:
        raise Http404
    domain = domains[index]
    responses = (
        review.responses.filter(standard__domain=domain)
        .select_related("standard", "updated_by")
        .prefetch_related(
            Prefetch("perspectives", queryset=Perspective.objects.order_by("created_at", "pk")),
            Prefetch("evidence", queryset=Evidence.objects.order_by("title", "pk")),
        )
        .order_by("standard__order")
    )
    voice_labels = Perspective.Voice.choices
    items = []
    for response in responses:
        response.standard.domain = domain
        is_bound = response.pk == bound_pk
        perspectives = list(response.perspectives.all())
        items.append(
            StandardItem(
                response=response,
                form=bound if is_bound else ResponseForm.for_response(response),
                perspective_form=PerspectiveForm(prefix=PerspectiveForm.prefix_for(response)),
                voices=[
                    (label, [p for p in perspectives if p.voice == value])
                    for value, label in voice_labels
                    if any(p.voice == value for p in perspectives)
                ],
                evidence=list(response.evidence.all()),
                conflict=conflict if is_bound else None,
                refused=is_bound and bool(refused),
            )
        )
    error_item = next((item for item in items if item.response.pk == bound_pk), None)
    context.update(
        {
            "domain": domain,
            "items": items,
            "previous_domain": domains[index - 1] if index > 0 else None,
            "next_domain": domains[index + 1] if index + 1 < len(domains) else None,
            "error_item": error_item,
            "error_form": bound if bound is not None and not refused and bound.errors else None,
            "conflict": conflict,
            "refused": refused,
            "rating_na": Rating.NOT_APPLICABLE,
        }
    )
    return render(request, "reviews/self_assessment/domain.html", context, status=status)


@login_required
def domain(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    review = get_review_for_user(request.user, pk)
    return _domain_page(request, review, code)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _time(moment) -> str:
    return date_format(timezone.localtime(moment), "H:i")


def _current_json(current: ReviewResponse) -> dict:
    return {
        "version": current.version,
        "rating": current.rating,
        "rating_display": current.get_rating_display() if current.rating else "",
        "narrative": current.narrative,
        "development_ideas": current.development_ideas,
        "not_applicable_reason": current.not_applicable_reason,
        "updated_by": str(current.updated_by) if current.updated_by else "",
        "saved_at": current.updated_at.isoformat(),
        "saved_at_display": _time(current.updated_at),
    }


@login_required
@require_http_methods(["GET", "POST"])
def response_save(request: HttpRequest, pk: int, response_pk: int) -> HttpResponse:
    """Save one response, from the Save button (redirect) or from autosave (JSON).

    A GET comes from signing in again after the session expired during a save (the login
    page's `next`): it goes back to the standard, where autosave.js puts back the unsaved text.
    """
    perm = "reviews.change_review" if request.method == "POST" else "reviews.view_review"
    review = get_review_for_user(request.user, pk, perm)
    response = get_response(review, response_pk)
    if request.method == "GET":
        return redirect(domain_url(review, response.standard))
    code = response.standard.domain.code
    as_json = _wants_json(request)
    form = ResponseForm(request.POST, prefix=ResponseForm.prefix_for(response))
    if refused := refusal(review):
        if as_json:
            return JsonResponse({"error": "not_editable", "message": refused}, status=409)
        return _domain_page(
            request, review, code, bound=form, bound_pk=response.pk, refused=refused, status=409
        )
    if form.is_valid():
        try:
            saved = self_assessment.save_response(
                response,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.values(),
            )
        except self_assessment.NotEditable as error:
            if as_json:
                return JsonResponse({"error": "not_editable", "message": str(error)}, status=409)
            return _domain_page(
                request,
                review,
                code,
                bound=form,
                bound_pk=response.pk,
                refused=str(error),
                status=409,
            )
        except self_assessment.StaleWrite as stale:
            current = stale.current
            if as_json:
                return JsonResponse(
                    {"error": "stale", "message": str(stale), "current": _current_json(current)},
                    status=409,
                )
            # Keep what this person typed, now carrying the current version: saving it again
            # is then a choice made with both texts in view.
            mine = ResponseForm(
                with_version(request.POST, form.add_prefix("version"), current.version),
                prefix=form.prefix,
            )
            return _domain_page(
                request,
                review,
                code,
                bound=mine,
                bound_pk=response.pk,
                conflict=current,
                status=409,
            )
        except self_assessment.Invalid as invalid:
            put_errors(form, invalid.errors)
        else:
            if as_json:
                return JsonResponse(
                    {
                        "version": saved.version,
                        "saved_at": saved.updated_at.isoformat(),
                        "saved_at_display": _time(saved.updated_at),
                    }
                )
            messages.success(
                request,
                _("Your answer to %(code)s %(title)s was saved.")
                % {"code": saved.standard.code, "title": saved.standard.title},
            )
            return redirect(domain_url(review, response.standard))
    if as_json:
        return JsonResponse(
            {"error": "invalid", "errors": {name: list(e) for name, e in form.errors.items()}},
            status=400,
        )
    return _domain_page(request, review, code, bound=form, bound_pk=response.pk, status=400)


# Last cycle's actions ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def previous_actions(request: HttpRequest, pk: int) -> HttpResponse:
    """Last review's open actions, each with its history and a form to say how it has gone."""
    perm = "reviews.change_review" if request.method == "POST" else "reviews.view_review"
    review = get_review_for_user(request.user, pk, perm)
    bound = None
    refused = ""
    status = 200
    if request.method == "POST":
        action_pk = request.POST.get("action", "")
        if review.previous_id is None or not action_pk.isdigit():
            raise Http404
        action = get_object_or_404(self_assessment.last_cycles_actions(review), pk=action_pk)
        bound = ActionProgressForm(request.POST, prefix=ActionProgressForm.prefix_for(action))
        refused = refusal(review)
        status = 409 if refused else 400
        if not refused and bound.is_valid():
            try:
                self_assessment.record_action_progress(
                    action, review, by=request.user, **bound.cleaned_data
                )
            except self_assessment.NotEditable as error:
                refused, status = str(error), 409
            except self_assessment.Invalid as invalid:
                put_errors(bound, invalid.errors)
            else:
                messages.success(
                    request,
                    _("Progress on “%(title)s” was recorded.") % {"title": action.title},
                )
                return redirect(
                    reverse("reviews:previous_actions", args=[review.pk]) + f"#action-{action.pk}"
                )
    actions = []
    if review.previous_id:
        actions = list(
            self_assessment.last_cycles_actions(review)
            .filter(Q(status__in=Action.OPEN) | Q(progress__review=review))
            .distinct()
            .prefetch_related(
                Prefetch(
                    "progress",
                    queryset=ActionProgress.objects.select_related("by", "review__cycle").order_by(
                        "at", "pk"
                    ),
                )
            )
            .order_by(*Action._meta.ordering)
        )
    items = []
    for action in actions:
        progress = list(action.progress.all())
        is_bound = bound is not None and bound.prefix == ActionProgressForm.prefix_for(action)
        items.append(
            {
                "action": action,
                "progress": progress,
                "updated_here": any(p.review_id == review.pk for p in progress),
                "form": bound
                if is_bound
                else ActionProgressForm(
                    prefix=ActionProgressForm.prefix_for(action),
                    initial={"status": action.status},
                ),
                "refused": is_bound and bool(refused),
            }
        )
    context = access(request, review)
    context.update(
        {
            "items": items,
            "error_form": bound if bound is not None and not refused and bound.errors else None,
            "refused": refused,
        }
    )
    return render(request, "reviews/self_assessment/previous_actions.html", context, status=status)


# Starting from last cycle --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def carry_forward(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then copy last cycle's words (never its ratings) into this review."""
    review = get_review_for_user(request.user, pk, "reviews.change_review")
    problem = ""
    status = 200
    if request.method == "POST":
        try:
            result = self_assessment.carry_forward(review, by=request.user)
        except self_assessment.NotEditable as error:
            problem, status = str(error), 409
        except self_assessment.Invalid as invalid:
            problem, status = " ".join(invalid.errors.values()), 409
        else:
            messages.success(
                request,
                _(
                    "Started from last cycle: text for %(responses)s standards and "
                    "%(perspectives)s perspectives was copied. Each is marked “carried from "
                    "last cycle, please check”."
                )
                % {"responses": result.responses, "perspectives": result.perspectives},
            )
            return redirect("reviews:self_assessment", pk=review.pk)
    previous = None
    if review.previous_id:
        previous = Review.objects.select_related("cycle", "framework_version__framework").get(
            pk=review.previous_id
        )
    context = access(request, review)
    context.update(
        {
            "previous": previous,
            "same_version": previous is not None
            and previous.framework_version_id == review.framework_version_id,
            "problem": problem,
        }
    )
    return render(request, "reviews/self_assessment/carry_forward.html", context, status=status)
