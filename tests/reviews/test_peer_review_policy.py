"""The peer review's access policy (reviews/peer_review/__init__.py), role by role."""

import pytest

from reviews.models import Review, Thread
from reviews.peer_review import access_for, threads_for
from reviews.workflow import transition


def thread(review, visibility, by):
    return Thread.objects.create(review=review, visibility=visibility, title="t", started_by=by)


@pytest.fixture
def threads(peer_review, reviewer):
    return {
        "team": thread(peer_review, Thread.Visibility.TEAM, reviewer),
        "shared": thread(peer_review, Thread.Visibility.SHARED, reviewer),
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("lead_reviewer", {"team", "shared"}),
        ("reviewer", {"team", "shared"}),
        ("expert_reviewer", {"team", "shared"}),
        ("coordinator", {"team", "shared"}),
        ("service_lead", {"shared"}),
        ("staff", {"shared"}),
        ("lived_experience", {"shared"}),
        ("commissioner", set()),
        ("outsider", set()),
    ],
)
def test_threads_for_each_role_are_what_the_policy_says(
    request, peer_review, threads, role, expected
):
    access = access_for(request.getfixturevalue(role), peer_review)

    seen = {t.visibility for t in threads_for(access, peer_review)}

    assert seen == expected


@pytest.mark.parametrize(
    ("role", "reflects", "writes_findings", "reads_safeguarding", "raises"),
    [
        ("lead_reviewer", True, True, True, True),
        ("reviewer", True, False, False, True),
        ("coordinator", False, False, True, False),
        ("service_lead", False, False, True, False),
        ("staff", False, False, False, False),
        ("outsider", False, False, False, False),
    ],
)
def test_team_work_rights_follow_the_role(
    request, peer_review, role, reflects, writes_findings, reads_safeguarding, raises
):
    access = access_for(request.getfixturevalue(role), peer_review)

    assert (
        access.may_reflect,
        access.may_write_findings,
        access.reads_all_safeguarding,
        access.may_raise_safeguarding,
    ) == (reflects, writes_findings, reads_safeguarding, raises)


def test_nobody_comments_once_the_review_is_withdrawn(peer_review, reviewer, coordinator, threads):
    transition(peer_review, Review.Status.WITHDRAWN, by=coordinator, note="The service closed.")
    peer_review.refresh_from_db()

    access = access_for(reviewer, peer_review)

    assert access.reads_thread(threads["team"])
    assert not access.may_comment(threads["team"])


def test_peer_review_start_gives_a_reflection_per_standard(peer_review):
    assert peer_review.reflections.count() == peer_review.responses.count() > 0
