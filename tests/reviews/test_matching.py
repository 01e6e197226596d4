"""reviews/matching/: known optimum, each hard rule against a tempting choice, reasons, refills.

Every network here is small and built by hand. HOST is the service under review (Quayside Hostel,
run by Harbour Lights, in the South West). A "tempting" reviewer fits perfectly (same region,
knows hostels); a "fallback" one travels and is new to the setting, so the matcher only picks
the fallback when a hard rule keeps the tempting one out.
"""

import io
import json
from dataclasses import replace

import pytest
from django.core.management import call_command

from reviews.matching import (
    Assignment,
    Names,
    ObjectiveParts,
    Reviewer,
    ReviewNeed,
    Rules,
    UnfilledSlot,
    find_violations,
    propose,
)

HOST, HOST_ORG, REVIEW = 1, 10, 100
RULES = Rules(peers_per_team=1)
NAMES = Names(
    services={1: "Quayside Hostel", 2: "Larch Ward", 3: "Millbrook Day Service", 4: "Oak Wing"},
    organisations={10: "Harbour Lights", 20: "Northgate Health", 30: "Kestrel Homes"},
    regions={"south_west": "South West", "london": "London"},
    setting_types={"hostel": "Hostel", "ward": "Ward"},
)


def need(review_id=REVIEW, service=HOST, org=HOST_ORG, region="south_west", setting="hostel"):
    return ReviewNeed(review_id, service, org, region, setting)


def person(reviewer_id, service=2, org=20, roles="lead peer expert", capacity=1, **fields):
    fields.setdefault("regions", frozenset({"south_west"}))
    fields.setdefault("setting_types", frozenset({"hostel"}))
    return Reviewer(reviewer_id, service, org, frozenset(roles.split()), capacity, **fields)


def far(reviewer_id, service=3, org=30, roles="lead peer expert", capacity=1):
    """A fallback: outside the region and new to hostels."""
    return person(
        reviewer_id,
        service,
        org,
        roles,
        capacity,
        regions=frozenset({"london"}),
        setting_types=frozenset({"ward"}),
    )


def team(allocation, review_id=REVIEW) -> dict[str, set[int]]:
    members: dict[str, set[int]] = {"lead": set(), "peer": set(), "expert": set()}
    for a in allocation.assignments:
        if a.review_id == review_id:
            members[a.role].add(a.reviewer_id)
    return members


def violations(allocation, reviews, reviewers, rules=RULES, **constraints) -> list[str]:
    return find_violations(allocation.assignments, reviews, reviewers, rules=rules, **constraints)


# A known optimum ------------------------------------------------------------------------------


def test_propose_small_case_reaches_the_known_optimum():
    # Both reviews want lead 1, who covers both regions; lead 2 covers only London. Only one
    # allocation keeps everyone in their own region.
    reviews = [
        need(review_id=100, service=4, org=40, region="london"),
        need(review_id=200, service=HOST, org=HOST_ORG, region="south_west"),
    ]
    london = frozenset({"london"})
    reviewers = [
        person(1, service=2, org=20, roles="lead", regions=london | {"south_west"}),
        person(2, service=2, org=20, roles="lead", regions=london),
        person(3, service=3, org=30, roles="peer", regions=london),
        person(4, service=3, org=30, roles="peer"),
        person(5, service=5, org=50, roles="expert", regions=london),
        person(6, service=5, org=50, roles="expert"),
    ]

    allocation = propose(reviews, reviewers, rules=RULES)

    assert allocation.status == "optimal"
    assert team(allocation, 100) == {"lead": {2}, "peer": {3}, "expert": {5}}
    assert team(allocation, 200) == {"lead": {1}, "peer": {4}, "expert": {6}}
    assert allocation.unfilled == ()
    # Nobody travels, nobody shares an organisation, nobody reviews twice; each reviewed service
    # receives 3 slots and gives none, and each of the three giving services gives 2.
    assert allocation.objective == ObjectiveParts(
        unfilled_slots=0,
        outside_region=0,
        unfamiliar_setting=0,
        reciprocity_imbalance=12,
        extra_load=0,
        shared_organisation=0,
        total=RULES.weights.reciprocity * 12,
    )


def test_propose_small_case_weighs_travel_against_a_shared_organisation():
    # The only local expert is from the lead's organisation: a mixed team (5) outweighs travel (4).
    reviewers = [
        person(1, service=2, org=20, roles="lead"),
        person(2, service=3, org=30, roles="peer"),
        person(3, service=2, org=20, roles="expert"),
        person(4, service=4, org=40, roles="expert", regions=frozenset({"london"})),
    ]

    allocation = propose([need()], reviewers, rules=RULES)

    assert team(allocation) == {"lead": {1}, "peer": {2}, "expert": {4}}
    assert allocation.objective.outside_region == 1
    assert allocation.objective.shared_organisation == 0


# Each hard rule keeps out a tempting choice ---------------------------------------------------

TEMPTING, FALLBACK = 7, 8


def lead_network(**tempting_fields):
    """One review; a tempting and a fallback lead; a peer and an expert who are leads neither."""
    reviewers = [
        replace(person(TEMPTING), **tempting_fields),
        far(FALLBACK, roles="lead"),
        person(2, service=3, org=30, roles="peer"),
        person(3, service=4, org=40, roles="expert"),
    ]
    return [need()], reviewers


def test_propose_takes_the_tempting_lead_when_no_rule_blocks():
    reviews, reviewers = lead_network()

    allocation = propose(reviews, reviewers, rules=RULES)

    assert team(allocation)["lead"] == {TEMPTING}


@pytest.mark.parametrize(
    ("tempting_fields", "constraints"),
    [
        ({"home_service_id": HOST, "organisation_id": HOST_ORG}, {}),
        ({"organisation_id": HOST_ORG}, {}),
        ({}, {"conflicts": {(TEMPTING, HOST)}}),
        ({}, {"org_conflicts": {(TEMPTING, HOST_ORG)}}),
        ({}, {"history": {(TEMPTING, HOST)}}),
        ({}, {"excluded": {(REVIEW, TEMPTING)}}),
        ({"trained": False}, {}),
        ({"roles": frozenset({"peer"})}, {}),
        ({"capacity": 0}, {}),
    ],
    ids=[
        "host-service",
        "host-organisation",
        "declared-conflict",
        "declared-organisation-conflict",
        "reviewed-last-cycle",
        "declined",
        "training-lapsed",
        "not-a-lead",
        "no-capacity",
    ],
)
def test_propose_hard_rule_keeps_out_the_tempting_lead(tempting_fields, constraints):
    reviews, reviewers = lead_network(**tempting_fields)

    allocation = propose(reviews, reviewers, rules=RULES, **constraints)

    assert team(allocation)["lead"] == {FALLBACK}
    assert violations(allocation, reviews, reviewers, **constraints) == []


def test_propose_waived_conflict_is_allowed():
    reviews, reviewers = lead_network()

    allocation = propose(
        reviews,
        reviewers,
        rules=RULES,
        conflicts={(TEMPTING, HOST)},
        org_conflicts={(TEMPTING, HOST_ORG)},
        waived={(TEMPTING, REVIEW)},
    )

    assert team(allocation)["lead"] == {TEMPTING}


def test_propose_waiver_never_lifts_the_host_organisation_rule():
    reviews, reviewers = lead_network(organisation_id=HOST_ORG)

    allocation = propose(reviews, reviewers, rules=RULES, waived={(TEMPTING, REVIEW)})

    assert team(allocation)["lead"] == {FALLBACK}


def test_propose_waiver_for_another_review_does_not_count():
    reviews, reviewers = lead_network()

    allocation = propose(
        reviews, reviewers, rules=RULES, conflicts={(TEMPTING, HOST)}, waived={(TEMPTING, 999)}
    )

    assert team(allocation)["lead"] == {FALLBACK}


def test_propose_capacity_limits_a_reviewer_every_review_wants():
    reviews = [need(100), need(200, service=5, org=50)]
    reviewers = [
        person(TEMPTING, roles="lead", capacity=1),
        far(FALLBACK, roles="lead"),
        person(2, service=3, org=30, roles="peer", capacity=2),
        person(3, service=4, org=40, roles="expert", capacity=2),
    ]

    allocation = propose(reviews, reviewers, rules=RULES)

    leads = [a.reviewer_id for a in allocation.assignments if a.role == "lead"]
    assert sorted(leads) == [TEMPTING, FALLBACK]
    assert violations(allocation, reviews, reviewers) == []


def test_propose_one_person_at_most_once_per_team():
    # Person 7 is the only perfect fit for every role; the others all travel.
    reviewers = [
        person(TEMPTING, capacity=3),
        far(FALLBACK, roles="lead"),
        far(2, roles="peer", org=40, service=4),
        far(3, roles="expert", org=50, service=5),
    ]

    allocation = propose([need()], reviewers, rules=RULES)

    members = [a.reviewer_id for a in allocation.assignments]
    assert members.count(TEMPTING) == 1
    assert len(members) == 3


def test_propose_never_makes_a_team_larger_than_asked():
    reviewers = [person(i, service=i, org=100 + i) for i in range(2, 12)]

    allocation = propose([need()], reviewers, rules=Rules(peers_per_team=2))

    assert {role: len(ids) for role, ids in team(allocation).items()} == {
        "lead": 1,
        "peer": 2,
        "expert": 1,
    }


# Reciprocal pairs -----------------------------------------------------------------------------


def two_services_reviewing_each_other():
    """Services 1 and 2 are both reviewed; each other's staff are the only local reviewers."""
    reviews = [need(100, service=1, org=10), need(200, service=2, org=20)]
    reviewers = [
        person(1, service=1, org=10, capacity=3),
        person(2, service=1, org=10, capacity=3),
        person(3, service=1, org=10, capacity=3),
        person(4, service=2, org=20, capacity=3),
        person(5, service=2, org=20, capacity=3),
        person(6, service=2, org=20, capacity=3),
        far(7, service=3, org=30, capacity=3),
        far(8, service=4, org=40, capacity=3),
        far(9, service=5, org=50, capacity=3),
    ]
    return reviews, reviewers


def homes(allocation, reviewers, review_id) -> set[int]:
    home = {p.reviewer_id: p.home_service_id for p in reviewers}
    return {home[a.reviewer_id] for a in allocation.assignments if a.review_id == review_id}


def test_propose_forbids_reciprocal_pairs():
    reviews, reviewers = two_services_reviewing_each_other()

    allocation = propose(reviews, reviewers, rules=RULES)

    one_way = 2 in homes(allocation, reviewers, 100)
    other_way = 1 in homes(allocation, reviewers, 200)
    assert (one_way, other_way) in {(True, False), (False, True)}
    assert violations(allocation, reviews, reviewers) == []


def test_propose_allows_reciprocal_pairs_when_the_network_does():
    reviews, reviewers = two_services_reviewing_each_other()
    rules = Rules(peers_per_team=1, forbid_reciprocal=False)

    allocation = propose(reviews, reviewers, rules=rules)

    assert homes(allocation, reviewers, 100) == {2}
    assert homes(allocation, reviewers, 200) == {1}


def test_propose_reciprocal_rule_counts_fixed_assignments():
    reviews, reviewers = two_services_reviewing_each_other()
    # Person 1 (service 1) has accepted a place on service 2's review.
    allocation = propose(reviews, reviewers, rules=RULES, fixed=[(200, 1, "lead")])

    assert 2 not in homes(allocation, reviewers, 100)
    assert (200, 1, "lead") in {
        (a.review_id, a.reviewer_id, a.role) for a in allocation.assignments
    }


# Unfilled slots and their reasons -------------------------------------------------------------


def test_propose_too_few_trained_leads_leaves_the_slot_open_with_its_reasons():
    reviews = [need(100), need(200, service=6, org=60)]
    reviewers = [
        person(1, service=5, org=HOST_ORG, roles="lead"),
        person(2, service=7, org=HOST_ORG, roles="lead"),
        person(3, roles="lead", trained=False),
        person(4, roles="lead"),  # declared conflict
        person(5, roles="lead"),  # reviewed Quayside Hostel last cycle
        person(6, service=8, org=80, roles="lead"),  # already leads review 200
        person(11, service=3, org=30, roles="peer"),
        person(12, service=4, org=40, roles="expert"),
        person(13, service=3, org=30, roles="peer"),
        person(14, service=4, org=40, roles="expert"),
    ]

    allocation = propose(
        reviews,
        reviewers,
        rules=RULES,
        conflicts={(4, HOST)},
        history={(5, HOST)},
        fixed=[(200, 6, "lead")],
        names=NAMES,
    )

    assert allocation.unfilled == (
        UnfilledSlot(
            review_id=100,
            role="lead",
            missing=1,
            reasons=(
                "1 has training that is not current",
                "2 are in the same organisation (Harbour Lights)",
                "1 has a declared conflict",
                "1 reviewed this service last cycle",
                "1 is at capacity",
            ),
        ),
    )
    assert allocation.unfilled[0].summary == (
        "No trained lead reviewer is free: 1 has training that is not current, 2 are in the same "
        "organisation (Harbour Lights), 1 has a declared conflict, 1 reviewed this service last "
        "cycle, 1 is at capacity"
    )
    assert {role: len(ids) for role, ids in team(allocation, 100).items()} == {
        "lead": 0,
        "peer": 1,
        "expert": 1,
    }
    assert allocation.objective.unfilled_slots == 1


def test_propose_partly_filled_peer_slot_reports_what_is_missing():
    reviewers = [
        person(1, roles="lead"),
        person(2, service=3, org=30, roles="peer"),
        person(3, service=4, org=40, roles="expert"),
        person(4, service=HOST, org=HOST_ORG, roles="peer"),
    ]

    allocation = propose([need()], reviewers, rules=Rules(peers_per_team=2))

    (slot,) = allocation.unfilled
    assert (slot.role, slot.missing) == ("peer", 1)
    assert slot.summary == (
        "No further trained peer reviewer is free: 1 works in this service, "
        "1 is already on this team"
    )


def test_propose_nobody_with_the_role_is_said_plainly():
    reviewers = [person(1, roles="lead"), person(2, service=3, org=30, roles="peer")]

    allocation = propose([need()], reviewers, rules=RULES)

    (slot,) = allocation.unfilled
    assert (
        slot.summary
        == "No trained expert by experience is free: nobody in the pool holds this role"
    )


def test_propose_fills_from_the_whole_pool_what_pruning_left_out():
    # Both reviews rank person 7 first; with one candidate per slot and none per reviewer, the
    # model can place them once, and the greedy pass finds the fallback for the other review.
    reviews = [need(100), need(200, service=5, org=50)]
    reviewers = [
        person(TEMPTING, roles="lead"),
        far(FALLBACK, roles="lead"),
        person(2, service=3, org=30, roles="peer", capacity=2),
        person(3, service=4, org=40, roles="expert", capacity=2),
    ]
    rules = Rules(peers_per_team=1, candidates_per_slot=1, candidates_per_reviewer=0)

    allocation = propose(reviews, reviewers, rules=rules)

    assert allocation.unfilled == ()
    assert allocation.filled_after_solve == 1
    assert violations(allocation, reviews, reviewers, rules=rules) == []


# Refilling a declined slot --------------------------------------------------------------------


def test_propose_refill_keeps_accepted_reviewers_and_avoids_the_decliner():
    reviews = [need(100), need(200, service=5, org=50, region="london")]
    reviewers = [
        person(1, roles="lead"),
        person(2, service=3, org=30, roles="peer"),
        person(3, service=4, org=40, roles="expert"),
        person(4, service=6, org=60, roles="peer"),
        far(5, service=7, org=70, roles="lead"),
        far(6, service=8, org=80, roles="peer"),
        far(7, service=9, org=90, roles="expert"),
        far(8, service=11, org=91, roles="peer"),
    ]
    first = propose(reviews, reviewers, rules=RULES)
    declined = next(a for a in first.assignments if a.review_id == 100 and a.role == "peer")
    accepted = [(a.review_id, a.reviewer_id, a.role) for a in first.assignments if a != declined]

    refill = propose(
        reviews,
        reviewers,
        rules=RULES,
        fixed=accepted,
        excluded={(100, declined.reviewer_id)},
    )

    triples = {(a.review_id, a.reviewer_id, a.role) for a in refill.assignments}
    assert set(accepted) <= triples
    assert (100, declined.reviewer_id, "peer") not in triples
    assert len(triples) == len(accepted) + 1
    assert refill.unfilled == ()


def test_propose_keeps_a_fixed_assignment_even_when_a_better_one_exists():
    reviews, reviewers = lead_network()

    allocation = propose(reviews, reviewers, rules=RULES, fixed=[(REVIEW, FALLBACK, "lead")])

    assert team(allocation)["lead"] == {FALLBACK}
    kept = next(a for a in allocation.assignments if a.reviewer_id == FALLBACK)
    assert kept.explanation.startswith("Accepted earlier and kept; Lead reviewer from")


@pytest.mark.parametrize(
    ("fixed", "message"),
    [
        ([(REVIEW, TEMPTING, "lead"), (REVIEW, FALLBACK, "lead")], "2 in the lead role"),
        ([(REVIEW, TEMPTING, "lead"), (REVIEW, TEMPTING, "peer")], "more than once"),
        ([(999, TEMPTING, "lead")], "unknown review"),
        ([(REVIEW, 2, "lead")], "does not hold the lead role"),
    ],
)
def test_propose_refuses_fixed_assignments_that_break_a_rule(fixed, message):
    reviews, reviewers = lead_network()

    with pytest.raises(ValueError, match=message):
        propose(reviews, reviewers, rules=RULES, fixed=fixed)


def test_rules_need_at_least_one_peer():
    with pytest.raises(ValueError, match="at least one peer"):
        Rules(peers_per_team=0)


# Explanations ---------------------------------------------------------------------------------


def test_propose_explanations_give_the_real_reasons():
    reviews = [need(100), need(200, service=2, org=20, region="london", setting="ward")]
    london = frozenset({"london"})
    reviewers = [
        person(1, service=2, org=20, roles="lead"),  # Larch Ward is reviewed: it owes slots
        far(2, service=3, org=30, roles="peer"),
        person(3, service=4, org=30, roles="expert"),
        person(4, service=1, org=10, roles="lead", regions=london),
        person(5, service=5, org=50, roles="peer", regions=london),
        person(6, service=6, org=60, roles="expert", regions=london),
    ]
    # Conflicts pin each person to one review, so the teams are known.
    conflicts = {(2, 2), (3, 2), (5, HOST), (6, HOST)}
    rules = Rules(peers_per_team=1, forbid_reciprocal=False)

    allocation = propose(reviews, reviewers, rules=rules, conflicts=conflicts, names=NAMES)

    said = {a.reviewer_id: a.explanation for a in allocation.assignments if a.review_id == 100}
    assert said == {
        1: "Lead reviewer from Larch Ward (Northgate Health); works in the same region (South "
        "West); knows this kind of setting (Hostel); helps Larch Ward give back: it receives 3 "
        "review slots this cycle and its reviewers give 1; takes 1 of up to 1 reviews this cycle",
        2: "Peer reviewer from Millbrook Day Service (Kestrel Homes); would travel: works outside "
        "the region (South West); new to this kind of setting (Hostel); takes 1 of up to 1 "
        "reviews this cycle; from the same organisation as another member of the team",
        3: "Expert by experience from Oak Wing (Kestrel Homes); works in the same region (South "
        "West); knows this kind of setting (Hostel); takes 1 of up to 1 reviews this cycle; from "
        "the same organisation as another member of the team",
    }


# The checker ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assignments", "constraints", "message"),
    [
        ([(REVIEW, 1, "lead")], {}, "works in the host service"),
        ([(REVIEW, 2, "lead")], {}, "is in the host's organisation"),
        ([(REVIEW, 3, "lead")], {"conflicts": {(3, HOST)}}, "declared conflict"),
        ([(REVIEW, 3, "lead")], {"history": {(3, HOST)}}, "reviewed this service last cycle"),
        ([(REVIEW, 3, "lead")], {"excluded": {(REVIEW, 3)}}, "excluded pair"),
        ([(REVIEW, 4, "lead")], {}, "training that is not current"),
        ([(REVIEW, 5, "lead")], {}, "does not hold the lead role"),
        ([(REVIEW, 3, "lead"), (REVIEW, 3, "peer")], {}, "more than once"),
        ([(REVIEW, 3, "lead"), (REVIEW, 6, "lead")], {}, "2 in the lead role"),
        ([(REVIEW, 6, "lead"), (200, 6, "lead")], {}, "over capacity"),
        ([(REVIEW, 3, "lead"), (200, 7, "peer")], {}, "review each other"),
        ([(REVIEW, 3, "lead")], {"fixed": [(REVIEW, 6, "lead")]}, "is missing"),
    ],
)
def test_find_violations_names_each_broken_rule(assignments, constraints, message):
    reviews = [need(), need(200, service=2, org=21)]
    reviewers = [
        person(1, service=HOST, org=HOST_ORG),
        person(2, service=9, org=HOST_ORG),
        person(3, service=2, org=20),
        person(4, trained=False),
        person(5, roles="peer"),
        person(6, service=4, org=40),
        person(7, service=HOST, org=HOST_ORG),  # with 3, services 1 and 2 review each other
    ]

    problems = find_violations(assignments, reviews, reviewers, rules=RULES, **constraints)

    assert any(message in problem for problem in problems), problems


def test_find_violations_accepts_a_valid_team():
    reviews, reviewers = lead_network()
    assignments = [
        Assignment(REVIEW, TEMPTING, "lead"),
        Assignment(REVIEW, 2, "peer"),
        Assignment(REVIEW, 3, "expert"),
    ]

    assert find_violations(assignments, reviews, reviewers, rules=RULES) == []


def test_bench_matching_checks_a_small_random_cycle():
    out = io.StringIO()

    call_command(
        "bench_matching", reviews=12, reviewers=40, services=60, organisations=15, stdout=out
    )

    result = json.loads(out.getvalue())
    assert result["violations"] == 0
    assert result["assignments"] + result["unfilled_slots"] == 12 * 4


def test_propose_with_no_reviews_proposes_nothing():
    allocation = propose([], [person(1)], rules=RULES)

    assert (allocation.assignments, allocation.unfilled) == ((), ())
