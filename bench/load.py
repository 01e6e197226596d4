"""The load run: gunicorn serving the national database, and a bounded load generator.

`serve(...)` starts `gunicorn assurance.wsgi` with two workers on a free loopback port, with
production settings (DEBUG off, a fresh secret key, static files collected into a temporary
folder) and stops it however the run ends. `drive(...)` is the load generator: one thread per
simulated person, each with its own signed-in session, asking for its pages in turn for a fixed
time, with a pause between pages as a person reading them would make. Every request is timed
from sending it to reading the last byte of the answer; anything but a 200, and any exception,
is an error.

Why our own generator rather than locust: it is a hundred lines of the standard library
(threads and `http.client`), it cannot send traffic anywhere but the loopback port it is given,
and it stops at its deadline; locust would add gevent, Flask and a web UI to the development
dependencies to do the same.
"""

import http.client
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from bench.databases import manage
from bench.report import percentile, progress

LOOPBACK = "127.0.0.1"
REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Visitor:
    """One signed-in person: their role, their session cookie, and the pages (key, path) they
    open in turn."""

    role: str
    cookie: str
    pages: tuple[tuple[str, str], ...]


@dataclass
class Tally:
    """What the generator saw: every timed request by page, and the errors."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, key: str, milliseconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[key].append(milliseconds)
            if error:
                self.errors.append(error)

    def summary(self, *, users: int) -> dict:
        every = [ms for values in self.latencies.values() for ms in values]
        if not every:
            raise RuntimeError("The load run made no requests")
        return {
            "users": users,
            "seconds": self.seconds,
            "requests": len(every),
            "errors": len(self.errors),
            "error_samples": self.errors[:10],
            "p50_ms": round(percentile(every, 50), 1),
            "p95_ms": round(percentile(every, 95), 1),
            "pages": {
                key: {
                    "requests": len(values),
                    "p50_ms": round(percentile(values, 50), 1),
                    "p95_ms": round(percentile(values, 95), 1),
                }
                for key, values in sorted(self.latencies.items())
            },
        }


def fetch(port: int, path: str, cookie: str) -> tuple[float, str | None]:
    """GET `path` from the loopback server; the milliseconds it took, and what went wrong if it
    was not a 200."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        accept = "application/json" if path.startswith("/api/") else "text/html"
        connection.request("GET", path, headers={"Cookie": cookie, "Accept": accept})
        response = connection.getresponse()
        response.read()
        error = None if response.status == 200 else f"{response.status} {path}"
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__} {path}: {exc}"
    finally:
        connection.close()
    return (time.perf_counter() - started) * 1000, error


def drive(
    port: int,
    visitors: Sequence[Visitor],
    *,
    users: int,
    seconds: float,
    think: tuple[float, float] = (0.0, 0.0),
    seed: int = 1,
    tally: Tally | None = None,
) -> dict:
    """Run `users` people at once for `seconds` and summarise what they saw (`Tally.summary`;
    pass a `tally` to add to an earlier run's).

    The visitors are shared out in turn: with as many people as visitors each person is one
    visitor; with fewer, a person takes several visitors' pages in turn (so one person alone
    asks for the same mix of pages as the crowd); with more, visitors are reused. Each person
    starts at a different page, at a random moment up to the longest `think` pause after the
    start, and pauses a random `think` interval (min, max seconds) after each page. A request
    still running at the deadline is waited for and counted."""
    if not visitors:
        raise ValueError("No visitors to send")
    tally = tally if tally is not None else Tally()
    deadline = time.monotonic() + seconds

    def person(index: int) -> None:
        mine = visitors[index::users] or [visitors[index % len(visitors)]]
        turns = [(v.cookie, key, path) for v in mine for key, path in v.pages]
        pause = random.Random(seed * 1000 + index)  # noqa: S311 - pacing, not security
        turn = index + seed
        # People arrive at random moments within the first pause, as they would, rather than
        # all asking for their first page in the same millisecond.
        time.sleep(min(pause.uniform(0.0, think[1]), max(0.0, deadline - time.monotonic())))
        while time.monotonic() < deadline:
            cookie, key, path = turns[turn % len(turns)]
            turn += 1
            milliseconds, error = fetch(port, path, cookie)
            tally.record(key, milliseconds, error)
            wait = min(pause.uniform(*think), deadline - time.monotonic())
            if wait > 0:
                time.sleep(wait)

    threads = [
        threading.Thread(target=person, args=(i,), daemon=True, name=f"bench-user-{i}")
        for i in range(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT_SECONDS + 5)
    tally.seconds += seconds
    return tally.summary(users=users)


def compare(
    port: int,
    visitors: Sequence[Visitor],
    *,
    users: int,
    seconds: float,
    think: tuple[float, float],
    rounds: int,
    server_cpu: Callable[[], float | None] = lambda: None,
) -> tuple[dict, dict]:
    """The crowd (`users` people, pausing `think` between pages) and one person alone (no
    pause), each for `seconds` in all, taken in alternating rounds so that whatever else the
    machine is doing meanwhile weighs on both alike, after a warm-up (`warm_up`, whose errors
    count with the lone person's). Returns both summaries.

    `server_cpu` (the server's CPU seconds so far, or None where that cannot be read) adds
    `server_cpu_ms_per_request` to each: equal in both runs means the server did the same work
    per page, so any extra latency in the crowd is time spent waiting for a worker or a core."""
    tallies = {"crowd": Tally(), "alone": Tally()}
    cpu: dict[str, float | None] = {"crowd": 0.0, "alone": 0.0}
    progress("load: warming up: every person's pages once, not timed")
    for error in warm_up(port, visitors):
        tallies["alone"].errors.append(error)
    for round_number in range(rounds):
        for name, people, pause in (("crowd", users, think), ("alone", 1, (0.0, 0.0))):
            who = f"{users} people at once" if name == "crowd" else "one person alone"
            progress(f"load: round {round_number + 1} of {rounds}: {who}")
            before = server_cpu()
            drive(
                port,
                visitors,
                users=people,
                seconds=seconds / rounds,
                think=pause,
                seed=round_number + 1,
                tally=tallies[name],
            )
            after = server_cpu()
            if before is None or after is None or cpu[name] is None:
                cpu[name] = None
            else:
                cpu[name] += after - before
    summaries = {}
    for name, tally in tallies.items():
        summary = tally.summary(users=users if name == "crowd" else 1)
        spent = cpu[name]
        summary["server_cpu_ms_per_request"] = (
            None if spent is None else round(spent * 1000 / summary["requests"], 1)
        )
        summaries[name] = summary
    return summaries["crowd"], summaries["alone"]


def warm_up(port: int, visitors: Sequence[Visitor], *, threads: int = 4) -> list[str]:
    """Ask for every person's pages once, a few at a time so that every worker gets some, and
    return the errors. A worker's first requests load templates and code; without this the
    crowd, which runs first, would pay for it alone."""
    turns = [(v.cookie, path) for v in visitors for _, path in v.pages]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        answers = list(pool.map(lambda turn: fetch(port, turn[1], turn[0]), turns))
    return [error for _, error in answers if error]


def process_tree_cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds of a process and its children, from /proc (Linux); None
    where /proc cannot tell."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        total, pending = 0, [pid]
        while pending:
            current = pending.pop()
            stat = Path(f"/proc/{current}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            pending.extend(int(child) for child in children)
    except (OSError, ValueError, IndexError):
        return None
    return total / tick


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def production_env(database_url: str, static_root: str) -> dict[str, str]:
    """The environment of the served site: production settings on loopback. MFA is required of
    no role, because the load run's sessions are made directly rather than by signing in (see
    `bench.sessions`); everything else is as a production deployment has it."""
    return {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "BENCH_STATIC_ROOT": static_root,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": LOOPBACK,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "MFA_REQUIRED_ROLES": "",
        "LOG_LEVEL": "WARNING",
    }


@dataclass(frozen=True)
class Server:
    """A running gunicorn: its port, the environment it runs with (sessions must be made with
    the same secret key) and its master process."""

    port: int
    env: dict[str, str]
    pid: int

    def cpu_seconds(self) -> float | None:
        """CPU seconds the master and its workers have used so far."""
        return process_tree_cpu_seconds(self.pid)


@contextmanager
def serve(database_url: str, *, workers: int = 2) -> Iterator[Server]:
    """gunicorn serving `database_url` on a free loopback port. It is stopped when the block
    ends, by an error or Ctrl+C included."""
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    log = Path(tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")[1])
    env = production_env(database_url, static_root)
    process = None
    try:
        progress("load: collecting static files for the production settings")
        manage(
            ["collectstatic", "--noinput", "--verbosity", "0"], database_url=database_url, env=env
        )
        port = free_port()
        progress(f"load: starting gunicorn with {workers} workers on {LOOPBACK}:{port}")
        with log.open("w") as output:
            process = subprocess.Popen(  # noqa: S603 - gunicorn from our own virtualenv
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "assurance.wsgi",
                    "--workers",
                    str(workers),
                    "--bind",
                    f"{LOOPBACK}:{port}",
                    "--timeout",
                    str(int(REQUEST_TIMEOUT_SECONDS) * 2),
                ],
                cwd=settings.BASE_DIR,
                env={**os.environ, **env},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl+C reaches us, and we stop gunicorn ourselves
            )
        _wait_until_listening(port, process, log)
        yield Server(port, env, process.pid)
    finally:
        if process is not None:
            _stop(process)
            progress("load: gunicorn stopped")
        shutil.rmtree(static_root, ignore_errors=True)
        log.unlink(missing_ok=True)


def _wait_until_listening(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn stopped while starting:\n" + log.read_text()[-2000:])
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start listening within 60 s")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM lets gunicorn finish its requests and stop its workers; SIGKILL to the whole
    process group if it has not within 15 s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
