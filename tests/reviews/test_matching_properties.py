"""Property tests of reviews/matching/ on small random networks.

Each example is a network of 3-8 services in 2-4 organisations, 1-4 reviews and 4-15 reviewers
with random roles, capacity (0-3, mostly 1-3), training, regions, settings, conflicts, waivers,
history and declined pairs, under random rules (1-3 peers, reciprocal pairs forbidden or not,
and pruning as tight as 1 candidate per slot, so the greedy pass after the solver runs too).

What is checked:
- `find_violations`, the checker written apart from the model, finds nothing to object to.
- Every team's members plus its reported unfilled slots make exactly the team the rules ask for,
  and every unfilled slot gives at least one reason.
- Maximality, by brute force: for each unfilled slot, adding any reviewer at all (the whole
  pool, not the pruned candidates) to that slot, with the rest of the allocation as it is, breaks
  a hard constraint. This is "nobody could have been added", not "no better allocation exists":
  a different allocation might fill more slots, and that is the optimiser's job, checked on
  known cases in test_matching.py.
- A refill (keep some assignments, decline others) keeps what it must and avoids what it must.
- Without pruning, the model's candidates are exactly the triples the checker allows.
- Shuffling the order of every input gives the same allocation.
"""

from collections import Counter

from hypothesis import event, given, settings
from hypothesis import strategies as st

from reviews.matching import ROLES, Reviewer, ReviewNeed, Rules, find_violations, propose

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)
REGIONS = ("north_east", "london", "wales")
SETTING_TYPES = ("hostel", "ward", "pipe")
CONSTRAINTS = ("conflicts", "org_conflicts", "waived", "history", "excluded")


@st.composite
def cycles(draw) -> dict:
    organisations = range(1, draw(st.integers(2, 4)) + 1)
    services = range(1, draw(st.integers(3, 8)) + 1)
    org = {s: draw(st.sampled_from(organisations)) for s in services}
    region = {s: draw(st.sampled_from(REGIONS)) for s in services}
    setting = {s: draw(st.sampled_from(SETTING_TYPES)) for s in services}
    reviewed = draw(st.lists(st.sampled_from(services), min_size=1, max_size=4, unique=True))
    review_ids = draw(
        st.lists(st.integers(1, 999), min_size=len(reviewed), max_size=len(reviewed), unique=True)
    )
    reviews = [
        ReviewNeed(r, s, org[s], region[s], setting[s])
        for r, s in zip(review_ids, reviewed, strict=True)
    ]
    people_ids = draw(st.lists(st.integers(1, 999), min_size=4, max_size=15, unique=True))
    reviewers = []
    for pid in people_ids:
        home = draw(st.sampled_from(services))
        reviewers.append(
            Reviewer(
                reviewer_id=pid,
                home_service_id=home,
                organisation_id=org[home],
                roles=draw(st.frozensets(st.sampled_from(ROLES), min_size=1)),
                capacity=draw(st.sampled_from((0, 1, 2, 2, 3))),
                regions=draw(st.frozensets(st.sampled_from(REGIONS))),
                setting_types=draw(st.frozensets(st.sampled_from(SETTING_TYPES))),
                trained=draw(st.sampled_from((True, True, True, False))),
            )
        )
    person, service = st.sampled_from(people_ids), st.sampled_from(services)
    review = st.sampled_from(review_ids)
    return {
        "reviews": reviews,
        "reviewers": reviewers,
        "conflicts": draw(st.sets(st.tuples(person, service), max_size=3)),
        "org_conflicts": draw(
            st.sets(st.tuples(person, st.sampled_from(organisations)), max_size=2)
        ),
        "waived": draw(st.sets(st.tuples(person, review), max_size=3)),
        "history": draw(st.sets(st.tuples(person, service), max_size=3)),
        "excluded": draw(st.sets(st.tuples(review, person), max_size=2)),
        "given_by_service": draw(st.dictionaries(service, st.integers(-2, 4), max_size=3)),
        "rules": Rules(
            peers_per_team=draw(st.integers(1, 3)),
            forbid_reciprocal=draw(st.booleans()),
            candidates_per_slot=draw(st.integers(1, 6)),
            candidates_per_reviewer=draw(st.integers(0, 3)),
            time_limit_seconds=10,
        ),
    }


def run(cycle: dict, **changes):
    given_inputs = {**cycle, **changes}
    return propose(
        given_inputs["reviews"],
        given_inputs["reviewers"],
        rules=given_inputs["rules"],
        fixed=given_inputs.get("fixed", ()),
        given_by_service=given_inputs["given_by_service"],
        **{key: given_inputs[key] for key in CONSTRAINTS},
    )


def problems_with(allocation, cycle: dict, fixed=()) -> list[str]:
    rules = cycle["rules"]
    constraints = {key: cycle[key] for key in CONSTRAINTS}
    triples = [(a.review_id, a.reviewer_id, a.role) for a in allocation.assignments]

    def breaks_a_rule(assignments, with_fixed=()) -> list[str]:
        return find_violations(
            assignments,
            cycle["reviews"],
            cycle["reviewers"],
            rules=rules,
            fixed=with_fixed,
            **constraints,
        )

    problems = breaks_a_rule(triples, fixed)
    accounted = Counter((r, role) for r, _, role in triples)
    for slot in allocation.unfilled:
        accounted[slot.review_id, slot.role] += slot.missing
        if not slot.reasons:
            problems.append(f"unfilled {slot} gives no reason")
        for person in cycle["reviewers"]:
            addition = (slot.review_id, person.reviewer_id, slot.role)
            if not breaks_a_rule([*triples, addition]):
                problems.append(f"{addition} could have filled {slot}")
    for review in cycle["reviews"]:
        for role in ROLES:
            if accounted[review.review_id, role] != rules.demand(role):
                problems.append(f"review {review.review_id} {role}: {accounted} accounted for")
    return problems


@PROPERTY_SETTINGS
@given(cycle=cycles())
def test_proposal_breaks_no_hard_rule_and_leaves_no_fillable_slot(cycle):
    allocation = run(cycle)
    event(f"some slot unfilled: {bool(allocation.unfilled)}")
    event(f"greedy pass filled a slot: {allocation.filled_after_solve > 0}")

    assert problems_with(allocation, cycle) == []


@PROPERTY_SETTINGS
@given(cycle=cycles(), data=st.data())
def test_refill_keeps_accepted_and_avoids_declined(cycle, data):
    first = run(cycle)
    accepted, declined = [], set()
    for a in first.assignments:
        answer = data.draw(st.sampled_from(("accept", "accept", "decline", "open")))
        if answer == "accept":
            accepted.append((a.review_id, a.reviewer_id, a.role))
        elif answer == "decline":
            declined.add((a.review_id, a.reviewer_id))
    cycle = {**cycle, "excluded": cycle["excluded"] | declined}

    refill = run(cycle, fixed=accepted)

    assert problems_with(refill, cycle, fixed=accepted) == []


@PROPERTY_SETTINGS
@given(cycle=cycles(), data=st.data())
def test_without_pruning_candidates_are_exactly_what_the_checker_allows(cycle, data):
    first = run(cycle)
    triples = [(a.review_id, a.reviewer_id, a.role) for a in first.assignments]
    fixed = data.draw(st.sets(st.sampled_from(triples))) if triples else set()
    rules = Rules(
        peers_per_team=cycle["rules"].peers_per_team,
        forbid_reciprocal=cycle["rules"].forbid_reciprocal,
        candidates_per_slot=10_000,
        candidates_per_reviewer=0,
    )
    cycle = {**cycle, "rules": rules}
    constraints = {key: cycle[key] for key in CONSTRAINTS}
    on_review = {(r, p) for r, p, _ in fixed}
    allowed = [
        (review.review_id, person.reviewer_id, role)
        for review in cycle["reviews"]
        for person in cycle["reviewers"]
        for role in ROLES
        if (review.review_id, person.reviewer_id) not in on_review
        and not find_violations(
            [*fixed, (review.review_id, person.reviewer_id, role)],
            cycle["reviews"],
            cycle["reviewers"],
            rules=rules,
            **constraints,
        )
    ]

    allocation = run(cycle, fixed=sorted(fixed))

    assert allocation.candidates == len(fixed) + len(allowed)


@PROPERTY_SETTINGS
@given(cycle=cycles(), data=st.data())
def test_input_order_does_not_change_the_allocation(cycle, data):
    shuffled = {
        **cycle,
        "reviews": data.draw(st.permutations(cycle["reviews"])),
        "reviewers": data.draw(st.permutations(cycle["reviewers"])),
    }
    for key in CONSTRAINTS:
        shuffled[key] = data.draw(st.permutations(sorted(cycle[key])))

    assert run(shuffled) == run(cycle)
