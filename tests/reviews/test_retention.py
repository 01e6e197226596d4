"""Retention (`manage.py purge_expired`): evidence of reviews finished longer ago than
EVIDENCE_RETENTION_DAYS goes, with its stored files; evidence of reviews still in progress never
does; access-log entries go after ACCESS_LOG_RETENTION_DAYS; a dry run changes nothing.

Reviews finish through the workflow (withdrawn, here); only the time of that move is set back,
since a test cannot wait seven years.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from reviews import evidence
from reviews.cycles import enrol
from reviews.management.commands.purge_expired import purge
from reviews.models import AccessLog, Evidence, Review, ReviewEvent
from reviews.workflow import transition
from tests.reviews.data.evidence_files import pdf_bytes, stored_files, text_bytes, upload

DAYS = 2557
NOW = timezone.now()
CUTOFF = NOW - timedelta(days=DAYS)


@pytest.fixture(autouse=True)
def retention(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EVIDENCE_RETENTION_DAYS = DAYS
    settings.ACCESS_LOG_RETENTION_DAYS = 730
    return tmp_path


def add_all_kinds(review: Review, person) -> list[Evidence]:
    """A file, a text file, a link and a note, each on the review's first standard."""
    response = review.responses.order_by("standard__order").first()
    common = {"by": person, "responses": [response], "attested": True}
    return [
        evidence.add_evidence(
            review,
            kind=Evidence.Kind.FILE,
            title="Community meeting minutes",
            upload=upload("minutes.pdf", pdf_bytes()),
            **common,
        ),
        evidence.add_evidence(
            review,
            kind=Evidence.Kind.FILE,
            title="Garden plan",
            upload=upload("garden.txt", text_bytes()),
            **common,
        ),
        evidence.add_evidence(
            review,
            kind=Evidence.Kind.LINK,
            title="Newsletter",
            url="https://example.org/",
            **common,
        ),
        evidence.add_evidence(
            review, kind=Evidence.Kind.NOTE, title="Residents' note", note="We met.", **common
        ),
    ]


def finished_at(review: Review, when) -> None:
    """Set back the time of the review's move into its finished state."""
    ReviewEvent.objects.filter(review=review, to_status=review.status).update(at=when)


@pytest.fixture
def finished(review, staff, coordinator):
    """The cast's review with four pieces of evidence, withdrawn by the coordinator."""
    items = add_all_kinds(review, staff)
    transition(review, Review.Status.WITHDRAWN, by=coordinator, note="The service closed.")
    return review, items


@pytest.fixture
def in_progress(cycle, other_service, version, coordinator, retention):
    """Another service's review, still in self-assessment, whose evidence is ten years old."""
    review = enrol(cycle, other_service, version, by=coordinator)
    items = add_all_kinds(review, coordinator)
    long_ago = NOW - timedelta(days=3650)
    Evidence.objects.filter(review=review).update(uploaded_at=long_ago)
    Review.objects.filter(pk=review.pk).update(created_at=long_ago)
    return review, items


def run(*args: str) -> str:
    out = StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def test_purge_deletes_evidence_files_rows_and_history_of_review_finished_before_retention(
    finished, in_progress, retention
):
    review, items = finished
    finished_at(review, CUTOFF - timedelta(seconds=1))
    files = {item.file.name for item in items if item.file}
    assert files <= stored_files(retention)

    result = purge(NOW)

    assert result.reviews == 1
    assert result.evidence == {"file": 2, "link": 1, "note": 1}
    assert (result.evidence_deleted, result.files_deleted, result.files_missing) == (4, 2, 0)
    assert not Evidence.objects.filter(review=review).exists()
    assert not Evidence.responses.through.objects.filter(evidence_id__in=[i.pk for i in items])
    assert not Evidence.history.filter(id__in=[item.pk for item in items]).exists()
    assert files.isdisjoint(stored_files(retention))
    assert Review.objects.filter(pk=review.pk, status=Review.Status.WITHDRAWN).exists()


@pytest.mark.parametrize("after_cutoff", [timedelta(0), timedelta(seconds=1), timedelta(days=1)])
def test_purge_keeps_evidence_of_review_finished_on_or_after_the_cutoff(
    after_cutoff, finished, retention
):
    review, items = finished
    finished_at(review, CUTOFF + after_cutoff)

    result = purge(NOW)

    assert result.evidence == {}
    assert Evidence.objects.filter(review=review).count() == 4
    assert {item.file.name for item in items if item.file} <= stored_files(retention)


def test_purge_never_touches_evidence_of_a_review_in_progress(in_progress, finished, retention):
    open_review, open_items = in_progress
    review, _items = finished
    finished_at(review, CUTOFF - timedelta(days=400))

    purge(NOW)

    assert Evidence.objects.filter(review=open_review).count() == 4
    assert {item.file.name for item in open_items if item.file} <= stored_files(retention)
    assert not Evidence.objects.filter(review=review).exists()


def test_purge_counts_from_the_last_move_into_a_finished_state(finished, coordinator):
    """Published long ago and closed recently: the clock starts at the close."""
    review, _items = finished
    ReviewEvent.objects.filter(review=review).delete()
    Review.objects.filter(pk=review.pk).update(status=Review.Status.CLOSED)
    ReviewEvent.objects.create(
        review=review,
        from_status=Review.Status.ACCURACY_CHECK,
        to_status=Review.Status.PUBLISHED,
        actor=coordinator,
        at=CUTOFF - timedelta(days=300),
    )
    ReviewEvent.objects.create(
        review=review,
        from_status=Review.Status.PUBLISHED,
        to_status=Review.Status.CLOSED,
        actor=coordinator,
        at=CUTOFF + timedelta(days=65),
    )

    assert purge(NOW).evidence_deleted == 0
    assert purge(NOW + timedelta(days=66)).evidence_deleted == 4


def test_purge_keeps_evidence_of_a_finished_review_with_no_recorded_finish(finished):
    review, _items = finished
    ReviewEvent.objects.filter(review=review).delete()

    assert purge(NOW + timedelta(days=10 * DAYS)).evidence_deleted == 0
    assert Evidence.objects.filter(review=review).count() == 4


def test_purge_command_dry_run_counts_and_changes_nothing(finished, in_progress, retention):
    review, _items = finished
    finished_at(review, CUTOFF - timedelta(days=30))
    AccessLog.objects.create(kind=AccessLog.Kind.REPORT, object_id=1, review=review)
    AccessLog.objects.filter(review=review).update(at=NOW - timedelta(days=800))
    files_before = stored_files(retention)

    output = run("--dry-run")

    assert "4 items (2 files, 1 link, 1 note) from 1 review." in output
    assert "Access-log entries past retention (kept 730 days" in output
    assert ": 1 entry." in output
    assert "Dry run: nothing was deleted." in output
    assert "Deleted" not in output
    assert Evidence.objects.count() == 8
    assert AccessLog.objects.count() == 1
    assert stored_files(retention) == files_before


def test_purge_command_reports_what_it_deleted_and_a_second_run_finds_nothing(
    finished, in_progress, retention
):
    review, _items = finished
    finished_at(review, CUTOFF - timedelta(days=30))

    first = run()
    second = run()

    assert "4 items (2 files, 1 link, 1 note) from 1 review." in first
    assert (
        "Deleted 4 evidence items, 2 stored files (0 files were already missing from storage) "
        "and 0 access-log entries." in first
    )
    assert "0 items (0 files, 0 links, 0 notes) from 0 reviews." in second
    assert "Deleted 0 evidence items, 0 stored files" in second
    assert Evidence.objects.count() == 4  # the review in progress keeps its own


def test_purge_command_goes_on_when_a_file_is_already_missing(finished, retention):
    review, items = finished
    finished_at(review, CUTOFF - timedelta(days=30))
    gone = items[0].file
    gone.storage.delete(gone.name)

    output = run()

    assert "Deleted 4 evidence items, 1 stored file (1 file was already missing" in output
    assert not Evidence.objects.filter(review=review).exists()
    assert not stored_files(retention)


class RefusingStorage(FileSystemStorage):
    """Stores files like the file system, but every deletion fails (a storage outage)."""

    def delete(self, name):
        raise PermissionError(f"not allowed to delete {name}")


def test_purge_command_keeps_evidence_whose_file_the_storage_refuses_to_delete(
    finished, retention, settings
):
    review, items = finished
    finished_at(review, CUTOFF - timedelta(days=30))
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.RefusingStorage"},
    }

    with pytest.raises(CommandError, match="refused to delete 2 files") as refused:
        run()

    assert "not allowed to delete evidence/" in str(refused.value)
    kept = set(Evidence.objects.filter(review=review).values_list("kind", flat=True))
    assert kept == {Evidence.Kind.FILE}
    assert {item.file.name for item in items if item.file} <= stored_files(retention)


def test_purge_deletes_access_log_entries_older_than_their_retention(finished, in_progress):
    review, _items = finished
    open_review, _open_items = in_progress
    cutoff = NOW - timedelta(days=730)
    ages = {"old": cutoff - timedelta(seconds=1), "edge": cutoff, "new": NOW - timedelta(days=1)}
    logged = {}
    for name, at in ages.items():
        for about in (review, open_review):
            entry = AccessLog.objects.create(
                kind=AccessLog.Kind.EVIDENCE, object_id=1, review=about, at=at
            )
            logged[(name, about.pk)] = entry.pk

    result = purge(NOW)

    assert (result.access_log, result.access_log_deleted) == (2, 2)
    remaining = set(AccessLog.objects.values_list("pk", flat=True))
    assert remaining == {pk for (name, _review), pk in logged.items() if name != "old"}
