"""The dashboard at `/`: what needs each person now, one section for each role they hold.

It lives in the reviews app because it shows reviews beside the network's own records, and
reviews is the app that may depend on everything else.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from assurance import permissions
from assurance.models import CommissionerMembership, Membership
from reviews import self_assessment
from reviews.models import (
    Action,
    Assignment,
    Cycle,
    Report,
    ReportShare,
    Response,
    Review,
    ReviewerProfile,
    Visit,
)
from reviews.report.actions import AGREED_STAGES, overdue
from reviews.report.sharing import commissioner_bodies


def _latest_review(field: str):
    """The given field of the service's newest review that was not withdrawn."""
    return Subquery(
        Review.objects.filter(service=OuterRef("service"))
        .exclude(status=Review.Status.WITHDRAWN)
        .order_by("-cycle__opens_on", "-pk")
        .values(field)[:1]
    )


def _answered(review_ref: str):
    answered = (
        Response.objects.filter(self_assessment.answered(), review=OuterRef(review_ref))
        .order_by()
        .values("review")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(answered, output_field=IntegerField())


def _total(review_ref: str):
    total = (
        Response.objects.filter(review=OuterRef(review_ref))
        .order_by()
        .values("review")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(total, output_field=IntegerField())


# The stages in which the review team works on a review: its reviewing pages open from the
# start of the peer review.
REVIEWING_STAGES = (
    Review.Status.PEER_REVIEW,
    Review.Status.DRAFTING,
    Review.Status.ACCURACY_CHECK,
    Review.Status.PUBLISHED,
    Review.Status.CLOSED,
)


def _visit_of(review: Review) -> Visit | None:
    """The review's visit, fetched with it (select_related), or None when none is planned."""
    try:
        return review.visit
    except Visit.DoesNotExist:
        return None


def _final(field: str, newest: bool = True):
    """The given field of the review's newest (or first) final report."""
    return Subquery(
        Report.objects.filter(review=OuterRef("review_id"), kind=Report.Kind.FINAL)
        .order_by("-number" if newest else "number")
        .values(field)[:1]
    )


def _overdue_by_service(service_ids: list[int], today) -> dict[int, list[Action]]:
    """The open actions past their due date of the services' published reviews, one query."""
    if not service_ids:
        return {}
    found: dict[int, list[Action]] = {}
    actions = overdue(
        Action.objects.filter(review__service_id__in=service_ids, review__status__in=AGREED_STAGES),
        today,
    ).select_related("review__cycle")
    for action in actions.order_by(*Action._meta.ordering):
        found.setdefault(action.review.service_id, []).append(action)
    return found


# How many shared reports each commissioning body's section of the dashboard shows: the most
# recently shared. A national body may have hundreds; the rest are on its own paged list.
DASHBOARD_SHARES = 10
SHARED_PAGE_SIZE = 25


def _with_progress(shares: QuerySet, today) -> QuerySet:
    """Shares with their final report and the progress of their actions, in one query."""
    counts = {
        f"actions_{status}": Count("review__actions", filter=Q(review__actions__status=status))
        for status in Action.Status.values
    }
    return (
        shares.select_related("review__service", "review__cycle")
        .annotate(
            final_id=_final("pk"),
            final_pdf=_final("sha256"),
            final_summary=_final("summary_sha256"),
            published_at=_final("issued_at", newest=False),
            actions_total=Count("review__actions"),
            actions_overdue=Count(
                "review__actions",
                filter=Q(
                    review__actions__status__in=Action.OPEN, review__actions__due_on__lt=today
                ),
            ),
            **counts,
        )
        .order_by("review__service__name", "-review__cycle__opens_on", "pk")
    )


def _shared_reports(roles: list, today) -> None:
    """Each commissioner role's `shares`: the reports shared with its body most recently (at
    most DASHBOARD_SHARES), each with its final report and the progress of its actions, and
    `shares_total`, how many are shared with it now. Two queries for all the bodies."""
    live = ReportShare.objects.filter(
        revoked_at__isnull=True, body_id__in=[role.body_id for role in roles]
    )
    newest = (
        live.annotate(
            row=Window(
                RowNumber(),
                partition_by=[F("body_id")],
                order_by=[F("granted_at").desc(), F("pk").desc()],
            ),
            total=Window(Count("pk"), partition_by=[F("body_id")]),
        )
        .filter(row__lte=DASHBOARD_SHARES)
        .values_list("pk", "body_id", "total")
    )
    chosen, totals = [], {}
    for pk, body_id, total in newest:
        chosen.append(pk)
        totals[body_id] = total
    by_body: dict[int, list[ReportShare]] = {}
    for share in _with_progress(ReportShare.objects.filter(pk__in=chosen), today):
        by_body.setdefault(share.body_id, []).append(share)
    for role in roles:
        role.shares = by_body.get(role.body_id, [])
        role.shares_total = totals.get(role.body_id, 0)


@login_required
@require_GET
def shared_reports(request: HttpRequest, pk: int) -> HttpResponse:
    """Every report shared now with one commissioning body, paged: for its commissioners.

    Anyone who cannot see the body gets 404; someone who can see it but does not read for it
    (its network's coordinators) gets 403: what a service shares is for the body's readers.
    """
    body = permissions.get_body_for_user(request.user, pk)
    if not commissioner_bodies(request.user).filter(pk=body.pk).exists():
        raise PermissionDenied
    shares = _with_progress(
        ReportShare.objects.filter(revoked_at__isnull=True, body=body), timezone.localdate()
    )
    paginator = Paginator(shares, SHARED_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/sharing/shared_reports.html",
        {
            "body": body,
            "page_obj": page,
        },
    )


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    user = request.user
    now = timezone.now()
    pending = Q(
        invitations__accepted_at__isnull=True,
        invitations__revoked_at__isnull=True,
        invitations__expires_at__gt=now,
    )
    memberships = (
        Membership.objects.active()
        .filter(user=user)
        .select_related("service__organisation", "service__network")
        .annotate(
            team_size=Count(
                "service__memberships",
                filter=Q(service__memberships__ended_at__isnull=True),
                distinct=True,
            ),
            pending_invitations=Count(
                "service__invitations",
                filter=Q(
                    service__invitations__accepted_at__isnull=True,
                    service__invitations__revoked_at__isnull=True,
                    service__invitations__expires_at__gt=now,
                ),
                distinct=True,
            ),
            review_id=_latest_review("pk"),
            review_status=_latest_review("status"),
            review_cycle=_latest_review("cycle__name"),
            review_due=_latest_review("self_assessment_due"),
        )
        .annotate(answered=_answered("review_id"), standards=_total("review_id"))
        .order_by("service__name")
    )
    memberships = list(memberships)
    today = timezone.localdate()
    overdue_actions = _overdue_by_service([m.service_id for m in memberships], today)
    for membership in memberships:
        membership.overdue_actions = overdue_actions.get(membership.service_id, [])
    networks = permissions.coordinated_networks(user).annotate(
        service_count=Count("services", filter=Q(services__active=True), distinct=True),
        body_count=Count("commissioning_bodies", distinct=True),
        pending_invitations=Count("invitations", filter=pending, distinct=True),
    )
    cycles = (
        Cycle.objects.filter(network__in=networks, status=Cycle.Status.OPEN)
        .select_related("network")
        .annotate(
            **{
                f"in_{status}": Count("reviews", filter=Q(reviews__status=status))
                for status in Review.Status.values
            },
            review_count=Count("reviews"),
        )
        .order_by("-opens_on")
    )
    bodies = list(
        CommissionerMembership.objects.active()
        .filter(user=user)
        .select_related("body__network")
        .order_by("body__name")
    )
    if bodies:
        _shared_reports(bodies, today)
    # Reviewing: one query for the profile, one for the places; the same for any number.
    reviewer_profile = ReviewerProfile.objects.filter(user=user).first()
    places = (
        list(
            Assignment.objects.filter(reviewer=reviewer_profile, status__in=Assignment.ACTIVE)
            .select_related("review__service__organisation", "review__cycle", "review__visit")
            .order_by("respond_by", "review__cycle__opens_on", "pk")
        )
        if reviewer_profile
        else []
    )
    for place in places:
        place.visit = _visit_of(place.review)
        place.reviewing_open = place.review.status in REVIEWING_STAGES
    return render(
        request,
        "home.html",
        {
            "memberships": memberships,
            "networks": networks,
            "cycles": cycles,
            "commissioner_roles": bodies,
            "review_status": Review.Status,
            "reviewer_profile": reviewer_profile,
            "invitations": [a for a in places if a.status == Assignment.Status.INVITED],
            "accepted_places": [a for a in places if a.status == Assignment.Status.ACCEPTED],
        },
    )
