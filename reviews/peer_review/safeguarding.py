"""Safeguarding notes: a reviewer who hears a concern records it, and the people who must know
follow it up.

A note is read only by the lead reviewer, the network's coordinators, the host's service lead
and the reviewer who raised it (reviews/peer_review/__init__.py). It is never part of a report,
an export or another role's list, and its words never leave the application: the e-mail sent
when a note is raised says only that there is one, and where to sign in to read it.

Reviewers on the team raise notes while the review is in `SAFEGUARDING_OPEN`; the lead reviewer,
the coordinators and the host's service lead update a note's status at any time. Each function
checks the policy itself, on the review (or note) locked for the rest of the transaction.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assurance.models import Membership, User
from reviews.models import Assignment, Review, ReviewerRole, SafeguardingNote
from reviews.peer_review import access_for
from reviews.self_assessment import Invalid

SUMMARY_MAX = SafeguardingNote._meta.get_field("summary").max_length
RAISED_TO_MAX = SafeguardingNote._meta.get_field("raised_to").max_length
STATUS_NOTE_MAX = SafeguardingNote._meta.get_field("status_note").max_length


class SafeguardingClosed(Exception):
    """The review is at a stage where no new safeguarding note can be raised on it."""


def _too_long(limit: int) -> str:
    return _("Keep this to %(max)s characters or fewer.") % {"max": limit}


@transaction.atomic
def raise_note(review: Review, *, by: User, summary: str, raised_to: str = "") -> SafeguardingNote:
    """Record a concern a reviewer heard, and tell the people who must know that there is one."""
    locked = Review.objects.select_for_update().get(pk=review.pk)
    access = access_for(by, locked)
    if not access.reviewer:
        raise PermissionDenied(_("Only reviewers on the review team raise safeguarding notes."))
    if not access.may_raise_safeguarding:
        raise SafeguardingClosed(
            _("A safeguarding note cannot be raised on a review at the stage “%(stage)s”.")
            % {"stage": locked.get_status_display()}
        )
    summary, raised_to = (summary or "").strip(), (raised_to or "").strip()
    errors = {}
    if not summary:
        errors["summary"] = _("Write what you heard or saw.")
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = _too_long(SUMMARY_MAX)
    if len(raised_to) > RAISED_TO_MAX:
        errors["raised_to"] = _too_long(RAISED_TO_MAX)
    if errors:
        raise Invalid(errors)
    now = timezone.now()
    note = SafeguardingNote.objects.create(
        review=locked,
        raised_by=by,
        summary=summary,
        raised_to=raised_to,
        created_at=now,
        updated_by=by,
        updated_at=now,
    )
    transaction.on_commit(lambda: tell_readers(note))
    return note


@transaction.atomic
def update_note(
    note: SafeguardingNote, *, by: User, status: str, status_note: str = ""
) -> SafeguardingNote:
    """Say where a note stands now, and what has happened since it was raised."""
    locked = SafeguardingNote.objects.select_for_update().select_related("review").get(pk=note.pk)
    access = access_for(by, locked.review)
    if not access.may_update_safeguarding:
        raise PermissionDenied(
            _(
                "Only the lead reviewer, the network's coordinators and the service lead "
                "update safeguarding notes."
            )
        )
    status_note = (status_note or "").strip()
    errors = {}
    if status not in SafeguardingNote.Status.values:
        errors["status"] = _("Choose where the concern stands now.")
    if len(status_note) > STATUS_NOTE_MAX:
        errors["status_note"] = _too_long(STATUS_NOTE_MAX)
    if errors:
        raise Invalid(errors)
    locked.status = status
    locked.status_note = status_note
    locked.updated_by = by
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "status_note", "updated_by", "updated_at"])
    return locked


def readers_to_tell(note: SafeguardingNote) -> list[str]:
    """The e-mail addresses of the lead reviewer, the network's coordinators and the host's
    service leads, but not the person who raised the note."""
    review = note.review
    emails = [
        *Assignment.objects.filter(
            review=review, role=ReviewerRole.LEAD, status=Assignment.Status.ACCEPTED
        ).values_list("reviewer__user__email", flat=True),
        *review.service.network.coordinator_emails(),
        *Membership.objects.active()
        .filter(service=review.service, role=Membership.Role.SERVICE_LEAD)
        .values_list("user__email", flat=True),
    ]
    raiser = note.raised_by.email if note.raised_by_id else None
    return sorted({email for email in emails if email and email != raiser})


def tell_readers(note: SafeguardingNote) -> None:
    """One e-mail to each reader, saying only that a note exists and where to read it: none of
    its words, which stay behind the sign-in. Runs after the transaction commits."""
    note = SafeguardingNote.objects.select_related(
        "raised_by", "review__service__network", "review__cycle"
    ).get(pk=note.pk)
    review = note.review
    link = settings.SITE_URL.rstrip("/") + reverse(
        "reviews:safeguarding_detail", args=[review.pk, note.pk]
    )
    subject = _("A safeguarding note has been raised: %(review)s") % {"review": review}
    body = _("A safeguarding note has been raised on %(review)s. Sign in to read it: %(link)s") % {
        "review": review,
        "link": link,
    }
    send_mass_mail([(subject, body, None, [email]) for email in readers_to_tell(note)])
