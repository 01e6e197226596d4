"""Threads and comments: the write path (reviews/peer_review/threads.py) and the e-mail sent for
each new comment. The daily digest is tests/reviews/test_comment_digests.py."""

from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from reviews import allocation
from reviews.models import Assignment, Comment, Review, Thread
from reviews.peer_review import threads
from reviews.peer_review.threads import ThreadsClosed
from reviews.self_assessment import Invalid
from reviews.workflow import transition
from standards.yaml_format import import_framework

TEAM = Thread.Visibility.TEAM
SHARED = Thread.Visibility.SHARED
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def start(review, by, visibility=SHARED, title="How are new residents welcomed?", **kwargs):
    kwargs.setdefault("body", "Could you tell us about the first week?")
    return threads.start_thread(review, by=by, visibility=visibility, title=title, **kwargs)


def first_standard(review):
    return review.responses.order_by("standard__order").first().standard


def withdraw_review(review, coordinator):
    transition(review, Review.Status.WITHDRAWN, by=coordinator, note="The service has closed.")
    review.refresh_from_db()


def take_off_team(review, person, coordinator):
    assignment = Assignment.objects.get(review=review, reviewer__user=person)
    allocation.withdraw(assignment, by=coordinator, reason="A conflict came to light.")


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


# Starting a thread ------------------------------------------------------------------------------


def test_start_thread_stores_the_thread_and_its_first_comment(peer_review, reviewer):
    standard = first_standard(peer_review)

    thread = start(peer_review, reviewer, TEAM, standard=standard)

    thread.refresh_from_db()
    assert (thread.review, thread.visibility, thread.standard, thread.started_by) == (
        peer_review,
        TEAM,
        standard,
        reviewer,
    )
    assert [(c.author, c.body, c.is_edited) for c in thread.comments.all()] == [
        (reviewer, "Could you tell us about the first week?", False)
    ]


def test_start_thread_trims_the_subject_to_one_line_and_keeps_the_body_as_typed(peer_review, staff):
    thread = start(
        peer_review,
        staff,
        title="  About   the\nwelcome  ",
        body="\r\n  First line.\r\n<b>Second</b> line.  \n",
    )

    assert thread.title == "About the welcome"
    assert thread.comments.get().body == "First line.\n<b>Second</b> line."


@pytest.mark.parametrize(
    ("title", "body", "fields"),
    [
        ("", "A question.", {"title"}),
        ("A subject", "   \n ", {"body"}),
        ("x" * 201, "y" * 10_001, {"title", "body"}),
    ],
)
def test_start_thread_refuses_missing_or_overlong_text(peer_review, reviewer, title, body, fields):
    with pytest.raises(Invalid) as refused:
        start(peer_review, reviewer, title=title, body=body)

    assert set(refused.value.errors) == fields
    assert not Thread.objects.exists()


def test_start_thread_refuses_a_standard_of_another_framework(peer_review, reviewer):
    fixture = FIXTURES / "relational-environment-standards.yaml"
    other = import_framework(fixture.read_bytes(), source=fixture.name).version

    with pytest.raises(Invalid) as refused:
        start(peer_review, reviewer, standard=other.standards.first())

    assert "framework this review uses" in refused.value.errors["standard"]
    assert not Thread.objects.exists()


def test_start_thread_refuses_an_unknown_visibility(peer_review, coordinator):
    with pytest.raises(Invalid) as refused:
        start(peer_review, coordinator, visibility="everyone")

    assert set(refused.value.errors) == {"visibility"}


@pytest.mark.parametrize("role", ["service_lead", "staff", "lived_experience"])
def test_the_host_cannot_start_a_team_only_thread(request, peer_review, role):
    with pytest.raises(PermissionDenied, match="only threads shared with the service"):
        start(peer_review, request.getfixturevalue(role), TEAM)

    assert not Thread.objects.exists()


@pytest.mark.parametrize("role", ["service_lead", "lived_experience", "coordinator"])
def test_the_host_and_coordinators_can_start_shared_threads(request, peer_review, role):
    person = request.getfixturevalue(role)

    thread = start(peer_review, person, SHARED)

    assert thread.started_by == person


@pytest.mark.parametrize("role", ["commissioner", "outsider"])
def test_people_outside_the_review_cannot_start_threads(request, peer_review, role):
    with pytest.raises(PermissionDenied):
        start(peer_review, request.getfixturevalue(role), SHARED)


def test_start_thread_is_closed_while_the_review_is_submitted(
    answered_review, service_lead, coordinator
):
    transition(answered_review, Review.Status.SUBMITTED, by=service_lead)

    with pytest.raises(ThreadsClosed, match="when the peer review starts"):
        start(answered_review, coordinator, TEAM)

    assert not Thread.objects.exists()


def test_start_thread_is_closed_once_the_review_is_withdrawn(peer_review, reviewer, coordinator):
    withdraw_review(peer_review, coordinator)

    with pytest.raises(ThreadsClosed, match="withdrawn"):
        start(peer_review, reviewer, TEAM)


# Replying --------------------------------------------------------------------------------------


def test_add_comment_keeps_replies_in_order_and_moves_the_last_activity(
    peer_review, reviewer, lead_reviewer
):
    thread = start(peer_review, reviewer, TEAM, title="Handover")
    before = thread.last_comment_at

    reply = threads.add_comment(thread, by=lead_reviewer, body="I saw the same on Tuesday.")

    thread.refresh_from_db()
    assert thread.last_comment_at == reply.created_at > before
    assert [c.author for c in thread.comments.all()] == [reviewer, lead_reviewer]


def test_add_comment_refuses_an_empty_body(peer_review, reviewer):
    thread = start(peer_review, reviewer, TEAM)

    with pytest.raises(Invalid) as refused:
        threads.add_comment(thread, by=reviewer, body="  ")

    assert refused.value.errors == {"body": "Write your comment."}
    assert thread.comments.count() == 1


def test_the_host_cannot_comment_in_a_team_only_thread(peer_review, reviewer, service_lead):
    thread = start(peer_review, reviewer, TEAM)

    with pytest.raises(PermissionDenied):
        threads.add_comment(thread, by=service_lead, body="What are you saying about us?")

    assert thread.comments.count() == 1


def test_the_host_answers_in_a_shared_thread(peer_review, reviewer, lived_experience):
    thread = start(peer_review, reviewer, SHARED)

    comment = threads.add_comment(thread, by=lived_experience, body="Each of us has a buddy.")

    assert comment.thread == thread
    assert comment.author == lived_experience


def test_a_reviewer_taken_off_the_team_can_no_longer_comment(
    peer_review, reviewer, lead_reviewer, coordinator
):
    thread = start(peer_review, lead_reviewer, TEAM)
    take_off_team(peer_review, reviewer, coordinator)

    with pytest.raises(PermissionDenied):
        threads.add_comment(thread, by=reviewer, body="One more thought.")


def test_comments_are_closed_once_the_review_is_withdrawn(peer_review, reviewer, coordinator):
    thread = start(peer_review, reviewer, TEAM)
    withdraw_review(peer_review, coordinator)

    with pytest.raises(ThreadsClosed, match="withdrawn"):
        threads.add_comment(thread, by=coordinator, body="A late thought.")

    assert thread.comments.count() == 1


# Editing ---------------------------------------------------------------------------------------


def test_edit_comment_changes_the_body_and_marks_it_edited(peer_review, reviewer):
    comment = start(peer_review, reviewer, TEAM).comments.get()

    threads.edit_comment(comment, by=reviewer, body="  Could you tell us about day one?  ")

    comment.refresh_from_db()
    assert comment.body == "Could you tell us about day one?"
    assert comment.is_edited
    assert comment.edited_at >= comment.created_at


def test_edit_comment_with_the_same_text_is_not_marked_edited(peer_review, reviewer):
    comment = start(peer_review, reviewer, TEAM).comments.get()

    threads.edit_comment(comment, by=reviewer, body=comment.body + "\n")

    comment.refresh_from_db()
    assert not comment.is_edited


@pytest.mark.parametrize("role", ["lead_reviewer", "coordinator", "service_lead"])
def test_only_the_author_may_edit_a_comment(request, peer_review, reviewer, role):
    comment = start(peer_review, reviewer, SHARED).comments.get()

    with pytest.raises(PermissionDenied):
        threads.edit_comment(comment, by=request.getfixturevalue(role), body="Changed.")

    comment.refresh_from_db()
    assert (comment.body, comment.is_edited) == ("Could you tell us about the first week?", False)


def test_editing_is_closed_once_the_review_is_withdrawn(peer_review, reviewer, coordinator):
    comment = start(peer_review, reviewer, TEAM).comments.get()
    withdraw_review(peer_review, coordinator)

    with pytest.raises(ThreadsClosed, match="can no longer be changed"):
        threads.edit_comment(comment, by=reviewer, body="Changed.")


def test_a_reviewer_taken_off_the_team_cannot_edit_their_comment(
    peer_review, reviewer, coordinator
):
    comment = start(peer_review, reviewer, TEAM).comments.get()
    take_off_team(peer_review, reviewer, coordinator)

    with pytest.raises(PermissionDenied):
        threads.edit_comment(comment, by=reviewer, body="Changed.")


# The e-mail for each new comment -----------------------------------------------------------------


@pytest.fixture
def team_thread(peer_review, reviewer, lead_reviewer, expert_reviewer, coordinator):
    """A team-only thread the peer reviewer started, where the lead and expert have replied."""
    thread = start(peer_review, reviewer, TEAM, title="What did we each notice at handover?")
    threads.add_comment(thread, by=lead_reviewer, body="Calm and unhurried.")
    threads.add_comment(thread, by=expert_reviewer, body="People were asked how they were.")
    mail.outbox.clear()
    return thread


def test_a_new_comment_emails_the_other_participants_but_not_the_commenter(
    team_thread, reviewer, lead_reviewer, expert_reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        threads.add_comment(team_thread, by=lead_reviewer, body="Shall we raise it?")

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [reviewer.email, expert_reviewer.email]
    )
    assert all(len(message.to) == 1 and not message.cc for message in mail.outbox)


def test_the_comment_email_has_the_thread_the_comment_its_author_and_a_link(
    team_thread, reviewer, lead_reviewer, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://assurance.example.org"
    lead_reviewer.name = "Priya Shah"
    lead_reviewer.save()

    with django_capture_on_commit_callbacks(execute=True):
        threads.add_comment(team_thread, by=lead_reviewer, body="Shall we <raise> it?\nYes.")

    [message] = sent_to(reviewer.email)
    link = (
        f"https://assurance.example.org/reviews/{team_thread.review_id}/threads/{team_thread.pk}/"
    )
    assert message.subject.startswith("Review team only")
    assert "What did we each notice at handover?" in message.subject
    assert "Review team only" in message.body
    assert "Priya Shah commented" in message.body
    assert "Shall we <raise> it?\nYes." in message.body  # plain text, never escaped
    assert link in message.body
    assert "https://assurance.example.org/account/comment-emails/" in message.body


def test_a_shared_thread_email_does_not_say_team_only(
    peer_review, reviewer, service_lead, django_capture_on_commit_callbacks
):
    thread = start(peer_review, reviewer, SHARED)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        threads.add_comment(thread, by=service_lead, body="Each new resident has a buddy.")

    [message] = sent_to(reviewer.email)
    assert "Review team only" not in message.subject + message.body
    assert "Shared with the service" in message.body


def test_the_host_gets_shared_thread_emails_it_takes_part_in(
    peer_review, reviewer, service_lead, staff, django_capture_on_commit_callbacks
):
    thread = start(peer_review, reviewer, SHARED)
    threads.add_comment(thread, by=service_lead, body="Each new resident has a buddy.")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        threads.add_comment(thread, by=reviewer, body="Thank you. Who chooses the buddy?")

    assert [m.to for m in mail.outbox] == [[service_lead.email]]
    assert not sent_to(staff.email)  # staff has not taken part


def test_a_host_member_never_gets_a_team_only_threads_email(
    team_thread, service_lead, lead_reviewer, django_capture_on_commit_callbacks
):
    # Something that must not happen: a host member recorded in a team-only thread. Even then,
    # the check made when the e-mail is sent keeps them out.
    Comment.objects.create(thread=team_thread, author=service_lead, body="Planted.")
    Thread.objects.filter(pk=team_thread.pk).update(started_by=service_lead)

    with django_capture_on_commit_callbacks(execute=True):
        threads.add_comment(team_thread, by=lead_reviewer, body="Shall we raise it?")

    assert mail.outbox
    assert not sent_to(service_lead.email)


def test_a_reviewer_taken_off_the_team_gets_no_more_emails(
    team_thread,
    reviewer,
    lead_reviewer,
    expert_reviewer,
    coordinator,
    django_capture_on_commit_callbacks,
):
    take_off_team(team_thread.review, expert_reviewer, coordinator)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        threads.add_comment(team_thread, by=lead_reviewer, body="Shall we raise it?")

    assert [m.to for m in mail.outbox] == [[reviewer.email]]


def test_access_is_checked_again_when_the_email_is_sent(
    team_thread,
    reviewer,
    lead_reviewer,
    expert_reviewer,
    coordinator,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        threads.add_comment(team_thread, by=lead_reviewer, body="Shall we raise it?")
    take_off_team(team_thread.review, expert_reviewer, coordinator)
    mail.outbox.clear()

    for callback in callbacks:
        callback()

    assert [m.to for m in mail.outbox] == [[reviewer.email]]


def test_no_email_goes_before_the_comment_is_committed(
    team_thread, lead_reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        threads.add_comment(team_thread, by=lead_reviewer, body="Shall we raise it?")

    assert len(callbacks) == 1
    assert mail.outbox == []


@pytest.mark.parametrize("choice", ["daily", "none"])
def test_people_who_chose_daily_or_none_get_no_email_per_comment(
    team_thread,
    reviewer,
    lead_reviewer,
    expert_reviewer,
    choice,
    django_capture_on_commit_callbacks,
):
    reviewer.comment_emails = choice
    reviewer.save()

    with django_capture_on_commit_callbacks(execute=True):
        threads.add_comment(team_thread, by=lead_reviewer, body="Shall we raise it?")

    assert [m.to for m in mail.outbox] == [[expert_reviewer.email]]


def test_starting_a_thread_emails_nobody(peer_review, reviewer, django_capture_on_commit_callbacks):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        start(peer_review, reviewer, SHARED)

    assert mail.outbox == []
