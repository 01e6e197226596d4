"""The visit as an iCalendar (.ics) file, for the team and the host to add to their calendars.

RFC 5545: lines end with CRLF and are folded at 75 octets; TEXT values are escaped, and control
characters (a CR or LF above all) can never end a line early and start a property. UIDs stay
the same for the life of the visit and of each agenda item, and SEQUENCE is the visit's
version, so opening a newer file updates the events already in someone's calendar.
"""

import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from reviews.models import Visit
from reviews.peer_review.visit import visit_link


def _text(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, never inside a character."""
    pieces, piece, size, limit = [], [], 0, 75
    for ch in line:
        octets = len(ch.encode())
        if size + octets > limit:
            pieces.append("".join(piece))
            # A continuation line starts with one space, which counts towards its 75 octets.
            piece, size, limit = [], 0, 74
        piece.append(ch)
        size += octets
    pieces.append("".join(piece))
    return "\r\n ".join(pieces)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(settings.TIME_ZONE))


def calendar(visit: Visit) -> str:
    """The visit as an iCalendar file: one all-day event for the visit, one per agenda item.

    UIDs stay the same for the life of the visit and of each item, and SEQUENCE is the visit's
    version, so opening a newer file updates the events already in someone's calendar.
    """
    review = visit.review
    service = review.service.name
    domain = urlsplit(settings.SITE_URL).hostname or "relational-assurance"
    link = visit_link(review)
    common = [f"DTSTAMP:{_utc(visit.updated_at)}", f"SEQUENCE:{visit.version}"]
    location = [f"LOCATION:{_text(visit.location)}"] if visit.location else []
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Relational Assurance//Peer review visit//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if visit.starts_on is not None:
        last = visit.ends_on or visit.starts_on
        about = [_("How: %(mode)s") % {"mode": Visit.Mode(visit.mode).label}]
        if visit.access_needs:
            about.append(_("Access needs: %(needs)s") % {"needs": visit.access_needs})
        about.append(link)
        lines += [
            "BEGIN:VEVENT",
            f"UID:visit-{visit.pk}@{domain}",
            *common,
            f"DTSTART;VALUE=DATE:{visit.starts_on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{last + timedelta(days=1):%Y%m%d}",
            "TRANSP:TRANSPARENT",
            "SUMMARY:" + _text(_("Peer review visit: %(service)s") % {"service": service}),
            *location,
            "DESCRIPTION:" + _text("\n\n".join(about)),
            f"URL:{link}",
            "END:VEVENT",
        ]
    for item in visit.agenda.all():
        about = [_("The review team meets: %(meets)s") % {"meets": item.get_meets_display()}]
        if item.note:
            about.append(item.note)
        about.append(link)
        end = []
        if item.ends_at is not None:
            end = [f"DTEND:{_utc(_local(item.day, item.ends_at))}"]
        lines += [
            "BEGIN:VEVENT",
            f"UID:visit-{visit.pk}-agenda-{item.pk}@{domain}",
            *common,
            f"DTSTART:{_utc(_local(item.day, item.starts_at))}",
            *end,
            "SUMMARY:" + _text(f"{item.title} ({service})"),
            *location,
            "DESCRIPTION:" + _text("\n\n".join(about)),
            f"URL:{link}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(f"{_fold(line)}\r\n" for line in lines)


def calendar_filename(visit: Visit) -> str:
    """A file name from the service's name, in plain ASCII letters, digits and hyphens."""
    slug = slugify(visit.review.service.name)[:60].strip("-")
    return f"visit-{slug}.ics" if slug else "visit.ics"


def calendar_download(visit: Visit) -> HttpResponse:
    """The calendar file, as an attachment. A visit without dates has no calendar yet (404)."""
    if visit.starts_on is None:
        raise Http404
    response = HttpResponse(calendar(visit), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{calendar_filename(visit)}"'
    return response
