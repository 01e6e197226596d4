"""The load run's people: a few of each main role, signed in, with the pages each opens.

People are chosen by query from whatever the database holds (the national dataset, or the demo
data), spread across it rather than the first few rows:

- service leads of a service whose review in its network's latest cycle is in the
  self-assessment: their dashboard, the review's first domain page, the API list of actions;
- coordinators: their network's latest cycle board, the network learning report of its latest
  cycle with published reports, and the API lists of reviews, services and cycles;
- reviewers with an accepted place on a team in the peer review: their dashboard;
- commissioners whose body has a final report shared with it: their dashboard.

These are the pages `bench.pages` measures in-process, under the same keys, chosen the same way
but for several people of each role rather than one.

Sessions are made directly with Django's `login()` on a new `SessionStore`, as the test
client's `force_login` does, rather than through the sign-in form: no password is checked and
no second factor asked for. That is why the load run's server requires MFA of no role
(`bench.load.production_env`); every other check on every request is the product's own.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import login
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.urls import reverse

from assurance.models import CommissionerMembership, Coordinator, Membership, User
from reviews.models import Assignment, Cycle, Report, ReportShare, Review
from standards.models import Domain

ROLES = ("service_lead", "coordinator", "reviewer", "commissioner")


def visitors(per_role: int) -> list[dict]:
    """Up to `per_role` signed-in people of each role, interleaved (a service lead, a
    coordinator, a reviewer, a commissioner, then the next of each), each as {"role", "email",
    "cookie", "pages": [[key, path], ...]}. A role nobody holds is an error: the load run would
    not be measuring the pages it claims to."""
    chosen = {
        "service_lead": _service_leads(per_role),
        "coordinator": _coordinators(per_role),
        "reviewer": _reviewers(per_role),
        "commissioner": _commissioners(per_role),
    }
    if missing := [role for role in ROLES if not chosen[role]]:
        raise RuntimeError(f"Nobody in the database to sign in as: {', '.join(missing)}")
    people = []
    for turn in range(per_role):
        for role in ROLES:
            if turn < len(chosen[role]):
                user, pages = chosen[role][turn]
                people.append(
                    {
                        "role": role,
                        "email": user.email,
                        "cookie": signed_in_cookie(user),
                        "pages": pages,
                    }
                )
    return people


def signed_in_cookie(user: User) -> str:
    """A new session signed in as `user`, as the `Cookie` header that carries it."""
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.save()
    return f"{settings.SESSION_COOKIE_NAME}={request.session.session_key}"


def spread(rows: list, count: int) -> list:
    """`count` rows spread evenly across `rows` (all of them if there are fewer)."""
    if len(rows) <= count:
        return rows
    step = len(rows) / count
    return [rows[int(i * step)] for i in range(count)]


def _one_per_person(roles) -> list:
    """Each person's first role row only (someone may coordinate two networks)."""
    seen: set[int] = set()
    return [r for r in roles if not (r.user_id in seen or seen.add(r.user_id))]


def _latest_cycles() -> dict[int, Cycle]:
    """Each network's latest cycle, by network id."""
    latest: dict[int, Cycle] = {}
    for cycle in Cycle.objects.order_by("-opens_on", "-pk"):
        latest.setdefault(cycle.network_id, cycle)
    return latest


def _service_leads(count: int) -> list[tuple[User, list]]:
    reviews = spread(
        list(
            Review.objects.filter(
                cycle__in=list(_latest_cycles().values()), status=Review.Status.SELF_ASSESSMENT
            ).order_by("pk")
        ),
        count * 4,
    )
    first_domain: dict[int, str] = {}
    chosen, seen = [], set()
    for review in reviews:
        lead = (
            Membership.objects.active()
            .filter(service=review.service_id, role=Membership.Role.SERVICE_LEAD)
            .exclude(user__in=seen)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if lead is None:
            continue
        if review.framework_version_id not in first_domain:
            first_domain[review.framework_version_id] = (
                Domain.objects.filter(version=review.framework_version_id)
                .order_by("order")
                .values_list("code", flat=True)
                .first()
            )
        domain = reverse(
            "reviews:domain", args=[review.pk, first_domain[review.framework_version_id]]
        )
        seen.add(lead.user_id)
        chosen.append(
            (
                lead.user,
                [
                    ["service_lead_dashboard", reverse("home")],
                    ["self_assessment_domain", domain],
                    ["api_actions", "/api/v1/actions/"],
                ],
            )
        )
    return chosen[:count]


def _coordinators(count: int) -> list[tuple[User, list]]:
    latest = _latest_cycles()
    learning: dict[int, Cycle] = {}
    published = Cycle.objects.filter(
        reviews__status__in=(Review.Status.PUBLISHED, Review.Status.CLOSED),
        reviews__reports__kind=Report.Kind.FINAL,
    )
    for cycle in published.order_by("-opens_on", "-pk").distinct():
        learning.setdefault(cycle.network_id, cycle)
    roles = spread(
        _one_per_person(
            Coordinator.objects.active()
            .filter(network__in=set(latest) & set(learning))
            .select_related("user")
            .order_by("pk")
        ),
        count,
    )
    return [
        (
            role.user,
            [
                [
                    "coordinator_cycle_board",
                    reverse("reviews:cycle_board", args=[latest[role.network_id].pk]),
                ],
                [
                    "network_learning_report",
                    reverse("reviews:learning_report", args=[learning[role.network_id].pk]),
                ],
                ["api_reviews", "/api/v1/reviews/"],
                ["api_services", "/api/v1/services/"],
                ["api_cycles", "/api/v1/cycles/"],
            ],
        )
        for role in roles
    ]


def _reviewers(count: int) -> list[tuple[User, list]]:
    placed = Assignment.objects.filter(
        reviewer__user=OuterRef("pk"),
        status=Assignment.Status.ACCEPTED,
        review__status=Review.Status.PEER_REVIEW,
    )
    people = spread(list(User.objects.filter(Exists(placed)).order_by("pk")), count)
    return [(user, [["reviewer_dashboard", reverse("home")]]) for user in people]


def _commissioners(count: int) -> list[tuple[User, list]]:
    shared = ReportShare.objects.filter(
        body=OuterRef("body"), revoked_at__isnull=True, review__reports__kind=Report.Kind.FINAL
    )
    roles = spread(
        _one_per_person(
            CommissionerMembership.objects.active()
            .filter(Exists(shared))
            .select_related("user")
            .order_by("pk")
        ),
        count,
    )
    return [(role.user, [["commissioner_dashboard", reverse("home")]]) for role in roles]
