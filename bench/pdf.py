"""What a report costs to draw (DESIGN.md section 16, PDF).

Three figures, each measured in this one run so that a busy machine slows both sides alike:

- `pdf_ratio_40`: the median time to draw a 40-standard final report, divided by the median
  time WeasyPrint takes to draw the same text as plain paragraphs with no styling
  (`reviews.report.rendering.plain_html`). Target 1.3: our templates cost little on top of
  the engine. Beside it, `pdf_ratio_40_same_markup` divides by the report's own markup drawn
  without its stylesheet (`unstyled_html`): what the stylesheet alone costs.
- `pdf_cost_per_standard_100_vs_10`: the time per standard of a 100-standard report divided by
  that of a 10-standard one. Target 1.5: the report grows in step with the framework.
- `pdf_peak_memory_100`: the peak resident memory of a process drawing a 100-standard report,
  forked from this one (Django and WeasyPrint loaded, as in the task worker). Target 250 MB.

The reviews are built through the same helpers the report's tests use, each inside a
transaction that is rolled back, so the database the benchmark points at is left as it was.
"""

import multiprocessing
import resource
import statistics
import time

from django.db import transaction

from reviews.report.context import build_report_context
from reviews.report.rendering import plain_html, render_pdf, render_weasyprint, unstyled_html

TARGETS = {"ratio": 1.3, "per_standard": 1.5, "memory_mb": 250}


def figure(value: float, target: float, unit: str, *, at_most: bool = True) -> dict:
    """One benchmark figure in the shape `make bench` prints."""
    return {
        "value": round(value, 3),
        "target": target,
        "unit": unit,
        "met": value <= target if at_most else value >= target,
    }


def final_snapshot(standards: int) -> dict:
    """The final report's snapshot of a full review against a framework of `standards`."""
    # Test helpers build the review (factory_boy, a dev dependency, as `make bench` installs).
    from tests.reviews.report_data import build_world_review, synthetic_framework

    with transaction.atomic():
        version = synthetic_framework(standards, slug=f"bench-report-{standards}")
        review = build_world_review(version)
        snapshot = build_report_context(review, kind="final", number=2)
        transaction.set_rollback(True)
    return snapshot


def _seconds(draw) -> float:
    # CPU time of this process: drawing is single-threaded work, and CPU time is what a busy
    # shared machine disturbs least.
    started = time.process_time()
    draw()
    return time.process_time() - started


def medians(draws: dict, repeats: int) -> dict[str, float]:
    """Median CPU seconds of each drawing function, taking turns so that noise falls on all."""
    for draw in draws.values():
        draw()  # warm up: fonts, the stylesheet cache and the template loader
    times: dict[str, list[float]] = {name: [] for name in draws}
    for _ in range(repeats):
        for name, draw in draws.items():
            times[name].append(_seconds(draw))
    return {name: statistics.median(values) for name, values in times.items()}


def _peak_child(send, snapshot: dict) -> None:
    render_pdf(snapshot)
    send.send(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    send.close()


def peak_memory_mb(snapshot: dict) -> float:
    """Peak resident memory (MB) of a forked process that draws the report."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_peak_child, args=(send, snapshot))
    child.start()
    send.close()
    kilobytes = receive.recv()
    child.join()
    return kilobytes / 1024  # Linux reports ru_maxrss in kilobytes


def measure(*, quick: bool = False, out=None) -> dict:
    """The three PDF figures, with the medians behind them."""
    repeats = 3 if quick else 7
    say = out or (lambda message: None)
    say("pdf: building reviews of 10, 40 and 100 standards")
    snapshots = {n: final_snapshot(n) for n in (10, 40, 100)}
    say(f"pdf: drawing each report {repeats} times")
    forty = medians(
        {
            "styled": lambda: render_pdf(snapshots[40]),
            "plain": lambda: render_weasyprint(plain_html(snapshots[40])),
            "unstyled": lambda: render_weasyprint(unstyled_html(snapshots[40])),
        },
        repeats,
    )
    sizes = medians({n: (lambda n=n: render_pdf(snapshots[n])) for n in (10, 100)}, repeats)
    say("pdf: peak memory of a 100-standard render")
    memory = peak_memory_mb(snapshots[100])
    ratio = forty["styled"] / forty["plain"]
    per_standard = (sizes[100] / 100) / (sizes[10] / 10)
    return {
        "pdf_ratio_40": figure(ratio, TARGETS["ratio"], "x"),
        "pdf_ratio_40_same_markup": figure(
            forty["styled"] / forty["unstyled"], TARGETS["ratio"], "x"
        ),
        "pdf_cost_per_standard_100_vs_10": figure(per_standard, TARGETS["per_standard"], "x"),
        "pdf_peak_memory_100": figure(memory, TARGETS["memory_mb"], "MB"),
        "pdf_seconds": {
            "styled_40": round(forty["styled"], 3),
            "plain_40": round(forty["plain"], 3),
            "unstyled_40": round(forty["unstyled"], 3),
            "styled_10": round(sizes[10], 3),
            "styled_100": round(sizes[100], 3),
        },
    }
