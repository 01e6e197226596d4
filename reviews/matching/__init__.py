"""Reviewer allocation: propose review teams for a cycle (DESIGN.md section 9).

`propose(...)` is a pure function from plain data (no models, no database) to an `Allocation`:
who reviews what, in which role, why each person fits, and, for each slot it could not fill, the
reasons that bind. `find_violations(...)` checks any set of assignments, proposed or adjusted by
hand, against the hard constraints. It is written apart from the model so that it can check it.

Why an integer program solved by HiGHS through `scipy.optimize.milp`: HiGHS ships inside scipy,
a single well-known wheel, whereas OR-Tools CP-SAT would add a much larger dependency for no
gain here. An integer program states the rules directly: one binary per (review, reviewer, role)
candidate, equality rows for team composition, capacity rows, and one binary per pair of
services to say which way reviewing may go when reciprocal pairs are forbidden. The soft aims
(region, setting, reciprocity balance, spread of load, mixed teams) are linear or convex
piecewise-linear costs.

The model itself (its rows and costs, and how candidates are pruned) is described in `model.py`.

Deterministic: every input is sorted by id before the model is built, so the order of the input
does not matter, and a tiny id-based nudge on each candidate's cost makes equally good
allocations unequal. A run stopped by the time limit returns the best allocation found so far
(and the greedy pass completes it); which one that is can depend on the machine's speed, and
`Allocation.status` says "time_limit".

The package, split by concern; import from `reviews.matching`, which re-exports the public names:
- `inputs.py`: the roles, and the frozen dataclasses for inputs, rules and outputs.
- `model.py`: the input's lookups and hard filters, candidate pruning, and the integer program.
- `teams.py`: the greedy pass after solving, reasons for unfilled slots, explanations, and the
  final soft costs.
- `check.py`: `find_violations`, kept apart from the model-building code on purpose.
- this file: `propose`, which runs them in that order.
"""

import time
from collections.abc import Collection, Iterable, Mapping

from reviews.matching.check import find_violations
from reviews.matching.inputs import (
    EXPERT,
    LEAD,
    PEER,
    ROLE_NAMES,
    ROLES,
    Allocation,
    Assignment,
    Names,
    ObjectiveParts,
    Reviewer,
    ReviewNeed,
    Rules,
    UnfilledSlot,
    Weights,
)
from reviews.matching.model import _Network, _solve
from reviews.matching.teams import _Teams

__all__ = [
    "EXPERT",
    "LEAD",
    "PEER",
    "ROLES",
    "ROLE_NAMES",
    "Allocation",
    "Assignment",
    "Names",
    "ObjectiveParts",
    "ReviewNeed",
    "Reviewer",
    "Rules",
    "UnfilledSlot",
    "Weights",
    "find_violations",
    "propose",
]


def propose(
    reviews: Iterable[ReviewNeed],
    reviewers: Iterable[Reviewer],
    *,
    rules: Rules,
    conflicts: Collection[tuple[int, int]] = frozenset(),
    org_conflicts: Collection[tuple[int, int]] = frozenset(),
    waived: Collection[tuple[int, int]] = frozenset(),
    history: Collection[tuple[int, int]] = frozenset(),
    fixed: Iterable[tuple[int, int, str]] = (),
    excluded: Collection[tuple[int, int]] = frozenset(),
    given_by_service: Mapping[int, int] | None = None,
    names: Names | None = None,
) -> Allocation:
    """Propose teams for `reviews` from `reviewers` (see `model.py` for the model).

    `conflicts` are (reviewer, service) and `org_conflicts` (reviewer, organisation) declared
    conflicts; `waived` (reviewer, review) pairs lift them, never the host service or
    organisation rule. `history`: (reviewer, service) pairs of the previous cycle. `fixed`:
    (review, reviewer, role) assignments to keep (accepted invitations); they use capacity and
    count for reciprocity, and every one must refer to a review in `reviews`. `excluded`:
    (review, reviewer) pairs never to use (declined). `given_by_service`: slots each service's
    reviewers have already given, net of what it received, before this proposal.

    Raises ValueError when the input contradicts itself: duplicate ids, unknown roles, or fixed
    assignments that break a hard constraint.
    """
    started = time.monotonic()
    net = _Network(
        reviews,
        reviewers,
        rules,
        conflicts=conflicts,
        org_conflicts=org_conflicts,
        waived=waived,
        history=history,
        excluded=excluded,
        given_by_service=given_by_service or {},
    )
    fixed = sorted({(int(r), int(p), role) for r, p, role in fixed})
    names = names or Names()

    def violations(assignments, **also) -> list[str]:
        return find_violations(
            assignments,
            net.reviews,
            net.reviewers,
            rules=rules,
            conflicts=conflicts,
            org_conflicts=org_conflicts,
            waived=waived,
            history=history,
            excluded=excluded,
            **also,
        )

    if problems := violations(fixed):
        raise ValueError("Fixed assignments break a hard constraint: " + "; ".join(problems))

    chosen, status, message, candidates = _solve(net, fixed, started)
    team = _Teams(net, chosen)
    filled_after_solve = team.fill_greedily()
    final = sorted(team.triples, key=lambda t: (t[0], ROLES.index(t[2]), t[1]))
    if problems := violations(final, fixed=fixed):  # a bug here, never the caller's to fix
        raise RuntimeError("The matcher broke a hard constraint: " + "; ".join(problems))
    kept = set(fixed)
    assignments = tuple(
        Assignment(r, p, role, team.explain(r, p, role, names, (r, p, role) in kept))
        for r, p, role in final
    )
    return Allocation(
        assignments=assignments,
        unfilled=team.unfilled(names),
        status=status,
        objective=team.objective(),
        candidates=candidates,
        filled_after_solve=filled_after_solve,
        solver_message=message,
        seconds=round(time.monotonic() - started, 3),
    )
