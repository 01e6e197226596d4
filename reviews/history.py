"""A review's full history: who changed or read what, and when (DESIGN sections 6, 7 and 14).

Three records make it up:

- `ReviewEvent`: every move of the review from one stage to another (reviews/workflow.py);
- the history records django-simple-history keeps of every write to the review's things
  (responses, perspectives, evidence, threads and comments, reflections, findings and the
  reviewers' summary, safeguarding notes, actions and their progress, reports and accuracy
  comments, shares, review team places), and of the service team's memberships;
- `AccessLog`: every read of a sensitive thing (evidence files, reports).

`history_page` merges them into one list, newest first, one page at a time: a UNION query
numbers the page, then one query per kind of thing on the page fetches its records (with the
record before each change, to say which fields changed). The cost does not grow with the size
of the history.

Writers: a save or delete through the ORM is recorded by django-simple-history's signals, with
the signed-in person from HistoryRequestMiddleware (or the row's own actor field outside a
request, `assurance.models.history_actor`). A conditional `.update()` (the optimistic-version
saves) sends no signal, so its writer calls `record_change` with the row as stored after it.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assurance.models import Membership, User
from reviews.models import (
    AccessLog,
    AccuracyComment,
    Action,
    ActionProgress,
    Assignment,
    Comment,
    Evidence,
    Finding,
    Perspective,
    Reflection,
    Report,
    ReportShare,
    Response,
    Review,
    ReviewersSummary,
    ReviewEvent,
    SafeguardingNote,
    Thread,
)

PAGE_SIZE = 50
# Short values are shown as "old → new"; longer ones, and free text, only by the field's name.
SHORT = 300
# Bookkeeping fields that change with every save and say nothing the record does not already.
QUIET_FIELDS = frozenset({"id", "version", "updated_at", "updated_by", "edited_at"})

EVENT = "stage"
READ = "read"
# The two logs that are not history records: each row has `review` and `at`, and no previous row.
LOGS = {EVENT: ReviewEvent, READ: AccessLog}


# Writing ------------------------------------------------------------------------------------


def record_change(instance: models.Model, *, by: User | None) -> None:
    """Keep the history record of a change made by a conditional `.update()`.

    `instance` is the row as stored after the update; `by` the person who made the change
    (None: the signed-in person of the request, if any).
    """
    type(instance).history.bulk_history_create([instance], update=True, default_user=by)


# What the history covers --------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One kind of thing whose history records belong to a review."""

    key: str
    label: str
    model: type[models.Model]
    scope: Callable[[Review], Q]
    describe: Callable[[models.Model], str]
    related: tuple[str, ...] = ()
    # Safeguarding notes: only for those who may read every note of the review.
    safeguarding: bool = False

    @property
    def history_model(self) -> type[models.Model]:
        return self.model.history.model


def _standard(record) -> str:
    standard = record.standard
    return f"{standard.code} {standard.title}" if standard else _("A standard no longer there")


def _perspective(record) -> str:
    response = record.response
    where = response.standard.code if response else ""
    return f"{record.get_voice_display()}, {where}".strip(", ")


def _comment(record) -> str:
    thread = record.thread
    return _("In “%(thread)s”") % {"thread": thread.title} if thread else _("A comment")


def _progress(record) -> str:
    return record.action.title if record.action else _("An action no longer there")


def _accuracy(record) -> str:
    report = record.report
    number = report.number if report else "?"
    return _("On draft report version %(number)s (%(kind)s)") % {
        "number": number,
        "kind": record.get_kind_display(),
    }


def _share(record) -> str:
    return record.body.name if record.body else _("A commissioning body no longer there")


def _assignment(record) -> str:
    reviewer = record.reviewer.user if record.reviewer else _("a reviewer")
    return f"{reviewer}, {record.get_role_display()}"


def _membership(record) -> str:
    return f"{record.user or _('someone no longer here')}, {record.get_role_display()}"


SOURCES = (
    Source(
        "response",
        gettext_lazy("Self-assessment response"),
        Response,
        lambda review: Q(review_id=review.pk),
        _standard,
        ("standard",),
    ),
    Source(
        "perspective",
        gettext_lazy("Perspective"),
        Perspective,
        lambda review: Q(response__review_id=review.pk),
        _perspective,
        ("response__standard",),
    ),
    Source(
        "evidence",
        gettext_lazy("Evidence"),
        Evidence,
        lambda review: Q(review_id=review.pk),
        lambda record: record.title,
    ),
    Source(
        "thread",
        gettext_lazy("Thread"),
        Thread,
        lambda review: Q(review_id=review.pk),
        lambda record: f"{record.title} ({record.get_visibility_display()})",
    ),
    Source(
        "comment",
        gettext_lazy("Comment"),
        Comment,
        lambda review: Q(thread__review_id=review.pk),
        _comment,
        ("thread",),
    ),
    Source(
        "reflection",
        gettext_lazy("Reflection"),
        Reflection,
        lambda review: Q(review_id=review.pk),
        _standard,
        ("standard",),
    ),
    Source(
        "finding",
        gettext_lazy("Finding"),
        Finding,
        lambda review: Q(review_id=review.pk),
        lambda record: record.title,
    ),
    Source(
        "summary",
        gettext_lazy("Reviewers' summary"),
        ReviewersSummary,
        lambda review: Q(review_id=review.pk),
        lambda record: _("The reviewers' summary"),
    ),
    Source(
        "safeguarding",
        gettext_lazy("Safeguarding note"),
        SafeguardingNote,
        lambda review: Q(review_id=review.pk),
        lambda record: _("Safeguarding note %(number)s") % {"number": record.id},
        safeguarding=True,
    ),
    Source(
        "action",
        gettext_lazy("Action"),
        Action,
        lambda review: Q(review_id=review.pk),
        lambda record: record.title,
    ),
    Source(
        "progress",
        gettext_lazy("Progress on an action"),
        ActionProgress,
        lambda review: Q(review_id=review.pk),
        _progress,
        ("action",),
    ),
    Source(
        "report",
        gettext_lazy("Report"),
        Report,
        lambda review: Q(review_id=review.pk),
        lambda record: (
            _("%(kind)s, version %(number)s")
            % {"kind": record.get_kind_display(), "number": record.number}
        ),
    ),
    Source(
        "accuracy",
        gettext_lazy("Accuracy comment"),
        AccuracyComment,
        lambda review: Q(report__review_id=review.pk),
        _accuracy,
        ("report",),
    ),
    Source(
        "share",
        gettext_lazy("Share with commissioners"),
        ReportShare,
        lambda review: Q(review_id=review.pk),
        _share,
        ("body",),
    ),
    Source(
        "assignment",
        gettext_lazy("Place on the review team"),
        Assignment,
        lambda review: Q(review_id=review.pk),
        _assignment,
        ("reviewer__user",),
    ),
    Source(
        "membership",
        gettext_lazy("Service team membership"),
        Membership,
        # The service's team while this review has been running.
        lambda review: Q(service_id=review.service_id, history_date__gte=review.created_at),
        _membership,
        ("user",),
    ),
)
SOURCES_BY_KEY = {source.key: source for source in SOURCES}


def kind_choices(*, include_safeguarding: bool) -> list[tuple[str, str]]:
    """The kinds of entry the page can be filtered to, as (value, label)."""
    return [
        (EVENT, _("Moves between stages")),
        *(
            (source.key, str(source.label))
            for source in SOURCES
            if include_safeguarding or not source.safeguarding
        ),
        (READ, _("Reads of evidence files and reports")),
    ]


# The entries --------------------------------------------------------------------------------


@dataclass
class FieldChange:
    label: str
    old: str | None = None  # None: the value is not shown (long text, a link to another row)
    new: str | None = None

    @property
    def shows_values(self) -> bool:
        return self.old is not None and self.new is not None


@dataclass
class Entry:
    """One line of the history: what happened to what, who did it, and when."""

    when: datetime
    actor: User | None
    kind: str
    what: str
    happened: str
    changes: list[FieldChange] = field(default_factory=list)
    note: str = ""


HAPPENED = {
    "+": gettext_lazy("Created"),
    "~": gettext_lazy("Changed"),
    "-": gettext_lazy("Removed"),
}


def _branches(review: Review, kinds: Iterable[str], include_safeguarding: bool) -> list[QuerySet]:
    """One query per kind of entry, each giving (kind, row, when, previous row)."""
    no_previous = Value(None, output_field=models.IntegerField())
    branches = []
    for key in kinds:
        if key in LOGS:
            queryset, row, when, previous = (
                LOGS[key].objects.filter(review=review),
                F("pk"),
                F("at"),
                no_previous,
            )
        else:
            source = SOURCES_BY_KEY[key]
            if source.safeguarding and not include_safeguarding:
                continue
            history = source.history_model
            queryset, row, when = (
                history.objects.filter(source.scope(review)),
                F("history_id"),
                F("history_date"),
            )
            previous = Subquery(
                history.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
                .order_by("-history_id")
                .values("history_id")[:1]
            )
        branches.append(
            queryset.order_by()
            .annotate(
                h_kind=Value(key, output_field=models.CharField()),
                h_row=row,
                h_when=when,
                h_previous=previous,
            )
            .values("h_kind", "h_row", "h_when", "h_previous")
        )
    return branches


def history_rows(review: Review, *, kind: str = "", include_safeguarding: bool) -> QuerySet | list:
    """Every entry of the review's history as (kind, row, when, previous row), newest first.

    `kind` narrows it to one kind of entry (a key of `kind_choices`).
    """
    keys = [EVENT, *SOURCES_BY_KEY, READ]
    if kind in keys:
        keys = [kind]
    branches = _branches(review, keys, include_safeguarding)
    if not branches:
        return []
    combined = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
    return combined.order_by("-h_when", "h_kind", "-h_row")


def _shown(value, model_field: models.Field) -> str | None:
    """A value as the page shows it, or None for values only named (long text, other rows)."""
    if model_field.is_relation or isinstance(
        model_field, models.TextField | models.JSONField | models.FileField | models.URLField
    ):
        return None
    if value is None or value == "":
        return _("(blank)")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(model_field, models.DateTimeField):
        return formats.date_format(timezone.localtime(value), "j F Y, H:i")
    if isinstance(model_field, models.DateField):
        return formats.date_format(value, "j F Y")
    text = str(value)
    return text if len(text) <= SHORT else None


def field_changes(record, previous) -> list[FieldChange]:
    """What changed between two history records of one row."""
    changes = []
    for model_field in record.tracked_fields:
        if model_field.name in QUIET_FIELDS:
            continue
        old = getattr(previous, model_field.attname)
        new = getattr(record, model_field.attname)
        if old == new:
            continue
        label = capfirst(str(model_field.verbose_name))
        shown_old, shown_new = _shown(old, model_field), _shown(new, model_field)
        if shown_old is None or shown_new is None:
            changes.append(FieldChange(label))
        else:
            changes.append(FieldChange(label, shown_old, shown_new))
    return changes


def _event_entries(pks: list[int]) -> dict[int, Entry]:
    entries = {}
    for event in ReviewEvent.objects.filter(pk__in=pks).select_related("actor"):
        if event.from_status:
            happened = _("Moved from %(from)s to %(to)s") % {
                "from": event.get_from_status_display(),
                "to": event.get_to_status_display(),
            }
        else:
            happened = _("Started at %(to)s") % {"to": event.get_to_status_display()}
        entries[event.pk] = Entry(
            event.at, event.actor, _("Stage"), _("The review"), happened, note=event.note
        )
    return entries


def _read_entries(pks: list[int]) -> dict[int, Entry]:
    reads = list(AccessLog.objects.filter(pk__in=pks).select_related("user"))
    evidence_ids = {read.object_id for read in reads if read.kind == AccessLog.Kind.EVIDENCE}
    report_ids = {read.object_id for read in reads if read.kind != AccessLog.Kind.EVIDENCE}
    # Evidence may have been removed since it was read: its title is in its history.
    titles = dict(
        Evidence.history.model.objects.filter(id__in=evidence_ids)
        .order_by("history_id")
        .values_list("id", "title")
    )
    reports = {
        report.pk: report
        for report in Report.objects.filter(pk__in=report_ids).only("pk", "kind", "number")
    }
    entries = {}
    for read in reads:
        if read.kind == AccessLog.Kind.EVIDENCE:
            what = titles.get(read.object_id, _("An evidence file"))
        else:
            report = reports.get(read.object_id)
            what = (
                _("%(kind)s, version %(number)s")
                % {"kind": report.get_kind_display(), "number": report.number}
                if report
                else _("A report")
            )
        entries[read.pk] = Entry(
            read.at, read.user, read.get_kind_display(), what, _("Read or downloaded")
        )
    return entries


def _record_entries(source: Source, rows: list[dict]) -> dict[int, Entry]:
    wanted = {row["h_row"] for row in rows} | {
        row["h_previous"] for row in rows if row["h_previous"] is not None
    }
    records = {
        record.history_id: record
        for record in source.history_model.objects.filter(history_id__in=wanted).select_related(
            "history_user", *source.related
        )
    }
    entries = {}
    for row in rows:
        record = records[row["h_row"]]
        previous = records.get(row["h_previous"])
        changes = (
            field_changes(record, previous)
            if record.history_type == "~" and previous is not None
            else []
        )
        entries[record.history_id] = Entry(
            record.history_date,
            record.history_user,
            str(source.label),
            source.describe(record),
            str(HAPPENED[record.history_type]),
            changes,
        )
    return entries


def entries_for(rows: list[dict]) -> list[Entry]:
    """The page's entries, in the order of `rows`, with one query per kind of entry."""
    by_kind = defaultdict(list)
    for row in rows:
        by_kind[row["h_kind"]].append(row)
    found = {}
    for key, kind_rows in by_kind.items():
        pks = [row["h_row"] for row in kind_rows]
        if key == EVENT:
            entries = _event_entries(pks)
        elif key == READ:
            entries = _read_entries(pks)
        else:
            entries = _record_entries(SOURCES_BY_KEY[key], kind_rows)
        found.update({(key, pk): entry for pk, entry in entries.items()})
    return [found[row["h_kind"], row["h_row"]] for row in rows]


def history_page(
    review: Review, *, page: str | int | None, kind: str = "", include_safeguarding: bool
) -> tuple[Page, list[Entry]]:
    """One page of the review's history, newest first, and its entries."""
    rows = history_rows(review, kind=kind, include_safeguarding=include_safeguarding)
    paginator = Paginator(rows, PAGE_SIZE)
    page_obj = paginator.get_page(page)
    return page_obj, entries_for(list(page_obj.object_list))
