"""The teams after solving: the greedy pass that fills what the solver left open, the reasons a
slot stays empty, the explanation of each assignment, and the allocation's soft costs.

`_Teams` holds an allocation in progress and re-checks each placement against the same hard
filters as the model (`_Network.blocker`), plus what only placed people decide: the same
team, capacity used, and which way reviewing already goes between two services.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable

from reviews.matching.inputs import (
    ROLE_NAMES,
    ROLES,
    Names,
    ObjectiveParts,
    Reviewer,
    ReviewNeed,
    UnfilledSlot,
)
from reviews.matching.model import _Network

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
