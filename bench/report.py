"""The benchmark's one JSON line: figures, how they are assembled, and progress lines.

A figure is `{"value", "target", "unit", "met"}`; it may carry more keys that explain it (the
sizes measured, the two timings a ratio comes from). A query-count figure is `{"small",
"large"}` under a key containing "queries". Besides figures the line holds only "date",
"machine" and "quick" (and "skipped" when parts were left out on purpose), so a reader can treat
every other key as a figure. These are pure functions of the measurements; the command
(`bench/management/commands/benchmark.py`) gathers them.
"""

import math
import os
import platform
import sys
import time
from collections.abc import Iterable, Mapping

FIGURE_KEYS = ("value", "target", "unit", "met")
PAGE_TIME_RATIO_TARGET = 2.0
LOAD_P95_RATIO_TARGET = 3.0
MATCHER_SECONDS_TARGET = 30.0

_STARTED = time.monotonic()


def progress(message: str) -> None:
    """One progress line on stderr, with the seconds since the benchmark started: stdout is kept
    for the JSON line alone."""
    print(f"[bench {time.monotonic() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def figure(value: float, target: float, unit: str, *, at_most: bool = True, **detail) -> dict:
    """A measured value against its target; `met` when the value is at most the target (or, with
    `at_most=False`, strictly below it, as for "under 30 s")."""
    met = value <= target if at_most else value < target
    return {"value": value, "target": target, "unit": unit, "met": met, **detail}


def percentile(values: Iterable[float], q: float) -> float:
    """The nearest-rank percentile: the smallest value with at least q% of the values at or
    below it. No interpolation, so every reported latency is one that really happened."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ratio(numerator: float, denominator: float) -> float:
    """A ratio of two timings, rounded for the report. A zero denominator (a timer that could
    not tell a difference) counts as the smallest time the timers report, a microsecond."""
    return round(numerator / max(denominator, 0.001), 2)


def page_figures(small: Mapping[str, dict], large: Mapping[str, dict]) -> dict:
    """Query discipline and page scaling from two `bench_pages` results (their "pages" parts):
    per page `<key>_queries` {"small", "large"} and `<key>_time_ratio`, plus
    `query_count_mismatches`, the number of pages whose counts differ (target 0)."""
    if set(small) != set(large):
        raise ValueError(
            f"The two page runs measured different pages: {sorted(set(small) ^ set(large))}"
        )
    figures: dict[str, dict] = {}
    mismatched = []
    for key in sorted(small):
        before, after = small[key], large[key]
        figures[f"{key}_queries"] = {"small": before["queries"], "large": after["queries"]}
        if before["queries"] != after["queries"]:
            mismatched.append(key)
        figures[f"{key}_time_ratio"] = figure(
            ratio(after["median_ms"], before["median_ms"]),
            PAGE_TIME_RATIO_TARGET,
            "x",
            small_ms=before["median_ms"],
            large_ms=after["median_ms"],
            path=after.get("path", ""),
        )
    figures["query_count_mismatches"] = figure(len(mismatched), 0, "pages", pages=mismatched)
    return figures


def pdf_figures(measured: Mapping[str, dict]) -> dict:
    """`bench_pdf` prints finished figures, and may print the timings behind them beside
    (e.g. "pdf_seconds"); those are attached to the first figure, so that every key of the line
    stays a figure."""
    figures = {k: dict(v) for k, v in measured.items() if isinstance(v, dict) and _is_figure(v)}
    if not figures:
        raise ValueError("bench_pdf gave no figure with " + ", ".join(FIGURE_KEYS))
    for key, value in measured.items():
        if key not in figures:
            if "target" in (value if isinstance(value, dict) else {}):
                raise ValueError(f"bench_pdf gave {key!r} without {', '.join(FIGURE_KEYS)}")
            figures[next(iter(figures))][key] = value
    return figures


def _is_figure(value: Mapping) -> bool:
    return all(k in value for k in FIGURE_KEYS)


def matcher_figures(result: Mapping) -> dict:
    """Wall time (target under 30 s) and broken hard constraints (target 0) from
    `bench.matching.run`."""
    sizes = {k: result[k] for k in ("reviews", "reviewers", "services", "organisations")}
    return {
        "matcher_wall_seconds": figure(
            result["wall_seconds"],
            MATCHER_SECONDS_TARGET,
            "s",
            at_most=False,
            status=result["status"],
            assignments=result["assignments"],
            unfilled_slots=result["unfilled_slots"],
            **sizes,
        ),
        "matcher_violations": figure(
            result["violations"], 0, "constraints", problems=result["problems"][:20]
        ),
    }


def load_figures(crowd: Mapping, single: Mapping) -> dict:
    """The load run's figures from two `bench.load` summaries: many users at once (`crowd`) and
    one user alone. The p95 ratio carries both runs' p50 and p95; errors count both runs."""
    errors = crowd["errors"] + single["errors"]
    return {
        "load_p95_ratio": figure(
            ratio(crowd["p95_ms"], single["p95_ms"]),
            LOAD_P95_RATIO_TARGET,
            "x",
            users=crowd["users"],
            seconds=crowd["seconds"],
            p50_ms=crowd["p50_ms"],
            p95_ms=crowd["p95_ms"],
            requests=crowd["requests"],
            single_p50_ms=single["p50_ms"],
            single_p95_ms=single["p95_ms"],
            single_requests=single["requests"],
            server_cpu_ms_per_request=crowd.get("server_cpu_ms_per_request"),
            single_server_cpu_ms_per_request=single.get("server_cpu_ms_per_request"),
            pages={
                key: {
                    "p50_ms": page["p50_ms"],
                    "p95_ms": page["p95_ms"],
                    "single_p50_ms": single["pages"].get(key, {}).get("p50_ms"),
                    "single_p95_ms": single["pages"].get(key, {}).get("p95_ms"),
                }
                for key, page in crowd["pages"].items()
            },
        ),
        "load_errors": figure(
            errors,
            0,
            "requests",
            samples=(crowd["error_samples"] + single["error_samples"])[:10],
        ),
    }


def machine(database: str, *, load_before: float | None = None) -> dict:
    """Where the run happened. `cores` is what this process may use (its CPU affinity);
    `load_average` is the system's one-minute load average when the run started and when it
    ended, which says how much else the machine was doing meanwhile."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    found = {"cores": cores, "python": platform.python_version(), "database": database}
    if load_before is not None:
        found["load_average"] = {"start": load_before, "end": load_average()}
    return found


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # not available on this system
        return None


def assemble(
    figures: Iterable[Mapping[str, dict]],
    *,
    date: str,
    machine: Mapping,
    quick: bool,
    skipped: Iterable[str] = (),
) -> dict:
    """The final line: every figure, then the run's date, machine and size. A key measured twice
    is a mistake in the harness, not something to overwrite quietly."""
    line: dict = {}
    for part in figures:
        for key, value in part.items():
            if key in line:
                raise ValueError(f"Figure {key!r} measured twice")
            line[key] = value
    line |= {"date": date, "machine": dict(machine), "quick": quick}
    if skipped := sorted(skipped):
        line["skipped"] = skipped
    return line
