"""The integer program: the input's lookups and hard filters, pruning, building it and solving it.

`_Network` is the input sorted by id, with the hard filters (`blocker`) and costs that the
greedy pass in `teams.py` shares. `_candidates` prunes with the same filters over numpy arrays,
and `_solve` builds the program and solves it. numpy and scipy are imported inside the
functions that use them: they are slow to import, and ruff bans scipy at module level.

The model, in brief (x = candidate, u = unfilled slack, all costs minimised):
- Team: for each review and role, sum of x + u = 1 lead, `peers_per_team` peers, 1 expert by
  experience. u costs more than any one assignment can cost, so a slot stays empty only when
  nobody can fill it; after solving, a greedy pass over the whole pool (not just the pruned
  candidates) fills any slot that someone eligible and free could still take.
- One person at most once per review; capacity per person (fixed assignments included).
- Reciprocal pairs: binary z per pair {A, B}: x(A reviews B) <= z and x(B reviews A) <= 1 - z.
- Hard filters before the model: role held, training current, not the host service or its
  organisation, no declared conflict unless waived, not last cycle's reviewer of the service,
  not an excluded (declined) pair.
- Costs: outside region, unfamiliar setting, |given - received| per service (seeded by
  `given_by_service`), rising cost for each further review one person takes, and each extra team
  member from an organisation already on the team.

Pruning: a national cycle has about 1.5 million (review, reviewer, role) triples, so after the
hard filters the model keeps, for each open slot, its `candidates_per_slot` best reviewers per
open place by the assignment's own cost, plus, for each reviewer, their `candidates_per_reviewer`
best slots by region and setting. The second list matters: a slot-side list alone crowds onto
the same few hundred people (every review prefers reviewers whose service owes slots), whose
capacity then runs out. Ties are broken by a fixed hash of (seed, review, reviewer), not by
lowest id, for the same reason. Pruning only removes options, so it cannot break a hard
constraint. It can miss the soft optimum (a reviewer ranked below the cut for a slot might have
been the better choice overall), and it can leave a slot empty that the full model would fill;
the greedy pass over the whole pool then fills it if anyone eligible is still free.
"""

import time
from collections import Counter, defaultdict
from collections.abc import Iterable

from reviews.matching.inputs import ROLES, Reviewer, ReviewNeed


class _Network:
    """The input, sorted by id, with the lookups both the model and the greedy pass need."""

    def __init__(self, reviews, reviewers, rules, **given) -> None:
        self.rules = rules
        self.reviews = sorted(reviews, key=lambda r: r.review_id)
        self.reviewers = sorted(reviewers, key=lambda p: p.reviewer_id)
        self.review = {r.review_id: r for r in self.reviews}
        self.reviewer = {p.reviewer_id: p for p in self.reviewers}
        if len(self.review) < len(self.reviews) or len(self.reviewer) < len(self.reviewers):
            raise ValueError("Review ids and reviewer ids must be unique.")
        for person in self.reviewers:
            if not person.roles <= set(ROLES):
                raise ValueError(f"Reviewer {person.reviewer_id} has an unknown role.")
            if person.capacity < 0:
                raise ValueError(f"Reviewer {person.reviewer_id} has a negative capacity.")
        self.conflicts = frozenset(given["conflicts"])
        self.org_conflicts = frozenset(given["org_conflicts"])
        self.waived = frozenset(given["waived"])
        self.history = frozenset(given["history"])
        self.excluded = frozenset(given["excluded"])
        self.prior = dict(given["given_by_service"])
        team_size = 2 + rules.peers_per_team
        self.received = Counter()
        for need in self.reviews:
            self.received[need.service_id] += team_size
        # A service in deficit gains from giving, up to its deficit; every other service's
        # balance only grows with each slot it gives, so for those the cost is simply linear.
        self.deficit = {
            s: self.received[s] - self.prior.get(s, 0)
            for s in sorted(set(self.received) | set(self.prior))
            if self.received[s] > self.prior.get(s, 0)
        }
        self.pool = {
            role: [p for p in self.reviewers if role in p.roles and p.trained and p.capacity > 0]
            for role in ROLES
        }

    def blocker(self, need: ReviewNeed, person: Reviewer, role: str) -> str | None:
        """The first rule that keeps `person` out of `role` on `need`, before anyone is placed."""
        if role not in person.roles:
            return "role"
        if not person.trained:
            return "training"
        if person.home_service_id == need.service_id:
            return "own_service"
        if person.organisation_id == need.organisation_id:
            return "own_organisation"
        pid = person.reviewer_id
        if (pid, need.review_id) not in self.waived and (
            (pid, need.service_id) in self.conflicts
            or (pid, need.organisation_id) in self.org_conflicts
        ):
            return "conflict"
        if (pid, need.service_id) in self.history:
            return "history"
        if (need.review_id, pid) in self.excluded:
            return "excluded"
        return None

    def fit(self, need: ReviewNeed, person: Reviewer) -> float:
        """What travel and an unfamiliar setting cost for this person on this review."""
        w = self.rules.weights
        return w.region * (need.region not in person.regions) + w.setting * (
            need.setting_type not in person.setting_types
        )

    def cost(self, need: ReviewNeed, person: Reviewer) -> float:
        """The assignment's own linear cost: fit, and reciprocity at the margin."""
        w = self.rules.weights
        owed = person.home_service_id in self.deficit
        return self.fit(need, person) + (-w.reciprocity if owed else w.reciprocity)

    def rank(self, need: ReviewNeed, person: Reviewer, load: int) -> tuple[float, int, int]:
        cost = self.cost(need, person) + self.rules.weights.load * load
        return (
            cost,
            _tiebreak(self.rules.seed, need.review_id, person.reviewer_id),
            person.reviewer_id,
        )


def _tiebreak(seed: int, review_id: int, reviewer_id):
    """A fixed integer mix of the ids, for one reviewer id or a numpy array of them.

    Ties broken by lowest id would send the same few people to the top of every review's list,
    leaving the solver nothing to choose between; the mix spreads them, the same way every run.
    """
    h = ((review_id * 0x9E3779B1 + seed * 0xC2B2AE3D) & 0xFFFFFFFF) + reviewer_id * 0x85EBCA77
    h = h & 0xFFFFFFFF
    h ^= h >> 15
    h = (h * 0x2C1B3C6D) & 0xFFFFFFFF
    return h ^ (h >> 12)


def _candidates(
    net: _Network, fixed: list[tuple[int, int, str]]
) -> dict[tuple[int, str], set[int]]:
    """The reviewers the model may place in each open (review, role) slot.

    A reviewer is kept for a slot if they are among the slot's `candidates_per_slot` best (per
    open place) by the assignment's own cost, or if the slot is among the reviewer's own
    `candidates_per_reviewer` best by region and setting. The second rule matters: costs are
    shared by many slots (every review prefers reviewers whose service owes slots), so the
    slot-side lists alone would crowd onto a few hundred people and leave the rest unused.

    This applies the same filters as `_Network.blocker`, over numpy arrays of all reviewers at
    once, because a national cycle has some 750,000 (review, reviewer) pairs.
    """
    import numpy as np

    rules, w = net.rules, net.rules.weights
    people = net.reviewers
    row = {p.reviewer_id: i for i, p in enumerate(people)}
    ids = np.array([p.reviewer_id for p in people], dtype=np.int64)
    home = np.array([p.home_service_id for p in people], dtype=np.int64)
    org = np.array([p.organisation_id for p in people], dtype=np.int64)
    fixed_load = Counter(p for _, p, _ in fixed)
    fixed_on = defaultdict(list)
    for r, p, _ in fixed:
        fixed_on[r].append(row[p])
    free = np.array([p.trained and p.capacity > fixed_load[p.reviewer_id] for p in people])
    holds = {role: np.array([role in p.roles for p in people], dtype=bool) for role in ROLES}
    in_region = {
        region: np.array([region in p.regions for p in people], dtype=bool)
        for region in {need.region for need in net.reviews}
    }
    knows = {
        setting: np.array([setting in p.setting_types for p in people], dtype=bool)
        for setting in {need.setting_type for need in net.reviews}
    }
    base = np.array(
        [
            (-w.reciprocity if p.home_service_id in net.deficit else w.reciprocity)
            + w.load * fixed_load[p.reviewer_id]
            for p in people
        ]
    )
    blocked = defaultdict(list)  # (rule, id) -> rows of the reviewers it concerns
    for kind, pairs in (
        ("service", net.conflicts),
        ("org", net.org_conflicts),
        ("history", net.history),
        ("waived", net.waived),
        ("excluded", {(pid, review_id) for review_id, pid in net.excluded}),
    ):
        for pid, key in pairs:
            if pid in row:
                blocked[kind, key].append(row[pid])
    closed = defaultdict(list)  # host service -> home services it may no longer receive from
    for r, p, _ in fixed:
        closed[net.reviewer[p].home_service_id].append(net.review[r].service_id)

    kept: dict[tuple[int, str], set[int]] = {}
    picks = []  # (reviewer row, fit, tiebreak, review_id, role index) for the reviewer side
    for need in net.reviews:
        ok = free & (home != need.service_id) & (org != need.organisation_id)
        declared = np.zeros(len(people), dtype=bool)
        declared[blocked["service", need.service_id]] = True
        declared[blocked["org", need.organisation_id]] = True
        declared[blocked["waived", need.review_id]] = False
        ok &= ~declared
        ok[blocked["history", need.service_id]] = False
        ok[blocked["excluded", need.review_id]] = False
        ok[fixed_on[need.review_id]] = False
        if rules.forbid_reciprocal and closed[need.service_id]:
            ok &= ~np.isin(home, closed[need.service_id])
        fit = w.region * ~in_region[need.region] + w.setting * ~knows[need.setting_type]
        cost = fit + base
        tiebreak = _tiebreak(rules.seed, need.review_id, ids)
        for role_index, role in enumerate(ROLES):
            taken = sum(1 for r, _, fr in fixed if r == need.review_id and fr == role)
            open_slots = rules.demand(role) - taken
            if open_slots <= 0:
                continue
            rows = np.flatnonzero(ok & holds[role])
            order = np.lexsort((ids[rows], tiebreak[rows], cost[rows]))
            kept[need.review_id, role] = set(
                ids[rows[order[: rules.candidates_per_slot * open_slots]]].tolist()
            )
            picks.append(
                (
                    rows,
                    fit[rows],
                    tiebreak[rows],
                    np.full(len(rows), need.review_id),
                    np.full(len(rows), role_index),
                )
            )
    if picks and rules.candidates_per_reviewer:
        who, fit, tiebreak, review_ids, roles = (
            np.concatenate(part) for part in zip(*picks, strict=True)
        )
        order = np.lexsort((roles, review_ids, tiebreak, fit, who))
        by_who = who[order]
        rank = np.arange(len(order)) - np.searchsorted(by_who, by_who)
        for i in order[rank < rules.candidates_per_reviewer].tolist():
            kept[int(review_ids[i]), ROLES[roles[i]]].add(int(ids[who[i]]))
    return kept


def _solve(
    net: _Network, fixed: list[tuple[int, int, str]], started: float
) -> tuple[set[tuple[int, int, str]], str, str, int]:
    """Build the integer program over pruned candidates and solve it. Returns chosen triples."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    rules, w = net.rules, net.rules.weights
    cols: list[tuple[ReviewNeed, Reviewer, str]] = []
    col_lb: list[float] = []
    slack: list[tuple[int, int]] = []  # (team row, open slots)
    team_rows: list[tuple[list[int], int]] = []
    fixed_by_slot = defaultdict(list)
    for r, p, role in fixed:
        fixed_by_slot[r, role].append(p)
    kept = _candidates(net, fixed)
    for need in net.reviews:
        for role in ROLES:
            members: list[int] = []
            for pid, lower in [
                *((p, 1.0) for p in fixed_by_slot[need.review_id, role]),
                *((p, 0.0) for p in sorted(kept.get((need.review_id, role), ()))),
            ]:
                members.append(len(cols))
                cols.append((need, net.reviewer[pid], role))
                col_lb.append(lower)
            open_slots = rules.demand(role) - len(fixed_by_slot[need.review_id, role])
            if open_slots > 0:
                slack.append((len(team_rows), open_slots))
            team_rows.append((members, rules.demand(role)))

    n_x = len(cols)
    if n_x == len(fixed):
        return set(fixed), "nothing_to_solve", "No open slot has an eligible candidate.", n_x

    # Many allocations cost the same. A tiny fixed nudge per candidate prefers one of them by
    # ids and gives the LP a unique optimum, which HiGHS rounds faster. All the nudges together
    # stay below a quarter of the smallest weight, so they never outweigh a real preference.
    slots = sum(rules.demand(role) for role in ROLES) * len(net.reviews)
    smallest = min([v for v in vars(w).values() if v > 0], default=1.0)
    nudge = smallest / (4.0 * slots * 2**32)
    cost = [
        net.cost(need, person) + nudge * _tiebreak(rules.seed, need.review_id, person.reviewer_id)
        for need, person, _ in cols
    ]
    lb, ub, integral = list(col_lb), [1.0] * n_x, [1] * n_x
    rows, idx, vals, row_lb, row_ub = [], [], [], [], []

    def new_var(c: float, upper: float = np.inf, is_integer: int = 0) -> int:
        cost.append(c)
        lb.append(0.0)
        ub.append(upper)
        integral.append(is_integer)
        return len(cost) - 1

    def add_row(terms: Iterable[tuple[int, float]], low: float, high: float) -> None:
        row = len(row_lb)
        for var, coefficient in terms:
            rows.append(row)
            idx.append(var)
            vals.append(coefficient)
        row_lb.append(low)
        row_ub.append(high)

    bound = sum(vars(w).values()) + w.load * max(p.capacity for p in net.reviewers)
    fill_weight = 50.0 * (bound + 1.0)
    slack_of = dict(slack)
    for t, (members, demand) in enumerate(team_rows):
        terms = [(c, 1.0) for c in members]
        if t in slack_of:
            terms.append((new_var(fill_weight, slack_of[t]), 1.0))
        add_row(terms, demand, demand)

    by_pair, by_person, by_team_org, by_service, by_dir = (defaultdict(list) for _ in range(5))
    for c, (need, person, _) in enumerate(cols):
        by_pair[need.review_id, person.reviewer_id].append(c)
        by_person[person.reviewer_id].append(c)
        by_team_org[need.review_id, person.organisation_id].append(c)
        by_service[person.home_service_id].append(c)
        by_dir[person.home_service_id, need.service_id].append(c)
    for members in by_pair.values():
        if len(members) > 1:
            add_row(((c, 1.0) for c in members), -np.inf, 1)
    for pid, members in by_person.items():
        capacity = net.reviewer[pid].capacity
        if len(members) > capacity:
            add_row(((c, 1.0) for c in members), -np.inf, capacity)
        for k in range(1, min(capacity, len(members))):  # load above k costs k-fold
            add_row([*((c, 1.0) for c in members), (new_var(w.load), -1.0)], -np.inf, k)
    for members in by_team_org.values():
        if len({cols[c][1].reviewer_id for c in members}) > 1:
            add_row([*((c, 1.0) for c in members), (new_var(w.organisation), -1.0)], -np.inf, 1)
    for service, members in by_service.items():
        if service in net.deficit:
            for c in members:
                cost[c] += w.reciprocity  # the row below prices this service's giving instead
            over, under = new_var(w.reciprocity), new_var(w.reciprocity)
            add_row(
                [*((c, 1.0) for c in members), (over, -1.0), (under, 1.0)],
                *[net.deficit[service]] * 2,
            )
    if rules.forbid_reciprocal:
        for (a, b), forward in sorted(by_dir.items()):
            backward = by_dir.get((b, a))
            if a < b and backward:
                z = new_var(0.0, 1.0, 1)
                for c in forward:
                    add_row([(c, 1.0), (z, -1.0)], -np.inf, 0)
                for c in backward:
                    add_row([(c, 1.0), (z, 1.0)], -np.inf, 1)

    a = coo_array((vals, (rows, idx)), shape=(len(row_lb), len(cost))).tocsr()
    # A tenth of the budget is kept for the greedy pass, reasons and explanations afterwards.
    remaining = max(1.0, 0.9 * rules.time_limit_seconds - (time.monotonic() - started))
    result = milp(
        np.array(cost),
        integrality=np.array(integral),
        bounds=Bounds(np.array(lb), np.array(ub)),
        constraints=LinearConstraint(a, np.array(row_lb), np.array(row_ub)),
        options={"time_limit": remaining},
    )
    message = str(result.message)
    if result.status == 0:
        status = "optimal"
    elif result.status == 1:
        status = "time_limit" if "time" in message.lower() else "node_limit"
    else:
        status = "no_solution"
    if result.x is None:
        return set(fixed), "no_solution", message, n_x
    chosen = {
        (need.review_id, person.reviewer_id, role)
        for (need, person, role), value in zip(cols, result.x[:n_x], strict=True)
        if value > 0.5
    }
    return chosen, status, message, n_x
