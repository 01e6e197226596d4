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

Deterministic: every input is sorted by id before the model is built, so the order of the input
does not matter, and a tiny id-based nudge on each candidate's cost makes equally good
allocations unequal. A run stopped by the time limit returns the best allocation found so far
(and the greedy pass completes it); which one that is can depend on the machine's speed, and
`Allocation.status` says "time_limit".
"""

import time
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

LEAD, PEER, EXPERT = "lead", "peer", "expert"
ROLES = (LEAD, PEER, EXPERT)
ROLE_NAMES = {LEAD: "lead reviewer", PEER: "peer reviewer", EXPERT: "expert by experience"}


@dataclass(frozen=True)
class ReviewNeed:
    """A review that needs a team: the host service, its organisation, region and setting."""

    review_id: int
    service_id: int
    organisation_id: int
    region: str
    setting_type: str


@dataclass(frozen=True)
class Reviewer:
    """A person who can review: home service, roles, capacity this cycle, regions and settings."""

    reviewer_id: int
    home_service_id: int
    organisation_id: int
    roles: frozenset[str]
    capacity: int
    regions: frozenset[str] = frozenset()
    setting_types: frozenset[str] = frozenset()
    trained: bool = True


@dataclass(frozen=True)
class Weights:
    """What each soft aim costs, per unit: a mixed team matters most, then travel."""

    region: float = 4.0  # per reviewer from outside the host's region
    setting: float = 2.0  # per reviewer unfamiliar with the host's setting type
    reciprocity: float = 1.5  # per slot of |given - received| for a service
    load: float = 1.0  # k x this for a person's (k+1)th review this cycle
    organisation: float = 5.0  # per extra team member from an organisation already on the team


@dataclass(frozen=True)
class Rules:
    """How teams are made. `time_limit_seconds` is the whole call's budget, not only the solver's.

    `candidates_per_slot` (per open place) 16 and `candidates_per_reviewer` 8: on the benchmark's
    national cycles (500 reviews, 1,500 reviewers; `manage.py bench_matching`) 16 reached the
    same optimum as 25 and 40 in about half and a third of the time, and 12 was a little worse.
    `seed` only breaks ties between equally good reviewers.
    """

    peers_per_team: int = 2
    forbid_reciprocal: bool = True
    weights: Weights = Weights()
    time_limit_seconds: float = 25.0
    candidates_per_slot: int = 16
    candidates_per_reviewer: int = 8
    seed: int = 0

    def __post_init__(self) -> None:
        if self.peers_per_team < 1:
            raise ValueError("A team needs at least one peer reviewer.")
        if self.candidates_per_slot < 1 or self.candidates_per_reviewer < 0:
            raise ValueError("Keep at least one candidate per slot.")
        if self.time_limit_seconds <= 0:
            raise ValueError("The time limit must be positive.")
        if min(vars(self.weights).values()) < 0:
            raise ValueError("Weights cannot be negative.")

    def demand(self, role: str) -> int:
        return self.peers_per_team if role == PEER else 1


@dataclass(frozen=True)
class Names:
    """Optional display names for explanations; ids and codes are used where a name is missing."""

    services: Mapping[int, str] = field(default_factory=dict)
    organisations: Mapping[int, str] = field(default_factory=dict)
    regions: Mapping[str, str] = field(default_factory=dict)
    setting_types: Mapping[str, str] = field(default_factory=dict)

    def service(self, service_id: int) -> str:
        return self.services.get(service_id, f"service {service_id}")

    def organisation(self, organisation_id: int) -> str:
        return self.organisations.get(organisation_id, f"organisation {organisation_id}")

    def region(self, region: str) -> str:
        return self.regions.get(region, region.replace("_", " ").title())

    def setting_type(self, setting_type: str) -> str:
        return self.setting_types.get(setting_type, setting_type.replace("_", " "))


@dataclass(frozen=True)
class Assignment:
    review_id: int
    reviewer_id: int
    role: str
    explanation: str = ""


@dataclass(frozen=True)
class UnfilledSlot:
    """Slots of one role in one review that nobody could fill, and why nobody could."""

    review_id: int
    role: str
    missing: int
    reasons: tuple[str, ...]
    partly_filled: bool = False

    @property
    def summary(self) -> str:
        further = "further " if self.partly_filled else ""
        return f"No {further}trained {ROLE_NAMES[self.role]} is free: " + ", ".join(self.reasons)


@dataclass(frozen=True)
class ObjectiveParts:
    """The allocation's soft costs, counted on the final result (not taken from the solver).

    `total` weighs the soft parts; unfilled slots are reported here but not priced in it.
    """

    unfilled_slots: int
    outside_region: int
    unfamiliar_setting: int
    reciprocity_imbalance: int
    extra_load: int
    shared_organisation: int
    total: float


@dataclass(frozen=True)
class Allocation:
    """A proposal. `status`: "optimal", "time_limit", "node_limit", "nothing_to_solve" or
    "no_solution" (the solver returned nothing; the greedy pass made the proposal)."""

    assignments: tuple[Assignment, ...]
    unfilled: tuple[UnfilledSlot, ...]
    status: str
    objective: ObjectiveParts
    candidates: int = 0
    filled_after_solve: int = 0
    solver_message: str = field(default="", compare=False)
    seconds: float = field(default=0.0, compare=False)


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
    """Propose teams for `reviews` from `reviewers` (see the module docstring for the model).

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


_REASONS = {  # (one, many), in the order a person is counted: first rule that applies
    "training": ("{n} has training that is not current", "{n} have training that is not current"),
    "own_service": ("{n} works in this service", "{n} work in this service"),
    "own_organisation": (
        "{n} is in the same organisation ({org})",
        "{n} are in the same organisation ({org})",
    ),
    "conflict": ("{n} has a declared conflict", "{n} have a declared conflict"),
    "history": ("{n} reviewed this service last cycle", "{n} reviewed this service last cycle"),
    "excluded": ("{n} declined this review", "{n} declined this review"),
    "same_team": ("{n} is already on this team", "{n} are already on this team"),
    "capacity": ("{n} is at capacity", "{n} are at capacity"),
    "reciprocal": (
        "{n} comes from a service this service's staff review this cycle",
        "{n} come from services this service's staff review this cycle",
    ),
}


class _Teams:
    """An allocation in progress: who is where, loads, and which way reviewing goes."""

    def __init__(self, net: _Network, triples: Iterable[tuple[int, int, str]]) -> None:
        self.net = net
        self.triples: set[tuple[int, int, str]] = set()
        self.load: Counter[int] = Counter()
        self.members: dict[int, dict[int, str]] = defaultdict(dict)
        self.directions: Counter[tuple[int, int]] = Counter()
        self.given: Counter[int] = Counter()
        for triple in sorted(triples):
            self.add(*triple)

    def add(self, review_id: int, reviewer_id: int, role: str) -> None:
        person, need = self.net.reviewer[reviewer_id], self.net.review[review_id]
        self.triples.add((review_id, reviewer_id, role))
        self.load[reviewer_id] += 1
        self.members[review_id][reviewer_id] = role
        self.directions[person.home_service_id, need.service_id] += 1
        self.given[person.home_service_id] += 1

    def count(self, review_id: int, role: str) -> int:
        return sum(1 for r in self.members[review_id].values() if r == role)

    def blocker(self, need: ReviewNeed, person: Reviewer, role: str) -> str | None:
        if reason := self.net.blocker(need, person, role):
            return reason
        if person.reviewer_id in self.members[need.review_id]:
            return "same_team"
        if self.load[person.reviewer_id] >= person.capacity:
            return "capacity"
        if (
            self.net.rules.forbid_reciprocal
            and self.directions[need.service_id, person.home_service_id]
        ):
            return "reciprocal"
        return None

    def fill_greedily(self) -> int:
        """Fill what the solver left open from the whole pool, cheapest first. A single pass is
        enough: each placement only uses capacity or closes a direction, so a slot nobody could
        take when it was visited stays that way."""
        added = 0
        for need in self.net.reviews:
            for role in ROLES:
                missing = self.net.rules.demand(role) - self.count(need.review_id, role)
                if missing <= 0:
                    continue
                for person in sorted(
                    self.net.pool[role],
                    key=lambda p: self.net.rank(need, p, self.load[p.reviewer_id]),
                ):
                    if missing and self.blocker(need, person, role) is None:
                        self.add(need.review_id, person.reviewer_id, role)
                        missing -= 1
                        added += 1
        return added

    def unfilled(self, names: Names) -> tuple[UnfilledSlot, ...]:
        slots = []
        for need in self.net.reviews:
            for role in ROLES:
                have = self.count(need.review_id, role)
                missing = self.net.rules.demand(role) - have
                if missing <= 0:
                    continue
                counts = Counter(
                    self.blocker(need, person, role)
                    for person in self.net.reviewers
                    if role in person.roles
                )
                reasons = tuple(
                    _REASONS[key][counts[key] != 1].format(
                        n=counts[key], org=names.organisation(need.organisation_id)
                    )
                    for key in _REASONS
                    if counts[key]
                )
                if not reasons:
                    reasons = ("nobody in the pool holds this role",)
                slots.append(UnfilledSlot(need.review_id, role, missing, reasons, have > 0))
        return tuple(slots)

    def explain(self, review_id: int, reviewer_id: int, role: str, names: Names, kept: bool) -> str:
        need, person = self.net.review[review_id], self.net.reviewer[reviewer_id]
        home = names.service(person.home_service_id)
        parts = [
            f"{ROLE_NAMES[role].capitalize()} from {home} "
            f"({names.organisation(person.organisation_id)})"
        ]
        if kept:
            parts.insert(0, "Accepted earlier and kept")
        region = names.region(need.region)
        if need.region in person.regions:
            parts.append(f"works in the same region ({region})")
        else:
            parts.append(f"would travel: works outside the region ({region})")
        setting = names.setting_type(need.setting_type)
        if need.setting_type in person.setting_types:
            parts.append(f"knows this kind of setting ({setting})")
        else:
            parts.append(f"new to this kind of setting ({setting})")
        service = person.home_service_id
        given = self.net.prior.get(service, 0) + self.given[service]
        if service in self.net.deficit and given <= self.net.received[service]:
            parts.append(
                f"helps {home} give back: it receives {self.net.received[service]} review "
                f"slots this cycle and its reviewers give {given}"
            )
        parts.append(
            f"takes {self.load[reviewer_id]} of up to {person.capacity} reviews this cycle"
        )
        shared = sum(
            1
            for p in self.members[review_id]
            if p != reviewer_id and self.net.reviewer[p].organisation_id == person.organisation_id
        )
        if shared:
            others = "another member" if shared == 1 else f"{shared} other members"
            parts.append(f"from the same organisation as {others} of the team")
        return "; ".join(parts)

    def objective(self) -> ObjectiveParts:
        net, w = self.net, self.net.rules.weights
        unfilled = sum(
            max(0, net.rules.demand(role) - self.count(need.review_id, role))
            for need in net.reviews
            for role in ROLES
        )
        outside = unfamiliar = 0
        for r, p, _ in self.triples:
            outside += net.review[r].region not in net.reviewer[p].regions
            unfamiliar += net.review[r].setting_type not in net.reviewer[p].setting_types
        services = set(net.received) | set(net.prior) | set(self.given)
        imbalance = sum(
            abs(net.prior.get(s, 0) + self.given[s] - net.received[s]) for s in services
        )
        extra_load = sum(n * (n - 1) // 2 for n in self.load.values())
        shared = 0
        for team in self.members.values():
            orgs = Counter(net.reviewer[p].organisation_id for p in team)
            shared += sum(n - 1 for n in orgs.values())
        soft = (
            w.region * outside
            + w.setting * unfamiliar
            + w.reciprocity * imbalance
            + w.load * extra_load
            + w.organisation * shared
        )
        return ObjectiveParts(
            unfilled_slots=unfilled,
            outside_region=outside,
            unfamiliar_setting=unfamiliar,
            reciprocity_imbalance=imbalance,
            extra_load=extra_load,
            shared_organisation=shared,
            total=round(soft, 6),
        )


def find_violations(
    assignments: Iterable[Assignment | tuple[int, int, str]],
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
) -> list[str]:
    """Every hard constraint that `assignments` break, in plain English; empty when none.

    Deliberately shares nothing with the model above, so that it can check the model. It does
    not check that teams are full: a short team is allowed, an over-full one is not.
    """
    review_by_id = {r.review_id: r for r in reviews}
    person_by_id = {p.reviewer_id: p for p in reviewers}
    conflicts, org_conflicts = set(conflicts), set(org_conflicts)
    waived, history, excluded = set(waived), set(history), set(excluded)
    problems: list[str] = []
    on_review: set[tuple[int, int]] = set()
    per_role: Counter[tuple[int, str]] = Counter()
    load: Counter[int] = Counter()
    goes: set[tuple[int, int]] = set()
    given: set[tuple[int, int, str]] = set()
    for item in assignments:
        if isinstance(item, Assignment):
            review_id, reviewer_id, role = item.review_id, item.reviewer_id, item.role
        else:
            review_id, reviewer_id, role = item
        given.add((review_id, reviewer_id, role))
        who = f"review {review_id}: reviewer {reviewer_id}"
        review, person = review_by_id.get(review_id), person_by_id.get(reviewer_id)
        if review is None or person is None:
            problems.append(f"{who} refers to an unknown review or reviewer")
            continue
        if role not in ("lead", "peer", "expert"):
            problems.append(f"{who} has an unknown role {role!r}")
            continue
        if (review_id, reviewer_id) in on_review:
            problems.append(f"{who} appears more than once on the team")
        on_review.add((review_id, reviewer_id))
        per_role[review_id, role] += 1
        load[reviewer_id] += 1
        goes.add((person.home_service_id, review.service_id))
        if role not in person.roles:
            problems.append(f"{who} does not hold the {role} role")
        if not person.trained:
            problems.append(f"{who} has training that is not current")
        if person.home_service_id == review.service_id:
            problems.append(f"{who} works in the host service")
        if person.organisation_id == review.organisation_id:
            problems.append(f"{who} is in the host's organisation")
        declared = (reviewer_id, review.service_id) in conflicts or (
            reviewer_id,
            review.organisation_id,
        ) in org_conflicts
        if declared and (reviewer_id, review_id) not in waived:
            problems.append(f"{who} has a declared conflict that was not waived")
        if (reviewer_id, review.service_id) in history:
            problems.append(f"{who} reviewed this service last cycle")
        if (review_id, reviewer_id) in excluded:
            problems.append(f"{who} is an excluded pair")
    for (review_id, role), n in sorted(per_role.items()):
        allowed = rules.peers_per_team if role == "peer" else 1
        if n > allowed:
            problems.append(f"review {review_id}: {n} in the {role} role, more than {allowed}")
    for reviewer_id, n in sorted(load.items()):
        if n > person_by_id[reviewer_id].capacity:
            problems.append(f"reviewer {reviewer_id}: {n} reviews, over capacity")
    if rules.forbid_reciprocal:
        for a, b in sorted(goes):
            if a < b and (b, a) in goes:
                problems.append(f"services {a} and {b} review each other")
    for triple in fixed:
        if tuple(triple) not in given:
            problems.append(f"fixed assignment {tuple(triple)} is missing")
    return problems
