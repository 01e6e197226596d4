"""Allocating review teams: from the reviewer pool to accepted assignments.

- `matcher_input(cycle)` turns the database into the matcher's plain input (reviews/matching/);
  its sha256 tells a stale proposal from a current one.
- `request_proposal` queues `run_proposal`, a background task that runs the matcher and stores
  the result on a `Proposal`, so the coordinator's page shows its progress.
- `confirm` turns a ready, still-current proposal into invitations (`Assignment`s).
- `respond` records a reviewer's acceptance (which gives them the review) or decline (which
  tells the coordinators and re-opens the slot); `withdraw` takes a place away.
- `derived_conflicts` says why someone must not review a service, beyond what they declared.

Assignment statuses change only here, and access follows them in the same transaction: an
accepted reviewer joins the review team's group (`view_review`), an accepted lead also the
lead group (`lead_review`).
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from assurance.models import Region, Service, User
from assurance.tasks import task
from reviews import matching
from reviews.models import (
    Assignment,
    Conflict,
    Cycle,
    Proposal,
    Review,
    ReviewerProfile,
    ReviewerRole,
)

RESPOND_WITHIN_DAYS = 14


class AllocationError(Exception):
    """A change the rules refuse; the message is shown to the person."""


class StaleProposal(AllocationError):
    """The data changed since the proposal was made; `differences` says how."""

    def __init__(self, differences: list[str]):
        super().__init__(_("Reviews or reviewers changed since this proposal was made."))
        self.differences = differences


# Access that follows assignments ----------------------------------------------------------


def review_team(review: Review) -> Group:
    group, created = Group.objects.get_or_create(name=f"review:{review.pk}:team")
    if created:
        assign_perm("reviews.view_review", group, review)
    return group


def review_lead(review: Review) -> Group:
    group, created = Group.objects.get_or_create(name=f"review:{review.pk}:lead")
    if created:
        assign_perm("reviews.view_review", group, review)
        assign_perm("reviews.lead_review", group, review)
    return group


def _grant(assignment: Assignment) -> None:
    user = assignment.reviewer.user
    user.groups.add(review_team(assignment.review))
    if assignment.role == ReviewerRole.LEAD:
        user.groups.add(review_lead(assignment.review))


def _revoke(assignment: Assignment) -> None:
    still = Assignment.objects.filter(
        review=assignment.review,
        reviewer=assignment.reviewer,
        status=Assignment.Status.ACCEPTED,
    ).exclude(pk=assignment.pk)
    user = assignment.reviewer.user
    if not still.exists():
        user.groups.remove(review_team(assignment.review))
    if not still.filter(role=ReviewerRole.LEAD).exists():
        user.groups.remove(review_lead(assignment.review))


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
    if _reviewed_last_cycle(cycle).get(profile.pk, set()) & {service.pk}:
        reasons.append(_("They reviewed this service in the last cycle."))
    return reasons


def _previous_cycle(cycle: Cycle) -> Cycle | None:
    return (
        Cycle.objects.filter(network=cycle.network, opens_on__lt=cycle.opens_on)
        .order_by("-opens_on")
        .first()
    )


def _reviewed_last_cycle(cycle: Cycle) -> dict[int, set[int]]:
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
        for reviewer, services in _reviewed_last_cycle(cycle).items()
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


# Proposals ---------------------------------------------------------------------------------


def request_proposal(cycle: Cycle, *, by: User) -> Proposal:
    if not reviews_needing_teams(cycle).exists():
        raise AllocationError(_("No submitted review in this cycle is waiting for a team."))
    proposal = Proposal.objects.create(cycle=cycle, requested_by=by)
    transaction.on_commit(lambda: run_proposal.enqueue(proposal.pk))
    return proposal


@task()
def run_proposal(proposal_id: int) -> str:
    """The background task: run the matcher for a proposal and store what it proposes."""
    proposal = Proposal.objects.select_related("cycle__network").get(pk=proposal_id)
    # Only a queued proposal runs: a task delivered twice, or one whose proposal was already
    # worked out and confirmed, must not reset it.
    started = Proposal.objects.filter(pk=proposal_id, status=Proposal.Status.QUEUED).update(
        status=Proposal.Status.RUNNING
    )
    if not started:
        return proposal.status
    try:
        data = matcher_input(proposal.cycle)
        allocation = solve(proposal.cycle, data)
    except Exception as error:  # the page shows the reason; the task must still finish
        Proposal.objects.filter(pk=proposal_id).update(
            status=Proposal.Status.FAILED, error=str(error), finished_at=timezone.now()
        )
        raise
    result = {
        "assignments": [asdict(a) for a in allocation.assignments],
        "unfilled": [asdict(u) for u in allocation.unfilled],
        "status": allocation.status,
        "objective": asdict(allocation.objective),
    }
    Proposal.objects.filter(pk=proposal_id).update(
        status=Proposal.Status.READY,
        result=result,
        input_sha256=fingerprint(data),
        finished_at=timezone.now(),
    )
    return allocation.status


@transaction.atomic
def confirm(proposal: Proposal, *, by: User) -> list[Assignment]:
    """Turn a ready proposal into invitations, if nothing changed since it was made."""
    proposal = (
        Proposal.objects.select_for_update().select_related("cycle__network").get(pk=proposal.pk)
    )
    if proposal.status != Proposal.Status.READY:
        raise AllocationError(_("Only a proposal that is ready can be confirmed."))
    current = matcher_input(proposal.cycle)
    if fingerprint(current) != proposal.input_sha256:
        raise StaleProposal(_describe_change(proposal, current))
    # Two weeks to answer, and always before visits begin.
    respond_by = min(
        timezone.localdate() + timedelta(days=RESPOND_WITHIN_DAYS), proposal.cycle.visits_from
    )
    existing = {
        (review_id, reviewer_id)
        for review_id, reviewer_id in Assignment.objects.filter(
            review__cycle=proposal.cycle, status__in=Assignment.ACTIVE
        ).values_list("review_id", "reviewer_id")
    }
    created = [
        Assignment.objects.create(
            review_id=item["review_id"],
            reviewer_id=item["reviewer_id"],
            role=item["role"],
            explanation=item["explanation"],
            proposal=proposal,
            respond_by=respond_by,
        )
        for item in proposal.result.get("assignments", [])
        if (item["review_id"], item["reviewer_id"]) not in existing
    ]
    proposal.status = Proposal.Status.CONFIRMED
    proposal.save(update_fields=["status"])
    transaction.on_commit(lambda: _invite(created))
    return created


def _describe_change(proposal: Proposal, current: dict) -> list[str]:
    """What changed since the proposal was made, in words, from the stored result."""
    proposed_reviews = {a["review_id"] for a in proposal.result.get("assignments", [])} | {
        u["review_id"] for u in proposal.result.get("unfilled", [])
    }
    now_reviews = {r["review_id"] for r in current["reviews"]}
    changes = []
    if now_reviews - proposed_reviews:
        changes.append(
            _("%(n)d more reviews were submitted.") % {"n": len(now_reviews - proposed_reviews)}
        )
    if proposed_reviews - now_reviews:
        changes.append(
            _("%(n)d reviews are no longer waiting for a team.")
            % {"n": len(proposed_reviews - now_reviews)}
        )
    if not changes:
        changes.append(_("Reviewers' availability, training, conflicts or invitations changed."))
    changes.append(_("Ask for a new proposal."))
    return changes


def _invite(assignments: list[Assignment]) -> None:
    for assignment in Assignment.objects.filter(pk__in=[a.pk for a in assignments]).select_related(
        "reviewer__user", "review__service", "review__cycle"
    ):
        send_mail(
            _("You are invited to review %(service)s") % {"service": assignment.review.service},
            _(
                "You have been invited to take part in the peer review of %(service)s "
                "(%(cycle)s) as %(role)s.\n\nWhy you: %(why)s\n\nAccept or decline on your "
                "Relational Assurance dashboard."
            )
            % {
                "service": assignment.review.service,
                "cycle": assignment.review.cycle,
                "role": assignment.get_role_display().lower(),
                "why": assignment.explanation,
            },
            None,
            [assignment.reviewer.user.email],
        )


# Responses ---------------------------------------------------------------------------------


@transaction.atomic
def respond(assignment: Assignment, *, by: User, accept: bool, reason: str = "") -> Assignment:
    """The invited reviewer accepts, or declines with a reason."""
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("reviewer__user", "review__service__network")
        .get(pk=assignment.pk)
    )
    if assignment.reviewer.user_id != by.pk:
        raise AllocationError(_("This invitation is for someone else."))
    if assignment.status == Assignment.Status.WITHDRAWN:
        raise AllocationError(
            _("This invitation was withdrawn by the network coordinator. Nothing more to do.")
        )
    if assignment.status != Assignment.Status.INVITED:
        raise AllocationError(_("You have already answered this invitation."))
    if not accept and not reason.strip():
        raise AllocationError(_("Say briefly why you cannot take part."))
    assignment.status = Assignment.Status.ACCEPTED if accept else Assignment.Status.DECLINED
    assignment.responded_at = timezone.now()
    assignment.decline_reason = "" if accept else reason.strip()
    assignment.save(update_fields=["status", "responded_at", "decline_reason"])
    if accept:
        _grant(assignment)
    else:
        transaction.on_commit(lambda: _tell_coordinators_of_decline(assignment))
    return assignment


@transaction.atomic
def withdraw(assignment: Assignment, *, by: User, reason: str = "") -> Assignment:
    """A coordinator takes a place away; the reviewer loses the access it gave."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status not in Assignment.ACTIVE:
        raise AllocationError(_("This place is no longer active."))
    was_accepted = assignment.status == Assignment.Status.ACCEPTED
    assignment.status = Assignment.Status.WITHDRAWN
    assignment.decline_reason = reason.strip()
    assignment.save(update_fields=["status", "decline_reason"])
    if was_accepted:
        _revoke(assignment)
    return assignment


def _tell_coordinators_of_decline(assignment: Assignment) -> None:
    network = assignment.review.service.network
    recipients = list(network.coordinators.active().values_list("user__email", flat=True))
    if recipients:
        send_mail(
            _("A reviewer declined: %(service)s") % {"service": assignment.review.service},
            _(
                "%(person)s declined to review %(service)s as %(role)s.\n\nTheir reason: "
                "%(reason)s\n\nThe place is open again; ask for a new proposal to fill it."
            )
            % {
                "person": assignment.reviewer.user,
                "service": assignment.review.service,
                "role": assignment.get_role_display().lower(),
                "reason": assignment.decline_reason,
            },
            None,
            recipients,
        )


# Changes by hand ---------------------------------------------------------------------------


@dataclass
class TeamCheck:
    """What the rules say about adding one person to a team."""

    refusals: list[str] = field(default_factory=list)
    conflict: bool = False  # a declared conflict, which a recorded reason may set aside
    needs_waiver: str = ""  # the refusal that a reason for setting the conflict aside lifts
    warnings: list[str] = field(default_factory=list)


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


def _violations(data: dict, extra: list[tuple[int, int, str]], waived: set) -> list[str]:
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


def _in_words(problem: str, profile: ReviewerProfile, review: Review, role: str) -> str:
    """The checker's message about the new place, said to the coordinator."""
    label = str(dict(ReviewerRole.choices)[role]).lower()
    names = {
        "person": profile.user,
        "service": review.service.name,
        "organisation": review.service.organisation.name,
        "role": label,
    }
    words = {
        "does not hold the": _("%(person)s is not trained as a %(role)s."),
        "training that is not current": _("%(person)s's training is not current."),
        "works in the host service": _("%(person)s works in %(service)s."),
        "host's organisation": _("%(person)s works for %(organisation)s, which runs %(service)s."),
        "reviewed this service last cycle": _("%(person)s reviewed %(service)s in the last cycle."),
        "excluded pair": _("%(person)s declined this review or was withdrawn from it."),
        "more than once": _("%(person)s is already on this team."),
        "more than": _("The team already has as many in the %(role)s role as it needs."),
        "over capacity": _("%(person)s has no reviews left to give this cycle."),
        "review each other": _(
            "Staff of %(service)s already review %(person)s's home service, and the network "
            "does not allow two services to review each other."
        ),
    }
    for key, message in words.items():
        if key in problem:
            return message % names
    return problem


def check_addition(
    data: dict, review: Review, profile: ReviewerProfile, role: str, *, waiver: str = ""
) -> TeamCheck:
    """Check adding `profile` to `review`'s team in `role`, against the team as it stands.

    Hard rules come from `find_violations` on the team with and without the new place, so only
    what the new place breaks counts. Soft aims (region, setting, one organisation) are warnings.
    """
    result = TeamCheck()
    new = (review.pk, profile.pk, role)
    before = set(_violations(data, [], set()))
    waived = {(profile.pk, review.pk)} if waiver.strip() else set()
    conflicted = set(_violations(data, [new], set())) - before
    after = set(_violations(data, [new], waived)) - before
    if any("declared conflict" in p for p in conflicted):
        result.conflict = True
    result.refusals = [
        _in_words(p, profile, review, role) for p in sorted(after) if "declared conflict" not in p
    ]
    if result.conflict and not waiver.strip():
        result.needs_waiver = _(
            "%(person)s declared a conflict with %(service)s. To add them anyway, say why "
            "the conflict can be set aside."
        ) % {"person": profile.user, "service": review.service.name}
        result.refusals.append(result.needs_waiver)
    need = next(r for r in data["reviews"] if r["review_id"] == review.pk)
    person = next(r for r in data["reviewers"] if r["reviewer_id"] == profile.pk)
    if need["region"] not in person["regions"]:
        result.warnings.append(
            _("%(person)s does not usually travel to this region.") % {"person": profile.user}
        )
    if need["setting_type"] not in person["setting_types"]:
        result.warnings.append(
            _("%(person)s does not know this kind of setting.") % {"person": profile.user}
        )
    team = {reviewer for review_id, reviewer, _role in data["fixed"] if review_id == review.pk}
    orgs = {r["organisation_id"] for r in data["reviewers"] if r["reviewer_id"] in team}
    if person["organisation_id"] in orgs:
        result.warnings.append(
            _("Someone else on this team also works for %(organisation)s.")
            % {"organisation": profile.home_service.organisation.name}
        )
    return result


@transaction.atomic
def add_to_team(
    review: Review, profile: ReviewerProfile, role: str, *, by: User, waiver: str = ""
) -> tuple[Assignment | None, TeamCheck]:
    """A coordinator invites `profile` onto `review`'s team in `role`, if the rules allow.

    Returns the new invitation (None when refused) and what the check found. The cycle row is
    locked so that two coordinators cannot both take a reviewer's last place.
    """
    cycle = Cycle.objects.select_for_update().select_related("network").get(pk=review.cycle_id)
    check = check_addition(matcher_input(cycle), review, profile, role, waiver=waiver)
    if check.refusals:
        return None, check
    assignment = Assignment.objects.create(
        review=review,
        reviewer=profile,
        role=role,
        explanation=_("Added by %(person)s.") % {"person": by},
        conflict_waiver=waiver.strip() if check.conflict else "",
        respond_by=min(
            timezone.localdate() + timedelta(days=RESPOND_WITHIN_DAYS), cycle.visits_from
        ),
    )
    # The same invitation email as a confirmed proposal's.
    transaction.on_commit(lambda: _invite([assignment]))
    return assignment, check


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


# The guard of "start the peer review" ----------------------------------------------------


def team_problems(review: Review | None = None, *, accepted_roles=None) -> list[str]:
    """What an accepted team still lacks: a lead, a peer and an expert by experience.

    Pass `accepted_roles` when the assignments are already loaded (a page of many reviews)."""
    if accepted_roles is None:
        accepted_roles = set(
            Assignment.objects.filter(review=review, status=Assignment.Status.ACCEPTED)
            .values_list("role", flat=True)
            .distinct()
        )
    labels = dict(ReviewerRole.choices)
    return [
        _("No %(role)s has accepted yet.") % {"role": str(labels[role]).lower()}
        for role in (ReviewerRole.LEAD, ReviewerRole.PEER, ReviewerRole.EXPERT)
        if role not in accepted_roles
    ]
