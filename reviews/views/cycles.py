"""The coordinator's cycle pages: the list of cycles, opening and changing a cycle, the cycle
board (every review and its stage) and enrolling services.

Who may use them (assurance/permissions.py decides; each view asks once, first):
- the list and "open a cycle" are for coordinators, people with change_network on a network;
  anyone else gets 403, as on the other coordinator pages. The list shows only their networks'
  cycles;
- a cycle's own pages need change_network on the cycle's network: 404 for anyone who cannot see
  that network (everyone but its coordinators), 403 for someone who can see it but not change
  it.

The writes are `reviews.cycles.open_cycle` and `reviews.cycles.enrol`; changing a cycle's name,
dates and frameworks is the form's own save.
"""

import copy
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from assurance import permissions
from assurance.models import Network, Service, User
from reviews import self_assessment
from reviews.cycle_forms import BoardFilterForm, CycleForm, EnrolForm
from reviews.cycles import EnrolmentError, default_dates, enrol, open_cycle
from reviews.models import Cycle, Review, ReviewEvent

LIST_PAGE_SIZE = 25
BOARD_PAGE_SIZE = 50


ANSWERED = self_assessment.answered("responses__")


def _coordinated_networks(user: User) -> list[Network]:
    """The networks `user` coordinates; 403 for a person who coordinates none."""
    networks = list(permissions.coordinated_networks(user).order_by("name"))
    if not networks:
        raise PermissionDenied
    return networks


def get_cycle_for_user(user: User, pk) -> Cycle:
    """The cycle, if `user` may run its network's reviews: 404 if they cannot see the network,
    403 if they can see it but not change it."""
    cycle = get_object_or_404(Cycle.objects.select_related("network"), pk=pk)
    permissions.get_network_for_user(user, cycle.network_id, "assurance.change_network")
    return cycle


def _page(request: HttpRequest, queryset: QuerySet, size: int) -> dict:
    """One page of an ordered queryset, for components/_pagination.html."""
    paginator = Paginator(queryset, size)
    page = paginator.get_page(request.GET.get("page"))
    return {
        "page_obj": page,
    }


def _posted(request: HttpRequest):
    """The form data of a POST, even an empty one (so that it shows its errors); else None."""
    return request.POST if request.method == "POST" else None


def _stage_counts(counts: dict[str, int]) -> list[dict]:
    """Every stage in workflow order with its count, for the board and the list."""
    return [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Review.Status.choices
    ]


def next_monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


# The list of cycles ---------------------------------------------------------------------------


@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    networks = _coordinated_networks(request.user)
    cycles = (
        Cycle.objects.filter(network__in=networks)
        .select_related("network")
        .annotate(
            review_count=Count("reviews"),
            **{
                f"stage_{value}": Count("reviews", filter=Q(reviews__status=value))
                for value in Review.Status.values
            },
        )
        .order_by("-opens_on", "-created_at", "name")
    )
    context = _page(request, cycles, LIST_PAGE_SIZE)
    for cycle in context["page_obj"]:
        cycle.stages = [
            stage
            for stage in _stage_counts(
                {value: getattr(cycle, f"stage_{value}") for value in Review.Status.values}
            )
            if stage["count"]
        ]
    return render(
        request,
        "reviews/cycles/cycle_list.html",
        {**context, "several_networks": len(networks) > 1},
    )


# Opening and changing a cycle -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cycle_create(request: HttpRequest) -> HttpResponse:
    networks = _coordinated_networks(request.user)
    # The first view proposes next Monday and the network's usual timeline from there. With
    # several networks, the first one's timeline; every date stays editable.
    initial = default_dates(networks[0], next_monday())
    form = CycleForm(_posted(request), initial=initial, networks=networks)
    if request.method == "POST" and form.is_valid():
        cycle = open_cycle(
            network=form.chosen_network(),
            name=form.cleaned_data["name"],
            versions=list(form.cleaned_data["framework_versions"]),
            **form.dates(),
        )
        messages.success(
            request,
            _("%(cycle)s is open. Enrol the services taking part next.") % {"cycle": cycle},
        )
        return redirect("reviews:cycle_board", pk=cycle.pk)
    return render(
        request,
        "reviews/cycles/cycle_form.html",
        {"form": form, "timeline_network": networks[0], "several_networks": len(networks) > 1},
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, pk)
    form = CycleForm(_posted(request), instance=copy.copy(cycle))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("%(cycle)s has been saved.") % {"cycle": form.instance})
        return redirect("reviews:cycle_board", pk=cycle.pk)
    return render(
        request,
        "reviews/cycles/cycle_form.html",
        {"form": form, "cycle": cycle, "enrolled": cycle.reviews.exists()},
    )


# The board ------------------------------------------------------------------------------------


def _add_progress(reviews: list[Review]) -> None:
    """Each review's answered and total responses and its last change, in one query for the
    reviews of one page."""
    last_change = ReviewEvent.objects.filter(review=OuterRef("pk")).order_by("-at", "-pk")
    progress = {
        row["pk"]: row
        for row in Review.objects.filter(pk__in=[review.pk for review in reviews])
        .order_by()
        .annotate(
            answered=Count("responses", filter=ANSWERED, distinct=True),
            standards=Count("responses", distinct=True),
            last_change=Subquery(last_change.values("at")[:1]),
        )
        .values("pk", "answered", "standards", "last_change")
    }
    for review in reviews:
        row = progress[review.pk]
        review.answered, review.standards = row["answered"], row["standards"]
        review.last_change = row["last_change"]


@login_required
def cycle_board(request: HttpRequest, pk: int) -> HttpResponse:
    """Every review in the cycle: where it stands and how far its self-assessment has got.

    The page makes the same number of queries for 2 reviews as for 3,000, and its cost follows
    the page, not the cycle: the page of reviews is chosen first, then one query counts the
    answers and finds the last change of those 50 reviews only (counting every review's answers
    before choosing the page read every response of the cycle).
    """
    cycle = get_cycle_for_user(request.user, pk)
    counts = dict(
        cycle.reviews.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    reviews = cycle.reviews.select_related(
        "service__organisation", "framework_version__framework"
    ).order_by("service__name", "service__organisation__name", "pk")
    form = BoardFilterForm(request.GET)
    form.is_valid()
    filters = {name: value for name, value in getattr(form, "cleaned_data", {}).items() if value}
    if "q" in filters:
        reviews = reviews.filter(service__name__icontains=filters["q"])
    if "stage" in filters:
        reviews = reviews.filter(status=filters["stage"])
    context = _page(request, reviews, BOARD_PAGE_SIZE)
    _add_progress(list(context["page_obj"]))
    return render(
        request,
        "reviews/cycles/cycle_board.html",
        {
            **context,
            "cycle": cycle,
            "versions": cycle.framework_versions.select_related("framework"),
            "stages": _stage_counts(counts),
            "total": sum(counts.values()),
            "form": form,
            "filtered": bool(filters),
        },
    )


# Enrolling services ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cycle_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """Enrol services of the cycle's network, each with its own `enrol()` call and transaction,
    so one refusal does not undo the others; every outcome is reported."""
    cycle = get_cycle_for_user(request.user, pk)
    active = permissions.objects_for_user(
        request.user,
        "assurance.view_service",
        Service.objects.filter(network=cycle.network, active=True),
    ).select_related("organisation")
    available = active.exclude(reviews__cycle=cycle).order_by("name", "organisation__name")
    form = EnrolForm(_posted(request), cycle=cycle, services=active)
    if request.method == "POST" and form.is_valid():
        version = form.chosen_version()
        enrolled, refused = [], []
        for service in sorted(form.cleaned_data["services"], key=lambda s: s.name):
            try:
                enrol(cycle, service, version, by=request.user)
            except EnrolmentError as error:
                refused.append(str(error))
            else:
                enrolled.append(service.name)
        if enrolled:
            messages.success(
                request,
                ngettext(
                    "%(count)d service enrolled: %(names)s.",
                    "%(count)d services enrolled: %(names)s.",
                    len(enrolled),
                )
                % {"count": len(enrolled), "names": ", ".join(enrolled)},
            )
        if refused:
            messages.error(
                request,
                ngettext(
                    "%(count)d service was not enrolled: %(reasons)s",
                    "%(count)d services were not enrolled: %(reasons)s",
                    len(refused),
                )
                % {"count": len(refused), "reasons": " ".join(refused)},
            )
        return redirect("reviews:cycle_board", pk=cycle.pk)
    chosen = {str(value) for value in (form["services"].value() or [])}
    return render(
        request,
        "reviews/cycles/cycle_enrol.html",
        {
            "cycle": cycle,
            "form": form,
            "available": [
                {"service": service, "checked": str(service.pk) in chosen} for service in available
            ],
        },
    )
