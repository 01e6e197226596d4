"""Matrix entries for a review's full history page (see table.py for how to read them).

Only the network's coordinators read a review's full history. Everyone else who can see the
review (its service team and its review team) is refused (403); commissioners and outsiders,
who cannot see it, get 404, as everyone does for a review of another network.
"""

from tests.matrix.table import Route, expect, pk

HISTORY_ROUTES: list[Route] = [
    Route(
        "reviews:review_history",
        kind="review",
        kwargs=pk,
        own=expect(403, coordinator=200, commissioner=404, outsider=404),
        other=expect(404),
    ),
]
