"""Proposals: the matcher run in the background, and its result turned into invitations.

- `request_proposal` queues `run_proposal`, a background task that runs the matcher and stores
  the result on a `Proposal`, so the coordinator's page shows its progress.
- `confirm` turns a ready, still-current proposal into invitations (`Assignment`s); a proposal
  whose input changed since it was made raises `StaleProposal`, which says what changed.

`run_proposal` is defined here and re-exported by `reviews.allocation`; the task backend stores
its dotted path, `reviews.allocation.proposals.run_proposal`. Tasks queued before the package
split stored `reviews.allocation.run_proposal`, which the re-export still resolves, so keep it.
"""

from dataclasses import asdict
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assurance.models import User
from assurance.tasks import task
from reviews.allocation.pool import fingerprint, matcher_input, reviews_needing_teams, solve
from reviews.allocation.teams import RESPOND_WITHIN_DAYS, AllocationError, send_invitations
from reviews.models import Assignment, Cycle, Proposal


class StaleProposal(AllocationError):
    """The data changed since the proposal was made; `differences` says how."""

    def __init__(self, differences: list[str]):
        super().__init__(_("Reviews or reviewers changed since this proposal was made."))
        self.differences = differences


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
    transaction.on_commit(lambda: send_invitations(created))
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
