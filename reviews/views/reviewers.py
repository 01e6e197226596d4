"""Reviewer pages: a reviewer's own availability, conflicts and invitations, and the
coordinator's reviewer pool.

Who may use them (each view asks once, first):
- "my profile" and "my conflicts" are the signed-in person's own; without a reviewer profile
  they explain how to become a reviewer. A conflict or an invitation of somebody else's does not
  exist for them (404);
- the pool's list and "add a reviewer" are for coordinators (403 for anyone else) and show only
  their networks; a profile's own page needs change_network on the network of the reviewer's
  home service: 404 for anyone who cannot see that network, 403 for someone who can see it but
  not change it.

Answers to invitations go through `reviews.allocation.respond`, which also gives the review to a
reviewer who accepts. Profiles and conflicts are plain records, saved by reviews/reviewer_forms.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assurance import permissions
from assurance.models import Network, Service, User
from reviews import allocation
from reviews.models import Assignment, Conflict, Cycle, ReviewerProfile
from reviews.reviewer_forms import (
    AvailabilityForm,
    ConflictForm,
    CoordinatorProfileForm,
    RespondForm,
    ReviewerAddForm,
    ReviewerFilterForm,
    candidate_members,
)

LIST_PAGE_SIZE = 25

PROFILES = ReviewerProfile.objects.select_related(
    "user", "home_service__organisation", "home_service__network"
)


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


# Who may see what -------------------------------------------------------------------------------


def own_profile(user: User) -> ReviewerProfile | None:
    """The signed-in person's reviewer profile, if they have one."""
    return PROFILES.filter(user=user).first() if user.is_authenticated else None


def get_own_conflict_or_404(user: User, pk) -> Conflict:
    """A conflict the person declared about themselves; anything else does not exist for them."""
    return get_object_or_404(
        Conflict.objects.select_related("service__organisation", "organisation", "reviewer"),
        pk=pk,
        reviewer__user=user,
        declared_by=user,
    )


def get_own_assignment_or_404(user: User, pk) -> Assignment:
    return get_object_or_404(
        Assignment.objects.select_related(
            "reviewer__user", "review__service__organisation", "review__cycle"
        ),
        pk=pk,
        reviewer__user=user,
    )


def coordinated_networks_or_403(user: User) -> list[Network]:
    networks = list(permissions.coordinated_networks(user).order_by("name"))
    if not networks:
        raise PermissionDenied
    return networks


def get_profile_for_coordinator(user: User, pk) -> ReviewerProfile:
    """The profile, if `user` coordinates its home service's network: 404 if they cannot see
    that network, 403 if they can see it but not change it."""
    profile = get_object_or_404(PROFILES, pk=pk)
    permissions.get_network_for_user(
        user, profile.home_service.network_id, "assurance.change_network"
    )
    return profile


# The reviewer's own pages ----------------------------------------------------------------------


def _no_profile(request: HttpRequest) -> HttpResponse:
    return render(request, "reviews/reviewers/no_profile.html")


@login_required
@require_http_methods(["GET", "POST"])
def my_profile(request: HttpRequest) -> HttpResponse:
    profile = own_profile(request.user)
    if profile is None:
        return _no_profile(request)
    form = AvailabilityForm(_posted(request), instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your availability has been saved."))
        return redirect("reviews:my_profile")
    return render(request, "reviews/reviewers/my_profile.html", {"form": form, "profile": profile})


def _last_cycle_services(profile: ReviewerProfile) -> QuerySet:
    """Services the reviewer reviewed in the cycle before their network's newest one."""
    newest = (
        Cycle.objects.filter(network=profile.home_service.network_id).order_by("-opens_on").first()
    )
    if newest is None:
        return Service.objects.none()
    ids = allocation.reviewed_last_cycle(newest).get(profile.pk, set())
    return Service.objects.filter(pk__in=ids).select_related("organisation").order_by("name")


def _conflicts(profile: ReviewerProfile) -> QuerySet:
    return profile.conflicts.select_related(
        "service__organisation", "organisation", "declared_by"
    ).order_by("-declared_at", "-pk")


@login_required
@require_http_methods(["GET", "POST"])
def my_conflicts(request: HttpRequest) -> HttpResponse:
    profile = own_profile(request.user)
    if profile is None:
        return _no_profile(request)
    form = ConflictForm(_posted(request), reviewer=profile, by=request.user)
    if request.method == "POST" and form.is_valid():
        conflict = form.save()
        messages.success(
            request,
            _("Your conflict with %(name)s has been recorded.")
            % {"name": conflict.service or conflict.organisation},
        )
        return redirect("reviews:my_conflicts")
    return render(
        request,
        "reviews/reviewers/my_conflicts.html",
        {
            "profile": profile,
            "form": form,
            "conflicts": _conflicts(profile),
            "last_cycle": _last_cycle_services(profile),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_conflict_remove(request: HttpRequest, pk: int) -> HttpResponse:
    conflict = get_own_conflict_or_404(request.user, pk)
    back = reverse("reviews:my_conflicts")
    if request.method == "POST":
        conflict.delete()
        messages.success(request, _("The conflict has been removed."))
        return redirect(back)
    return render(
        request,
        "reviews/reviewers/conflict_remove.html",
        {"conflict": conflict, "back": back, "own": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_respond(request: HttpRequest, pk: int) -> HttpResponse:
    """The invitation: the review, why this person, and their answer."""
    assignment = get_own_assignment_or_404(request.user, pk)
    form = RespondForm(_posted(request))
    refusal = None
    if (
        request.method == "POST"
        and assignment.status == Assignment.Status.INVITED
        and form.is_valid()
    ):
        try:
            allocation.respond(
                assignment,
                by=request.user,
                accept=form.accepted,
                reason=form.cleaned_data["reason"],
            )
        except allocation.AllocationError as error:
            refusal = str(error)
            assignment.refresh_from_db()
        else:
            if form.accepted:
                messages.success(
                    request,
                    _("Thank you. You are on the review team for %(service)s.")
                    % {"service": assignment.review.service},
                )
                return redirect("reviews:review_detail", pk=assignment.review_id)
            messages.success(
                request,
                _("Thank you. The coordinator has been told you cannot review %(service)s.")
                % {"service": assignment.review.service},
            )
            return redirect("home")
    return render(
        request,
        "reviews/reviewers/assignment_respond.html",
        {"assignment": assignment, "form": form, "refusal": refusal, "status": Assignment.Status},
    )


# The coordinator's pool ------------------------------------------------------------------------


@login_required
def reviewer_list(request: HttpRequest) -> HttpResponse:
    """The reviewers whose home services are in the coordinator's networks; the same number
    of queries for any number of them."""
    networks = coordinated_networks_or_403(request.user)
    profiles = PROFILES.filter(home_service__network__in=networks).order_by(
        "user__name", "user__email", "pk"
    )
    form = ReviewerFilterForm(request.GET)
    form.is_valid()
    filters = {name: value for name, value in getattr(form, "cleaned_data", {}).items() if value}
    if "q" in filters:
        profiles = profiles.filter(
            Q(user__name__icontains=filters["q"]) | Q(user__email__icontains=filters["q"])
        )
    if "role" in filters:
        # JSON lists are matched as text, which works on SQLite and PostgreSQL alike.
        profiles = profiles.filter(roles__icontains=f'"{filters["role"]}"')
    if "region" in filters:
        profiles = profiles.filter(
            Q(regions__icontains=f'"{filters["region"]}"')
            | Q(home_service__region=filters["region"])
        )
    if "status" in filters:
        profiles = profiles.filter(active=filters["status"] == "active")
    paginator = Paginator(profiles, LIST_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/reviewers/reviewer_list.html",
        {
            "page_obj": page,
            "form": form,
            "filtered": bool(filters),
            "several_networks": len(networks) > 1,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reviewer_add(request: HttpRequest) -> HttpResponse:
    networks = coordinated_networks_or_403(request.user)
    candidates = candidate_members(networks)
    form = ReviewerAddForm(_posted(request), candidates=candidates)
    if request.method == "POST" and form.is_valid():
        profile = form.save()
        messages.success(
            request, _("%(name)s is now in the reviewer pool.") % {"name": profile.user}
        )
        return redirect("reviews:reviewer_edit", pk=profile.pk)
    return render(
        request,
        "reviews/reviewers/reviewer_add.html",
        {"form": form, "has_candidates": candidates.exists()},
    )


def _edit_page(request, profile, form, conflict_form) -> HttpResponse:
    return render(
        request,
        "reviews/reviewers/reviewer_edit.html",
        {
            "profile": profile,
            "form": form,
            "conflict_form": conflict_form,
            "conflicts": _conflicts(profile),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reviewer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Roles, training and availability; below, the reviewer's conflicts."""
    profile = get_profile_for_coordinator(request.user, pk)
    form = CoordinatorProfileForm(_posted(request), instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("%(name)s's record has been saved.") % {"name": profile.user})
        return redirect("reviews:reviewer_edit", pk=profile.pk)
    return _edit_page(request, profile, form, ConflictForm(reviewer=profile, by=request.user))


@login_required
@require_POST
def reviewer_conflict_add(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_profile_for_coordinator(request.user, pk)
    conflict_form = ConflictForm(request.POST, reviewer=profile, by=request.user)
    if conflict_form.is_valid():
        conflict = conflict_form.save()
        messages.success(
            request,
            _("The conflict with %(name)s has been recorded.")
            % {"name": conflict.service or conflict.organisation},
        )
        return redirect("reviews:reviewer_edit", pk=profile.pk)
    return _edit_page(request, profile, CoordinatorProfileForm(instance=profile), conflict_form)


@login_required
@require_http_methods(["GET", "POST"])
def reviewer_conflict_remove(request: HttpRequest, pk: int, conflict_pk: int) -> HttpResponse:
    profile = get_profile_for_coordinator(request.user, pk)
    conflict = get_object_or_404(
        Conflict.objects.select_related("service__organisation", "organisation"),
        pk=conflict_pk,
        reviewer=profile,
    )
    back = reverse("reviews:reviewer_edit", args=[profile.pk])
    if request.method == "POST":
        conflict.delete()
        messages.success(request, _("The conflict has been removed."))
        return redirect(back)
    return render(
        request,
        "reviews/reviewers/conflict_remove.html",
        {"conflict": conflict, "back": back, "profile": profile},
    )
