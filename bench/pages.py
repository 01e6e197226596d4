"""Query counts and server times of the main pages and API lists (DESIGN section 16).

`measure(repeats)` signs in, in process with Django's test client, as the person each page is
for, chosen by a query that finds a comparable person in the demo data and in the national
dataset alike (bench/dataset.py): the lead of a service whose review is in the self-assessment
in the latest cycle of the biggest network, that network's first coordinator, a reviewer on the
team of a review in the peer review, a commissioner whose body has a shared report. Each page is
requested once to warm up, once inside `CaptureQueriesContext` to count its queries, then
`repeats` times for the median server time. A page that does not answer 200 with the content
it is for raises `PageCheckFailed`: a fast error page measures nothing.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils.html import escape
from guardian.models import GroupObjectPermission

from assurance.models import (
    CommissionerMembership,
    Coordinator,
    Membership,
    Network,
    Service,
    User,
)
from reviews.models import (
    Action,
    Assignment,
    Comment,
    Cycle,
    Perspective,
    Report,
    ReportShare,
    Response,
    Review,
    ReviewGroupObjectPermission,
)
from standards.models import Domain


class PageCheckFailed(Exception):
    """A measured page did not answer as it should (status or expected content)."""


@dataclass
class Page:
    key: str
    user: User
    path: str
    expect: list[str]  # each must appear in the response body (HTML-escaped for pages)
    api: bool = False


def _biggest_network() -> Network:
    network = Network.objects.annotate(n=Count("services")).order_by("-n", "pk").first()
    if network is None:
        raise PageCheckFailed("The database holds no network: build a dataset first.")
    return network


def _first(queryset, what: str):
    found = queryset.first()
    if found is None:
        raise PageCheckFailed(f"The database holds no {what}.")
    return found


def pages() -> list[Page]:
    """The pages to measure, each with the person it is for."""
    network = _biggest_network()
    latest = _first(Cycle.objects.filter(network=network).order_by("-opens_on", "-pk"), "cycle")
    coordinator = _first(
        Coordinator.objects.active().filter(network=network).select_related("user").order_by("pk"),
        "coordinator of the biggest network",
    ).user
    # A lead who is not also a peer reviewer, as the demo's lead is: a reviewer's dashboard
    # shows their visits too, a different page to compare with.
    leads = Membership.objects.active().filter(
        role=Membership.Role.SERVICE_LEAD, user__reviewer_profile__isnull=True
    )
    review = _first(
        Review.objects.filter(cycle=latest, status=Review.Status.SELF_ASSESSMENT)
        .filter(service__memberships__in=leads)
        .select_related("service")
        .distinct()
        .order_by("service__name", "pk"),
        "review in the self-assessment",
    )
    lead = _first(
        leads.filter(service=review.service).select_related("user").order_by("pk"),
        "service lead",
    ).user
    domain = _first(
        Domain.objects.filter(version_id=review.framework_version_id).order_by("order"), "domain"
    )
    place = _first(
        Assignment.objects.filter(
            status=Assignment.Status.ACCEPTED,
            review__status=Review.Status.PEER_REVIEW,
            review__cycle__network=network,
        )
        .select_related("reviewer__user", "review__service")
        .order_by("review__cycle__opens_on", "review__service__name", "pk"),
        "reviewer on a team in the peer review",
    )
    first_share = _first(
        ReportShare.objects.filter(revoked_at__isnull=True)
        .filter(
            body__members__ended_at__isnull=True,
            review__reports__kind=Report.Kind.FINAL,
        )
        .order_by("pk"),
        "live share with a commissioner",
    )
    # The dashboard shows a body's most recent shares, so the newest is the one to look for.
    share = (
        ReportShare.objects.filter(revoked_at__isnull=True, body_id=first_share.body_id)
        .select_related("review__service", "body")
        .order_by("-granted_at", "-pk")
        .first()
    )
    commissioner = _first(
        CommissionerMembership.objects.active()
        .filter(body=share.body)
        .select_related("user")
        .order_by("pk"),
        "commissioner",
    ).user
    # Actions exist once a report is published: the API list of actions is read by the lead
    # of the service whose report is shared.
    host_lead = _first(
        Membership.objects.active()
        .filter(service=share.review.service, role=Membership.Role.SERVICE_LEAD)
        .select_related("user")
        .order_by("pk"),
        "service lead of a published review",
    ).user
    learning_cycle = _first(
        Cycle.objects.filter(
            network=network,
            reviews__status__in=(Review.Status.PUBLISHED, Review.Status.CLOSED),
            reviews__reports__kind=Report.Kind.FINAL,
        )
        .order_by("-opens_on", "-pk")
        .distinct(),
        "cycle with published reports",
    )
    return [
        Page("service_lead_dashboard", lead, reverse("home"), [review.service.name]),
        Page(
            "self_assessment_domain",
            lead,
            reverse("reviews:domain", args=[review.pk, domain.code]),
            [domain.name, review.service.name],
        ),
        Page(
            "coordinator_cycle_board",
            coordinator,
            reverse("reviews:cycle_board", args=[latest.pk]),
            [latest.name, network.name],
        ),
        Page(
            "reviewer_dashboard", place.reviewer.user, reverse("home"), [place.review.service.name]
        ),
        Page("commissioner_dashboard", commissioner, reverse("home"), [share.review.service.name]),
        Page(
            "network_learning_report",
            coordinator,
            reverse("reviews:learning_report", args=[learning_cycle.pk]),
            ["Network learning report", learning_cycle.name],
        ),
        Page("api_reviews", coordinator, "/api/v1/reviews/", ['"results"', '"status"'], api=True),
        Page("api_services", coordinator, "/api/v1/services/", ['"results"', '"name"'], api=True),
        Page("api_cycles", coordinator, "/api/v1/cycles/", ['"results"', latest.name], api=True),
        Page("api_actions", host_lead, "/api/v1/actions/", ['"results"', '"title"'], api=True),
    ]


def _check(page: Page, response) -> None:
    if response.status_code != 200:
        raise PageCheckFailed(f"{page.key} ({page.path}) answered {response.status_code}.")
    body = response.content.decode()
    for text in page.expect:
        wanted = text if page.api else escape(text)
        if wanted not in body:
            raise PageCheckFailed(f"{page.key} ({page.path}) does not show {text!r}.")


def _timed(get: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        get()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def dataset_counts() -> dict[str, int]:
    return {
        "services": Service.objects.count(),
        "users": User.objects.count(),
        "reviews": Review.objects.count(),
        "responses": Response.objects.count(),
        "perspectives": Perspective.objects.count(),
        "comments": Comment.objects.count(),
        "actions": Action.objects.count(),
        "reports": Report.objects.count(),
        "review_object_permissions": ReviewGroupObjectPermission.objects.count(),
        "generic_object_permissions": GroupObjectPermission.objects.count(),
    }


def measure(repeats: int) -> dict:
    """Each page's query count and median server time (ms), and the dataset's size."""
    overrides = {"ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"]}
    if hasattr(settings, "MFA_REQUIRED_ROLES"):
        overrides["MFA_REQUIRED_ROLES"] = []  # signing in with a second factor is not measured
    results = {}
    with override_settings(**overrides):
        for page in pages():
            client = Client()
            client.force_login(page.user)
            headers = {"HTTP_ACCEPT": "application/json"} if page.api else {}

            def get(page=page, client=client, headers=headers):
                return client.get(page.path, secure=True, **headers)

            _check(page, get())  # warm up: imports, templates, the session
            with CaptureQueriesContext(connection) as queries:
                response = get()
            _check(page, response)
            results[page.key] = {
                "queries": len(queries),
                "median_ms": round(_timed(get, repeats), 2),
                "path": page.path,
            }
    return {"pages": results, "dataset": dataset_counts()}
