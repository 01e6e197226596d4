"""The matcher's plain data: the roles, and frozen dataclasses for inputs, rules and outputs.

Inputs are `ReviewNeed` and `Reviewer`; rules are `Rules` (with its `Weights`) and the display
`Names`; outputs are `Allocation`, made of `Assignment`, `UnfilledSlot` and `ObjectiveParts`.
None of them touches a model or the database, so `propose` stays a pure function.
"""

from collections.abc import Mapping
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
