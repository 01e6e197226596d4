"""Allocating review teams: from the reviewer pool to accepted assignments.

- `matcher_input(cycle)` turns the database into the matcher's plain input (reviews/matching/);
  its sha256 tells a stale proposal from a current one.
- `request_proposal` queues `run_proposal`, a background task that runs the matcher and stores
  the result on a `Proposal`, so the coordinator's page shows its progress.
- `confirm` turns a ready, still-current proposal into invitations (`Assignment`s).
- `respond` records a reviewer's acceptance (which gives them the review) or decline (which
  tells the coordinators and re-opens the slot); `withdraw` takes a place away.
- `add_to_team` invites one person by hand, if `check_addition` finds the rules allow it.
- `derived_conflicts` says why someone must not review a service, beyond what they declared.

Assignment statuses change only here, and access follows them in the same transaction: an
accepted reviewer joins the review team's group (`view_review`), an accepted lead also the
lead group (`lead_review`).

The package, split by concern; import from `reviews.allocation`, which re-exports the public
names:
- `pool.py`: reads only. The matcher's input from the database and its fingerprint, `solve` and
  `violations` (the calls into the matcher), derived conflicts, last cycle's history, and the
  reciprocity ledger.
- `teams.py`: places on teams and the access they give: `respond`, `withdraw`, `check_addition`,
  `add_to_team`, invitation e-mails, `team_problems`; and `AllocationError`.
- `proposals.py`: `request_proposal`, the `run_proposal` task, `confirm` and `StaleProposal`.
"""

from reviews.allocation.pool import (
    derived_conflicts,
    fingerprint,
    ledger,
    matcher_input,
    reviewed_last_cycle,
    reviews_needing_teams,
    solve,
    violations,
)
from reviews.allocation.proposals import StaleProposal, confirm, request_proposal, run_proposal
from reviews.allocation.teams import (
    RESPOND_WITHIN_DAYS,
    AllocationError,
    TeamCheck,
    add_to_team,
    check_addition,
    respond,
    review_lead,
    review_team,
    send_invitations,
    team_problems,
    withdraw,
)

__all__ = [
    "RESPOND_WITHIN_DAYS",
    "AllocationError",
    "StaleProposal",
    "TeamCheck",
    "add_to_team",
    "check_addition",
    "confirm",
    "derived_conflicts",
    "fingerprint",
    "ledger",
    "matcher_input",
    "request_proposal",
    "respond",
    "review_lead",
    "review_team",
    "reviewed_last_cycle",
    "reviews_needing_teams",
    "run_proposal",
    "send_invitations",
    "solve",
    "team_problems",
    "violations",
    "withdraw",
]
