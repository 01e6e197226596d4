"""The benchmark harness (`manage.py benchmark`): how figures become the JSON line, where its
databases go, the load generator's counting, and the load run's signed-in people.

The load generator runs against a tiny threaded WSGI server in this process for a second or
so; nothing here asserts how long anything took. The signed-in people are chosen from the demo
data, the benchmark's small database.
"""

import io
import itertools
import json
import os
import sqlite3
import threading
import time
from contextlib import closing
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.core.management import call_command
from django.test import Client

from bench import load, report
from bench.databases import BenchDatabase, bench_urls, last_json_line, redacted, steps
from bench.matching import run as run_matcher
from bench.pages import pages as measured_pages
from bench.sessions import ROLES, spread, visitors

# -- figures and the JSON line ---------------------------------------------------------------


def test_figure_met_when_value_at_most_target():
    assert report.figure(2.0, 2.0, "x")["met"] is True
    assert report.figure(2.01, 2.0, "x")["met"] is False


def test_figure_strictly_below_target_when_asked():
    assert report.figure(30.0, 30.0, "s", at_most=False)["met"] is False
    assert report.figure(29.9, 30.0, "s", at_most=False, runs=1) == {
        "value": 29.9,
        "target": 30.0,
        "unit": "s",
        "met": True,
        "runs": 1,
    }


def test_percentile_nearest_rank():
    values = list(range(20, 0, -1))  # 20 values, unsorted

    assert report.percentile(values, 50) == 10
    assert report.percentile(values, 95) == 19
    assert report.percentile(values, 100) == 20
    assert report.percentile([7.5], 95) == 7.5


def test_percentile_of_nothing_refused():
    with pytest.raises(ValueError, match="no values"):
        report.percentile([], 95)


def test_page_figures_pair_counts_and_divide_times():
    small = {"cycle_board": {"queries": 9, "median_ms": 20.0, "path": "/cycles/1/"}}
    large = {"cycle_board": {"queries": 9, "median_ms": 50.0, "path": "/cycles/7/"}}

    figures = report.page_figures(small, large)

    assert figures["cycle_board_queries"] == {"small": 9, "large": 9}
    assert figures["cycle_board_time_ratio"] == {
        "value": 2.5,
        "target": 2.0,
        "unit": "x",
        "met": False,
        "small_ms": 20.0,
        "large_ms": 50.0,
        "path": "/cycles/7/",
    }
    assert figures["query_count_mismatches"]["value"] == 0
    assert figures["query_count_mismatches"]["met"] is True


def test_page_figures_count_pages_whose_queries_differ():
    small = {
        "a": {"queries": 5, "median_ms": 10.0},
        "b": {"queries": 7, "median_ms": 10.0},
        "c": {"queries": 3, "median_ms": 10.0},
    }
    large = {
        "a": {"queries": 5, "median_ms": 12.0},
        "b": {"queries": 70, "median_ms": 15.0},
        "c": {"queries": 4, "median_ms": 11.0},
    }

    mismatches = report.page_figures(small, large)["query_count_mismatches"]

    assert (mismatches["value"], mismatches["met"], mismatches["pages"]) == (2, False, ["b", "c"])


def test_page_figures_refuse_runs_of_different_pages():
    with pytest.raises(ValueError, match="different pages"):
        report.page_figures(
            {"a": {"queries": 1, "median_ms": 1.0}}, {"b": {"queries": 1, "median_ms": 1.0}}
        )


def test_ratio_of_a_zero_time_is_finite():
    assert report.ratio(5.0, 0.0) == 5000.0


def test_pdf_figures_passed_on_when_complete():
    measured = {"pdf_ratio_40": {"value": 1.1, "target": 1.3, "unit": "x", "met": True}}

    assert report.pdf_figures(measured) == measured


def test_pdf_figures_carry_the_timings_behind_them():
    measured = {
        "pdf_ratio_40": {"value": 1.1, "target": 1.3, "unit": "x", "met": True},
        "pdf_peak_memory_100": {"value": 180, "target": 250, "unit": "MB", "met": True},
        "pdf_seconds": {"styled_40": 2.2, "plain_40": 2.0},
    }

    figures = report.pdf_figures(measured)

    assert set(figures) == {"pdf_ratio_40", "pdf_peak_memory_100"}
    assert figures["pdf_ratio_40"]["pdf_seconds"] == {"styled_40": 2.2, "plain_40": 2.0}


def test_pdf_figures_refused_without_a_unit():
    with pytest.raises(ValueError, match="pdf_ratio_40"):
        report.pdf_figures(
            {
                "pdf_peak_memory_100": {"value": 180, "target": 250, "unit": "MB", "met": True},
                "pdf_ratio_40": {"value": 1.1, "target": 1.3, "met": True},
            }
        )


def test_pdf_figures_refused_when_there_are_none():
    with pytest.raises(ValueError, match="no figure"):
        report.pdf_figures({"pdf_seconds": {"styled_40": 2.2}})


def summary(p50: float, p95: float, requests: int, errors: list[str]) -> dict:
    return {
        "users": 20,
        "seconds": 60.0,
        "requests": requests,
        "errors": len(errors),
        "error_samples": errors,
        "p50_ms": p50,
        "p95_ms": p95,
        "pages": {"cycle_board": {"requests": requests, "p50_ms": p50, "p95_ms": p95}},
    }


def test_load_figures_divide_p95_and_add_up_errors():
    crowd = summary(100.0, 450.0, 400, ["500 /cycles/1/"])
    single = summary(80.0, 150.0, 300, ["ConnectionResetError /"])

    figures = report.load_figures(crowd, single)

    assert figures["load_p95_ratio"]["value"] == 3.0
    assert figures["load_p95_ratio"]["met"] is True
    assert figures["load_p95_ratio"]["pages"]["cycle_board"]["single_p95_ms"] == 150.0
    assert figures["load_errors"]["value"] == 2
    assert figures["load_errors"]["met"] is False
    assert figures["load_errors"]["samples"] == ["500 /cycles/1/", "ConnectionResetError /"]


def test_matcher_figures_from_a_small_cycle():
    result = run_matcher(reviews=10, reviewers=40, services=50, organisations=12)

    figures = report.matcher_figures(result)

    assert figures["matcher_violations"]["value"] == 0
    assert figures["matcher_violations"]["met"] is True
    assert figures["matcher_wall_seconds"]["unit"] == "s"
    assert figures["matcher_wall_seconds"]["reviews"] == 10
    assert figures["matcher_wall_seconds"]["assignments"] + result["unfilled_slots"] == 40


def test_assemble_makes_one_line_of_figures_and_the_run():
    parts = [
        report.page_figures(
            {"a": {"queries": 3, "median_ms": 10.0}}, {"a": {"queries": 3, "median_ms": 11.0}}
        ),
        {"matcher_violations": report.figure(0, 0, "constraints")},
    ]
    machine = report.machine("SQLite 3.40.1")

    line = json.loads(
        json.dumps(
            report.assemble(parts, date="2026-11-26T10:00:00+00:00", machine=machine, quick=True)
        )
    )

    assert line["date"] == "2026-11-26T10:00:00+00:00"
    assert line["quick"] is True
    assert line["machine"]["database"] == "SQLite 3.40.1"
    assert line["machine"]["cores"] >= 1
    assert "skipped" not in line
    for key, value in line.items():
        if key in ("date", "machine", "quick"):
            continue
        if "queries" in key:
            assert set(value) == {"small", "large"}, key
        else:
            assert set(report.FIGURE_KEYS) <= set(value), key


def test_assemble_names_skipped_parts():
    line = report.assemble([], date="d", machine={}, quick=False, skipped={"pdf", "load"})

    assert line["skipped"] == ["load", "pdf"]


def test_assemble_refuses_a_figure_measured_twice():
    twice = {"load_errors": report.figure(0, 0, "requests")}

    with pytest.raises(ValueError, match="load_errors"):
        report.assemble([twice, twice], date="d", machine={}, quick=False)


# -- databases ------------------------------------------------------------------------------


@pytest.mark.parametrize("developer", [None, "", "sqlite:////srv/app/db.sqlite3"])
def test_bench_urls_are_sqlite_files_beside_the_project(tmp_path, developer):
    urls = bench_urls(developer, tmp_path)

    assert urls == {
        "small": f"sqlite:///{tmp_path}/small.sqlite3",
        "national": f"sqlite:///{tmp_path}/national.sqlite3",
    }


def test_bench_urls_on_postgresql_keep_server_credentials_and_options(tmp_path):
    urls = bench_urls("postgres://app:s3cret@db.internal:5433/assurance?sslmode=require", tmp_path)

    assert urls == {
        "small": "postgres://app:s3cret@db.internal:5433/assurance_bench_small?sslmode=require",
        "national": (
            "postgres://app:s3cret@db.internal:5433/assurance_bench_national?sslmode=require"
        ),
    }


def test_bench_urls_on_postgresql_need_a_database_name(tmp_path):
    with pytest.raises(ValueError, match="names no database"):
        bench_urls("postgresql://app@localhost/", tmp_path)


def test_redacted_hides_only_the_password():
    assert redacted("postgres://app:s3cret@db:5432/x") == "postgres://app:***@db:5432/x"
    assert redacted("sqlite:////tmp/x.sqlite3") == "sqlite:////tmp/x.sqlite3"


def test_steps_fill_small_with_the_demo_and_national_with_the_dataset():
    fixtures = ["fixtures/a.yaml"]

    small = steps("small", quick=True, fixtures=fixtures)
    national = steps("national", quick=True, fixtures=fixtures)

    assert small[0][0] == national[0][0] == "migrate"
    assert small[1] == national[1] == ["import_framework", "fixtures/a.yaml"]
    assert small[2] == ["seed_demo"]
    assert national[2] == ["bench_dataset", "--quick"]
    assert steps("national", quick=False, fixtures=fixtures)[2] == ["bench_dataset"]


def test_analyze_gives_an_sqlite_database_the_planners_statistics(tmp_path):
    path = tmp_path / "national.sqlite3"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE review (id INTEGER PRIMARY KEY, cycle INTEGER)")
        connection.execute("CREATE INDEX review_cycle ON review (cycle)")
        connection.executemany(
            "INSERT INTO review (cycle) VALUES (?)", [(n % 3,) for n in range(30)]
        )

    BenchDatabase("national", f"sqlite:///{path}").analyze()

    with closing(sqlite3.connect(path)) as connection:
        stats = connection.execute("SELECT tbl, idx, stat FROM sqlite_stat1").fetchall()
    assert ("review", "review_cycle", "30 10") in stats


def test_last_json_line_skips_what_came_before():
    printed = 'Imported a framework\n{"pages": {}}\n'

    assert last_json_line(printed, "bench_pages") == {"pages": {}}


def test_last_json_line_missing_is_an_error():
    with pytest.raises(RuntimeError, match="bench_pdf"):
        last_json_line("Traceback ...\n", "bench_pdf")


# -- the load generator ---------------------------------------------------------------------


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def tiny_server():
    """A WSGI server on a free loopback port: /ok answers 200, /gone 404, /boom 500. It keeps
    (path, cookie) for every request it answered."""
    seen: list[tuple[str, str]] = []
    lock = threading.Lock()

    def app(environ, start_response):
        path = environ["PATH_INFO"]
        with lock:
            seen.append((path, environ.get("HTTP_COOKIE", "")))
        status = {"/ok": "200 OK", "/gone": "404 Not Found"}.get(path, "500 Server Error")
        start_response(status, [("Content-Type", "text/plain")])
        return [b"hello"]

    server = make_server(
        "127.0.0.1", 0, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, seen
    server.shutdown()
    server.server_close()


VISITORS = [
    load.Visitor("service_lead", "sessionid=aaa", (("ok", "/ok"), ("gone", "/gone"))),
    load.Visitor("coordinator", "sessionid=bbb", (("ok", "/ok"), ("boom", "/boom"))),
]


def test_drive_counts_every_request_and_every_error(tiny_server):
    port, seen = tiny_server

    result = load.drive(port, VISITORS, users=2, seconds=1.0)

    answered = [path for path, _ in seen]
    assert result["requests"] == len(seen) > 4
    assert result["errors"] == answered.count("/gone") + answered.count("/boom")
    assert result["pages"]["ok"]["requests"] == answered.count("/ok")
    assert result["pages"]["gone"]["requests"] == answered.count("/gone")
    assert {sample.split()[0] for sample in result["error_samples"]} <= {"404", "500"}
    assert result["p50_ms"] <= result["p95_ms"]
    assert (result["users"], result["seconds"]) == (2, 1.0)


def test_drive_sends_each_person_with_their_own_cookie(tiny_server):
    port, seen = tiny_server

    load.drive(port, VISITORS, users=2, seconds=0.5)

    assert {cookie for path, cookie in seen if path == "/gone"} == {"sessionid=aaa"}
    assert {cookie for path, cookie in seen if path == "/boom"} == {"sessionid=bbb"}


def test_drive_lets_the_crowd_arrive_over_the_first_pause_not_all_at_once(monkeypatch):
    first_request: dict[str, float] = {}
    started = time.monotonic()

    def fetch(port, path, cookie):
        first_request.setdefault(threading.current_thread().name, time.monotonic() - started)
        return 1.0, None

    monkeypatch.setattr(load, "fetch", fetch)

    load.drive(0, VISITORS, users=10, seconds=1.5, think=(0.5, 1.0))

    arrivals = sorted(first_request.values())
    assert len(arrivals) == 10
    assert arrivals[-1] - arrivals[0] > 0.3  # all at once would be within a few milliseconds


def test_compare_gives_one_person_alone_the_crowds_mix_of_pages(tiny_server):
    port, seen = tiny_server

    crowd, alone = load.compare(port, VISITORS, users=2, seconds=1.0, think=(0.0, 0.05), rounds=2)

    assert (crowd["users"], alone["users"]) == (2, 1)
    assert crowd["seconds"] == alone["seconds"] == 1.0
    assert set(alone["pages"]) == set(crowd["pages"]) == {"ok", "gone", "boom"}
    warm_up = sum(len(visitor.pages) for visitor in VISITORS)
    assert crowd["requests"] + alone["requests"] + warm_up == len(seen)
    assert alone["errors"] >= 2  # the warm-up's /gone and /boom count too
    assert crowd["server_cpu_ms_per_request"] is None


def test_warm_up_asks_for_every_page_once_and_returns_the_errors(tiny_server):
    port, seen = tiny_server

    errors = load.warm_up(port, VISITORS)

    assert sorted(path for path, _ in seen) == ["/boom", "/gone", "/ok", "/ok"]
    assert sorted(errors) == ["404 /gone", "500 /boom"]


def test_compare_divides_the_servers_cpu_among_each_runs_requests(tiny_server):
    port, _ = tiny_server
    readings = itertools.count(start=10.0, step=0.5)  # each run costs the "server" 0.5 s

    crowd, alone = load.compare(
        port,
        VISITORS,
        users=2,
        seconds=0.4,
        think=(0.0, 0.0),
        rounds=2,
        server_cpu=lambda: next(readings),
    )

    assert crowd["server_cpu_ms_per_request"] == round(2 * 500 / crowd["requests"], 1)
    assert alone["server_cpu_ms_per_request"] == round(2 * 500 / alone["requests"], 1)


def test_process_tree_cpu_seconds_reads_this_process():
    spent = load.process_tree_cpu_seconds(os.getpid())

    assert spent is None or spent > 0


def test_drive_counts_refused_connections_as_errors():
    port = load.free_port()  # nothing listens there

    result = load.drive(port, VISITORS[:1], users=1, seconds=0.3)

    assert result["errors"] == result["requests"] > 0
    assert result["error_samples"][0].startswith("ConnectionRefusedError")


def test_production_env_turns_debug_off_on_loopback():
    env = load.production_env("sqlite:///bench.sqlite3", "bench-static")

    assert env["DJANGO_DEBUG"] == "0"
    assert env["DJANGO_ALLOWED_HOSTS"] == "127.0.0.1"
    assert len(env["DJANGO_SECRET_KEY"]) >= 50
    assert env["MFA_REQUIRED_ROLES"] == ""
    assert load.production_env("x", "y")["DJANGO_SECRET_KEY"] != env["DJANGO_SECRET_KEY"]


# -- the load run's signed-in people --------------------------------------------------------


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The demo network, built once for the module as `make run` builds it (the small dataset
    the benchmark measures), then emptied."""
    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        call_command("flush", interactive=False, verbosity=0)


def test_spread_takes_rows_across_the_list():
    assert spread(list(range(10)), 3) == [0, 3, 6]
    assert spread([1, 2], 5) == [1, 2]


def test_visitors_are_signed_in_to_pages_they_may_open(db, built):
    people = visitors(per_role=2)

    assert [person["role"] for person in people[:4]] == list(ROLES)
    for person in people:
        client = Client()
        name, key = person["cookie"].split("=")
        client.cookies[name] = key
        for page, path in person["pages"]:
            api = path.startswith("/api/")
            response = client.get(path, HTTP_ACCEPT="application/json" if api else "text/html")

            assert response.status_code == 200, (person["role"], page, path)
            assert response.wsgi_request.user.email == person["email"]
            assert ('"results"' if api else "<h1") in response.content.decode(), page


def test_visitors_open_the_pages_bench_pages_measures(db, built):
    keys = {key for person in visitors(per_role=1) for key, _ in person["pages"]}

    assert keys == {page.key for page in measured_pages()}


def test_bench_sessions_prints_the_visitors_as_one_json_line(db, built):
    printed = io.StringIO()

    call_command("bench_sessions", "--per-role", "1", stdout=printed)

    line = json.loads(printed.getvalue())
    assert sorted(person["role"] for person in line["visitors"]) == sorted(ROLES)
    assert all(person["cookie"].startswith("sessionid=") for person in line["visitors"])
