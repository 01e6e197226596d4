"""The backup and restore drill (`make drill`, through ops/drill.sh), on PostgreSQL.

It plays docs/operations.md from start to end on a throwaway copy of the app:

1. seeds its own database and media folder: migrate, import the frameworks, seed the demo data
   and run the task worker until every queued report PDF is rendered and stored;
2. backs up: `pg_dump -Fc` and a tar of the media folder;
3. drops the database and moves the media folder away;
4. restores both: `createdb`, `pg_restore`, untar;
5. verifies: every table's row count and every sequence's position are as before, every stored
   report PDF still matches its recorded sha256 when read the way a download reads it
   (`reviews.report.issuing.checked_bytes`), and every file in the media folder is byte for byte
   the same.

It works only in the database named by DRILL_DATABASE_URL (its name must contain "drill") and a
new temporary folder, never the developer's database or media. Exits 1 on any mismatch, 2 when
a step cannot run; on failure the folder and database are kept for a look and its path printed.
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://assurance:assurance@127.0.0.1:5432/assurance_drill"


class StepFailed(Exception):
    """A command the drill runs did not succeed (exit 2)."""


class Mismatch(Exception):
    """The restored copy differs from what was backed up (exit 1)."""


class Runner:
    """Runs commands with the database's connection in PG* variables, logging their output."""

    def __init__(self, url: str, media: Path, log: Path):
        parts = urlsplit(url)
        self.database = parts.path.lstrip("/")
        self.log = log
        self.env = {
            **os.environ,
            "PGHOST": parts.hostname or "127.0.0.1",
            "PGPORT": str(parts.port or 5432),
            "PGUSER": parts.username or "",
            "PGPASSWORD": parts.password or "",
            "DJANGO_SETTINGS_MODULE": "assurance.settings",
            "DATABASE_URL": url,
            "MEDIA_ROOT": str(media),
        }
        # The drill backs up a media folder, so the app must store files in one.
        self.env.pop("STORAGE_S3_BUCKET", None)

    def run(self, *command: str) -> None:
        with self.log.open("a") as log:
            log.write(f"$ {' '.join(command)}\n")
            log.flush()
            finished = subprocess.run(  # noqa: S603 - fixed commands, no shell
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, check=False
            )
        if finished.returncode != 0:
            tail = self.log.read_text(errors="replace").splitlines()[-15:]
            raise StepFailed(
                f"`{' '.join(command)}` exited with {finished.returncode}:\n  " + "\n  ".join(tail)
            )

    def manage(self, *args: str) -> None:
        self.run(sys.executable, "manage.py", *args)


def start_django(runner: Runner) -> None:
    """Point this process at the drill's database and media, as the commands see them."""
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "MEDIA_ROOT"):
        os.environ[name] = runner.env[name]
    os.environ.pop("STORAGE_S3_BUCKET", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def row_counts() -> tuple[dict[str, int], dict[str, int]]:
    """Rows in every table, and the last value of every sequence (so new ids do not collide)."""
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT sequencename, COALESCE(last_value, 0) FROM pg_sequences "
            "WHERE schemaname = current_schema() ORDER BY sequencename"
        )
        sequences = dict(cursor.fetchall())
    return counts, sequences


def stored_pdfs() -> list[tuple[str, object, str]]:
    """Every stored PDF with its recorded sha256: reports, summaries and learning reports."""
    from reviews.models import RenderJob, Report

    found = []
    for report in Report.objects.select_related("review__service").order_by("pk"):
        name = f"report {report.pk} ({report.review.service}, v{report.number} {report.kind})"
        if report.pdf:
            found.append((name, report.pdf, report.sha256))
        if report.summary_pdf:
            found.append(
                (f"{name}, commissioner summary", report.summary_pdf, report.summary_sha256)
            )
    learning = RenderJob.objects.filter(what=RenderJob.What.LEARNING).exclude(pdf="")
    for job in learning.order_by("pk"):
        found.append(
            (f"learning report of cycle {job.cycle_id} (job {job.pk})", job.pdf, job.sha256)
        )
    return found


def check_pdfs() -> tuple[dict[str, str], list[str]]:
    """The recorded sha256 of each stored PDF, and the ones whose bytes do not match it."""
    from reviews.report.issuing import ReportError, checked_bytes

    recorded, problems = {}, []
    for name, stored, digest in stored_pdfs():
        recorded[name] = digest
        try:
            checked_bytes(stored, digest)
        except ReportError:
            problems.append(f"{name}: the stored bytes do not match sha256 {digest[:12]}…")
        except OSError as error:
            problems.append(f"{name}: cannot be read ({error})")
    return recorded, problems


def media_files(media: Path) -> dict[str, str]:
    return {
        str(path.relative_to(media)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(media.rglob("*"))
        if path.is_file()
    }


def unfinished_renders() -> int:
    from reviews.models import RenderJob

    return RenderJob.objects.exclude(status=RenderJob.Status.READY).count()


def compare(label: str, before: dict, after: dict) -> list[str]:
    """One line per key whose value differs, or that is only on one side."""
    return [
        f"{label} {key}: {before.get(key, 'absent')} before, {after.get(key, 'absent')} after"
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    ]


def size(path: Path) -> str:
    return f"{path.stat().st_size / 1024 / 1024:.1f} MB"


def drill(runner: Runner, folder: Path) -> list[str]:
    """Seed, back up, drop, restore and verify; the lines of the summary."""
    media, backup = folder / "media", folder / "backup"
    media.mkdir()
    backup.mkdir()
    database = runner.database
    dump = backup / f"{database}.dump"
    archive = backup / "media.tar.gz"

    print(f"1. Seeding database {database} and media folder {media}")
    runner.run("dropdb", "--if-exists", "--force", database)
    runner.run("createdb", database)
    runner.manage("migrate", "--noinput")
    runner.manage("import_framework", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.yaml")))
    runner.manage("seed_demo")
    runner.manage("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--no-reload")
    start_django(runner)
    waiting = unfinished_renders()
    if waiting:
        raise StepFailed(f"{waiting} report renders did not finish; see {runner.log}")
    counts, sequences = row_counts()
    pdfs, problems = check_pdfs()
    if problems:
        raise Mismatch("Stored PDFs did not match before the backup:\n  " + "\n  ".join(problems))
    if not pdfs:
        raise StepFailed("The demo data stored no report PDF, so there is nothing to verify.")
    files = media_files(media)

    print(f"2. Backing up: pg_dump -Fc to {dump.name}, tar of the media folder to {archive.name}")
    runner.run("pg_dump", "--format=custom", f"--file={dump}", database)
    runner.run("tar", "--create", "--gzip", f"--file={archive}", f"--directory={folder}", "media")

    print("3. Dropping the database and moving the media folder away")
    from django.db import connections

    connections.close_all()
    runner.run("dropdb", "--force", database)
    media.rename(folder / "media-before-restore")

    print("4. Restoring: createdb, pg_restore, and the media folder from its tar")
    runner.run("createdb", database)
    runner.run("pg_restore", "--exit-on-error", "--no-owner", f"--dbname={database}", str(dump))
    runner.run("tar", "--extract", "--gzip", f"--file={archive}", f"--directory={folder}")

    print("5. Verifying the restored copy")
    counts_after, sequences_after = row_counts()
    pdfs_after, problems = check_pdfs()
    problems += compare("table", counts, counts_after)
    problems += compare("sequence", sequences, sequences_after)
    problems += compare("sha256 of", pdfs, pdfs_after)
    problems += compare("media file", files, media_files(media))
    if problems:
        raise Mismatch("The restored copy differs:\n  " + "\n  ".join(problems))
    return [
        f"  seeded:   {len(counts)} tables, {sum(counts.values()):,} rows, "
        f"{len(pdfs)} stored PDFs, {len(files)} media files",
        f"  backup:   {dump.name} {size(dump)}, {archive.name} {size(archive)}",
        f"  restored: every table's row count and all {len(sequences)} sequences equal",
        f"  verified: {len(pdfs)} of {len(pdfs)} PDFs match their recorded sha256; "
        f"{len(files)} of {len(files)} media files identical",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--keep", action="store_true", help="keep the drill's database and folder afterwards"
    )
    options = parser.parse_args()
    url = os.environ.get("DRILL_DATABASE_URL", DEFAULT_URL)
    if "drill" not in urlsplit(url).path:
        print("DRILL_DATABASE_URL must name a database with 'drill' in its name.", file=sys.stderr)
        return 2
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="assurance-drill-"))
    runner = Runner(url, folder / "media", folder / "drill.log")
    try:
        summary = drill(runner, folder)
    except (StepFailed, Mismatch) as failure:
        print(f"\nDrill FAILED: {failure}", file=sys.stderr)
        print(
            f"Kept database {runner.database} and folder {folder} (log: drill.log).",
            file=sys.stderr,
        )
        return 1 if isinstance(failure, Mismatch) else 2
    print("\n".join(["Backup and restore drill: restored copy identical", *summary]))
    if options.keep:
        print(f"Kept database {runner.database} and folder {folder}.")
    else:
        from django.db import connections

        connections.close_all()
        runner.run("dropdb", "--force", runner.database)
        shutil.rmtree(folder)
    print(f"Done in {time.monotonic() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
