"""The independent checker: `find_violations` lists every hard constraint a set of assignments
breaks. It imports only the plain data (`inputs.py`), never the model or the greedy pass, so
that it can check them; keep it that way.
"""

from collections import Counter
from collections.abc import Collection, Iterable

from reviews.matching.inputs import Assignment, Reviewer, ReviewNeed, Rules


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

    Deliberately shares nothing with the model or the greedy pass, so that it can check them. It
    does not check that teams are full: a short team is allowed, an over-full one is not.
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
