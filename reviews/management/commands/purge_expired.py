"""Delete what is past its retention: the evidence of long-finished reviews, and old access-log
entries. Run it once a day from cron (docs/operations.md); `--dry-run` only counts.

- **Evidence** (files, links and notes) is kept for EVIDENCE_RETENTION_DAYS after its review
  finished: the review's last move into published, closed or withdrawn, as its `ReviewEvent`
  records it. Evidence of a review still in progress is never touched, however old it is, and
  nor is that of a finished review with no recorded move (nothing says when the clock started).
- **Access-log entries** are kept for ACCESS_LOG_RETENTION_DAYS after the read.

For each expired item the stored file is deleted first, then the row, with its links to
responses and its history records (they repeat the title, note and link it held). A run that
stops half way therefore leaves at most rows whose file is already gone, and the next run
finishes them: a file missing from storage is counted, not an error. A file the storage refuses
to delete keeps its row, so the next run tries again; the command then exits with an error.
Access-log entries about purged evidence stay until their own retention ends.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.formats import date_format

from reviews.models import AccessLog, Evidence, Review

# Evidence rows deleted per transaction.
BATCH = 500


@dataclass
class Purge:
    """What a run found past retention, and what it deleted (nothing on a dry run)."""

    evidence_before: datetime
    access_log_before: datetime
    reviews: int = 0
    evidence: dict[str, int] = field(default_factory=dict)  # kind -> items past retention
    evidence_deleted: int = 0
    files_deleted: int = 0
    files_missing: int = 0
    files_refused: list[str] = field(default_factory=list)
    access_log: int = 0
    access_log_deleted: int = 0


def retention_cutoffs(now: datetime) -> tuple[datetime, datetime]:
    """Reviews finished before the first, and reads logged before the second, are expired."""
    return (
        now - timedelta(days=settings.EVIDENCE_RETENTION_DAYS),
        now - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS),
    )


def expired_reviews(before: datetime):
    """Finished reviews whose last move into a finished state came before `before`."""
    return (
        Review.objects.filter(status__in=Review.FINISHED)
        .annotate(finished_at=Max("events__at", filter=Q(events__to_status__in=Review.FINISHED)))
        .filter(finished_at__lt=before)
    )


def expired_evidence(before: datetime):
    return Evidence.objects.filter(review__in=expired_reviews(before).values("pk"))


def expired_access_log(before: datetime):
    return AccessLog.objects.filter(at__lt=before)


def purge(now: datetime | None = None, *, dry_run: bool = False) -> Purge:
    """Find, and unless `dry_run` delete, everything past its retention at `now`."""
    evidence_before, access_log_before = retention_cutoffs(now or timezone.now())
    result = Purge(evidence_before=evidence_before, access_log_before=access_log_before)
    evidence = expired_evidence(evidence_before)
    result.reviews = evidence.values("review_id").distinct().count()
    result.evidence = dict(
        evidence.order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    result.access_log = expired_access_log(access_log_before).count()
    if dry_run:
        return result

    refused: set[int] = set()
    while True:
        batch = list(
            evidence.exclude(pk__in=refused).order_by("pk").values_list("pk", "file")[:BATCH]
        )
        if not batch:
            break
        _delete_files(batch, result, refused)
        ids = [pk for pk, _name in batch if pk not in refused]
        with transaction.atomic():
            Evidence.objects.filter(pk__in=ids).delete()
            # Deleting wrote one more history record each; these go with the rest.
            Evidence.history.filter(id__in=ids).delete()
        result.evidence_deleted += len(ids)
    result.access_log_deleted, _ = expired_access_log(access_log_before).delete()
    return result


def _delete_files(batch: list[tuple[int, str]], result: Purge, refused: set[int]) -> None:
    storage = Evidence._meta.get_field("file").storage
    for pk, name in batch:
        if not name:  # a link or a note
            continue
        try:
            if not storage.exists(name):
                result.files_missing += 1
                continue
            storage.delete(name)
        except Exception as error:  # any storage failure: keep the row and try again next run
            refused.add(pk)
            result.files_refused.append(f"evidence {pk} ({name}): {error}")
            continue
        result.files_deleted += 1


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


class Command(BaseCommand):
    help = (
        "Delete evidence of reviews finished more than EVIDENCE_RETENTION_DAYS ago, with its "
        "stored files, and access-log entries older than ACCESS_LOG_RETENTION_DAYS."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what is past retention; delete nothing"
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        result = purge(dry_run=dry_run)
        kinds = ", ".join(
            _count(result.evidence.get(kind, 0), label.lower(), f"{label.lower()}s")
            for kind, label in Evidence.Kind.choices
        )
        self.stdout.write(
            f"Evidence past retention (kept {settings.EVIDENCE_RETENTION_DAYS:,} days after its "
            f"review finished, so reviews finished before {_when(result.evidence_before)}): "
            f"{_count(sum(result.evidence.values()), 'item', 'items')} ({kinds}) from "
            f"{_count(result.reviews, 'review', 'reviews')}."
        )
        self.stdout.write(
            f"Access-log entries past retention (kept {settings.ACCESS_LOG_RETENTION_DAYS:,} "
            f"days, so reads before {_when(result.access_log_before)}): "
            f"{_count(result.access_log, 'entry', 'entries')}."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was deleted.")
            return
        self.stdout.write(
            f"Deleted {_count(result.evidence_deleted, 'evidence item', 'evidence items')}, "
            f"{_count(result.files_deleted, 'stored file', 'stored files')} "
            f"({_count(result.files_missing, 'file was', 'files were')} already missing from "
            f"storage) and "
            f"{_count(result.access_log_deleted, 'access-log entry', 'access-log entries')}."
        )
        if result.files_refused:
            raise CommandError(
                "The storage refused to delete "
                + _count(len(result.files_refused), "file", "files")
                + "; their evidence is kept for the next run:\n  "
                + "\n  ".join(result.files_refused)
            )


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "j F Y H:i")
