"""The coordinator's allocation pages for a cycle (DESIGN.md section 9): the review teams, the
matcher's proposals, changes by hand and the reciprocity ledger.

Who may use them: the coordinators of the cycle's network, as on the other cycle pages
(`get_cycle_for_user`): 404 for anyone who cannot see the network, 403 for someone who can see
it but not change it. Proposals and assignments are looked up within that cycle.

The writes are `reviews.allocation` (`request_proposal`, `confirm`, `withdraw`) and, here,
`add_to_team`, a coordinator's invitation made by hand and checked with the matcher's
independent checker (`reviews.matching.find_violations`).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviews import allocation
from reviews.allocation_forms import AddReviewerForm, WithdrawForm
from reviews.models import Assignment, Cycle, Proposal, Review, ReviewerProfile, ReviewerRole
from reviews.views.cycles import get_cycle_for_user

TEAMS_PAGE_SIZE = 50
ROLE_ORDER = [ReviewerRole.LEAD, ReviewerRole.PEER, ReviewerRole.EXPERT]
WAITING = (Proposal.Status.QUEUED, Proposal.Status.RUNNING)
PROGRESS = {
    Proposal.Status.QUEUED: gettext_lazy("Queued"),
    Proposal.Status.RUNNING: gettext_lazy("Working out teams…"),
}


def _proposal_in(cycle: Cycle, proposal_pk) -> Proposal:
    return get_object_or_404(Proposal, pk=proposal_pk, cycle=cycle)


# The teams page -------------------------------------------------------------------------------


@login_required
@require_GET
def cycle_teams(request: HttpRequest, pk: int) -> HttpResponse:
    """Every submitted review waiting for a team, its places by role and what it still lacks.

    The same number of queries for 2 reviews as for 50: the assignments come in one prefetch.
    """
    cycle = get_cycle_for_user(request.user, pk)
    places = Assignment.objects.select_related("reviewer__user", "reviewer__home_service")
    reviews = (
        allocation.reviews_needing_teams(cycle)
        .prefetch_related(Prefetch("assignments", queryset=places.order_by("pk")))
        .order_by("service__name", "pk")
    )
    paginator = Paginator(reviews, TEAMS_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    labels = dict(ReviewerRole.choices)
    teams = []
    for review in page.object_list:
        by_role = {role: [] for role in ROLE_ORDER}
        for place in review.assignments.all():
            by_role.setdefault(place.role, []).append(place)
        accepted = {
            p.role for p in review.assignments.all() if p.status == Assignment.Status.ACCEPTED
        }
        teams.append(
            {
                "review": review,
                "roles": [
                    {"value": role, "label": labels[role], "places": by_role[role]}
                    for role in ROLE_ORDER
                ],
                "lacks": allocation.team_problems(accepted_roles=accepted),
            }
        )
    return render(
        request,
        "reviews/allocation/cycle_teams.html",
        {
            "cycle": cycle,
            "teams": teams,
            "page_obj": page,
            "proposals": list(cycle.proposals.all()[:5]),
        },
    )


# Proposals ------------------------------------------------------------------------------------


@login_required
@require_POST
def proposal_create(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, pk)
    try:
        proposal = allocation.request_proposal(cycle, by=request.user)
    except allocation.AllocationError as error:
        messages.error(request, str(error))
        return redirect("reviews:cycle_teams", pk=cycle.pk)
    return redirect("reviews:proposal_detail", pk=cycle.pk, proposal_pk=proposal.pk)


def _proposed_teams(proposal: Proposal) -> list[dict]:
    """The proposal's result grouped by review, with the people's names and home services."""
    result = proposal.result or {}
    assignments, unfilled = result.get("assignments", []), result.get("unfilled", [])
    review_ids = {a["review_id"] for a in assignments} | {u["review_id"] for u in unfilled}
    reviews = Review.objects.filter(pk__in=review_ids).select_related("service__organisation")
    people = ReviewerProfile.objects.filter(
        pk__in={a["reviewer_id"] for a in assignments}
    ).select_related("user", "home_service__organisation")
    people = {p.pk: p for p in people}
    labels = dict(ReviewerRole.choices)
    teams = {
        r.pk: {"review": r, "members": [], "unfilled": []}
        for r in sorted(reviews, key=lambda r: (r.service.name, r.pk))
    }
    for item in assignments:
        if item["review_id"] in teams:
            teams[item["review_id"]]["members"].append(
                {
                    "role": labels.get(item["role"], item["role"]),
                    "person": people.get(item["reviewer_id"]),
                    "explanation": item["explanation"],
                }
            )
    for team in teams.values():
        team["warnings"] = _soft_warnings(team)
    for item in unfilled:
        if item["review_id"] in teams:
            teams[item["review_id"]]["unfilled"].append(
                {
                    "role": labels.get(item["role"], item["role"]),
                    "missing": item.get("missing", 1),
                    "reasons": item.get("reasons", []),
                }
            )
    return list(teams.values())


def _soft_warnings(team: dict) -> list[str]:
    """What the proposed team falls short of among the soft aims, said plainly."""
    service = team["review"].service
    people = [member["person"] for member in team["members"] if member["person"]]
    warnings = []
    far = [p for p in people if service.region not in {p.home_service.region, *p.regions}]
    if far:
        warnings.append(
            ngettext(
                "%(n)d member would travel from outside the region.",
                "%(n)d members would travel from outside the region.",
                len(far),
            )
            % {"n": len(far)}
        )
    organisations = [p.home_service.organisation for p in people]
    shared = sorted({o.name for o in organisations if organisations.count(o) > 1})
    for name in shared:
        warnings.append(_("More than one member works for %(org)s.") % {"org": name})
    return warnings


SOLVER_STATUS = {
    "optimal": gettext_lazy("The best teams the rules allow were found."),
    "time_limit": gettext_lazy(
        "The search stopped at its time limit; these are the best teams found by then."
    ),
    "node_limit": gettext_lazy(
        "The search stopped at its size limit; these are the best teams found by then."
    ),
    "nothing_to_solve": gettext_lazy("No open place had anyone eligible to fill it."),
    "no_solution": gettext_lazy(
        "The search found no teams that keep every rule; the places below were filled one by "
        "one, and some are left open."
    ),
}


def _render_proposal(
    request: HttpRequest, cycle: Cycle, proposal: Proposal, *, differences=None, status=200
) -> HttpResponse:
    solver = (proposal.result or {}).get("status", "")
    return render(
        request,
        "reviews/allocation/proposal_detail.html",
        {
            "cycle": cycle,
            "proposal": proposal,
            "waiting": proposal.status in WAITING,
            "progress_label": PROGRESS.get(proposal.status, ""),
            "teams": _proposed_teams(proposal) if proposal.result else [],
            "solver": SOLVER_STATUS.get(solver, solver),
            "differences": differences,
        },
        status=status,
    )


@login_required
@require_GET
def proposal_detail(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, pk)
    return _render_proposal(request, cycle, _proposal_in(cycle, proposal_pk))


@login_required
@require_GET
def proposal_status(request: HttpRequest, pk: int, proposal_pk: int) -> JsonResponse:
    """What static/js/progress.js polls while the matcher works."""
    cycle = get_cycle_for_user(request.user, pk)
    proposal = _proposal_in(cycle, proposal_pk)
    label = PROGRESS.get(proposal.status) or proposal.get_status_display()
    return JsonResponse({"status": proposal.status, "label": str(label)})


@login_required
@require_POST
def proposal_confirm(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, pk)
    proposal = _proposal_in(cycle, proposal_pk)
    try:
        created = allocation.confirm(proposal, by=request.user)
    except allocation.StaleProposal as stale:
        return _render_proposal(request, cycle, proposal, differences=stale.differences)
    except allocation.AllocationError as error:
        messages.error(request, str(error))
        return redirect("reviews:proposal_detail", pk=cycle.pk, proposal_pk=proposal.pk)
    messages.success(
        request,
        _("%(count)d invitations are on their way to the reviewers.") % {"count": len(created)},
    )
    return redirect("reviews:cycle_teams", pk=cycle.pk)


# Changes by hand ------------------------------------------------------------------------------


def _waiting_review(cycle: Cycle, review_pk) -> Review:
    return get_object_or_404(
        allocation.reviews_needing_teams(cycle).select_related("cycle"), pk=review_pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_add(request: HttpRequest, pk: int, review_pk: int, role: str) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, pk)
    review = _waiting_review(cycle, review_pk)
    if role not in ReviewerRole.values:
        raise Http404
    profiles = [
        p
        for p in ReviewerProfile.objects.filter(
            active=True, home_service__network=cycle.network
        ).select_related("user", "home_service__organisation")
        if role in p.roles
    ]
    form = AddReviewerForm(request.POST if request.method == "POST" else None, profiles=profiles)
    if request.method == "POST" and form.is_valid():
        profile = form.cleaned_data["reviewer"]
        assignment, check = allocation.add_to_team(
            review, profile, role, by=request.user, waiver=form.cleaned_data["waiver"]
        )
        if assignment is None:
            for refusal in check.refusals:
                form.add_error("waiver" if refusal == check.needs_waiver else "reviewer", refusal)
        else:
            messages.success(
                request,
                _("%(person)s is invited to review %(service)s.")
                % {"person": profile.user, "service": review.service.name},
            )
            for warning in check.warnings:
                messages.warning(request, warning)
            return redirect("reviews:cycle_teams", pk=cycle.pk)
    return render(
        request,
        "reviews/allocation/team_add.html",
        {
            "cycle": cycle,
            "review": review,
            "role_label": dict(ReviewerRole.choices)[role],
            "form": form,
            "has_choices": bool(profiles),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_withdraw(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, pk)
    assignment = get_object_or_404(
        Assignment.objects.select_related("reviewer__user", "review__service"),
        pk=assignment_pk,
        review__cycle=cycle,
        status__in=Assignment.ACTIVE,
    )
    back = reverse("reviews:cycle_teams", kwargs={"pk": cycle.pk})
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            allocation.withdraw(assignment, by=request.user, reason=form.cleaned_data["reason"])
        except allocation.AllocationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(person)s no longer has a place on the review of %(service)s.")
                % {"person": assignment.reviewer.user, "service": assignment.review.service.name},
            )
        return redirect(back)
    return render(
        request,
        "reviews/allocation/assignment_withdraw.html",
        {"cycle": cycle, "assignment": assignment, "form": form, "back": back},
    )


# The reciprocity ledger -----------------------------------------------------------------------


@login_required
@require_GET
def ledger(request: HttpRequest, pk: int) -> HttpResponse:
    """Per service of the network: review places its reviewers gave on other services' reviews,
    and places it received, in this cycle and in earlier ones. Three queries, whatever the size.
    """
    cycle = get_cycle_for_user(request.user, pk)
    rows = allocation.ledger(cycle)
    return render(request, "reviews/allocation/ledger.html", {"cycle": cycle, "rows": rows})
