"""The matcher's side of allocation: the database turned into its plain input, and back.

- `matcher_input(cycle)` gathers the reviews waiting for a team, the reviewer pool, conflicts,
  last cycle's history and the reciprocity balance, as plain data with ids sorted; its
  `fingerprint` tells a stale proposal from a current one.
- `solve` runs the matcher (reviews/matching/) on that data; `violations` checks a team against
  the same hard rules.
- `derived_conflicts` says why someone must not review a service, beyond what they declared, and
  `reviewed_last_cycle` who reviewed which service in the cycle before.
- `ledger` counts the review places each service gave and received.

Everything here reads; nothing writes.
"""

import hashlib
import json

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assurance.models import Region, Service
from reviews import matching
from reviews.models import Assignment, Conflict, Cycle, Review, ReviewerProfile

# Conflicts --------------------------------------------------------------------------------


def derived_conflicts(profile: ReviewerProfile, service: Service, cycle: Cycle) -> list[str]:
    """Reasons, computed and never stored, why `profile` must not review `service`."""
    reasons = []
    home = profile.home_service
    if home.pk == service.pk:
        reasons.append(_("It is their own service."))
    elif home.organisation_id == service.organisation_id:
        reasons.append(
            _("It is run by their own organisation, %(org)s.") % {"org": service.organisation}
        )
    if reviewed_last_cycle(cycle).get(profile.pk, set()) & {service.pk}:
        reasons.append(_("They reviewed this service in the last cycle."))
    return reasons


def _previous_cycle(cycle: Cycle) -> Cycle | None:
    return (
        Cycle.objects.filter(network=cycle.network, opens_on__lt=cycle.opens_on)
        .order_by("-opens_on")
        .first()
    )


def reviewed_last_cycle(cycle: Cycle) -> dict[int, set[int]]:
    """Reviewer profile id to the ids of the services they accepted to review in the cycle
    before `cycle`."""
    previous = _previous_cycle(cycle)
    history: dict[int, set[int]] = {}
    if previous is None:
        return history
    for reviewer_id, service_id in Assignment.objects.filter(
        review__cycle=previous, status=Assignment.Status.ACCEPTED
    ).values_list("reviewer_id", "review__service_id"):
        history.setdefault(reviewer_id, set()).add(service_id)
    return history


# From the database to the matcher and back -----------------------------------------------


def reviews_needing_teams(cycle: Cycle):
    return Review.objects.filter(cycle=cycle, status=Review.Status.SUBMITTED).select_related(
        "service__organisation"
    )


def matcher_input(cycle: Cycle) -> dict:
    """Everything the matcher needs for `cycle`, as plain data, with ids sorted."""
    network = cycle.network
    today = timezone.localdate()
    reviews = list(reviews_needing_teams(cycle).order_by("pk"))
    profiles = list(
        ReviewerProfile.objects.filter(active=True, home_service__network=network)
        .select_related("home_service", "user")
        .order_by("pk")
    )
    active = Assignment.objects.filter(review__cycle=cycle, status__in=Assignment.ACTIVE)
    used = dict(
        active.exclude(review__in=reviews)
        .values("reviewer")
        .annotate(n=Count("pk"))
        .values_list("reviewer", "n")
    )
    fixed = sorted(
        active.filter(review__in=reviews).values_list("review_id", "reviewer_id", "role")
    )
    excluded = sorted(
        Assignment.objects.filter(
            review__in=reviews, status__in=[Assignment.Status.DECLINED, Assignment.Status.WITHDRAWN]
        ).values_list("review_id", "reviewer_id")
    )
    declared = Conflict.objects.filter(reviewer__in=profiles, blocking=True)
    waived = sorted(
        active.filter(review__in=reviews)
        .exclude(conflict_waiver="")
        .values_list("reviewer_id", "review_id")
    )
    history = sorted(
        (reviewer, service)
        for reviewer, services in reviewed_last_cycle(cycle).items()
        for service in services
    )
    given = _given_by_service(cycle)
    return {
        "reviews": [
            {
                "review_id": r.pk,
                "service_id": r.service_id,
                "organisation_id": r.service.organisation_id,
                "region": r.service.region,
                "setting_type": r.service.setting_type,
            }
            for r in reviews
        ],
        "reviewers": [
            {
                "reviewer_id": p.pk,
                "home_service_id": p.home_service_id,
                "organisation_id": p.home_service.organisation_id,
                "roles": sorted(p.roles),
                "capacity": max(p.capacity - used.get(p.pk, 0), 0),
                "regions": sorted(set(p.regions) | {p.home_service.region}),
                "setting_types": sorted(set(p.setting_types) | {p.home_service.setting_type}),
                "trained": p.is_trained_on(today),
            }
            for p in profiles
        ],
        "conflicts": sorted(
            declared.filter(service__isnull=False).values_list("reviewer_id", "service_id")
        ),
        "org_conflicts": sorted(
            declared.filter(organisation__isnull=False).values_list(
                "reviewer_id", "organisation_id"
            )
        ),
        "waived": [list(pair) for pair in waived],
        "history": [list(pair) for pair in history],
        "fixed": [list(item) for item in fixed],
        "excluded": [list(pair) for pair in excluded],
        "given_by_service": {str(k): v for k, v in sorted(given.items())},
        "rules": {
            "peers_per_team": network.peers_per_team,
            "forbid_reciprocal": network.forbid_reciprocal,
        },
    }


def fingerprint(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _given_by_service(cycle: Cycle) -> dict[int, int]:
    """Slots each service's reviewers gave, minus slots it received, in earlier cycles."""
    balance: dict[int, int] = {}
    earlier = Assignment.objects.filter(
        review__cycle__network=cycle.network,
        review__cycle__opens_on__lt=cycle.opens_on,
        status=Assignment.Status.ACCEPTED,
    )
    for giver, receiver in earlier.values_list("reviewer__home_service_id", "review__service_id"):
        balance[giver] = balance.get(giver, 0) + 1
        balance[receiver] = balance.get(receiver, 0) - 1
    return balance


def _names(cycle: Cycle) -> matching.Names:
    services = Service.objects.filter(network=cycle.network).select_related("organisation")
    return matching.Names(
        services={s.pk: s.name for s in services},
        organisations={s.organisation_id: s.organisation.name for s in services},
        regions=dict(Region.choices),
        setting_types=dict(Service.SettingType.choices),
    )


def solve(cycle: Cycle, data: dict) -> matching.Allocation:
    rules = data["rules"]
    return matching.propose(
        [matching.ReviewNeed(**r) for r in data["reviews"]],
        _reviewers(data),
        rules=matching.Rules(
            peers_per_team=rules["peers_per_team"], forbid_reciprocal=rules["forbid_reciprocal"]
        ),
        conflicts={tuple(c) for c in data["conflicts"]},
        org_conflicts={tuple(c) for c in data["org_conflicts"]},
        waived={tuple(w) for w in data["waived"]},
        history={tuple(h) for h in data["history"]},
        fixed=[tuple(f) for f in data["fixed"]],
        excluded={tuple(e) for e in data["excluded"]},
        given_by_service={int(k): v for k, v in data["given_by_service"].items()},
        names=_names(cycle),
    )


def _reviewers(data: dict) -> list[matching.Reviewer]:
    return [
        matching.Reviewer(
            **{
                **r,
                "roles": frozenset(r["roles"]),
                "regions": frozenset(r["regions"]),
                "setting_types": frozenset(r["setting_types"]),
            }
        )
        for r in data["reviewers"]
    ]


def violations(data: dict, extra: list[tuple[int, int, str]], waived: set) -> list[str]:
    """The hard rules broken by the fixed places of `data` plus `extra`, with `waived` (reviewer,
    review) pairs' declared conflicts set aside as well as those in `data`."""
    rules = data["rules"]
    return matching.find_violations(
        [tuple(f) for f in data["fixed"]] + extra,
        [matching.ReviewNeed(**r) for r in data["reviews"]],
        _reviewers(data),
        rules=matching.Rules(
            peers_per_team=rules["peers_per_team"], forbid_reciprocal=rules["forbid_reciprocal"]
        ),
        conflicts={tuple(c) for c in data["conflicts"]},
        org_conflicts={tuple(c) for c in data["org_conflicts"]},
        waived={tuple(w) for w in data["waived"]} | waived,
        history={tuple(h) for h in data["history"]},
        excluded={tuple(e) for e in data["excluded"]},
    )


# The reciprocity ledger --------------------------------------------------------------------


def ledger(cycle: Cycle) -> list[dict]:
    """Per service of the network: review places its reviewers gave on other services' reviews
    and places it received (accepted places), in this cycle and in earlier ones."""
    accepted = Assignment.objects.filter(
        status=Assignment.Status.ACCEPTED,
        review__cycle__network=cycle.network,
        review__cycle__opens_on__lte=cycle.opens_on,
    ).exclude(reviewer__home_service=F("review__service"))
    this_cycle = Q(review__cycle=cycle)
    earlier = Q(review__cycle__opens_on__lt=cycle.opens_on)

    def counts(by: str) -> dict[int, tuple[int, int]]:
        rows = (
            accepted.order_by()
            .values(by)
            .annotate(now=Count("pk", filter=this_cycle), before=Count("pk", filter=earlier))
            .values_list(by, "now", "before")
        )
        return {key: (now, before) for key, now, before in rows}

    given, received = counts("reviewer__home_service"), counts("review__service")
    rows = []
    for service in (
        Service.objects.filter(network=cycle.network)
        .select_related("organisation")
        .order_by("name", "pk")
    ):
        gave, got = given.get(service.pk, (0, 0)), received.get(service.pk, (0, 0))
        rows.append(
            {
                "service": service,
                "given_now": gave[0],
                "received_now": got[0],
                "given_before": gave[1],
                "received_before": got[1],
                "balance": gave[0] + gave[1] - got[0] - got[1],
            }
        )
    return rows
