"""`make bench`: every figure of DESIGN.md section 16 in one run, as one JSON line on stdout.

1. Two databases beside the developer's own (`bench.databases`): the demo data ("small") and
   the national-scale network ("national").
2. Query discipline and page scaling: `bench_pages` on each; counts compared, times divided.
3. PDF cost: `bench_pdf`, whose figures are passed on as they are.
4. The matcher on 500 reviews and 1,500 reviewers (`bench.matching.run`).
5. Load: gunicorn serving the national database, 20 people at once and one alone in turns
   (`bench.load`, `bench.sessions`).

Progress goes to stderr. The line is also written to `artifacts/bench.json`. The command exits
0 whether or not targets are met (the line says which are); it fails only when a step breaks.
How each figure is measured: docs/performance.md.
"""

import glob
import json
import os
import signal
import sqlite3
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench import load, matching, report
from bench.databases import (
    BenchDatabase,
    bench_urls,
    is_postgresql,
    last_json_line,
    manage,
    server_connection,
    steps,
)
from bench.report import progress

PARTS = ("pages", "pdf", "matcher", "load")


class Size:
    """How much of each measurement a run makes: the full run, or `--quick` (under 3 minutes
    on 2 cores, for trying the harness; its figures are not the budget's)."""

    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.page_repeats = 5 if quick else 15
        self.matcher = (
            {"reviews": 100, "reviewers": 300, "services": 600, "organisations": 120}
            if quick
            else {"reviews": 500, "reviewers": 1500, "services": 3000, "organisations": 600}
        )
        self.load_users = 20
        self.load_seconds = 15.0 if quick else 60.0
        self.load_rounds = 1 if quick else 4
        # Between pages each simulated person pauses 1 to 3 s, far quicker than anyone reads a
        # page; the single-person run does not pause (its latencies are what one person sees).
        self.think_seconds = (1.0, 3.0)
        self.sessions_per_role = 5


class Command(BaseCommand):
    help = "Run every benchmark (databases, pages, PDF, matcher, load) and print one JSON line."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--quick", action="store_true", help="A reduced run, under 3 minutes on 2 cores."
        )
        parser.add_argument(
            "--keep-data",
            action="store_true",
            help="Reuse the benchmark databases from an earlier run with the same size.",
        )
        parser.add_argument(
            "--skip",
            default="",
            help=f"Comma-separated parts to leave out: {', '.join(PARTS)}.",
        )

    def handle(self, *args, **options) -> None:
        skipped = {part.strip() for part in options["skip"].split(",") if part.strip()}
        if unknown := skipped - set(PARTS):
            raise CommandError(f"Unknown parts to skip: {', '.join(sorted(unknown))}")
        size = Size(options["quick"])
        # A plain `kill` should stop gunicorn too: make SIGTERM unwind like Ctrl+C does.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        date = datetime.now(tz=UTC).isoformat(timespec="seconds")
        load_before = report.load_average()
        try:
            line = self.measure(
                size, date=date, load_before=load_before, keep=options["keep_data"], skipped=skipped
            )
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        text = json.dumps(line)
        artifacts = Path(settings.BASE_DIR) / "artifacts"
        artifacts.mkdir(exist_ok=True)
        (artifacts / "bench.json").write_text(text + "\n")
        missed = [k for k, v in line.items() if isinstance(v, dict) and v.get("met") is False]
        progress(f"done: {len(missed)} target(s) missed{': ' if missed else ''}{', '.join(missed)}")
        self.stdout.write(text)

    def measure(
        self, size: Size, *, date: str, load_before: float | None, keep: bool, skipped: set[str]
    ) -> dict:
        developer_url = settings_database_url()
        urls = bench_urls(developer_url)
        fixtures = sorted(glob.glob("fixtures/*.yaml", root_dir=settings.BASE_DIR))
        small = BenchDatabase("small", urls["small"])
        national = BenchDatabase("national", urls["national"])
        builds = [small] + ([national] if {"pages", "load"} - skipped else [])
        # The two builds share nothing, so they run side by side (one core each on two).
        with ThreadPoolExecutor(max_workers=len(builds)) as pool:
            for done in [
                pool.submit(
                    db.prepare, steps(db.label, quick=size.quick, fixtures=fixtures), keep=keep
                )
                for db in builds
            ]:
                done.result()
        figures = []
        if "pages" not in skipped:
            figures.append(self.pages(small, national, size))
        if "pdf" not in skipped:
            progress("pdf: manage.py bench_pdf")
            args = ["bench_pdf", *(["--quick"] if size.quick else [])]
            output = manage(args, database_url=small.url, capture=True)
            figures.append(report.pdf_figures(last_json_line(output, "bench_pdf")))
        if "matcher" not in skipped:
            progress("matcher: {reviews} reviews, {reviewers} reviewers".format(**size.matcher))
            result = matching.run(**size.matcher)
            progress(f"matcher: {result['wall_seconds']} s, {result['violations']} violations")
            figures.append(report.matcher_figures(result))
        if "load" not in skipped:
            figures.append(self.load(national, size))
        return report.assemble(
            figures,
            date=date,
            machine=report.machine(database_name(developer_url), load_before=load_before),
            quick=size.quick,
            skipped=skipped,
        )

    def pages(self, small: BenchDatabase, national: BenchDatabase, size: Size) -> dict:
        measured = {}
        for database in (small, national):
            progress(f"pages: manage.py bench_pages on {database.label}")
            output = manage(
                ["bench_pages", "--repeats", str(size.page_repeats)],
                database_url=database.url,
                capture=True,
            )
            measured[database.label] = last_json_line(output, "bench_pages")
        figures = report.page_figures(measured["small"]["pages"], measured["national"]["pages"])
        figures["query_count_mismatches"]["datasets"] = {
            label: result.get("dataset", {}) for label, result in measured.items()
        }
        return figures

    def load(self, national: BenchDatabase, size: Size) -> dict:
        with load.serve(national.url) as server:
            progress(f"load: signing in {size.sessions_per_role} people of each main role")
            output = manage(
                ["bench_sessions", "--per-role", str(size.sessions_per_role)],
                database_url=national.url,
                env=server.env,
                capture=True,
            )
            visitors = [
                load.Visitor(v["role"], v["cookie"], tuple(map(tuple, v["pages"])))
                for v in last_json_line(output, "bench_sessions")["visitors"]
            ]
            crowd, single = load.compare(
                server.port,
                visitors,
                users=size.load_users,
                seconds=size.load_seconds,
                think=size.think_seconds,
                rounds=size.load_rounds,
                server_cpu=server.cpu_seconds,
            )
            for name, run in (("people at once", crowd), ("alone", single)):
                progress(
                    f"load: {run['users']} {name}: {run['requests']} requests, "
                    f"p50 {run['p50_ms']} ms, p95 {run['p95_ms']} ms, {run['errors']} errors, "
                    f"server CPU {run['server_cpu_ms_per_request']} ms a request"
                )
        return report.load_figures(crowd, single)


def settings_database_url() -> str | None:
    """The developer's database as a URL, when it is PostgreSQL (from DATABASE_URL, which is
    where settings.py reads it); None means the benchmark keeps to SQLite files."""
    url = os.environ.get("DATABASE_URL")
    return url if is_postgresql(url) else None


def database_name(developer_url: str | None) -> str:
    """The database engine and version the benchmark ran on, e.g. "SQLite 3.40.1"."""
    if not is_postgresql(developer_url):
        return f"SQLite {sqlite3.sqlite_version}"
    with server_connection(developer_url) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
    return f"PostgreSQL {version.split()[0]}"
