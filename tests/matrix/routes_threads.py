"""Matrix entries for the peer review: threads pages and API (see table.py for how to read them).

The objects are build_peer_reviews' (world.py): PS, S's review in peer review, where
`lead_reviewer` leads and `reviewer` is the peer; the host is S's team (service_lead, staff,
lived_experience); `coordinator` coordinates its network. TEAM_THREAD_S and SHARED_THREAD_S
were started by the peer reviewer; TEAM_COMMENT_S is the peer reviewer's, SHARED_COMMENT_S the
host's service lead's. "Other" is always U's review in network M, where none of the cast is:
404 for everyone.

A team-only thread, or a comment in one, is 404 for the host: they must not learn it exists.
"""

import json
from urllib.parse import urlencode

from reviews.models import Review, Thread
from tests.matrix.table import Route, expect, pk

JSON = "application/json"
NOBODY = expect(404)
# The review team and the coordinators read both kinds; the host reads shared threads.
TEAM_READS = expect(404, reviewer=200, lead_reviewer=200, coordinator=200)
ALL_READ = expect(200, commissioner=404, outsider=404)
HOST = ("service_lead", "staff", "lived_experience")
TEAM_TITLE = "What did we each notice at handover?"
SHARED_TITLE = "How are new residents welcomed?"


def posted(expected: dict[str, int], status: int) -> dict[str, int]:
    """The same policy for a write that succeeds with `status` instead of 200."""
    return {role: status if code == 200 else code for role, code in expected.items()}


def form(**values) -> str:
    return urlencode(values)


class Naming:
    """A JSON body that names one of the world's objects by id. The ids are known only once
    the world is built, so the body is written when the request is sent (the test client turns
    it into bytes with str())."""

    def __init__(self, make):
        self.make = make

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return json.dumps(self.make())


def thread_id(service: str, title: str) -> int:
    return Thread.objects.get(review__service__name=f"Service {service}", title=title).pk


def peer_review_id(cycle: str) -> int:
    return Review.objects.get(cycle__name=f"Cycle {cycle}").pk


def thread_kwargs(thread) -> dict:
    return {"pk": thread.review_id, "thread_pk": thread.pk}


def comment_kwargs(comment) -> dict:
    return {"pk": comment.thread.review_id, "comment_pk": comment.pk}


# Editing: only the author (TEAM_COMMENT_S: `reviewer`; SHARED_COMMENT_S: `service_lead`);
# everyone else who reads the thread is refused (403).
EDITS_TEAM_COMMENT = expect(404, reviewer=200, lead_reviewer=403, coordinator=403)
EDITS_SHARED_COMMENT = expect(403, service_lead=200, commissioner=404, outsider=404)

THREADS_ROUTES: list[Route] = [
    # Pages ---------------------------------------------------------------------------------
    Route("reviews:thread_list", kind="peer_review", kwargs=pk, own=ALL_READ, other=NOBODY),
    Route("reviews:thread_add", kind="peer_review", kwargs=pk, own=ALL_READ, other=NOBODY),
    Route(
        "reviews:thread_add",
        method="POST",
        kind="peer_review",
        kwargs=pk,
        own=posted(ALL_READ, 302),
        other=NOBODY,
        data=form(visibility="shared", title="A question", body="How do you welcome people?"),
    ),
    Route(
        "reviews:thread_add",
        method="POST",
        kind="peer_review",
        kwargs=pk,
        # The host is offered no team-only threads: the form refuses the choice (400).
        own={**posted(ALL_READ, 302), **dict.fromkeys(HOST, 400)},
        other=NOBODY,
        data=form(visibility="team", title="Our view", body="What did we each notice?"),
    ),
    Route(
        "reviews:thread_detail",
        kind="team_thread",
        kwargs=thread_kwargs,
        own=TEAM_READS,
        other=NOBODY,
    ),
    Route(
        "reviews:thread_detail",
        kind="shared_thread",
        kwargs=thread_kwargs,
        own=ALL_READ,
        other=NOBODY,
    ),
    Route(
        "reviews:thread_reply",
        method="POST",
        kind="team_thread",
        kwargs=thread_kwargs,
        own=posted(TEAM_READS, 302),
        other=NOBODY,
        data=form(body="I noticed the same."),
    ),
    Route(
        "reviews:thread_reply",
        method="POST",
        kind="shared_thread",
        kwargs=thread_kwargs,
        own=posted(ALL_READ, 302),
        other=NOBODY,
        data=form(body="Thank you for asking."),
    ),
    Route(
        "reviews:comment_edit",
        kind="team_comment",
        kwargs=comment_kwargs,
        own=EDITS_TEAM_COMMENT,
        other=NOBODY,
    ),
    Route(
        "reviews:comment_edit",
        method="POST",
        kind="team_comment",
        kwargs=comment_kwargs,
        own=posted(EDITS_TEAM_COMMENT, 302),
        other=NOBODY,
        data=form(body="Staff spoke warmly about the buddy system, all of them."),
    ),
    Route(
        "reviews:comment_edit",
        kind="shared_comment",
        kwargs=comment_kwargs,
        own=EDITS_SHARED_COMMENT,
        other=NOBODY,
    ),
    Route(
        "reviews:comment_edit",
        method="POST",
        kind="shared_comment",
        kwargs=comment_kwargs,
        own=posted(EDITS_SHARED_COMMENT, 302),
        other=NOBODY,
        data=form(body="Each new resident has a buddy for their first month."),
    ),
    # Everyone signed in chooses their own comment e-mails.
    Route("reviews:comment_emails", own=expect(200)),
    Route(
        "reviews:comment_emails", method="POST", own=expect(302), data=form(comment_emails="daily")
    ),
    # API -----------------------------------------------------------------------------------
    # Lists are filtered to what each person reads; a review or thread they cannot see is an
    # unknown id in a body (400), as one that does not exist.
    Route("thread-list", own=expect(200)),
    Route(
        "thread-list",
        method="POST",
        own=expect(201, commissioner=400, outsider=400),
        data=Naming(
            lambda: {
                "review": peer_review_id("CP"),
                "visibility": "shared",
                "title": "A question",
                "body": "How do you welcome people?",
            }
        ),
        content_type=JSON,
    ),
    Route(
        "thread-list",
        method="POST",
        # The host may start only shared threads (403).
        own={**expect(201, commissioner=400, outsider=400), **dict.fromkeys(HOST, 403)},
        data=Naming(
            lambda: {
                "review": peer_review_id("CP"),
                "visibility": "team",
                "title": "Our view",
                "body": "What did we each notice?",
            }
        ),
        content_type=JSON,
    ),
    Route(
        "thread-list",
        method="POST",
        own=expect(400),  # U's review: nobody in the cast can see it
        data=Naming(
            lambda: {
                "review": peer_review_id("CQ"),
                "visibility": "shared",
                "title": "A question",
                "body": "Hello.",
            }
        ),
        content_type=JSON,
    ),
    Route("thread-detail", kind="team_thread", kwargs=pk, own=TEAM_READS, other=NOBODY),
    Route("thread-detail", kind="shared_thread", kwargs=pk, own=ALL_READ, other=NOBODY),
    Route("thread-detail", method="DELETE", kind="shared_thread", kwargs=pk, own=expect(405)),
    Route("comment-list", own=expect(200)),
    Route(
        "comment-list",
        method="POST",
        own={**expect(201, commissioner=400, outsider=400), **dict.fromkeys(HOST, 400)},
        data=Naming(lambda: {"thread": thread_id("S", TEAM_TITLE), "body": "I saw it too."}),
        content_type=JSON,
    ),
    Route(
        "comment-list",
        method="POST",
        own=expect(201, commissioner=400, outsider=400),
        data=Naming(lambda: {"thread": thread_id("S", SHARED_TITLE), "body": "Thank you."}),
        content_type=JSON,
    ),
    Route(
        "comment-list",
        method="POST",
        own=expect(400),
        data=Naming(lambda: {"thread": thread_id("U", SHARED_TITLE), "body": "Hello."}),
        content_type=JSON,
    ),
    Route("comment-detail", kind="team_comment", kwargs=pk, own=TEAM_READS, other=NOBODY),
    Route("comment-detail", kind="shared_comment", kwargs=pk, own=ALL_READ, other=NOBODY),
    Route(
        "comment-detail",
        method="PATCH",
        kind="team_comment",
        kwargs=pk,
        own=EDITS_TEAM_COMMENT,
        other=NOBODY,
        data=json.dumps({"body": "Staff spoke warmly, all of them."}),
        content_type=JSON,
    ),
    Route(
        "comment-detail",
        method="PATCH",
        kind="shared_comment",
        kwargs=pk,
        own=EDITS_SHARED_COMMENT,
        other=NOBODY,
        data=json.dumps({"body": "Each new resident has a buddy for a month."}),
        content_type=JSON,
    ),
    Route("comment-detail", method="DELETE", kind="shared_comment", kwargs=pk, own=expect(405)),
]
