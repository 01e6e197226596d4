"""Review teams: the places on them, and the access those places give.

- `respond` records a reviewer's acceptance (which gives them the review) or decline (which
  tells the coordinators and re-opens the place); `withdraw` takes a place away.
- `check_addition` says what the rules think of adding one person to a team by hand, and
  `add_to_team` does it, if they allow.
- `send_invitations` e-mails the invited; a confirmed proposal (proposals.py) and `add_to_team`
  both use it.
- `team_problems` is the guard of "start the peer review": what an accepted team still lacks.

Access follows accepted places in the same transaction: an accepted reviewer joins the review
team's group (`view_review`), an accepted lead also the lead group (`lead_review`).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from assurance.models import User
from reviews.allocation.pool import matcher_input, violations
from reviews.models import Assignment, Cycle, Review, ReviewerProfile, ReviewerRole

RESPOND_WITHIN_DAYS = 14


class AllocationError(Exception):
    """A change the rules refuse; the message is shown to the person."""


# Access that follows assignments ----------------------------------------------------------


def review_team(review: Review) -> Group:
    group, created = Group.objects.get_or_create(name=f"review:{review.pk}:team")
    if created:
        assign_perm("reviews.view_review", group, review)
        assign_perm("reviews.team_review", group, review)
    return group


def review_lead(review: Review) -> Group:
    group, created = Group.objects.get_or_create(name=f"review:{review.pk}:lead")
    if created:
        assign_perm("reviews.view_review", group, review)
        assign_perm("reviews.team_review", group, review)
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


# Invitations -------------------------------------------------------------------------------


def send_invitations(assignments: list[Assignment]) -> None:
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
    assignment._history_user = by  # named in the history outside a request too
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
    assignment._history_user = by  # named in the history outside a request too
    assignment.save(update_fields=["status", "decline_reason"])
    if was_accepted:
        _revoke(assignment)
    return assignment


def _tell_coordinators_of_decline(assignment: Assignment) -> None:
    network = assignment.review.service.network
    recipients = network.coordinator_emails()
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
    before = set(violations(data, [], set()))
    waived = {(profile.pk, review.pk)} if waiver.strip() else set()
    conflicted = set(violations(data, [new], set())) - before
    after = set(violations(data, [new], waived)) - before
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
    assignment = Assignment(
        review=review,
        reviewer=profile,
        role=role,
        explanation=_("Added by %(person)s.") % {"person": by},
        conflict_waiver=waiver.strip() if check.conflict else "",
        respond_by=min(
            timezone.localdate() + timedelta(days=RESPOND_WITHIN_DAYS), cycle.visits_from
        ),
    )
    assignment._history_user = by  # named in the history outside a request too
    assignment.save(force_insert=True)
    # The same invitation email as a confirmed proposal's.
    transaction.on_commit(lambda: send_invitations([assignment]))
    return assignment, check


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
