"""The benchmark's two databases, beside the developer's own, and how they are filled.

"small" holds the demo data (migrate, `import_framework fixtures/*.yaml`, `seed_demo`);
"national" holds the national-scale network (migrate, `import_framework`, `bench_dataset`).
When DATABASE_URL points at PostgreSQL they are the databases `<name>_bench_small` and
`<name>_bench_national` on the same server with the same credentials; otherwise they are SQLite
files in `bench/.data/`. Every step runs as `manage.py` in a subprocess with DATABASE_URL set to
the database it fills, exactly as a person would run it.

A finished build leaves a note in `bench/.data/<label>.json` with the steps it ran, so
`--keep-data` can reuse a database built by the same steps (a quick national build is not
reused for a full run, nor the other way round).
"""

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from bench.report import progress

DATA_DIR = Path(settings.BASE_DIR) / "bench" / ".data"
LABELS = ("small", "national")
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}


def is_postgresql(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme in POSTGRES_SCHEMES


def bench_urls(database_url: str | None, data_dir: Path = DATA_DIR) -> dict[str, str]:
    """The database URL of each benchmark database, derived from the developer's DATABASE_URL:
    on PostgreSQL the same server, credentials and options with the database name suffixed
    `_bench_<label>`; for anything else an SQLite file per label in `data_dir`."""
    if not is_postgresql(database_url):
        return {label: f"sqlite:///{Path(data_dir).resolve() / label}.sqlite3" for label in LABELS}
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name:
        raise ValueError("DATABASE_URL names no database to put the benchmark's beside")
    return {label: urlunsplit(parts._replace(path=f"/{name}_bench_{label}")) for label in LABELS}


def steps(label: str, *, quick: bool, fixtures: list[str]) -> list[list[str]]:
    """The `manage.py` commands that fill a fresh database for `label`."""
    fill = ["seed_demo"] if label == "small" else ["bench_dataset", *(["--quick"] if quick else [])]
    return [["migrate", "--noinput", "--verbosity", "0"], ["import_framework", *fixtures], fill]


def manage(args: list[str], *, database_url: str, capture: bool = False, env=None) -> str:
    """Run one `manage.py` command against `database_url`. Its own output goes to our stderr
    (stdout is kept for the benchmark's JSON line), unless `capture` asks for its stdout, which
    is returned. A failing command stops the benchmark."""
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args]
    done = subprocess.run(  # noqa: S603 - our own manage.py with arguments we chose
        command,
        cwd=settings.BASE_DIR,
        env={**os.environ, **(env or {}), "DATABASE_URL": database_url},
        stdout=subprocess.PIPE if capture else sys.stderr,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"`manage.py {' '.join(args)}` failed (exit {done.returncode})")
    return done.stdout if capture else ""


def last_json_line(output: str, command: str) -> dict:
    """The JSON line a measuring command ends with (anything it printed before is ignored)."""
    for line in reversed(output.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"`manage.py {command}` printed no JSON line")


@dataclass(frozen=True)
class BenchDatabase:
    label: str
    url: str

    @property
    def note(self) -> Path:
        return DATA_DIR / f"{self.label}.json"

    def sqlite_path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))

    def exists(self) -> bool:
        if not is_postgresql(self.url):
            return self.sqlite_path().exists()
        with server_connection(self.url) as connection:
            found = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self._name()]
            ).fetchone()
        return found is not None

    def recreate(self) -> None:
        """An empty database in place of any earlier one."""
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        self.note.unlink(missing_ok=True)
        if not is_postgresql(self.url):
            path = self.sqlite_path()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        from psycopg import sql

        name = sql.Identifier(self._name())
        with server_connection(self.url) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            connection.execute(sql.SQL("CREATE DATABASE {}").format(name))

    def prepare(self, commands: list[list[str]], *, keep: bool) -> None:
        """Build the database by running `commands`, or, with `keep`, reuse one that the same
        commands built earlier (bringing its schema up to date with `migrate`)."""
        wanted = {"url": redacted(self.url), "steps": commands}
        recorded = json.loads(self.note.read_text()) if self.note.exists() else None
        if keep and recorded == wanted and self.exists():
            progress(f"{self.label}: reusing the database built earlier ({redacted(self.url)})")
            manage(["migrate", "--noinput", "--verbosity", "0"], database_url=self.url)
        else:
            progress(f"{self.label}: building a fresh database ({redacted(self.url)})")
            self.recreate()
            for args in commands:
                progress(f"{self.label}: manage.py {' '.join(args)}")
                manage(args, database_url=self.url)
            self.note.write_text(json.dumps(wanted))
        self.analyze()

    def analyze(self) -> None:
        """Gather the query planner's statistics, as a live database has them: PostgreSQL's
        autovacuum does so by itself after bulk inserts, SQLite only when asked. Without them
        SQLite picks plans no running server would (the reviews list took twice as long)."""
        progress(f"{self.label}: ANALYZE")
        if not is_postgresql(self.url):
            with closing(sqlite3.connect(self.sqlite_path())) as connection:
                connection.execute("ANALYZE")
            return
        import psycopg

        libpq_url = urlunsplit(urlsplit(self.url)._replace(scheme="postgresql"))
        with psycopg.connect(libpq_url, autocommit=True) as connection:
            connection.execute("ANALYZE")

    def _name(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


def redacted(url: str) -> str:
    """`url` with any password hidden, for progress lines and notes."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def server_connection(url: str):
    """An autocommit connection to the server's `postgres` database, with the credentials and
    options in `url`, for creating and dropping databases (not possible inside a transaction).
    libpq reads the URL itself once its scheme is one it knows."""
    import psycopg

    parts = urlsplit(url)._replace(scheme="postgresql", path="/postgres")
    return psycopg.connect(urlunsplit(parts), autocommit=True)
