"""Matrix entries for the peer review: reviewing pages and API (see table.py).

The objects are the peer review's (world.build_peer_reviews): PS, S's review in peer review,
whose team is `lead_reviewer` (lead) and `reviewer` (peer), coordinated by `coordinator`, with
`service_lead`, `staff` and `lived_experience` as its host; PU, a review in network M that
nobody of the cast works on. REFLECTION_S and REFLECTION_U are their first standard's
reflections, not yet written (version 1).

The reviewing pages and the reflections are the team's work: the team and the coordinators read
them, the host sees the review but not this part of it (403 on the pages; in the API the host
is not told a reflection exists: 404, and the list is empty), and only the reviewers on the
team write (coordinators 403).
"""

import json

from tests.matrix.table import Route, expect, pk

JSON = "application/json"
NOBODY = expect(404)
# The pages: read by the team and the coordinators; the host may see the review, not this.
TEAM_READS = expect(
    403, lead_reviewer=200, reviewer=200, coordinator=200, commissioner=404, outsider=404
)
# In the API one reflection is one object: the host is not told it exists.
TEAM_READS_OBJECT = expect(404, lead_reviewer=200, reviewer=200, coordinator=200)


def first_domain(review) -> dict:
    return {"pk": review.pk, "code": review.framework_version.domains.order_by("order")[0].code}


def reflection_kwargs(reflection) -> dict:
    return {"pk": reflection.review_id, "reflection_pk": reflection.pk}


REVIEWING_ROUTES: list[Route] = [
    Route("reviews:reviewing", kind="peer_review", kwargs=pk, own=TEAM_READS, other=NOBODY),
    Route(
        "reviews:reviewing_domain",
        kind="peer_review",
        kwargs=first_domain,
        own=TEAM_READS,
        other=NOBODY,
    ),
    Route(
        "reviews:reflection_save",
        method="POST",
        kind="reflection",
        kwargs=reflection_kwargs,
        # Nothing posted: the reviewers get the page back with the form's errors (400); the
        # coordinator and the host are refused before the form is read.
        own=expect(403, lead_reviewer=400, reviewer=400, commissioner=404, outsider=404),
        other=NOBODY,
    ),
    # The API: everyone signed in gets a list, filtered to the reviews whose team work they read.
    Route("reflection-list", own=expect(200)),
    Route("reflection-detail", kind="reflection", kwargs=pk, own=TEAM_READS_OBJECT, other=NOBODY),
    Route(
        "reflection-detail",
        method="PATCH",
        kind="reflection",
        kwargs=pk,
        # No version sent: the reviewers are asked for one (428); the coordinator is refused
        # first (403); nobody else is told the reflection exists.
        own=expect(404, lead_reviewer=428, reviewer=428, coordinator=403),
        other=NOBODY,
        data=json.dumps({"rating": "met"}).encode(),
        content_type=JSON,
    ),
    Route(
        "reflection-detail",
        method="PATCH",
        kind="reflection",
        kwargs=pk,
        own=expect(404, lead_reviewer=200, reviewer=200, coordinator=403),
        other=NOBODY,
        data=json.dumps({"rating": "met", "agreement": "agrees", "version": 1}).encode(),
        content_type=JSON,
    ),
    # Reflections are never created or deleted: one waits on every standard.
    Route("reflection-list", method="POST", own=expect(405), data=b"{}", content_type=JSON),
    Route(
        "reflection-detail",
        method="DELETE",
        kind="reflection",
        kwargs=pk,
        own=expect(405),
        other=expect(405),
    ),
]
