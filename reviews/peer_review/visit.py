"""Planning the peer review's visit: how it happens, its dates, where, the access needs, its
agenda, and the e-mails that tell everyone about a change. The visit as a calendar (.ics) file
is calendar.py's.

Who may change the visit, and when, is the policy's (`Access.may_edit_visit`: the lead reviewer
and the host's service lead, while the visit is being planned). Every function here asks it
again on the review's locked row, whatever page or API call it came from, and refuses:

- someone who may not plan the visit: `PermissionDenied`;
- a review that is not at the planning stage: `VisitClosed` (the page explains, the API 409);
- input the rules refuse: `Invalid`, with a message per field;
- a visit saved from a stale version: `StaleWrite`, carrying the stored visit.

The visit's `version` goes up with every change, its agenda's included: it is also the calendar
file's SEQUENCE (calendar.py), so that calendar programs replace an older copy of the visit
with the new one.

Every change is e-mailed, once the transaction commits, to the review team (accepted reviewers)
and the host service's members, but not to the person who made it. The e-mail says what changed
in plain words and links to the visit page; free text (the place, access needs, notes) is not
copied into it.
"""

from dataclasses import replace
from datetime import date, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assurance.models import Membership, User
from reviews.models import AgendaItem, Assignment, Review, Visit
from reviews.peer_review import Access, access_for
from reviews.self_assessment import Invalid, NotEditable, StaleWrite

VISIT_FIELDS = ("mode", "starts_on", "ends_on", "location", "access_needs")
AGENDA_FIELDS = ("day", "starts_at", "ends_at", "title", "meets", "note")
LIMITS = {"location": 2_000, "access_needs": 5_000, "title": 200, "note": 2_000}


class VisitClosed(NotEditable):
    """The review is not at a stage where its visit can be planned."""


# Who and when ---------------------------------------------------------------------------------


def check_may_edit(access: Access) -> None:
    """Raise unless the person may change the visit now.

    `PermissionDenied` for someone who would never plan it; `VisitClosed` for the lead reviewer
    or the host's service lead when the review is at the wrong stage. Both answers come from the
    policy (`may_edit_visit`): asked as it stands, then as if the review were being planned.
    """
    if access.may_edit_visit:
        return
    if not replace(access, status=Review.VISIT_PLANNING[-1]).may_edit_visit:
        raise PermissionDenied(
            _("Only the lead reviewer and the service lead can change the visit.")
        )
    if access.status == Review.Status.SELF_ASSESSMENT:
        raise VisitClosed(
            _("The visit can be planned once the self-assessment has been submitted.")
        )
    if access.status == Review.Status.WITHDRAWN:
        raise VisitClosed(_("This review was withdrawn, so the visit can no longer be changed."))
    raise VisitClosed(
        _("This review has moved on to “%(stage)s”, so the visit can no longer be changed.")
        % {"stage": Review.Status(access.status).label}
    )


def _lock(review_id: int, by: User) -> Review:
    """Lock the review's row for the rest of the transaction and check the person may plan its
    visit. Every write to a visit and its agenda takes this lock first, so they happen one after
    the other, and none happens in a review that has just moved on."""
    review = Review.objects.select_for_update().get(pk=review_id)
    check_may_edit(access_for(by, review))
    return review


# The visit ------------------------------------------------------------------------------------


def _clean_visit(values: dict) -> dict:
    errors = {}
    if values["mode"] not in Visit.Mode.values:
        errors["mode"] = _("Choose how the visit happens.")
    starts_on, ends_on = values["starts_on"], values["ends_on"]
    if starts_on is None:
        errors["starts_on"] = _("Enter the first day of the visit.")
    if ends_on is None:
        errors["ends_on"] = _("Enter the last day of the visit.")
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("The last day must be the same as the first day or after it.")
    cleaned = {**values}
    for name in ("location", "access_needs"):
        cleaned[name] = (values.get(name) or "").strip()
        if len(cleaned[name]) > LIMITS[name]:
            errors[name] = _too_long(LIMITS[name])
    if errors:
        raise Invalid(errors)
    return cleaned


def _too_long(limit: int) -> str:
    return _("Keep this to %(limit)s characters or fewer.") % {"limit": f"{limit:,}"}


def save_visit(
    review: Review,
    *,
    by: User,
    expected_version: int | None,
    mode: str,
    starts_on: date | None,
    ends_on: date | None,
    location: str = "",
    access_needs: str = "",
) -> Visit:
    """Plan the visit (`expected_version` None, when there is none yet) or change it.

    When the first day moves, the agenda moves with it, each item keeping its place in the visit
    (the second day's items stay on the second day); a change that would leave an item outside
    the visit's days is refused. Saving exactly what is stored changes nothing and tells nobody.
    """
    values = {
        "mode": mode,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "location": location,
        "access_needs": access_needs,
    }
    with transaction.atomic():
        locked = _lock(review.pk, by)
        values = _clean_visit(values)
        current = Visit.objects.filter(review=locked).first()
        if current is None:
            if expected_version is not None:
                raise Invalid({"version": _("There is no visit to change yet: plan it first.")})
            visit = Visit.objects.create(
                review=locked, **values, updated_by=by, updated_at=timezone.now()
            )
            lines = _visit_lines(None, visit, moved=0)
        else:
            if all(getattr(current, name) == value for name, value in values.items()):
                return _fresh(current.pk)
            if expected_version != current.version:
                raise StaleWrite(_fresh(current.pk))
            moved = _move_agenda(current, values["starts_on"], values["ends_on"])
            updated = Visit.objects.filter(pk=current.pk, version=expected_version).update(
                **values,
                version=F("version") + 1,
                updated_by=by,
                updated_at=timezone.now(),
            )
            if not updated:  # cannot happen under the review's lock; refuse rather than guess
                raise StaleWrite(_fresh(current.pk))
            visit = _fresh(current.pk)
            lines = _visit_lines(current, visit, moved=moved)
        subject = (
            _("The visit to %(service)s is planned")
            if current is None
            else _("The visit to %(service)s has changed")
        )
        opening = (
            _("%(person)s planned the visit to %(service)s:")
            if current is None
            else _("%(person)s changed the visit to %(service)s:")
        )
        _notify_on_commit(locked, by, subject, opening, lines)
    return visit


def _fresh(pk: int) -> Visit:
    return Visit.objects.select_related("review__service", "updated_by").get(pk=pk)


def _move_agenda(visit: Visit, starts_on: date, ends_on: date) -> int:
    """Move the agenda with the visit's first day; refuse if an item would fall outside the
    visit's days. Returns how many items moved."""
    offset = timedelta(0)
    if visit.starts_on is not None:
        offset = starts_on - visit.starts_on
    items = list(visit.agenda.all())
    outside = [item for item in items if not starts_on <= item.day + offset <= ends_on]
    if outside:
        raise Invalid(
            {
                "ends_on": ngettext(
                    "The agenda item “%(items)s” would then fall outside the visit's days. "
                    "Change the dates, or move or remove that item first.",
                    "The agenda items %(items)s would then fall outside the visit's days. "
                    "Change the dates, or move or remove those items first.",
                    len(outside),
                )
                % {
                    "items": ", ".join(
                        f"“{item.title}”" if len(outside) > 1 else item.title for item in outside
                    )
                }
            }
        )
    if not offset:
        return 0
    for item in items:
        item.day += offset
        item.save(update_fields=["day"])
    return len(items)


# The agenda -----------------------------------------------------------------------------------


def _lock_visit(visit_id: int, by: User) -> Visit:
    visit = Visit.objects.select_related("review").get(pk=visit_id)
    _lock(visit.review_id, by)
    return Visit.objects.select_related("review__service").get(pk=visit_id)


def _clean_item(visit: Visit, values: dict) -> dict:
    errors = {}
    day = values["day"]
    if visit.starts_on is None or visit.ends_on is None:
        errors["day"] = _("Add the visit's dates before planning its agenda.")
    elif day is None:
        errors["day"] = _("Choose the day.")
    elif not visit.starts_on <= day <= visit.ends_on:
        errors["day"] = _("Choose a day of the visit: %(days)s.") % {
            "days": _days(visit.starts_on, visit.ends_on)
        }
    if values["starts_at"] is None:
        errors["starts_at"] = _("Enter the time it starts, like 09:30 or 14:00.")
    elif values["ends_at"] is not None and values["ends_at"] <= values["starts_at"]:
        errors["ends_at"] = _("The end time must be after the start time.")
    # A title is one line: line breaks and runs of spaces become single spaces.
    title = " ".join((values["title"] or "").split())
    if not title:
        errors["title"] = _("Say what happens, for example “Community meeting”.")
    elif len(title) > LIMITS["title"]:
        errors["title"] = _too_long(LIMITS["title"])
    if values["meets"] not in AgendaItem.Meets.values:
        errors["meets"] = _("Choose who the team meets.")
    note = (values["note"] or "").strip()
    if len(note) > LIMITS["note"]:
        errors["note"] = _too_long(LIMITS["note"])
    if errors:
        raise Invalid(errors)
    return {**values, "title": title, "note": note}


def _bump(visit: Visit, by: User) -> None:
    """An agenda change is a change of the visit: a new version for the calendar file."""
    Visit.objects.filter(pk=visit.pk).update(
        version=F("version") + 1, updated_by=by, updated_at=timezone.now()
    )


def add_agenda_item(
    visit: Visit,
    *,
    by: User,
    day: date | None,
    starts_at: time | None,
    ends_at: time | None = None,
    title: str,
    meets: str,
    note: str = "",
) -> AgendaItem:
    """Add one part of the visit: when, what, and who the team meets."""
    with transaction.atomic():
        visit = _lock_visit(visit.pk, by)
        values = _clean_item(
            visit,
            {
                "day": day,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "title": title,
                "meets": meets,
                "note": note,
            },
        )
        item = AgendaItem.objects.create(visit=visit, **values)
        _bump(visit, by)
        _notify_on_commit(
            visit.review,
            by,
            _("The visit to %(service)s: the agenda has changed"),
            _("%(person)s added to the agenda of the visit to %(service)s:"),
            [_item_line(item)],
        )
    return item


def update_agenda_item(item: AgendaItem, *, by: User, **fields) -> AgendaItem:
    """Change an agenda item: the fields given change, the others keep their stored values."""
    unknown = set(fields) - set(AGENDA_FIELDS)
    if unknown:
        raise Invalid({name: _("This field cannot be changed.") for name in sorted(unknown)})
    with transaction.atomic():
        visit = _lock_visit(item.visit_id, by)
        try:
            stored = AgendaItem.objects.get(pk=item.pk, visit=visit)
        except AgendaItem.DoesNotExist:
            raise Invalid({"item": _("This item has been removed from the agenda.")}) from None
        merged = {name: fields.get(name, getattr(stored, name)) for name in AGENDA_FIELDS}
        values = _clean_item(visit, merged)
        changes = _item_changes(stored, values)
        if not changes:
            return stored
        before = _item_line(stored)
        for name, value in values.items():
            setattr(stored, name, value)
        stored.save(update_fields=list(AGENDA_FIELDS))
        _bump(visit, by)
        _notify_on_commit(
            visit.review,
            by,
            _("The visit to %(service)s: the agenda has changed"),
            _("%(person)s changed an item on the agenda of the visit to %(service)s:"),
            [before, *changes],
        )
    return stored


def remove_agenda_item(item: AgendaItem, *, by: User) -> None:
    """Take an item off the agenda. An item already removed is no error."""
    with transaction.atomic():
        visit = _lock_visit(item.visit_id, by)
        stored = AgendaItem.objects.filter(pk=item.pk, visit=visit).first()
        if stored is None:
            return
        line = _item_line(stored)
        stored.delete()
        _bump(visit, by)
        _notify_on_commit(
            visit.review,
            by,
            _("The visit to %(service)s: the agenda has changed"),
            _("%(person)s removed from the agenda of the visit to %(service)s:"),
            [line],
        )


# What changed, in words -----------------------------------------------------------------------


def _day(value: date) -> str:
    return date_format(value, "l j F Y")


def _days(first: date | None, last: date | None) -> str:
    if first is None:
        return _("no dates yet")
    if last is None or last == first:
        return _day(first)
    return _("%(first)s to %(last)s") % {"first": _day(first), "last": _day(last)}


def _clock(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def _times(starts_at: time, ends_at: time | None) -> str:
    if ends_at is None:
        return _("from %(start)s") % {"start": _clock(starts_at)}
    return _("%(start)s to %(end)s") % {"start": _clock(starts_at), "end": _clock(ends_at)}


def _item_line(item: AgendaItem) -> str:
    return _("%(day)s, %(times)s: %(title)s (the team meets: %(meets)s)") % {
        "day": _day(item.day),
        "times": _times(item.starts_at, item.ends_at),
        "title": item.title,
        "meets": AgendaItem.Meets(item.meets).label,
    }


def _item_changes(stored: AgendaItem, values: dict) -> list[str]:
    changes = []
    if values["day"] != stored.day:
        changes.append(
            _("Now on %(day)s (was %(was)s).")
            % {"day": _day(values["day"]), "was": _day(stored.day)}
        )
    if (values["starts_at"], values["ends_at"]) != (stored.starts_at, stored.ends_at):
        changes.append(
            _("Now %(times)s (was %(was)s).")
            % {
                "times": _times(values["starts_at"], values["ends_at"]),
                "was": _times(stored.starts_at, stored.ends_at),
            }
        )
    if values["title"] != stored.title:
        changes.append(_("Now called “%(title)s”.") % {"title": values["title"]})
    if values["meets"] != stored.meets:
        changes.append(
            _("The team now meets: %(meets)s (was: %(was)s).")
            % {
                "meets": AgendaItem.Meets(values["meets"]).label,
                "was": AgendaItem.Meets(stored.meets).label,
            }
        )
    if values["note"] != stored.note:
        changes.append(_("The note changed."))
    return changes


def _visit_lines(before: Visit | None, after: Visit, *, moved: int) -> list[str]:
    mode = Visit.Mode(after.mode).label
    when = _days(after.starts_on, after.ends_on)
    if before is None:
        lines = [_("How: %(mode)s.") % {"mode": mode}, _("When: %(when)s.") % {"when": when}]
        if after.location:
            lines.append(_("Where: on the visit page."))
        if after.access_needs:
            lines.append(_("Access needs: on the visit page."))
        return lines
    lines = []
    if after.mode != before.mode:
        lines.append(
            _("How: now %(mode)s (was %(was)s).")
            % {"mode": mode, "was": Visit.Mode(before.mode).label}
        )
    if (after.starts_on, after.ends_on) != (before.starts_on, before.ends_on):
        lines.append(
            _("When: now %(when)s (was %(was)s).")
            % {"when": when, "was": _days(before.starts_on, before.ends_on)}
        )
    if moved:
        lines.append(
            ngettext(
                "The agenda's %(count)s item moved with the dates.",
                "The agenda's %(count)s items moved with the dates.",
                moved,
            )
            % {"count": moved}
        )
    if after.location != before.location:
        lines.append(_("Where: changed (see the visit page)."))
    if after.access_needs != before.access_needs:
        lines.append(_("Access needs: changed (see the visit page)."))
    return lines


# Telling everyone -----------------------------------------------------------------------------


def recipients(review: Review, *, leaving_out: User) -> list[str]:
    """The review team (accepted reviewers) and the host service's members, active ones only."""
    team = Assignment.objects.filter(
        review=review, status=Assignment.Status.ACCEPTED, reviewer__user__is_active=True
    ).values_list("reviewer__user__email", flat=True)
    host = (
        Membership.objects.active()
        .filter(service_id=review.service_id, user__is_active=True)
        .values_list("user__email", flat=True)
    )
    emails = {email for email in [*team, *host] if email}
    emails.discard(leaving_out.email)
    return sorted(emails)


def visit_link(review: Review) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("reviews:visit", args=[review.pk])


def _notify_on_commit(
    review: Review, by: User, subject: str, opening: str, lines: list[str]
) -> None:
    """Queue one e-mail per person (nobody sees who else was told) for after the commit."""
    words = {"person": str(by), "service": review.service.name}
    # Headers cannot hold line breaks; a name never should, but a subject must not fail.
    subject = " ".join((subject % words).split())
    body = "\n".join(
        [
            opening % words,
            "",
            *(f"- {line}" for line in lines),
            "",
            _("See the visit and download its calendar file:"),
            visit_link(review),
        ]
    )

    def send() -> None:
        messages = [(subject, body, None, [email]) for email in recipients(review, leaving_out=by)]
        if messages:
            send_mass_mail(messages)

    transaction.on_commit(send)
