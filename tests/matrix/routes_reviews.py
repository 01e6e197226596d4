"""Matrix entries for the review cycle's pages and API (see table.py for how to read them)."""

from tests.matrix.table import Route, expect, pk

# Who can see a review: its service team and the network's coordinators. (The reviewers of the
# cast are, until issue 5, the team of service T: "own" for them is T's review.)
SEES_REVIEW = expect(200, commissioner=404, outsider=404)

REVIEW_ROUTES: list[Route] = [
    Route("reviews:review_detail", kind="review", kwargs=pk, own=SEES_REVIEW, other=expect(404)),
    Route(
        "reviews:review_transition",
        method="POST",
        kind="review",
        kwargs=pk,
        # An empty move: visible to the team and coordinators (redirect with a message),
        # invisible to everyone else.
        own=expect(302, commissioner=404, outsider=404),
        other=expect(404),
    ),
]
