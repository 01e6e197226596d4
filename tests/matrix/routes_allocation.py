"""Matrix entries for the coordinator's allocation pages (see table.py for how to read them).

Like a cycle's own pages, they need change_network on the cycle's network: nobody but its
coordinators can see the network, so for everyone else, and for a coordinator of another
network, the cycle (and its proposals, places and reviews) do not exist (404).

POSTs send an empty form. Asking for a proposal redirects to it (or, with nothing submitted,
back to the teams page); confirming a proposal that is not ready redirects back to it with the
reason; withdrawing a place needs no reason and redirects to the teams page; adding a reviewer
with none chosen shows the form with its error (200).

World objects these need, besides the cycles CN and CM (tests/matrix/world.py):
- kind "proposal": a `Proposal` of CN (own) and of CM (other), any status;
- kind "assignment": an active (invited) `Assignment` on a review of CN (own) and of CM (other);
- kind "waiting_review": a review of CN (own) and of CM (other) in status SUBMITTED, the
  reviews waiting for teams (a service in self-assessment has no team page: 404).
"""

from tests.matrix.table import Route, expect, pk

ITS_COORDINATORS = {"own": expect(404, coordinator=200), "other": expect(404)}
ITS_COORDINATORS_POSTED = {"own": expect(404, coordinator=302), "other": expect(404)}


def proposal_kwargs(proposal) -> dict:
    return {"pk": proposal.cycle_id, "proposal_pk": proposal.pk}


def assignment_kwargs(assignment) -> dict:
    return {"pk": assignment.review.cycle_id, "assignment_pk": assignment.pk}


def add_lead_kwargs(review) -> dict:
    return {"pk": review.cycle_id, "review_pk": review.pk, "role": "lead"}


ALLOCATION_ROUTES: list[Route] = [
    Route("reviews:cycle_teams", kind="cycle", kwargs=pk, **ITS_COORDINATORS),
    Route("reviews:ledger", kind="cycle", kwargs=pk, **ITS_COORDINATORS),
    Route(
        "reviews:proposal_create", method="POST", kind="cycle", kwargs=pk, **ITS_COORDINATORS_POSTED
    ),
    Route("reviews:proposal_detail", kind="proposal", kwargs=proposal_kwargs, **ITS_COORDINATORS),
    Route("reviews:proposal_status", kind="proposal", kwargs=proposal_kwargs, **ITS_COORDINATORS),
    Route(
        "reviews:proposal_confirm",
        method="POST",
        kind="proposal",
        kwargs=proposal_kwargs,
        **ITS_COORDINATORS_POSTED,
    ),
    Route("reviews:team_add", kind="waiting_review", kwargs=add_lead_kwargs, **ITS_COORDINATORS),
    Route(
        "reviews:team_add",
        method="POST",
        kind="waiting_review",
        kwargs=add_lead_kwargs,
        **ITS_COORDINATORS,
    ),
    Route(
        "reviews:assignment_withdraw",
        kind="assignment",
        kwargs=assignment_kwargs,
        **ITS_COORDINATORS,
    ),
    Route(
        "reviews:assignment_withdraw",
        method="POST",
        kind="assignment",
        kwargs=assignment_kwargs,
        **ITS_COORDINATORS_POSTED,
    ),
]
