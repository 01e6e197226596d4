"""Matrix entries for the peer review: visit pages and API (see table.py for how to read them).

The objects are build_peer_reviews' (world.py): PS, S's review in peer review, where
`lead_reviewer` leads and `reviewer` is the peer; the host is S's team (service_lead, staff,
lived_experience); `coordinator` coordinates its network. VISIT_S is its visit (version 1),
AGENDA_S an item on it. "Other" is always U's review in network M, where none of the cast is:
404 for everyone.

Everyone who can see the review reads its visit; only the lead reviewer and the host's service
lead plan it (403 for the other readers).
"""

import json

from reviews.models import Review, Visit
from tests.matrix.table import Route, expect, pk

JSON = "application/json"
NOBODY = expect(404)
READS = expect(200, commissioner=404, outsider=404)
PLANS = expect(403, lead_reviewer=200, service_lead=200, commissioner=404, outsider=404)


def posted(expected: dict[str, int], status: int) -> dict[str, int]:
    """The same policy for a write that succeeds with `status` instead of 200."""
    return {role: status if code == 200 else code for role, code in expected.items()}


class Body:
    """A JSON body, written when the request is sent: ids of the world's objects are known only
    once the world is built (the test client turns the body into bytes with str())."""

    def __init__(self, make):
        self.make = make

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return json.dumps(self.make())


def peer_review_s() -> int:
    return Review.objects.get(cycle__name="Cycle CP").pk


def visit_s() -> int:
    return Visit.objects.get(review__cycle__name="Cycle CP").pk


def agenda_kwargs(item) -> dict:
    return {"pk": item.visit.review_id, "item_pk": item.pk}


VISIT = {"mode": "hybrid", "starts_on": "2028-03-07", "ends_on": "2028-03-08"}
ITEM = {"day": "2028-03-07", "starts_at": "14:00", "title": "Tea", "meets": "staff"}

VISIT_ROUTES: list[Route] = [
    # Pages ---------------------------------------------------------------------------------
    Route("reviews:visit", kind="peer_review", kwargs=pk, own=READS, other=NOBODY),
    Route("reviews:visit_ics", kind="peer_review", kwargs=pk, own=READS, other=NOBODY),
    Route("reviews:visit_edit", kind="peer_review", kwargs=pk, own=PLANS, other=NOBODY),
    Route(
        "reviews:visit_edit",
        method="POST",
        kind="peer_review",
        kwargs=pk,
        # Nothing posted: the planners get the form back with its errors.
        own=PLANS,
        other=NOBODY,
    ),
    Route("reviews:agenda_add", kind="peer_review", kwargs=pk, own=PLANS, other=NOBODY),
    Route(
        "reviews:agenda_add", method="POST", kind="peer_review", kwargs=pk, own=PLANS, other=NOBODY
    ),
    Route("reviews:agenda_edit", kind="agenda", kwargs=agenda_kwargs, own=PLANS, other=NOBODY),
    Route(
        "reviews:agenda_edit",
        method="POST",
        kind="agenda",
        kwargs=agenda_kwargs,
        own=PLANS,
        other=NOBODY,
    ),
    Route("reviews:agenda_remove", kind="agenda", kwargs=agenda_kwargs, own=PLANS, other=NOBODY),
    Route(
        "reviews:agenda_remove",
        method="POST",
        kind="agenda",
        kwargs=agenda_kwargs,
        own=posted(PLANS, 302),
        other=NOBODY,
    ),
    # API -------------------------------------------------------------------------------------
    Route("visit-list", own=expect(200)),
    Route(
        "visit-list",
        method="POST",
        # PS already has a visit: the planners are told it is stale (409); other readers are
        # refused; for anyone else the review is an unknown id (400).
        own=expect(403, lead_reviewer=409, service_lead=409, commissioner=400, outsider=400),
        data=Body(lambda: {"review": peer_review_s(), **VISIT}),
        content_type=JSON,
    ),
    Route("visit-detail", kind="visit", kwargs=pk, own=READS, other=NOBODY),
    Route(
        "visit-detail",
        method="PATCH",
        kind="visit",
        kwargs=pk,
        own=PLANS,
        other=NOBODY,
        data=Body(lambda: {"location": "The garden room", "version": 1}),
        content_type=JSON,
    ),
    Route(
        "visit-detail",
        method="PUT",
        kind="visit",
        kwargs=pk,
        own=PLANS,
        other=NOBODY,
        data=Body(lambda: {**VISIT, "version": 1}),
        content_type=JSON,
    ),
    Route("visit-calendar", kind="visit", kwargs=pk, own=READS, other=NOBODY),
    Route("agenda-item-list", own=expect(200)),
    Route(
        "agenda-item-list",
        method="POST",
        own=expect(403, lead_reviewer=201, service_lead=201, commissioner=400, outsider=400),
        data=Body(lambda: {"visit": visit_s(), **ITEM}),
        content_type=JSON,
    ),
    Route("agenda-item-detail", kind="agenda", kwargs=pk, own=READS, other=NOBODY),
    Route(
        "agenda-item-detail",
        method="PATCH",
        kind="agenda",
        kwargs=pk,
        own=PLANS,
        other=NOBODY,
        data=Body(lambda: {"title": "Morning community meeting"}),
        content_type=JSON,
    ),
    Route(
        "agenda-item-detail",
        method="DELETE",
        kind="agenda",
        kwargs=pk,
        own=posted(PLANS, 204),
        other=NOBODY,
    ),
]
