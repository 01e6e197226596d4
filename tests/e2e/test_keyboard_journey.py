"""A service lead does the whole self-assessment with the keyboard alone (issue 8, part 7).

Nothing is clicked and nothing is filled in: focus moves with Tab and Shift+Tab, links and
buttons are pressed with Enter or Space, radios are chosen with the arrow keys and text is typed
key by key. On the way:

- the skip link is the first thing on each page and moves focus to the main content;
- every element that takes focus shows it (its look changes when it has focus: WCAG 2.4.7);
- a form sent with a mistake shows the error summary, focused, whose link moves focus to the
  field at fault;
- every page is checked by axe-core as in the other journeys (tests/e2e/axe.py).

The set-up makes a review of a framework of two standards, in self-assessment; signing in is
done by conftest's `sign_in`, as in every browser test.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

import pytest
from allauth.account.models import EmailAddress

from assurance import roles
from assurance.models import Membership
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.models import Rating, Review
from standards.yaml_format import import_framework
from tests.e2e import axe
from tests.e2e.axe import PageChecker
from tests.e2e.conftest import sign_in
from tests.e2e.test_full_journey import FRAMEWORK_YAML, PASSWORD
from tests.e2e.test_peer_review_journey import expect, expect_success
from tests.factories import NetworkFactory, ServiceFactory, UserFactory

if TYPE_CHECKING:
    from playwright.sync_api import Page

LEAD = "lead@hawthorn.example"
SERVICE = "Hawthorn Lodge"
CYCLE = "2027 spring round"
NOT_APPLICABLE_REASON = "Nobody lives here: people visit for the day, and staff meet them."
WHAT_WE_DO = "Staff greet people at the door by name."
PLANNING = "A weekly meeting plans the activities together."

# The look of the focused element, and for a radio or checkbox of its label's circle or box
# (GOV.UK Frontend draws the focus ring there), as one string to compare.
LOOK = """el => {
  const parts = [[el, null]];
  if (el.matches('input[type=radio], input[type=checkbox]') && el.labels.length) {
    parts.push([el.labels[0], '::before'], [el.labels[0], '::after']);
  }
  const props = ['outline-style', 'outline-width', 'outline-color', 'box-shadow',
                 'background-color', 'color', 'text-decoration-line', 'text-decoration-thickness',
                 'border-top-width', 'border-top-color'];
  return parts.map(([node, pseudo]) => {
    const style = getComputedStyle(node, pseudo);
    return props.map(name => style.getPropertyValue(name)).join(' ');
  }).join(' | ');
}"""

# What the focused element is, in words: "link Open the review", "radio Met", ...
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return '';
  const name = (el.labels && el.labels.length ? el.labels[0].innerText : el.innerText || '')
    .replace(/\\s+/g, ' ').trim();
  const kind = el.matches('a') ? 'link'
    : el.matches('button, input[type=submit]') ? 'button'
    : el.matches('input[type=radio]') ? 'radio'
    : el.matches('input[type=checkbox]') ? 'checkbox'
    : el.matches('textarea, input') ? 'textbox'
    : el.tagName.toLowerCase();
  return `${kind} ${name}`;
}"""


@pytest.fixture
def review(transactional_db) -> Review:
    version = import_framework(
        FRAMEWORK_YAML.encode(), source="everyday-relationships-charter.yaml"
    ).version
    network = NetworkFactory(name="Hawthorn Network")
    service = ServiceFactory(network=network, name=SERVICE)
    lead = UserFactory(email=LEAD, name="Ash Hawthorn")
    EmailAddress.objects.create(user=lead, email=LEAD, verified=True, primary=True)
    roles.join_service(lead, service, Membership.Role.SERVICE_LEAD)
    coordinator = UserFactory()
    roles.appoint_coordinator(coordinator, network)
    cycle = open_cycle(
        network=network,
        name=CYCLE,
        versions=[version],
        **default_dates(network, date(2027, 1, 4)),
    )
    return enrol(cycle, service, version, by=coordinator)


class Keyboard:
    """One person's keyboard: moves focus, checks that focus shows, and presses keys."""

    def __init__(self, page: Page):
        self.page = page
        self.passed = 0  # how many elements focus was seen on

    def focused(self) -> str:
        return self.page.evaluate(FOCUSED)

    def tab(self, *, back: bool = False) -> str:
        """One Tab (or Shift+Tab); the element it lands on must show its focus."""
        self.page.keyboard.press("Shift+Tab" if back else "Tab")
        self.assert_focus_visible()
        return self.focused()

    def tab_to(self, target: str, *, back: bool = False, limit: int = 80) -> None:
        """Tab until focus is on `target` ("link Open the review"), checking every element on
        the way shows its focus."""
        seen = []
        for _ in range(limit):
            seen.append(self.tab(back=back))
            if seen[-1] == target:
                return
        raise AssertionError(f"{target!r} not reached with the keyboard; focus went to {seen}")

    def assert_focus_visible(self) -> None:
        """The focused element looks different from how it looks without focus."""
        element = self.page.evaluate_handle("document.activeElement")
        focused = element.evaluate(LOOK)
        element.evaluate("el => el.blur()")
        unfocused = element.evaluate(LOOK)
        element.evaluate("el => el.focus()")
        assert focused != unfocused, f"no visible focus on {self.focused()}: {focused}"
        self.passed += 1

    def skip_to_main(self) -> None:
        """The first Tab on a page reaches the skip link; Enter moves focus to the content."""
        assert self.focused() == ""
        assert self.tab() == "link Skip to main content"
        self.page.keyboard.press("Enter")
        assert self.page.evaluate("document.activeElement.id") == "main-content"

    def start(self) -> None:
        """Where focus starts on a page just opened: GOV.UK Frontend puts it on a success
        banner or an error summary, so that it is read out first; a page opened at a #fragment
        (a standard just saved) goes on from there; on any other page the skip link comes
        first."""
        if self.focused():
            assert self.page.evaluate("document.activeElement.getAttribute('role')") == "alert"
        elif "#" not in self.page.url:
            self.skip_to_main()


def test_a_service_lead_self_assesses_with_the_keyboard_alone(review, live_server, page):
    page.set_default_timeout(10_000)
    axe.install(page.context)
    check = PageChecker()
    keys = Keyboard(page)
    sign_in(page, live_server, LEAD, PASSWORD)
    check.watch(page)

    def arrive(heading: str) -> None:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check(page)

    def save(code: str, key: str) -> None:
        """Tab to the standard's own Save button and press it (buttons take Enter and Space)."""
        keys.tab_to(f"button Save your response to {code}")
        # The answer comes back to the same page, so its heading is there before and after:
        # wait for the new page itself before checking it.
        with page.expect_navigation():
            page.keyboard.press(key)
        arrive("Everyday life")
        expect_success(page, f"Your answer to {code}")

    arrive("Your dashboard")

    # From the dashboard to the domain page, by links ---------------------------------------
    keys.start()
    keys.tab_to("link Open the review")
    page.keyboard.press("Enter")
    arrive(SERVICE)
    keys.skip_to_main()
    keys.tab_to("link Go to the self-assessment")
    page.keyboard.press("Enter")
    arrive("Self-assessment")
    keys.skip_to_main()
    keys.tab_to("link DAY Everyday life")
    page.keyboard.press("Enter")
    arrive("Everyday life")

    # DAY-1: "Not applicable" chosen with the arrow keys, sent without saying why ------------
    keys.skip_to_main()
    keys.tab_to("radio Met")  # the first radio of DAY-1's group: Tab enters a group there
    for _ in range(3):
        page.keyboard.press("ArrowDown")  # Met, Partly met, Not yet met, Not applicable
    assert keys.focused() == "radio Not applicable"
    keys.assert_focus_visible()
    keys.tab_to("button Save your response to DAY-1")
    page.keyboard.press("Enter")

    # The error summary takes focus; its link takes focus to the field ----------------------
    expect(page).to_have_title(re.compile(r"^Error: "))
    arrive("Everyday life")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name="Say why this standard does not apply to you.")
    target = link.get_attribute("href").removeprefix("#")
    keys.tab_to("link Say why this standard does not apply to you.")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == target
    assert keys.focused().startswith("textbox Why it does not apply")
    keys.assert_focus_visible()
    page.keyboard.type(NOT_APPLICABLE_REASON)
    keys.tab_to("textbox What we do (optional)")
    page.keyboard.type(WHAT_WE_DO)
    save("DAY-1", "Space")

    # DAY-2: "Partly met" with the arrow keys, and typed words -------------------------------
    assert page.url.endswith("#standard-DAY-1")
    keys.start()
    keys.tab_to("radio Met")  # DAY-1's group has its choice: Tab goes on to DAY-2's
    page.keyboard.press("ArrowDown")
    assert keys.focused() == "radio Partly met"
    keys.assert_focus_visible()
    keys.tab_to("textbox What we do (optional)")
    page.keyboard.type(PLANNING)
    save("DAY-2", "Enter")

    # Back to the review with Shift+Tab to the breadcrumbs, and submit ------------------------
    keys.start()
    keys.tab_to(f"link {CYCLE}", back=True)
    page.keyboard.press("Enter")
    arrive(SERVICE)
    keys.skip_to_main()
    keys.tab_to("button Submit the self-assessment")
    with page.expect_navigation():  # back to the same page, as with the Save buttons
        page.keyboard.press("Enter")
    arrive(SERVICE)
    expect_success(page, "The review is now at the stage: Submitted.")

    # What was typed is what was saved.
    answers = {
        r.standard.code: (r.rating, r.not_applicable_reason, r.narrative)
        for r in review.responses.select_related("standard")
    }
    assert answers == {
        "DAY-1": (Rating.NOT_APPLICABLE, NOT_APPLICABLE_REASON, WHAT_WE_DO),
        "DAY-2": (Rating.PARTLY_MET, "", PLANNING),
    }
    review.refresh_from_db()
    assert review.status == Review.Status.SUBMITTED
    assert check.unchecked() == []
    assert keys.passed > 20
