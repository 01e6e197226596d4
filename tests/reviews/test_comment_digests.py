"""The daily digest of new comments (reviews/peer_review/threads.py `send_digests`) and the
`send_comment_digests` command that cron runs once a day."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from reviews import allocation
from reviews.models import Assignment, Comment, Thread
from reviews.peer_review import threads

TEAM = Thread.Visibility.TEAM
SHARED = Thread.Visibility.SHARED


def daily(*people) -> None:
    for person in people:
        person.comment_emails = "daily"
        person.save()


def start(review, by, visibility, title):
    return threads.start_thread(
        review, by=by, visibility=visibility, title=title, body=f"{title}: first comment."
    )


def backdate(comment: Comment, **delta) -> None:
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(**delta))


def digest_for(person) -> list:
    return [message for message in mail.outbox if message.to == [person.email]]


@pytest.fixture
def conversation(peer_review, reviewer, lead_reviewer, service_lead):
    """A team-only thread and a shared one; the reviewer and the host's lead take part in the
    shared one, the reviewer and the lead reviewer in the team-only one."""
    team = start(peer_review, reviewer, TEAM, "What did we each notice at handover?")
    shared = start(peer_review, reviewer, SHARED, "How are new residents welcomed?")
    threads.add_comment(shared, by=service_lead, body="Each new resident has a buddy.")
    mail.outbox.clear()
    return {"team": team, "shared": shared}


def test_a_daily_digest_lists_new_comments_by_others_in_threads_you_take_part_in(
    conversation, reviewer, lead_reviewer, service_lead
):
    daily(reviewer)
    threads.add_comment(conversation["team"], by=lead_reviewer, body="Calm and unhurried.")
    threads.add_comment(conversation["shared"], by=reviewer, body="Thank you.")

    sent = threads.send_digests()

    assert sent == 1
    [message] = digest_for(reviewer)
    assert message.subject == "2 new comments in your review threads"
    body = message.body
    assert "What did we each notice at handover?" in body
    assert "Calm and unhurried." in body
    assert "Each new resident has a buddy." in body
    assert "Thank you." not in body  # the reviewer's own
    assert "REVIEW TEAM ONLY" in body
    assert f"/threads/{conversation['team'].pk}/" in body
    reviewer.refresh_from_db()
    assert reviewer.comment_digest_sent_at is not None


def test_the_next_digest_holds_only_what_came_since_the_last(conversation, reviewer, lead_reviewer):
    daily(reviewer)
    threads.add_comment(conversation["team"], by=lead_reviewer, body="First thought.")
    threads.send_digests()
    mail.outbox.clear()

    assert threads.send_digests() == 0
    threads.add_comment(conversation["team"], by=lead_reviewer, body="Second thought.")
    threads.send_digests()

    [message] = digest_for(reviewer)
    assert message.subject == "1 new comment in your review threads"
    assert "Second thought." in message.body
    assert "First thought." not in message.body


def test_a_first_digest_covers_the_last_24_hours(conversation, reviewer, lead_reviewer):
    daily(reviewer)
    old = threads.add_comment(conversation["team"], by=lead_reviewer, body="Two days ago.")
    backdate(old, days=2)
    threads.add_comment(conversation["team"], by=lead_reviewer, body="This morning.")

    threads.send_digests()

    [message] = digest_for(reviewer)
    assert "This morning." in message.body
    assert "Two days ago." not in message.body


def test_threads_you_do_not_take_part_in_are_left_out(
    conversation, peer_review, expert_reviewer, lead_reviewer
):
    daily(expert_reviewer)
    threads.add_comment(conversation["team"], by=lead_reviewer, body="Calm and unhurried.")

    assert threads.send_digests() == 0
    assert digest_for(expert_reviewer) == []


@pytest.mark.parametrize("choice", ["each", "none"])
def test_people_who_did_not_choose_daily_get_no_digest(
    conversation, reviewer, lead_reviewer, choice
):
    reviewer.comment_emails = choice
    reviewer.save()
    threads.add_comment(conversation["team"], by=lead_reviewer, body="Calm and unhurried.")
    mail.outbox.clear()

    assert threads.send_digests() == 0
    assert mail.outbox == []


def test_the_host_never_gets_team_only_comments_in_a_digest(
    conversation, service_lead, reviewer, lead_reviewer
):
    daily(service_lead)
    # Something that must not happen: the host's lead recorded in a team-only thread. The
    # digest still leaves that thread out, because they may not read it.
    Comment.objects.create(thread=conversation["team"], author=service_lead, body="Planted.")
    threads.add_comment(conversation["team"], by=lead_reviewer, body="Secret team view.")
    threads.add_comment(conversation["shared"], by=reviewer, body="Who chooses the buddy?")

    threads.send_digests()

    [message] = digest_for(service_lead)
    assert "Who chooses the buddy?" in message.body
    assert "Secret team view." not in message.body
    assert "What did we each notice at handover?" not in message.body
    assert "REVIEW TEAM ONLY" not in message.body
    assert message.subject == "2 new comments in your review threads"


def test_a_reviewer_taken_off_the_team_gets_no_digest(
    conversation, reviewer, lead_reviewer, coordinator
):
    daily(reviewer)
    threads.add_comment(conversation["team"], by=lead_reviewer, body="Calm and unhurried.")
    assignment = Assignment.objects.get(review=conversation["team"].review, reviewer__user=reviewer)
    allocation.withdraw(assignment, by=coordinator, reason="A conflict came to light.")
    mail.outbox.clear()

    assert threads.send_digests() == 0
    assert digest_for(reviewer) == []


def test_the_command_sends_the_digests_and_says_how_many(conversation, reviewer, lead_reviewer):
    daily(reviewer, lead_reviewer)
    threads.add_comment(conversation["team"], by=lead_reviewer, body="Calm and unhurried.")
    out = StringIO()

    call_command("send_comment_digests", stdout=out)

    # The reviewer hears of the lead's comment, the lead of the reviewer's opening one.
    assert out.getvalue().strip() == "Sent 2 digest e-mails."
    assert sorted(m.to[0] for m in mail.outbox) == sorted([reviewer.email, lead_reviewer.email])
