"""Matrix entries for reviewer allocation in the API (reviews/api/allocation.py).

They use the allocation objects of world.py: the profiles `P_reviewer`, `P_lead` (home service
T) and `P_M` (network M); the conflicts `X_reviewer`, `X_lead` and `X_M`; the queued proposals
`P_N` and `P_M` (so confirming one is 409: it is not ready); the invitations `A_N` (the reviewer
on RW) and `A_M` (network M), and `A_reviewer` and `A_lead` (the cast's two reviewers on RS).

Everyone sees their own profile, conflicts and invitations; the network's coordinators see all
of theirs, and only they see proposals and the ledger. Anything else is 404.
"""

import json

from tests.matrix.table import Route, expect, pk

JSON = "application/json"
SIGNED_IN = expect(200)
NOBODY = expect(404)
# Their own (the reviewer's and lead reviewer's) and the network's coordinator.
OWNER_OR_COORDINATOR = expect(404, reviewer=200, lead_reviewer=200, coordinator=200)
# `A_N` is the reviewer's alone; the lead reviewer is not on that team.
REVIEWER_OR_COORDINATOR = expect(404, reviewer=200, coordinator=200)


def body(data: dict) -> bytes:
    return json.dumps(data).encode()


ALLOCATION_API_ROUTES: list[Route] = [
    # Reviewer profiles: own, or the coordinated networks'. Only coordinators add to the pool.
    Route("reviewerprofile-list", own=SIGNED_IN),
    Route(
        "reviewerprofile-list",
        method="POST",
        own=expect(403, coordinator=400),
        data=body({}),
        content_type=JSON,
    ),
    Route(
        "reviewerprofile-detail",
        kind="reviewer_profile",
        kwargs=pk,
        own=OWNER_OR_COORDINATOR,
        other=NOBODY,
    ),
    Route(
        "reviewerprofile-detail",
        method="PATCH",
        kind="reviewer_profile",
        kwargs=pk,
        own=OWNER_OR_COORDINATOR,
        other=NOBODY,
        data=body({"capacity": 1}),
        content_type=JSON,
    ),
    # Conflicts: anyone may post; a reviewer they cannot see is an unknown id (400).
    Route("conflict-list", own=SIGNED_IN),
    Route("conflict-list", method="POST", own=expect(400), data=body({}), content_type=JSON),
    Route("conflict-detail", kind="conflict", kwargs=pk, own=OWNER_OR_COORDINATOR, other=NOBODY),
    Route(
        "conflict-detail",
        method="DELETE",
        kind="conflict",
        kwargs=pk,
        own=expect(404, reviewer=204, lead_reviewer=204, coordinator=204),
        other=NOBODY,
    ),
    # Proposals: the network's coordinators only.
    Route("proposal-list", own=SIGNED_IN),
    Route(
        "proposal-list",
        method="POST",
        own=expect(403, coordinator=400),
        data=body({}),
        content_type=JSON,
    ),
    Route(
        "proposal-detail",
        kind="proposal",
        kwargs=pk,
        own=expect(404, coordinator=200),
        other=NOBODY,
    ),
    Route(
        "proposal-confirm",
        method="POST",
        kind="proposal",
        kwargs=pk,
        # The world's proposal is still queued: the coordinator may, but it is not ready.
        own=expect(404, coordinator=409),
        other=NOBODY,
    ),
    # Assignments: the person invited answers; the coordinator withdraws.
    Route("assignment-list", own=SIGNED_IN),
    Route("assignment-detail", kind="my_assignment", kwargs=pk, own=OWNER_OR_COORDINATOR),
    Route(
        "assignment-detail", kind="assignment", kwargs=pk, own=REVIEWER_OR_COORDINATOR, other=NOBODY
    ),
    Route(
        "assignment-accept",
        method="POST",
        kind="my_assignment",
        kwargs=pk,
        own=expect(404, reviewer=200, lead_reviewer=200, coordinator=403),
    ),
    Route(
        "assignment-accept",
        method="POST",
        kind="assignment",
        kwargs=pk,
        own=expect(404, reviewer=200, coordinator=403),
        other=NOBODY,
    ),
    Route(
        "assignment-decline",
        method="POST",
        kind="my_assignment",
        kwargs=pk,
        own=expect(404, reviewer=200, lead_reviewer=200, coordinator=403),
        data=body({"reason": "Away that week."}),
        content_type=JSON,
    ),
    Route(
        "assignment-withdraw",
        method="POST",
        kind="assignment",
        kwargs=pk,
        own=expect(404, reviewer=403, coordinator=200),
        other=NOBODY,
        data=body({}),
        content_type=JSON,
    ),
    # The cycle's ledger: the network's coordinators.
    Route(
        "cycle-ledger",
        kind="cycle",
        kwargs=pk,
        own=expect(404, coordinator=200),
        other=NOBODY,
    ),
]
