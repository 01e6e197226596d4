"""Matrix entries for the review cycle's API (reviews/api/; see table.py for how to read them).

For now the "reviewers" are the team of service T (world.py), so on their own review (RT) they
get what a staff contributor (`reviewer`) or a service lead (`lead_reviewer`) gets.

Perspectives, progress on actions and evidence are not part of the world yet: the first request
for one adds it to the review through the self-assessment write path (or, for objects whose
write path is still to come, directly), and later requests reuse it.
"""

import json

from reviews import self_assessment
from reviews.models import Action, ActionProgress
from tests.matrix.table import Route, expect, pk

JSON = "application/json"
SIGNED_IN = expect(200)
NOBODY_ELSE = expect(404)
# Everyone who can see the review: its service team (for RT: the "reviewers") and coordinators.
SEES = expect(200, commissioner=404, outsider=404)
# The people who write the self-assessment (`change_review`): staff contributors and leads.
WRITES = expect(200, lived_experience=403, coordinator=403, commissioner=404, outsider=404)
# The whole service team (`contribute_review`), lived-experience contributors included.
CONTRIBUTES = expect(200, coordinator=403, commissioner=404, outsider=404)


def body(data: dict) -> bytes:
    return json.dumps(data).encode()


def first_response(review) -> dict:
    return {"pk": review.responses.order_by("standard__order", "pk").first().pk}


def perspective(review) -> dict:
    response = review.responses.select_related("review").order_by("standard__order", "pk").first()
    existing = response.perspectives.first()
    if existing is None:
        existing = self_assessment.add_perspective(
            response, by=None, voice="staff", text="We keep to the times we agree.", method="group"
        )
    return {"pk": existing.pk}


def action_progress(review) -> dict:
    # Actions arrive with the report (a later issue), so the world has no last cycle to report
    # on; a row is enough to check who may read it.
    existing = review.action_progress.first()
    if existing is None:
        action = Action.objects.create(review=review, title="Weekly community meeting")
        existing = ActionProgress.objects.create(
            action=action, review=review, note="Going well.", status=Action.Status.IN_PROGRESS
        )
    return {"pk": existing.pk}


REVIEW_API_ROUTES: list[Route] = [
    # Cycles: coordinators see their networks' cycles, teams the cycles their reviews are in.
    Route("cycle-list", own=SIGNED_IN),
    Route(
        "cycle-list",
        method="POST",
        # Nothing posted: the coordinator gets field errors, everyone else is refused.
        own=expect(403, coordinator=400),
        data=body({}),
        content_type=JSON,
    ),
    Route("cycle-detail", kind="cycle", kwargs=pk, own=SEES, other=NOBODY_ELSE),
    Route(
        "cycle-enrol",
        method="POST",
        kind="cycle",
        kwargs=pk,
        own=expect(403, coordinator=400, commissioner=404, outsider=404),
        other=NOBODY_ELSE,
        data=body({}),
        content_type=JSON,
    ),
    # Reviews
    Route("review-list", own=SIGNED_IN),
    Route("review-detail", kind="review", kwargs=pk, own=SEES, other=NOBODY_ELSE),
    Route("review-history", kind="review", kwargs=pk, own=SEES, other=NOBODY_ELSE),
    Route(
        "review-transitions",
        method="POST",
        kind="review",
        kwargs=pk,
        # Submitting an empty self-assessment: the leads may, but its guards refuse (409).
        own=expect(403, service_lead=409, lead_reviewer=409, commissioner=404, outsider=404),
        other=NOBODY_ELSE,
        data=body({"to": "submitted"}),
        content_type=JSON,
    ),
    Route(
        "review-carry-forward",
        method="POST",
        kind="review",
        kwargs=pk,
        # The writers may, but there is no earlier review to start from (409).
        own=expect(409, lived_experience=403, coordinator=403, commissioner=404, outsider=404),
        other=NOBODY_ELSE,
    ),
    # Responses
    Route("response-list", own=SIGNED_IN),
    Route("response-detail", kind="review", kwargs=first_response, own=SEES, other=NOBODY_ELSE),
    Route(
        "response-detail",
        method="PATCH",
        kind="review",
        kwargs=first_response,
        own=WRITES,
        other=NOBODY_ELSE,
        data=body({"narrative": "What we do.", "version": 1}),
        content_type=JSON,
    ),
    # Perspectives
    Route("perspective-list", own=SIGNED_IN),
    Route(
        "perspective-list",
        method="POST",
        own=expect(400),  # nothing posted: field errors for everyone signed in
        data=body({}),
        content_type=JSON,
    ),
    Route("perspective-detail", kind="review", kwargs=perspective, own=SEES, other=NOBODY_ELSE),
    Route(
        "perspective-detail",
        method="PATCH",
        kind="review",
        kwargs=perspective,
        own=expect(200, coordinator=403, commissioner=404, outsider=404, lived_experience=403),
        other=NOBODY_ELSE,
        data=body({"text": "We mostly keep to the times we agree.", "version": 1}),
        content_type=JSON,
    ),
    Route(
        "perspective-detail",
        method="DELETE",
        kind="review",
        kwargs=perspective,
        own=expect(204, coordinator=403, commissioner=404, outsider=404, lived_experience=403),
        other=NOBODY_ELSE,
        data=body({"version": 1}),
        content_type=JSON,
    ),
    # Progress on last cycle's actions
    Route("action-progress-list", own=SIGNED_IN),
    Route(
        "action-progress-list",
        method="POST",
        own=expect(400),
        data=body({}),
        content_type=JSON,
    ),
    Route(
        "action-progress-detail",
        kind="review",
        kwargs=action_progress,
        own=SEES,
        other=NOBODY_ELSE,
    ),
    # Evidence (read-only in the API)
    Route("evidence-list", own=SIGNED_IN),
    Route("evidence-detail", kind="evidence", kwargs=pk, own=SEES, other=NOBODY_ELSE),
    Route("evidence-download", kind="evidence", kwargs=pk, own=SEES, other=NOBODY_ELSE),
]
