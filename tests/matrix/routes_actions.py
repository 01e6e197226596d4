"""Matrix entries for the agreed actions and for sharing reports, pages and API (see table.py
for how to read them).

The world (build_reports): ACCURACY_REVIEW_S is in the accuracy check and PUBLISHED_REVIEW_S is
published, each with one action (ACTION_S is the published one's); `lead_reviewer` leads both
teams and `reviewer` is a peer on them; `service_lead`, `staff` and `lived_experience` are their
host; `coordinator` runs the network. PUBLISHED_REVIEW_S is shared with body B (SHARE_S), where
`commissioner` reads: they read its actions, and nothing of the review in the accuracy check.
The _U objects are network M's, where none of the cast reads anything.

Who may do what:
- reading the actions: everyone who sees the review, and the commissioners of a shared body;
- drafting them: the lead reviewer, in drafting and the accuracy check (after publication the
  pages send the lead back to the list with the reason: 302; the API says 409);
- progress: the service lead and staff contributors, once published;
- the sharing page: the host's service lead, and the coordinators who read it; sharing and
  revoking are the service lead's.
"""

import json

from tests.matrix.table import Route, expect, pk

JSON = "application/json"
SIGNED_IN = expect(200)
NOBODY = expect(404)
HIDDEN = {"commissioner": 404, "outsider": 404}

# Actions of the published, shared review: the commissioner sees them too.
READS_SHARED = expect(200, outsider=404)
# Actions of the review in the accuracy check: not shared with anyone.
READS = expect(200, **HIDDEN)
# Drafting, while the lead may: everyone else who sees the review gets 403.
LEAD_DRAFTS = expect(403, lead_reviewer=200, **HIDDEN)
# Drafting after publication: the lead is sent back to the list; the commissioner sees the
# review's actions, so a page to change one is 403 for them.
LEAD_SENT_BACK = expect(403, lead_reviewer=302, outsider=404)
# Progress after publication: the host's people who write.
HOST_RECORDS = expect(403, service_lead=200, staff=200, outsider=404)
# The sharing page: the host's service lead and the coordinators read it.
SHARING_PAGE = expect(403, service_lead=200, coordinator=200, **HIDDEN)
LEAD_SHARES = expect(403, service_lead=200, **HIDDEN)
# One share in the API: the host's service lead, the coordinators and the body's commissioners.
SEES_SHARE = expect(404, service_lead=200, coordinator=200, commissioner=200)


def posted(expected: dict[str, int], status: int) -> dict[str, int]:
    """The same policy for a request that succeeds with `status` instead of 200."""
    return {role: status if code == 200 else code for role, code in expected.items()}


def body(data: dict) -> bytes:
    return json.dumps(data).encode()


def action_kwargs(action) -> dict:
    return {"pk": action.review_id, "action_pk": action.pk}


def draft_action(review) -> dict:
    """The action of a review in the accuracy check (the world gives each review one)."""
    return {"pk": review.pk, "action_pk": review.actions.order_by("pk").first().pk}


def draft_action_pk(review) -> dict:
    return {"pk": review.actions.order_by("pk").first().pk}


def service_pk(service) -> dict:
    return {"service_pk": service.pk}


def service_of(review) -> dict:
    return {"service_pk": review.service_id}


def share_kwargs(share) -> dict:
    return {"pk": share.review_id, "share_pk": share.pk}


ACTIONS_ROUTES: list[Route] = [
    # Pages: the list
    Route(
        "reviews:action_list",
        kind="published_review",
        kwargs=pk,
        own=READS_SHARED,
        other=NOBODY,
    ),
    Route("reviews:action_list", kind="accuracy_review", kwargs=pk, own=READS, other=NOBODY),
    # Pages: drafting
    Route("reviews:action_add", kind="accuracy_review", kwargs=pk, own=LEAD_DRAFTS, other=NOBODY),
    Route(
        "reviews:action_add",
        method="POST",
        kind="accuracy_review",
        kwargs=pk,
        own=LEAD_DRAFTS,  # nothing posted: the form with its errors, nothing stored
        other=NOBODY,
    ),
    Route(
        "reviews:action_add",
        kind="published_review",
        kwargs=pk,
        own=LEAD_SENT_BACK,
        other=NOBODY,
    ),
    Route(
        "reviews:action_edit",
        kind="accuracy_review",
        kwargs=draft_action,
        own=LEAD_DRAFTS,
        other=NOBODY,
    ),
    Route(
        "reviews:action_edit",
        method="POST",
        kind="accuracy_review",
        kwargs=draft_action,
        own=LEAD_DRAFTS,  # nothing posted: the form with its errors
        other=NOBODY,
    ),
    Route(
        "reviews:action_edit",
        kind="action",
        kwargs=action_kwargs,
        own=LEAD_SENT_BACK,
        other=NOBODY,
    ),
    Route(
        "reviews:action_remove",
        kind="accuracy_review",
        kwargs=draft_action,
        own=LEAD_DRAFTS,
        other=NOBODY,
    ),
    Route(
        "reviews:action_remove",
        method="POST",
        kind="accuracy_review",
        kwargs=draft_action,
        own=posted(LEAD_DRAFTS, 302),
        other=NOBODY,
    ),
    Route(
        "reviews:action_remove",
        method="POST",
        kind="action",
        kwargs=action_kwargs,
        own=LEAD_SENT_BACK,
        other=NOBODY,
    ),
    # Pages: progress
    Route(
        "reviews:action_progress",
        kind="action",
        kwargs=action_kwargs,
        own=HOST_RECORDS,
        other=NOBODY,
    ),
    Route(
        "reviews:action_progress",
        method="POST",
        kind="action",
        kwargs=action_kwargs,
        own=HOST_RECORDS,  # nothing posted: the form with its errors
        other=NOBODY,
    ),
    Route(
        "reviews:action_progress",
        kind="accuracy_review",
        kwargs=draft_action,
        # Before publication the host is sent back to the list with the reason.
        own=expect(403, service_lead=302, staff=302, **HIDDEN),
        other=NOBODY,
    ),
    # Pages: the CSV of a service's actions. On their own service (S; the reviewers' is T,
    # whose team they are) the team and coordinators get it; somebody else's service is found
    # only by those who read one of its reviews: the reviewers read S's peer review.
    Route(
        "reviews:action_csv",
        kind="service",
        kwargs=service_pk,
        own=expect(200, **HIDDEN),
        other=expect(404, reviewer=200, lead_reviewer=200),
    ),
    Route(
        "reviews:action_csv",
        kind="published_review",
        kwargs=service_of,
        own=READS_SHARED,
        other=NOBODY,
    ),
    # Pages: sharing
    Route(
        "reviews:share_list",
        kind="published_review",
        kwargs=pk,
        own=SHARING_PAGE,
        other=NOBODY,
    ),
    Route(
        "reviews:share_list",
        method="POST",
        kind="published_review",
        kwargs=pk,
        own=LEAD_SHARES,  # no body chosen: the page with its error
        other=NOBODY,
    ),
    Route(
        "reviews:share_revoke",
        kind="share",
        kwargs=share_kwargs,
        own=LEAD_SHARES,
        other=NOBODY,
    ),
    Route(
        "reviews:share_revoke",
        method="POST",
        kind="share",
        kwargs=share_kwargs,
        own=posted(LEAD_SHARES, 302),
        other=NOBODY,
    ),
    # API: actions
    Route("action-list", own=SIGNED_IN),
    Route(
        "action-list",
        method="POST",
        own=expect(400),  # nothing posted: field errors for everyone signed in
        data=body({}),
        content_type=JSON,
    ),
    Route("action-detail", kind="action", kwargs=pk, own=READS_SHARED, other=NOBODY),
    Route(
        "action-detail",
        method="PATCH",
        kind="action",
        kwargs=pk,
        own=expect(403, lead_reviewer=409, outsider=404),
        other=NOBODY,
        data=body({"version": 1}),
        content_type=JSON,
    ),
    Route(
        "action-detail",
        method="PATCH",
        kind="accuracy_review",
        kwargs=draft_action_pk,
        own=LEAD_DRAFTS,
        other=NOBODY,
        data=body({"version": 1}),
        content_type=JSON,
    ),
    Route(
        "action-detail",
        method="DELETE",
        kind="accuracy_review",
        kwargs=draft_action_pk,
        own=posted(LEAD_DRAFTS, 204),
        other=NOBODY,
    ),
    Route(
        "action-detail",
        method="DELETE",
        kind="action",
        kwargs=pk,
        own=expect(403, lead_reviewer=409, outsider=404),
        other=NOBODY,
    ),
    Route(
        "action-record-progress",
        method="POST",
        kind="action",
        kwargs=pk,
        # Nothing posted: field errors for the host's writers, refused for the rest.
        own=posted(HOST_RECORDS, 400),
        other=NOBODY,
        data=body({}),
        content_type=JSON,
    ),
    # API: shares
    Route("share-list", own=SIGNED_IN),
    Route(
        "share-list",
        method="POST",
        own=expect(400),  # nothing posted: field errors for everyone signed in
        data=body({}),
        content_type=JSON,
    ),
    Route("share-detail", kind="share", kwargs=pk, own=SEES_SHARE, other=NOBODY),
    Route(
        "share-revoke",
        method="POST",
        kind="share",
        kwargs=pk,
        own=expect(404, service_lead=200, coordinator=403, commissioner=403),
        other=NOBODY,
    ),
]
