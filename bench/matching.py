"""The matcher benchmark (DESIGN.md section 16, Matching): one random national-scale cycle in
plain data (no database), allocated by `reviews.matching.propose` and checked.

`run(...)` is the one function behind both `manage.py bench_matching` and `manage.py benchmark`.
It builds services in organisations across the UK regions and setting types, reviews for some
of them, and reviewers with roles, capacity, conflicts, waivers and last cycle's history; runs
the matcher; checks the result with `find_violations` and with a count of every team; and returns
a plain dict of sizes, timings and the problems found.
"""

import random
import time
from collections import Counter

from assurance.models import Region, Service
from reviews.matching import (
    ROLES,
    Names,
    Reviewer,
    ReviewNeed,
    Rules,
    find_violations,
    propose,
)


def run(
    *,
    reviews: int = 500,
    reviewers: int = 1500,
    services: int = 3000,
    organisations: int = 600,
    seed: int = 1,
    rules: Rules | None = None,
) -> dict:
    """Allocate one random cycle and check it. `problems` lists every broken hard constraint
    (empty when the allocation is sound); `violations` is their number."""
    rules = rules or Rules()
    started = time.monotonic()
    data = build_cycle(
        random.Random(seed),  # noqa: S311 - benchmark data, not security
        reviews=reviews,
        reviewers=reviewers,
        services=services,
        organisations=organisations,
    )
    needs, people = data.pop("reviews"), data.pop("reviewers")
    built, cpu = time.monotonic(), time.process_time()
    allocation = propose(needs, people, rules=rules, **data)
    wall, cpu = time.monotonic() - built, time.process_time() - cpu
    constraints = {k: v for k, v in data.items() if k not in ("names", "given_by_service")}
    problems = find_violations(allocation.assignments, needs, people, rules=rules, **constraints)
    problems += team_count_problems(allocation, needs, rules)
    return {
        "reviews": len(needs),
        "reviewers": len(people),
        "services": services,
        "organisations": organisations,
        "candidates": allocation.candidates,
        "assignments": len(allocation.assignments),
        "unfilled_slots": allocation.objective.unfilled_slots,
        "filled_after_solve": allocation.filled_after_solve,
        "status": allocation.status,
        "violations": len(problems),
        "problems": problems,
        "objective": vars(allocation.objective),
        "generate_seconds": round(built - started, 3),
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
    }


def team_count_problems(allocation, reviews, rules) -> list[str]:
    """Each team's members plus its reported unfilled slots add up to the team it needs."""
    have = Counter((a.review_id, a.role) for a in allocation.assignments)
    for slot in allocation.unfilled:
        have[slot.review_id, slot.role] += slot.missing
    return [
        f"review {r.review_id}: {have[r.review_id, role]} {role} slots accounted for"
        for r in reviews
        for role in ROLES
        if have[r.review_id, role] != rules.demand(role)
    ]


def build_cycle(rng: random.Random, *, reviews, reviewers, services, organisations) -> dict:
    """A random cycle shaped like a national network: organisations work mostly in one region and
    a few kinds of setting; reviewers know their own region and setting and sometimes others."""
    regions = [value for value, _ in Region.choices]
    settings = [value for value, _ in Service.SettingType.choices]
    org_region = {o: rng.choice(regions) for o in range(1, organisations + 1)}
    org_settings = {o: rng.sample(settings, rng.randint(1, 3)) for o in org_region}
    service_org, service_region, service_setting = {}, {}, {}
    for s in range(1, services + 1):
        org = s if s <= organisations else rng.randint(1, organisations)
        service_org[s] = org
        service_region[s] = org_region[org] if rng.random() < 0.85 else rng.choice(regions)
        service_setting[s] = rng.choice(org_settings[org])
    reviewed = sorted(rng.sample(range(1, services + 1), reviews))
    needs = [
        ReviewNeed(
            review_id=1000 + i,
            service_id=s,
            organisation_id=service_org[s],
            region=service_region[s],
            setting_type=service_setting[s],
        )
        for i, s in enumerate(reviewed)
    ]
    people = []
    for p in range(1, reviewers + 1):
        home = rng.randint(1, services)
        roles = {
            role
            for role, share in (("lead", 0.4), ("peer", 0.7), ("expert", 0.35))
            if rng.random() < share
        }
        people.append(
            Reviewer(
                reviewer_id=p,
                home_service_id=home,
                organisation_id=service_org[home],
                roles=frozenset(roles or {rng.choice(ROLES)}),
                capacity=rng.randint(1, 3),
                regions=frozenset(
                    {service_region[home], *rng.sample(regions, rng.choice((0, 0, 1, 2)))}
                ),
                setting_types=frozenset(
                    {service_setting[home], *rng.sample(settings, rng.randint(0, 2))}
                ),
                trained=rng.random() < 0.92,
            )
        )
    conflicts, org_conflicts, waived, history = set(), set(), set(), set()
    for person in people:
        if rng.random() < 0.08:
            need = rng.choice(needs)
            conflicts.add((person.reviewer_id, need.service_id))
            if rng.random() < 0.2:
                waived.add((person.reviewer_id, need.review_id))
        if rng.random() < 0.04:
            org_conflicts.add((person.reviewer_id, rng.choice(needs).organisation_id))
        for need in rng.sample(needs, rng.choice((0, 0, 1, 2))):
            history.add((person.reviewer_id, need.service_id))
    names = Names(
        services={s: f"Service {s}" for s in service_org},
        organisations={o: f"Organisation {o}" for o in org_region},
        regions={value: str(label) for value, label in Region.choices},
        setting_types={value: str(label) for value, label in Service.SettingType.choices},
    )
    return {
        "reviews": needs,
        "reviewers": people,
        "conflicts": conflicts,
        "org_conflicts": org_conflicts,
        "waived": waived,
        "history": history,
        "given_by_service": {
            s: rng.randint(0, 4) for s in rng.sample(sorted(service_org), services // 10)
        },
        "names": names,
    }
