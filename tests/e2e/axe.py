"""The accessibility checks every browser test runs on the pages it opens (issue 8, part 8).

`audit(page)` runs axe-core, from npm, on the page the browser has open and returns what it
found: every violation of every rule axe runs by default, at any impact, with every element it
failed on, and the page's title and number of h1 headings. axe is evaluated into the page
through the DevTools protocol rather than added as a <script>, so the page keeps its real
Content Security Policy while it is checked.

`PageChecker` is what a journey calls after each step that lands on a page: it asserts that the
page has no violation, exactly one h1 and a title of its own (a page revisited may repeat its
title; two different pages may not share one), counts the pages it checked and, when asked,
keeps a full-page screenshot under artifacts/screenshots/ (gitignored; CI keeps it as an
artefact). Titles are unique per browser tab, and each person of a journey has a tab of their
own: pages that no one person can open both of, such as each reviewer's own invitation, may
share a title. It can also watch a browser tab and list every page loaded in it that was never
checked, so that a journey can show it missed none.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tests.e2e.conftest import ARTIFACTS

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Each violation as "rule (impact): target, target, ..." with every element axe failed on.
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(
    v => `${v.id} (${v.impact}): ` + v.nodes.map(n => n.target.join(' ')).join(', ')
  );
}"""


def install(context: BrowserContext) -> None:
    """Load axe into every page of a browser context as the page opens (cheaper than adding it
    to each page before each check; `audit` adds it to pages that lack it)."""
    context.add_init_script(path=str(AXE))


@cache
def axe_source() -> str:
    return AXE.read_text()


def address(url: str) -> str:
    """A page's address without the fragment: the part that names a document."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@dataclass
class Audit:
    """What one check of one page found."""

    path: str
    title: str
    headings: int
    violations: list[str]

    @property
    def problems(self) -> list[str]:
        found = list(self.violations)
        if self.headings != 1:
            found.append(f"{self.headings} h1 elements")
        if not self.title.strip():
            found.append("no title")
        return found


def audit(page: Page) -> Audit:
    """Run axe on the page as it is now, and count its h1s."""
    page.wait_for_load_state()
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return Audit(
        path=urlsplit(page.url).path,
        title=page.title(),
        headings=page.locator("h1").count(),
        violations=page.evaluate(RUN_AXE),
    )


@dataclass
class PageChecker:
    """Checks each page a journey (or one person in it) lands on; see the module docstring."""

    # (tab, title): the path that first had the title in that tab
    titles: dict[tuple[Page, str], str] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)  # every path checked, in order
    # For each watched tab, how many times each address was loaded, and checked.
    loads: dict[Page, Counter] = field(default_factory=dict)
    checks: dict[Page, Counter] = field(default_factory=dict)

    def watch(self, page: Page) -> None:
        """Count every document loaded in this tab from now on (not the changes of #fragment
        within a page), for `unchecked`."""
        self.loads[page] = Counter()
        self.checks[page] = Counter()
        page.on("load", lambda loaded: self.loads[page].update([address(loaded.url)]))

    def unchecked(self) -> list[str]:
        """The addresses loaded in a watched tab more often than they were checked."""
        return [url for page, loads in self.loads.items() for url in (loads - self.checks[page])]

    def problems(self, page: Page) -> list[str]:
        """The page's problems, a title shared with a different page among them."""
        result = audit(page)
        self.checked.append(result.path)
        if page in self.checks:
            self.checks[page].update([address(page.url)])
        found = result.problems
        first = self.titles.setdefault((page, result.title), result.path)
        if first != result.path:
            found.append(f"title {result.title!r} is also the title of {first}")
        return found

    def __call__(self, page: Page, screenshot: str = "") -> None:
        found = self.problems(page)
        assert found == [], f"{page.url}: {found}"
        if screenshot:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{screenshot}.png"), full_page=True)

    @property
    def pages(self) -> int:
        """How many different pages were checked."""
        return len(set(self.checked))
