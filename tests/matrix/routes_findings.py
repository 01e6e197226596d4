"""Matrix entries for the peer review: findings, the reviewers' summary and safeguarding notes,
pages and API (see table.py for how to read them).

The world's PS is S's review in peer review: `lead_reviewer` leads its team and `reviewer` is a
peer on it; `service_lead`, `staff` and `lived_experience` are its host; `coordinator` runs its
network. PU is a review in network M whose team none of the cast is on, so "other" is 404 for
everyone. FINDING_S is a strength on PS; SAFEGUARDING_S a note on PS raised by `reviewer`.

Pages and the API answer a section of a review the person can see but may not read (the host's
findings, the host's staff on safeguarding) with 403 and one object they may not read with 404.
"""

import json

from reviews.models import ReviewersSummary
from tests.matrix.table import Route, expect, pk

JSON = "application/json"
SIGNED_IN = expect(200)
NOBODY = expect(404)
HIDDEN = {"commissioner": 404, "outsider": 404}

# Findings and the summary: the review team and the coordinators read; the lead writes.
READS_TEAM_WORK = expect(403, reviewer=200, lead_reviewer=200, coordinator=200, **HIDDEN)
LEAD_WRITES = expect(403, lead_reviewer=200, **HIDDEN)
# One finding, in the API: only the team and the coordinators know it exists.
TEAM_SEES = expect(404, reviewer=200, lead_reviewer=200, coordinator=200)
TEAM_SEES_LEAD_WRITES = expect(404, reviewer=403, lead_reviewer=200, coordinator=403)
# Safeguarding: the lead reviewer, the coordinators and the host's service lead read every note,
# a reviewer the ones they raised (SAFEGUARDING_S is `reviewer`'s); the host's other members
# may see the review but never the notes.
SAFEGUARDING_SECTION = expect(
    403, service_lead=200, reviewer=200, lead_reviewer=200, coordinator=200, **HIDDEN
)
RAISES = expect(403, reviewer=200, lead_reviewer=200, **HIDDEN)
READS_NOTE = expect(404, service_lead=200, reviewer=200, lead_reviewer=200, coordinator=200)
UPDATES_NOTE = expect(404, service_lead=200, reviewer=403, lead_reviewer=200, coordinator=200)


def posted(expected: dict[str, int], status: int) -> dict[str, int]:
    """The same policy for a POST that succeeds with `status` instead of 200."""
    return {role: status if code == 200 else code for role, code in expected.items()}


def body(data: dict) -> bytes:
    return json.dumps(data).encode()


def finding_kwargs(finding) -> dict:
    return {"pk": finding.review_id, "finding_pk": finding.pk}


def note_kwargs(note) -> dict:
    return {"pk": note.review_id, "note_pk": note.pk}


def summary_of(review) -> dict:
    """The world has no summary yet: the first request writes one, later ones reuse it."""
    ReviewersSummary.objects.get_or_create(
        review=review, defaults={"text": "A community that listens to itself."}
    )
    return {"review": review.pk}


FINDINGS_ROUTES: list[Route] = [
    # Pages: findings and the summary
    Route("reviews:finding_list", kind="peer_review", kwargs=pk, own=READS_TEAM_WORK, other=NOBODY),
    Route("reviews:finding_add", kind="peer_review", kwargs=pk, own=LEAD_WRITES, other=NOBODY),
    Route(
        "reviews:finding_add",
        method="POST",
        kind="peer_review",
        kwargs=pk,
        # Nothing posted: the lead gets the form back with its errors, and nothing is stored.
        own=LEAD_WRITES,
        other=NOBODY,
    ),
    Route(
        "reviews:finding_edit",
        kind="finding",
        kwargs=finding_kwargs,
        own=LEAD_WRITES,
        other=NOBODY,
    ),
    Route(
        "reviews:finding_edit",
        method="POST",
        kind="finding",
        kwargs=finding_kwargs,
        own=LEAD_WRITES,  # nothing posted: the form with its errors
        other=NOBODY,
    ),
    Route(
        "reviews:finding_move",
        method="POST",
        kind="finding",
        kwargs=finding_kwargs,
        # No direction: back to the list with the message.
        own=posted(LEAD_WRITES, 302),
        other=NOBODY,
    ),
    Route(
        "reviews:finding_remove",
        kind="finding",
        kwargs=finding_kwargs,
        own=LEAD_WRITES,
        other=NOBODY,
    ),
    Route(
        "reviews:finding_remove",
        method="POST",
        kind="finding",
        kwargs=finding_kwargs,
        own=posted(LEAD_WRITES, 302),
        other=NOBODY,
    ),
    Route("reviews:summary_edit", kind="peer_review", kwargs=pk, own=LEAD_WRITES, other=NOBODY),
    Route(
        "reviews:summary_edit",
        method="POST",
        kind="peer_review",
        kwargs=pk,
        # An empty first summary is a summary: saved, back to the findings.
        own=posted(LEAD_WRITES, 302),
        other=NOBODY,
    ),
    # Pages: safeguarding
    Route(
        "reviews:safeguarding_list",
        kind="peer_review",
        kwargs=pk,
        own=SAFEGUARDING_SECTION,
        other=NOBODY,
    ),
    Route("reviews:safeguarding_add", kind="peer_review", kwargs=pk, own=RAISES, other=NOBODY),
    Route(
        "reviews:safeguarding_add",
        method="POST",
        kind="peer_review",
        kwargs=pk,
        own=RAISES,  # nothing posted: the form with its errors
        other=NOBODY,
    ),
    Route(
        "reviews:safeguarding_detail",
        kind="safeguarding",
        kwargs=note_kwargs,
        own=READS_NOTE,
        other=NOBODY,
    ),
    Route(
        "reviews:safeguarding_detail",
        method="POST",
        kind="safeguarding",
        kwargs=note_kwargs,
        own=UPDATES_NOTE,  # nothing posted: the form with its errors
        other=NOBODY,
    ),
    # API: findings
    Route("finding-list", own=SIGNED_IN),
    Route(
        "finding-list",
        method="POST",
        own=expect(400),  # nothing posted: field errors for everyone signed in
        data=body({}),
        content_type=JSON,
    ),
    Route("finding-detail", kind="finding", kwargs=pk, own=TEAM_SEES, other=NOBODY),
    Route(
        "finding-detail",
        method="PATCH",
        kind="finding",
        kwargs=pk,
        own=TEAM_SEES_LEAD_WRITES,
        other=NOBODY,
        data=body({"title": "A warm and steady welcome"}),
        content_type=JSON,
    ),
    Route(
        "finding-detail",
        method="DELETE",
        kind="finding",
        kwargs=pk,
        own=posted(TEAM_SEES_LEAD_WRITES, 204),
        other=NOBODY,
    ),
    Route(
        "finding-move",
        method="POST",
        kind="finding",
        kwargs=pk,
        own=TEAM_SEES_LEAD_WRITES,
        other=NOBODY,
        data=body({"direction": "down"}),
        content_type=JSON,
    ),
    # API: the reviewers' summary, addressed by its review
    Route("reviewers-summary-list", own=SIGNED_IN),
    Route(
        "reviewers-summary-list",
        method="POST",
        own=expect(400),  # nothing posted: field errors for everyone signed in
        data=body({}),
        content_type=JSON,
    ),
    Route(
        "reviewers-summary-detail",
        kind="peer_review",
        kwargs=summary_of,
        own=TEAM_SEES,
        other=NOBODY,
    ),
    Route(
        "reviewers-summary-detail",
        method="PATCH",
        kind="peer_review",
        kwargs=summary_of,
        own=TEAM_SEES_LEAD_WRITES,
        other=NOBODY,
        data=body({"text": "A community that listens.", "version": 1}),
        content_type=JSON,
    ),
    Route(
        "reviewers-summary-detail",
        method="PUT",
        kind="peer_review",
        kwargs=summary_of,
        # Writing names the review, which the host sees: the write path refuses them (403).
        own=expect(403, lead_reviewer=200, **HIDDEN),
        other=NOBODY,
        data=body({"text": "A community that listens.", "version": 1}),
        content_type=JSON,
    ),
    # API: safeguarding notes
    Route("safeguarding-note-list", own=SIGNED_IN),
    Route(
        "safeguarding-note-list",
        method="POST",
        own=expect(400),  # nothing posted: field errors for everyone signed in
        data=body({}),
        content_type=JSON,
    ),
    Route(
        "safeguarding-note-detail",
        kind="safeguarding",
        kwargs=pk,
        own=READS_NOTE,
        other=NOBODY,
    ),
    Route(
        "safeguarding-note-detail",
        method="PATCH",
        kind="safeguarding",
        kwargs=pk,
        own=UPDATES_NOTE,
        other=NOBODY,
        data=body({"status": "passed_on"}),
        content_type=JSON,
    ),
]
