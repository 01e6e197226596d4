"""Threads and comments: starting a thread, replying, editing one's own comment, and the e-mails
that tell the people taking part about new comments.

Pages (reviews/views/threads.py) and the API (reviews/api/threads.py) call these functions and
nothing else to write. Each one works out the person's `Access` again on the locked review, so a
reviewer taken off the team a moment ago, or a review withdrawn meanwhile, is refused here
whatever page they had open:

- a thread the person may not read, or a visibility they may not use: `PermissionDenied`;
- the review is not at a stage that takes comments (before the peer review starts, once it is
  withdrawn or the report is published): `ThreadsClosed`, with words saying why;
- text the rules refuse: `reviews.self_assessment.Invalid` with an error per field.

Nothing here deletes a comment. Text is stored exactly as typed (trimmed) and is always escaped
when shown; pages keep its line breaks with `linebreaksbr`.

E-mails (sent after the transaction commits):

- `add_comment` tells each person taking part in the thread (who started it, and everyone who
  has commented) whose `comment_emails` is "each", except the commenter. Whether each of them
  may still read the thread is asked again when the e-mail is sent: someone taken off the team,
  or a member of the host service on a team-only thread, never gets one.
- `send_digests` sends the people who chose "daily" one e-mail with the comments others wrote
  since their last digest, in the threads they take part in and may still read. The
  `send_comment_digests` command runs it (once a day, from cron).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assurance.models import User
from reviews.models import Comment, Review, Thread
from reviews.peer_review import Access, access_for
from reviews.self_assessment import Invalid
from standards.models import Standard

TITLE_MAX = Thread._meta.get_field("title").max_length
BODY_MAX = Comment._meta.get_field("body").max_length
DIGEST_WINDOW = timedelta(hours=24)


class ThreadsClosed(Exception):
    """The review is not at a stage where its threads take new comments or changes."""


def closed_reason(review: Review) -> str:
    """Why the review's threads take no new comments now, in plain words ("" while they do)."""
    status = review.status
    if status in Review.OPEN_FOR_DIALOGUE:
        return ""
    if status == Review.Status.WITHDRAWN:
        return _("This review was withdrawn, so its threads are closed to new comments.")
    if status in Review.FINISHED:
        return _("The report has been published, so these threads are closed to new comments.")
    return _("Threads open for comments when the peer review starts.")


def edit_closed_reason(review: Review) -> str:
    """Why comments can no longer be edited ("" while they can)."""
    if review.status == Review.Status.WITHDRAWN:
        return _("This review was withdrawn, so comments can no longer be changed.")
    if review.status in Review.FINISHED:
        return _("The report has been published, so comments can no longer be changed.")
    return ""


def readers_of(visibility: str, review: Review) -> str:
    """Who reads a thread of this visibility, in the words pages and e-mails use."""
    if visibility == Thread.Visibility.SHARED:
        return _(
            "the review team, the network's coordinators and everyone in the team at %(service)s"
        ) % {"service": review.service.name}
    return _("the review team and the network's coordinators")


# Cleaning text ---------------------------------------------------------------------------------


def clean_title(value: str | None) -> str:
    """A subject is one line: runs of spaces and line breaks become one space."""
    return " ".join((value or "").split())


def clean_body(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _body_errors(body: str) -> dict[str, str]:
    if not body:
        return {"body": _("Write your comment.")}
    if len(body) > BODY_MAX:
        return {
            "body": _("A comment can be up to %(max)s characters; this one has %(count)s.")
            % {"max": f"{BODY_MAX:,}", "count": f"{len(body):,}"}
        }
    return {}


def _lock(review_id: int) -> Review:
    """Lock the review for the rest of the transaction: a comment and a move of the review
    (which takes the same lock) happen one after the other, so nothing is added to a review
    that has just been withdrawn."""
    return Review.objects.select_for_update().get(pk=review_id)


# Writing ---------------------------------------------------------------------------------------


@transaction.atomic
def start_thread(
    review: Review,
    *,
    by: User,
    visibility: str,
    title: str,
    body: str,
    standard: Standard | None = None,
) -> Thread:
    """Start a thread on `review`, optionally about one of its standards, with its first comment.

    Its visibility is fixed for good: nothing said in a team-only thread is ever shown to the
    host service.
    """
    if visibility not in Thread.Visibility.values:
        raise Invalid({"visibility": _("Choose who can read this thread.")})
    locked = _lock(review.pk)
    access = access_for(by, locked)
    if visibility not in access.visibilities:
        raise PermissionDenied(
            _("You can start only threads shared with the service.")
            if access.visibilities
            else _("You do not take part in this review's threads.")
        )
    if not access.may_start_thread(visibility):
        raise ThreadsClosed(closed_reason(locked))
    title, body = clean_title(title), clean_body(body)
    errors = {}
    if not title:
        errors["title"] = _("Enter a subject for the thread.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The subject can be up to %(max)s characters.") % {"max": TITLE_MAX}
    if standard is not None and standard.version_id != locked.framework_version_id:
        errors["standard"] = _("Choose a standard of the framework this review uses.")
    errors.update(_body_errors(body))
    if errors:
        raise Invalid(errors)
    now = timezone.now()
    thread = Thread.objects.create(
        review=locked,
        standard=standard,
        visibility=visibility,
        title=title,
        started_by=by,
        created_at=now,
        last_comment_at=now,
    )
    Comment.objects.create(thread=thread, author=by, body=body, created_at=now)
    return thread


def _comment_access(thread: Thread, by: User) -> tuple[Review, Access]:
    locked = _lock(thread.review_id)
    access = access_for(by, locked)
    if not access.reads_thread(thread):
        raise PermissionDenied(_("You cannot read this thread."))
    return locked, access


@transaction.atomic
def add_comment(thread: Thread, *, by: User, body: str) -> Comment:
    """Reply in a thread. The people taking part are told by e-mail once this commits."""
    locked, access = _comment_access(thread, by)
    if not access.may_comment(thread):
        raise ThreadsClosed(closed_reason(locked))
    body = clean_body(body)
    errors = _body_errors(body)
    if errors:
        raise Invalid(errors)
    now = timezone.now()
    comment = Comment.objects.create(thread=thread, author=by, body=body, created_at=now)
    Thread.objects.filter(pk=thread.pk).update(last_comment_at=now)
    thread.last_comment_at = now
    # robust: a mail server that is down is logged, and never turns a saved reply into an error.
    transaction.on_commit(lambda: notify_comment(comment.pk), robust=True)
    return comment


@transaction.atomic
def edit_comment(comment: Comment, *, by: User, body: str) -> Comment:
    """Change one's own comment; it is then marked as edited. Only its author may, and only
    until the report is published (or the review withdrawn)."""
    thread = comment.thread
    locked, access = _comment_access(thread, by)
    if not access.may_edit_comment(comment):
        if comment.author_id is None or comment.author_id != by.pk:
            raise PermissionDenied(_("You can change only your own comments."))
        raise ThreadsClosed(edit_closed_reason(locked) or closed_reason(locked))
    body = clean_body(body)
    errors = _body_errors(body)
    if errors:
        raise Invalid(errors)
    stored = Comment.objects.select_for_update().get(pk=comment.pk)
    if stored.body != body:
        stored.body = body
        stored.edited_at = timezone.now()
        stored.save(update_fields=["body", "edited_at"])
    comment.body, comment.edited_at = stored.body, stored.edited_at
    return comment


# E-mails ---------------------------------------------------------------------------------------


def _site_link(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def thread_link(thread: Thread) -> str:
    return _site_link("reviews:thread_detail", thread.review_id, thread.pk)


def participants(thread: Thread) -> QuerySet:
    """Who takes part in a thread: who started it and everyone who has commented in it."""
    return User.objects.filter(
        Q(pk=thread.started_by_id) | Q(pk__in=thread.comments.values("author_id"))
    )


def notify_comment(comment_pk: int) -> int:
    """E-mail a new comment to the thread's other participants who want each one and may still
    read the thread. Returns how many e-mails went. Runs after the comment is committed."""
    comment = (
        Comment.objects.select_related(
            "author", "thread__review__service", "thread__review__cycle", "thread__standard"
        )
        .filter(pk=comment_pk)
        .first()
    )
    if comment is None:
        return 0
    thread = comment.thread
    review = thread.review
    recipients = [
        person
        for person in participants(thread)
        .filter(comment_emails=User.CommentEmails.EACH, is_active=True)
        .exclude(pk=comment.author_id)
        .order_by("pk")
        if access_for(person, review).reads_thread(thread)
    ]
    if not recipients:
        return 0
    context = {
        "comment": comment,
        "thread": thread,
        "review": review,
        "readers": readers_of(thread.visibility, review),
        "link": thread_link(thread),
        "preferences": _site_link("reviews:comment_emails"),
    }
    if thread.is_shared:
        subject = _("New comment: %(title)s (%(service)s)")
    else:
        subject = _("Review team only – new comment: %(title)s (%(service)s)")
    subject %= {"title": thread.title, "service": review.service.name}
    text = render_to_string("reviews/threads/email_comment.txt", context)
    messages = [EmailMessage(subject, text, None, [person.email]) for person in recipients]
    return get_connection().send_messages(messages) or 0


def send_digests(now: datetime | None = None) -> int:
    """Send each person who chose a daily digest one e-mail with the comments others wrote in
    the threads they take part in and may still read, since their last digest (or in the last
    24 hours, for a first one). Returns how many e-mails went."""
    now = now or timezone.now()
    sent = 0
    connection = get_connection()
    people = User.objects.filter(comment_emails=User.CommentEmails.DAILY, is_active=True)
    for person in people.order_by("pk").iterator():
        message = _digest(person, now)
        if message is not None:
            message.connection = connection
            sent += message.send()
        # Each person is marked as they are done, so a failure part-way never repeats a digest.
        User.objects.filter(pk=person.pk).update(comment_digest_sent_at=now)
    return sent


def _digest(person: User, now: datetime) -> EmailMessage | None:
    since = person.comment_digest_sent_at or now - DIGEST_WINDOW
    taking_part = Thread.objects.filter(
        Q(started_by=person) | Q(pk__in=Comment.objects.filter(author=person).values("thread_id"))
    )
    comments = (
        Comment.objects.filter(thread__in=taking_part, created_at__gt=since, created_at__lte=now)
        .exclude(author=person)
        .select_related(
            "author", "thread__review__service", "thread__review__cycle", "thread__standard"
        )
        .order_by("thread__review_id", "thread_id", "created_at", "pk")
    )
    access: dict[int, Access] = {}
    threads: dict[int, dict] = {}
    for comment in comments:
        thread = comment.thread
        review = thread.review
        if review.pk not in access:
            access[review.pk] = access_for(person, review)
        if not access[review.pk].reads_thread(thread):
            continue
        entry = threads.setdefault(
            thread.pk,
            {
                "thread": thread,
                "review": review,
                "link": thread_link(thread),
                "comments": [],
            },
        )
        entry["comments"].append(comment)
    if not threads:
        return None
    count = sum(len(entry["comments"]) for entry in threads.values())
    subject = (
        _("1 new comment in your review threads")
        if count == 1
        else _("%(count)s new comments in your review threads") % {"count": count}
    )
    text = render_to_string(
        "reviews/threads/email_digest.txt",
        {
            "threads": list(threads.values()),
            "count": count,
            "since": since,
            "preferences": _site_link("reviews:comment_emails"),
        },
    )
    return EmailMessage(subject, text, None, [person.email])
