"""Drawing a report snapshot: a PDF with WeasyPrint, or the same page as an HTML preview.

- `render_pdf(snapshot, document=...)` draws the improvement report ("report") or the
  commissioner summary ("summary") from templates/reviews/pdf/ and
  static/css/print/report.css. The PDF is PDF/UA-1: tagged, with a title and a language.
- `render_pdf_with_limit(snapshot, document=..., seconds=...)` runs `render_pdf` in a child
  process and stops it after `seconds`: the background task calls this, never a request.
- `render_html(snapshot, document=...)` is the same template as a page for the browser.
- `plain_html(snapshot)` is the report's text with no styling, for the benchmark that holds
  the templates to a small cost over WeasyPrint itself (DESIGN section 16); `unstyled_html`
  is the report's markup without its stylesheet. `render_weasyprint(html)` draws any of them.

Every value in a snapshot is escaped by Django's template engine. WeasyPrint reads nothing but
the project's own static files (`fetch_static`): no network, no other file, no data URL, so a
snapshot holding hostile markup can neither reach out nor read the disk.

WeasyPrint takes about a second to import, so it is imported inside the functions that use it
(ruff bans it at module level).
"""

import logging
import multiprocessing
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

TEMPLATES = {
    "report": "reviews/pdf/report.html",
    "summary": "reviews/pdf/summary.html",
    "learning": "reviews/pdf/learning.html",  # the network learning report (learning.py)
}
STYLESHEET = "css/print/report.css"
# Documents with a stylesheet of their own (each builds on report.css).
STYLESHEETS = {"learning": "css/print/learning.css"}
# What a print template may load: stylesheets, pictures and fonts. Nothing else is read.
FETCHABLE = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}


class RenderFailed(Exception):
    """A render that did not finish; `reason` is plain English for the page that shows it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class RenderTimeout(RenderFailed):
    """A render stopped because it ran past its time limit."""


class FetchRefused(Exception):
    """The PDF asked for something other than one of the project's static files."""


def render_seconds() -> int:
    """The time limit for one render, from the REPORT_RENDER_SECONDS setting."""
    return settings.REPORT_RENDER_SECONDS


# Reading static files -------------------------------------------------------------------------


def static_dirs() -> list[Path]:
    """The project's own static source folders (STATICFILES_DIRS), not those of installed apps."""
    folders = []
    for entry in settings.STATICFILES_DIRS:
        folder = entry[1] if isinstance(entry, list | tuple) else entry
        folders.append(Path(folder).resolve())
    return folders


def _inside_static(path: Path) -> Path | None:
    resolved = path.resolve()
    for folder in static_dirs():
        if resolved.is_relative_to(folder) and resolved.is_file():
            return resolved
    return None


def fetch_static(url: str) -> tuple[bytes, str]:
    """The bytes and type of one of the project's static files, for WeasyPrint.

    Accepts `file:` URLs whose path is `STATIC_URL` + a name inside the static folders (what
    the print templates link to) or a path inside the static folders (what a stylesheet's own
    relative links become). Refuses everything else: http, https, ftp, data and any other
    scheme, other files, and file types a print template has no use for.
    """
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise FetchRefused(f"Only the project's static files can be used in a report: {url[:200]}")
    path = unquote(parts.path)
    suffix = Path(path).suffix.lower()
    if suffix not in FETCHABLE:
        raise FetchRefused(f"A report cannot use this kind of file: {url[:200]}")
    found = None
    if path.startswith(settings.STATIC_URL):
        name = path.removeprefix(settings.STATIC_URL)
        for folder in static_dirs():
            found = _inside_static(folder / name)
            if found:
                break
    else:
        found = _inside_static(Path(path))
    if found is None:
        raise FetchRefused(f"Not one of the project's static files: {url[:200]}")
    return found.read_bytes(), FETCHABLE[suffix]


def _url_fetcher():
    """A WeasyPrint URL fetcher that reads only through `fetch_static`."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            body, content_type = fetch_static(url)
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticFilesOnly(timeout=1, allowed_protocols=["file"], allow_redirects=False)


# Rendering ------------------------------------------------------------------------------------


def _template(document: str) -> str:
    try:
        return TEMPLATES[document]
    except KeyError:
        raise ValueError(f"document must be one of {sorted(TEMPLATES)}, not {document!r}") from None


def _html(snapshot: dict, document: str, stylesheet: str) -> str:
    return render_to_string(
        _template(document),
        {"s": snapshot, "document_name": document, "stylesheet": stylesheet},
    )


def render_html(snapshot: dict, *, document: str = "report") -> str:
    """The report or summary as an HTML page, for the preview in the browser."""
    return _html(snapshot, document, static(STYLESHEETS.get(document, STYLESHEET)))


def render_pdf(snapshot: dict, *, document: str = "report") -> bytes:
    """The report or summary as a tagged PDF (PDF/UA-1). Slow: call it from a background task
    through `render_pdf_with_limit`, never in a request."""
    # The stylesheet is linked by its unhashed name under STATIC_URL; `fetch_static` reads it
    # from the static folders, so rendering needs neither collectstatic nor a web server.
    html = _html(snapshot, document, settings.STATIC_URL + STYLESHEETS.get(document, STYLESHEET))
    return render_weasyprint(html)


def render_weasyprint(html: str) -> bytes:
    """WeasyPrint on a page of our own markup: a tagged PDF/UA-1 that may read only our static
    files. `render_pdf` draws every report through it, and the benchmark its baseline."""
    import weasyprint

    return weasyprint.HTML(string=html, base_url="file:///", url_fetcher=_url_fetcher()).write_pdf(
        pdf_variant="pdf/ua-1"
    )


# The time limit -------------------------------------------------------------------------------


def _child(send, snapshot: dict, document: str) -> None:
    """Runs in the child process: render, and send back ("ok", bytes) or ("error", reason)."""
    try:
        send.send(("ok", render_pdf(snapshot, document=document)))
    except MemoryError:
        send.send(("error", _("The document was too large to draw.")))
    except Exception as error:  # the parent turns any failure into a plain reason
        logger.exception("Rendering a %s failed", document)
        send.send(
            (
                "error",
                _("The document could not be drawn because of an unexpected problem (%(kind)s).")
                % {"kind": type(error).__name__},
            )
        )
    finally:
        send.close()


def _context():
    """`fork` where the system has it: the child starts at once with Django set up and the
    snapshot in memory, whether the parent is a pytest run or django-tasks' db_worker. The
    child touches no database connection, and multiprocessing ends it with os._exit, so the
    parent's connections are never closed from the child. Elsewhere `spawn`."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def render_pdf_with_limit(snapshot: dict, *, document: str = "report", seconds: float) -> bytes:
    """`render_pdf` in a child process, stopped after `seconds`.

    Raises `RenderTimeout` when the time runs out and `RenderFailed` when the render fails;
    either way no child process is left running.
    """
    _template(document)
    context = _context()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(send, snapshot, document), name="render-pdf", daemon=True
    )
    child.start()
    send.close()  # so that the child's end closing shows here as the end of the pipe
    answered = False
    try:
        if not receive.poll(seconds):
            raise RenderTimeout(
                _("Drawing the document took longer than %(n)s seconds, so it was stopped.")
                % {"n": f"{seconds:g}"}
            )
        try:
            outcome, value = receive.recv()
        except EOFError:
            raise RenderFailed(
                _("The program drawing the document stopped unexpectedly.")
            ) from None
        answered = True
    finally:
        receive.close()
        _stop(child, wait=2 if answered else 0)
    if outcome != "ok":
        raise RenderFailed(value)
    return value


def _stop(child, *, wait: float) -> None:
    """End the child: let one that has sent its answer exit by itself, stop any other now."""
    child.join(timeout=wait)
    if child.is_alive():
        child.terminate()
        child.join(timeout=2)
    if child.is_alive():
        child.kill()
        child.join()


# The benchmark's baseline ---------------------------------------------------------------------

BLOCKS = {
    "p", "h1", "h2", "h3", "h4", "li", "dt", "dd", "tr", "blockquote", "caption", "figcaption",
    "div", "section",
}  # fmt: skip
# Not laid out as text: the head, and a chart's title (which becomes its description).
SKIPPED = {"style", "script", "head", "title"}


class _TextCollector(HTMLParser):
    """Collects the visible text of a page, one entry per block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.skip = 0

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.skip += 1
        elif tag in BLOCKS or tag in ("br", "td", "th"):
            if tag in ("td", "th"):
                self.current.append(" ")
            else:
                self._flush()

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skip -= 1
        elif tag in BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self.skip:
            self.current.append(data)


def plain_html(snapshot: dict, *, document: str = "report") -> str:
    """The same text the PDF shows, as plain paragraphs with no stylesheet, no tables and no
    pictures: the baseline for "our templates cost little on top of WeasyPrint"."""
    collector = _TextCollector()
    collector.feed(_html(snapshot, document, ""))
    collector.close()
    collector._flush()
    title = escape(snapshot["document"]["title"])
    body = "\n".join(f"<p>{escape(block)}</p>" for block in collector.blocks)
    lang = escape(snapshot["document"]["lang"])
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body>\n{body}\n</body></html>"
    )


def unstyled_html(snapshot: dict, *, document: str = "report") -> str:
    """The report's own markup drawn without its stylesheet: the benchmark's measure of what the
    stylesheet alone costs (`plain_html` is the baseline for the whole template)."""
    return _html(snapshot, document, "")
