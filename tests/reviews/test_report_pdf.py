"""Rendering reports (reviews/report/rendering.py): tagged PDFs that read well, hostile text
that stays text, no fetching beyond our own static files, no grades, and the time limit.

Real renders are slow, so the snapshots are built once for the module and each PDF is drawn
once and shared by the tests that read it.
"""

import copy
import io
import json
import multiprocessing
import os
import re
import socket
import time
from pathlib import Path

import pytest
from django.db import transaction
from pypdf import PdfReader

from reviews.report import rendering
from reviews.report.context import build_report_context
from reviews.report.rendering import (
    FetchRefused,
    RenderFailed,
    RenderTimeout,
    fetch_static,
    plain_html,
    render_html,
    render_pdf,
    render_pdf_with_limit,
)
from reviews.report.summary import build_summary_context
from tests.reviews.report_data import build_world_review

# django_db: the module-scoped snapshots need the test database set up (pytest-django sets it
# up only for the databases that collected tests ask for).
pytestmark = [pytest.mark.pdf, pytest.mark.django_db]

NO_GRADES = re.compile(
    r"\b(outstanding|good|requires improvement|inadequate|grade|graded|pass|fail|score|"
    r"scores|scored|total)\b",
    re.IGNORECASE,
)
A4 = (595.3, 841.9)
STYLESHEET = "file:///static/css/print/report.css"

LONG_WORD = "Z" * 5_000
MARKUP = (
    '<img src="http://example.invalid/x.png">'
    '<link rel=stylesheet href="http://example.invalid/s.css">'
    "<style>body { background: url(http://example.invalid/bg.png) }</style>"
    '<p style="background: url(http://example.invalid/y.png)">styled</p>'
)
WORLD = "Élodie’s café, naïve façade; مرحبا بكم في الخدمة; שלום לכולם; 🙂🌱👩🏽‍⚕️"
LONG_TEXT = ("Residents and staff meet every morning to plan the day together. " * 320)[:20_000]
# Free text in a snapshot, whoever wrote it (the service, the team, or a framework's author).
FREE_TEXT = {"title", "body", "text", "rationale", "detail", "note", "comment", "reason"}


def hostile(snapshot: dict) -> dict:
    """The snapshot with every free text replaced by markup, other scripts and long text."""
    bad = copy.deepcopy(snapshot)

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in FREE_TEXT and isinstance(value, str):
                    node[key] = MARKUP
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(bad)
    bad["cover"]["service"] = f"{MARKUP} Willow House"
    bad["reviewers_summary"]["text"] = LONG_TEXT
    bad["service_words"]["text"] = f"{LONG_WORD} {MARKUP} {WORLD}"
    bad["findings"]["general"]["groups"][0]["findings"][0]["title"] = WORLD
    bad["findings"]["domains"][0]["standards"][0]["rationale"] = f"{LONG_WORD} {WORLD}"
    return bad


@pytest.fixture(scope="module")
def snapshots(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        review = build_world_review()
        final = build_report_context(review, kind="final", number=2)
        draft = build_report_context(review, kind="draft", number=1)
        summary = build_summary_context(review, final)
        codes = list(
            review.framework_version.standards.order_by("domain__order", "order").values_list(
                "code", flat=True
            )
        )
        transaction.set_rollback(True)
    return {"final": final, "draft": draft, "summary": summary, "codes": codes}


def read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    # pypdf reads some pages of WeasyPrint's two-byte fonts as UTF-16 (poppler does not).
    text = "\n".join(page.extract_text().replace("\x00", "") for page in reader.pages)
    return reader, text


@pytest.fixture(scope="module")
def final(snapshots):
    return read(render_pdf(snapshots["final"]))


@pytest.fixture(scope="module")
def draft(snapshots):
    return read(render_pdf(snapshots["draft"]))


@pytest.fixture(scope="module")
def summary(snapshots):
    # Through the time limit, as the background task draws it: the child process works.
    return read(render_pdf_with_limit(snapshots["summary"], document="summary", seconds=60))


def test_report_pdf_is_a_tagged_pdf_with_a_language_and_a_title(final, snapshots):
    reader, _text = final

    assert reader.stream.getvalue().startswith(b"%PDF-")
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert reader.metadata.title == snapshots["final"]["document"]["title"]
    assert reader.metadata.title.startswith("Willow House: improvement report, 2027")


def test_report_pdf_holds_every_standard_code_in_order(final, snapshots):
    _reader, text = final

    position = 0
    for code in snapshots["codes"]:
        found = re.compile(rf"\b{re.escape(code)}\b").search(text, position)
        assert found, f"{code} missing after position {position}"
        position = found.end()


def test_report_pdf_shows_every_section(final, snapshots):
    _reader, text = final
    flat = " ".join(text.split())

    for title in snapshots["final"]["sections"].values():
        if title != "Cover":
            assert title in flat, title
    assert "Draft 1, The service in its own words (update since the visit)" in flat
    assert "Lead reviewer: Ada Consenting" in flat
    assert "Families and carers: Fewer than 5" in flat


def test_report_pdf_has_running_headers_and_page_numbers(final):
    reader, _text = final
    pages = len(reader.pages)

    lines = reader.pages[1].extract_text().splitlines()
    assert "Willow House Final, version 2" in lines
    assert f"Page 2 of {pages}" in lines


def test_draft_carries_the_watermark_and_the_final_does_not(draft, final):
    assert "DRAFT" in draft[1]
    assert "Draft, version 1" in draft[1]
    assert "DRAFT" not in final[1]


def test_report_and_summary_pdfs_carry_no_grades(final, summary):
    assert NO_GRADES.findall(final[1]) == []
    assert NO_GRADES.findall(summary[1]) == []


def test_summary_is_one_tagged_page(summary):
    reader, text = summary

    assert len(reader.pages) == 1
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert "Summary for commissioners" in text
    assert "does not cover safeguarding" in text


def test_hostile_text_fetches_nothing_stays_text_and_keeps_the_layout(snapshots, monkeypatch):
    fetched, connections = [], []

    def spy(url):
        fetched.append(url)
        return fetch_static(url)

    def no_network(*args, **kwargs):
        connections.append(args)
        raise OSError("no network in tests")

    monkeypatch.setattr(rendering, "fetch_static", spy)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    bad = hostile(snapshots["final"])

    started = time.monotonic()
    reader, text = read(render_pdf(bad))
    took = time.monotonic() - started

    assert fetched == [STYLESHEET]
    assert connections == []
    assert took < rendering.render_seconds()
    flat = "".join(text.split())
    assert '<imgsrc="http://example.invalid/x.png">' in flat
    assert "<linkrel=stylesheethref=" in flat
    assert "url(http://example.invalid/bg.png)" in flat
    # Both long words are there in full (each runs over a page break, so not in one piece).
    assert flat.count("Z") >= 2 * len(LONG_WORD)
    assert LONG_TEXT.replace(" ", "")[:5_000] in flat
    assert "café" in text
    for page in reader.pages:
        assert float(page.mediabox.width) <= A4[0]
        assert float(page.mediabox.height) <= A4[1]
    # The 5,000-letter word wraps: no extracted line is anywhere near as long.
    assert max(len(line) for line in text.splitlines()) < 400


def test_hostile_text_is_escaped_in_the_html_preview(snapshots):
    html = render_html(hostile(snapshots["final"]))

    assert "example.invalid" in html
    assert "<img" not in html
    assert "<link rel=stylesheet" not in html
    assert "&lt;img src=&quot;http://example.invalid/x.png&quot;&gt;" in html
    assert 'href="/static/css/print/report.css"' in html


@pytest.mark.parametrize(
    "url",
    [
        "http://example.invalid/x.png",
        "https://example.invalid/s.css",
        "ftp://example.invalid/s.css",
        "data:image/png;base64,iVBORw0KGgo=",
        "file:///etc/passwd",
        "file:///static/../../etc/hostname.css",
        "file:///static/css/print/../../../pyproject.css",
        "file://example.invalid/static/css/print/report.css",
        f"file://{Path(rendering.__file__).resolve()}",
    ],
)
def test_fetch_static_refuses_anything_but_our_static_files(url):
    with pytest.raises(FetchRefused):
        fetch_static(url)


def test_fetch_static_reads_our_print_stylesheet():
    body, content_type = fetch_static(STYLESHEET)

    assert content_type == "text/css"
    assert b"@page" in body


def test_plain_html_is_the_same_text_with_no_styling(snapshots):
    html = plain_html(snapshots["final"])

    assert "<link" not in html
    assert "<table" not in html
    assert "<svg" not in html
    assert snapshots["final"]["reviewers_summary"]["text"] in html
    assert all(code in html for code in snapshots["codes"])


def children() -> set[int]:
    """This process's child processes, from /proc (Linux)."""
    found = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        path = task / "children"
        if path.exists():
            found |= {int(pid) for pid in path.read_text().split()}
    return found


def test_render_past_its_time_limit_is_stopped_and_leaves_no_process(snapshots):
    big = hostile(snapshots["final"])
    before = children()

    with pytest.raises(RenderTimeout) as stopped:
        render_pdf_with_limit(big, document="report", seconds=0.2)

    assert "longer than 0.2 seconds" in stopped.value.reason
    assert multiprocessing.active_children() == []
    assert children() - before == set()


class Unprintable:
    def __str__(self):
        raise RuntimeError("cannot be shown")


def test_render_that_fails_says_why_in_plain_english_and_leaves_no_process():
    with pytest.raises(RenderFailed) as failed:
        render_pdf_with_limit(
            {"document": {"title": Unprintable()}}, document="summary", seconds=30
        )

    assert failed.value.reason == (
        "The document could not be drawn because of an unexpected problem (RuntimeError)."
    )
    assert not isinstance(failed.value, RenderTimeout)
    assert multiprocessing.active_children() == []


def test_snapshot_survives_the_trip_through_json(snapshots):
    for name in ("final", "draft", "summary"):
        assert json.loads(json.dumps(snapshots[name])) == snapshots[name]
