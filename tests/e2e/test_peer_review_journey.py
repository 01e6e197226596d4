"""A peer review, in the browser, by the four people who play it (one browser context each).

From the demo data: the review of The Willows Community is in peer review, with its visit
planned, three threads and the team's reflection recorded on half of the standards. The test's
set-up records all but two of the rest through the write path; the browser does the others.

1. The lead reviewer opens the review from the dashboard and the visit, changes where it
   happens, adds to the agenda and downloads the calendar file.
2. The host's service lead sees the change and writes the access needs.
3. A peer reviewer starts a team-only thread and a shared thread on a standard from its
   reviewing page; the lead replies on the team-only one.
4. A member of the host's staff reads and answers the shared thread, and never meets the
   team-only one: not in the list or its counts, its address is "Page not found", and the
   reviewing pages (where the team's threads sit beside each standard) are closed to them.
5. The peer reviewer records the team's reflection on one of the two standards left.
6. The lead starts a finding from the staff member's comment, adds a second strength and an
   area for development, moves the second strength up and writes the reviewers' summary.
7. The lead tries to start drafting: refused for the one reflection still missing, with a link
   to it on its reviewing page; records it there; starts drafting.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command

from assurance.models import Membership, User
from reviews.models import Assignment, Reflection, Review, ReviewerRole
from reviews.peer_review.reflections import save_reflection
from tests.e2e.conftest import ARTIFACTS, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "relational-demo-2027"
SERVICE = "The Willows Community"
# The host's people, and the names seed_demo gives them (checked by the `willows` fixture). The
# review team is whoever the matcher chose (its choice can change with the database's ids), so
# the fixture reads it: `TEAM` holds the lead reviewer's e-mail and name and a peer's e-mail.
TEAM: dict[str, str] = {}
HOST_LEAD, HOST_LEAD_NAME = "lead.the-willows-community@demo.example", "Freya Price"
HOST_STAFF, HOST_STAFF_NAME = "staff.the-willows-community@demo.example", "Gus Price"

# The team's reflections the browser records: one by the peer reviewer, one by the lead.
PEER_REFLECTS, LEAD_REFLECTS = "AGE-2", "AGE-3"
THREAD_STANDARD = "COM-2"  # "Making sense together"

NEW_PLACE = "The Willows Community, Mill Lane: the front door, then the community room."
ACCESS_NEEDS = "A hearing loop in the community room. Lunch is at 12:30; tell us any diet."
AGENDA_ITEM = "Tea with families"
TEAM_THREAD = "Do residents shape the weekly plan?"
SHARED_THREAD = "How are new residents told about the house rules?"
STAFF_REPLY = "New residents meet a buddy on the first day, who shows them round and explains."
SUMMARY = "A warm community where residents' voices shape daily life."
DRAFTING = "Drafting the report"


@pytest.fixture
def willows(transactional_db) -> Review:
    """The demo network, with the people of the Willows review checked against the database,
    and the team's reflection recorded on every standard but the two the browser records."""
    call_command(
        "import_framework",
        *sorted(str(p) for p in (ROOT / "fixtures").glob("*.yaml")),
        stdout=io.StringIO(),
    )
    call_command("seed_demo", stdout=io.StringIO())
    review = Review.objects.get(service__name=SERVICE)
    assert review.status == Review.Status.PEER_REVIEW
    accepted = {
        (a.role, a.reviewer.user.email)
        for a in review.assignments.filter(status=Assignment.Status.ACCEPTED).select_related(
            "reviewer__user"
        )
    }
    lead = next(email for role, email in sorted(accepted) if role == ReviewerRole.LEAD)
    peer_email = next(email for role, email in sorted(accepted) if role == ReviewerRole.PEER)
    TEAM.update(lead=lead, lead_name=str(User.objects.get(email=lead)), peer=peer_email)
    members = dict(
        Membership.objects.active()
        .filter(service=review.service)
        .values_list("user__email", "role")
    )
    assert members[HOST_LEAD] == Membership.Role.SERVICE_LEAD
    assert members[HOST_STAFF] == Membership.Role.STAFF
    names = {
        str(user): user.email for user in User.objects.filter(email__in=[HOST_LEAD, HOST_STAFF])
    }
    assert names == {HOST_LEAD_NAME: HOST_LEAD, HOST_STAFF_NAME: HOST_STAFF}

    peer = review.assignments.get(reviewer__user__email=TEAM["peer"]).reviewer.user
    own = dict(review.responses.values_list("standard_id", "rating"))
    waiting = (
        Reflection.objects.filter(review=review, rating="")
        .exclude(standard__code__in=[PEER_REFLECTS, LEAD_REFLECTS])
        .select_related("standard")
    )
    for reflection in waiting:
        save_reflection(
            reflection,
            by=peer,
            expected_version=reflection.version,
            rating=own[reflection.standard_id],
            agreement=Reflection.Agreement.AGREES,
            rationale="What we read and heard on the day matches the service's account.",
        )
    left = [
        r.standard.code for r in review.reflections.select_related("standard") if not r.is_recorded
    ]
    assert sorted(left) == [PEER_REFLECTS, LEAD_REFLECTS]
    return review


# Steps a person takes --------------------------------------------------------------------------


def expect(actual):
    """Playwright's `expect`, imported when a test runs (ruff keeps playwright out of imports at
    module level, so that collecting the other tests never loads it)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(actual)


def person(new_context, live_server, email: str) -> Page:
    """A browser of their own for one person, signed in and on their dashboard."""
    page = new_context().new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")
    return page


def snap(page: Page, name: str) -> None:
    """A full-page screenshot of someone else's browser, beside the `screenshot` fixture's."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def expect_success(page: Page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def standard(page: Page, code: str) -> Locator:
    """A standard's section on a reviewing page, found by its heading ("COM-2 Making ...")."""
    return page.get_by_role("region", name=re.compile(rf"^{re.escape(code)} "))


def open_part(page: Page, name: str) -> None:
    """From the review page, one part of the peer review ("The visit", "Threads", ...)."""
    page.get_by_role("region", name="Peer review").get_by_role("link", name=name).click()


def review_page(page: Page) -> None:
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name=re.compile(rf"^{SERVICE}, ")
    ).click()
    expect(h1(page)).to_have_text(SERVICE)


def reflect(page: Page, code: str, view: str, agreement: str, why: str) -> None:
    """Record the team's reflection on one standard with its own form, on its reviewing page."""
    section = standard(page, code)
    section.get_by_role("group", name="The team's view of this standard").get_by_role(
        "radio", name=view, exact=True
    ).check()
    section.get_by_role("radio", name=agreement).check()
    section.get_by_label("Why", exact=True).fill(why)
    section.get_by_role("button", name=f"Save the team’s reflection on {code}").click()
    expect_success(page, f"The team's reflection on {code} ")


def start_drafting(page: Page) -> None:
    page.get_by_role("region", name="Start drafting the report").get_by_role(
        "button", name="Start drafting the report"
    ).click()


# The journey -----------------------------------------------------------------------------------


def test_a_review_team_and_the_host_play_the_whole_visit(
    willows, live_server, page, new_context, screenshot
):
    page.set_default_timeout(10_000)
    lead = page
    sign_in(lead, live_server, TEAM["lead"], PASSWORD)

    # 1. The lead reviewer: the review from the dashboard, then the visit ----------------------
    reviewing = lead.get_by_role("region", name="Reviewing")
    reviewing.get_by_role("link", name=f"Open the review of {SERVICE}").click()
    expect(h1(lead)).to_have_text(SERVICE)
    expect(lead.locator(".govuk-summary-list").first).to_contain_text("Peer review")
    open_part(lead, "The visit")
    expect(h1(lead)).to_have_text("The visit")

    lead.get_by_role("link", name="Change where").click()
    expect(h1(lead)).to_have_text("Change the visit")
    expect(lead.get_by_role("radio", name="In person", exact=True)).to_be_checked()
    lead.get_by_label(re.compile(r"^Where")).fill(NEW_PLACE)
    lead.get_by_role("button", name="Save the visit").click()
    expect_success(lead, "The visit was saved.")
    expect(lead.locator(".govuk-summary-list")).to_contain_text(NEW_PLACE)

    lead.get_by_role("button", name="Add to the agenda").click()
    expect(h1(lead)).to_have_text("Add to the agenda")
    # A visit of one day: its only day is chosen already.
    expect(lead.get_by_role("group", name="Which day?").get_by_role("radio")).to_be_checked()
    lead.get_by_label("Starts").fill("16:30")
    lead.get_by_label(re.compile(r"^Ends")).fill("17:15")
    lead.get_by_label("What happens").fill(AGENDA_ITEM)
    lead.get_by_role("radio", name="Families and carers").check()
    screenshot("peer-review-01-agenda-add")
    lead.get_by_role("button", name="Add to the agenda").click()
    expect_success(lead, f"“{AGENDA_ITEM}” was added to the agenda.")
    row = lead.get_by_role("row", name=re.compile(AGENDA_ITEM))
    expect(row).to_contain_text("16:30 to 17:15")
    expect(row).to_contain_text("Families and carers")
    screenshot("peer-review-02-visit")

    with lead.expect_download() as download:
        lead.get_by_role("link", name="Download the visit as a calendar file (.ics)").click()
    assert download.value.suggested_filename == "visit-the-willows-community.ics"
    calendar = Path(download.value.path()).read_bytes().decode()
    assert calendar.startswith("BEGIN:VCALENDAR\r\n")
    unfolded = calendar.replace("\r\n ", "")
    assert f"SUMMARY:{AGENDA_ITEM} ({SERVICE})" in unfolded
    assert calendar.rstrip().endswith("END:VCALENDAR")

    # 2. The host's service lead sees the change and writes the access needs --------------------
    host = person(new_context, live_server, HOST_LEAD)
    host.get_by_role("region", name="Your services").get_by_role(
        "link", name="Open the review"
    ).click()
    expect(h1(host)).to_have_text(SERVICE)
    open_part(host, "The visit")
    visit = host.locator(".govuk-summary-list")
    expect(visit).to_contain_text(NEW_PLACE)
    expect(visit).to_contain_text(f"by {TEAM['lead_name']}")
    expect(host.get_by_role("row", name=re.compile(AGENDA_ITEM))).to_be_visible()
    host.get_by_role("link", name="Change access needs").click()
    host.get_by_label(re.compile(r"^Access needs")).fill(ACCESS_NEEDS)
    host.get_by_role("button", name="Save the visit").click()
    expect_success(host, "The visit was saved.")
    expect(host.locator(".govuk-summary-list")).to_contain_text(ACCESS_NEEDS)
    expect(host.locator(".govuk-summary-list")).to_contain_text(f"by {HOST_LEAD_NAME}")

    # ... and the lead sees it.
    lead.reload()
    expect(lead.locator(".govuk-summary-list")).to_contain_text(ACCESS_NEEDS)

    # 3. A peer reviewer starts two threads on a standard; the lead replies on the team's -------
    peer = person(new_context, live_server, TEAM["peer"])
    peer.get_by_role("region", name="Reviewing").get_by_role(
        "link", name=f"Reviewing and reflections for {SERVICE}"
    ).click()
    expect(h1(peer)).to_have_text("Reviewing the self-assessment")
    peer.get_by_role("link", name="Communication", exact=True).click()
    expect(h1(peer)).to_have_text("Communication")
    communication = peer.url

    threads = {}
    for visibility, title, body in [
        ("Review team only", TEAM_THREAD, "The plan on the wall was written by staff. Ask?"),
        ("Shared with the service", SHARED_THREAD, "What helps someone new feel part of it?"),
    ]:
        standard(peer, THREAD_STANDARD).get_by_role(
            "link", name=f"Start a thread on this standard ({THREAD_STANDARD})"
        ).click()
        expect(h1(peer)).to_have_text("Start a thread")
        about = peer.get_by_label("Which standard is it about?")
        expect(about.locator("option:checked")).to_have_text("COM-2 Making sense together")
        peer.get_by_role("radio", name=visibility).check()
        peer.get_by_label("Subject").fill(title)
        peer.get_by_label("Your comment").fill(body)
        if visibility == "Review team only":
            snap(peer, "peer-review-03-thread-add")
        peer.get_by_role("button", name="Start the thread").click()
        expect_success(peer, "Your thread was started.")
        expect(h1(peer)).to_have_text(title)
        expect(peer.locator(".app-visibility").first).to_have_text(visibility)
        threads[visibility] = peer.url
        peer.goto(communication)

    section = standard(peer, THREAD_STANDARD)
    for visibility, title in [
        ("Review team only", TEAM_THREAD),
        ("Shared with the service", SHARED_THREAD),
    ]:
        thread = section.get_by_role("article", name=title)
        expect(thread.locator(".app-visibility")).to_have_text(visibility)
    snap(peer, "peer-review-04-reviewing-domain")

    review_page(lead)
    open_part(lead, "Threads")
    lead.get_by_role("link", name=TEAM_THREAD).click()
    expect(h1(lead)).to_have_text(TEAM_THREAD)
    lead.get_by_label("Your reply").fill("Good question. Let's ask at the community meeting.")
    lead.get_by_role("button", name="Post reply").click()
    expect_success(lead, "Your reply was posted.")
    expect(lead.get_by_role("heading", name="2 comments")).to_be_visible()
    expect(lead.locator(".app-comments")).to_contain_text("Let's ask at the community meeting.")
    screenshot("peer-review-05-team-thread")

    # 4. The host's staff: the shared thread, never the team-only one --------------------------
    staff = person(new_context, live_server, HOST_STAFF)
    staff.get_by_role("region", name="Your services").get_by_role(
        "link", name="Open the review"
    ).click()
    parts = staff.get_by_role("region", name="Peer review").get_by_role("link")
    expect(parts).to_have_text(["The visit", "Threads"])
    open_part(staff, "Threads")
    listed = staff.get_by_role("table", name=re.compile(r"^\d+ threads?$"))
    expect(listed).to_contain_text("3 threads")  # the demo's two shared ones, and the new one
    row = listed.get_by_role("row", name=re.compile(SHARED_THREAD))
    expect(row).to_contain_text("Shared with the service")
    expect(listed).not_to_contain_text(TEAM_THREAD)
    expect(listed).not_to_contain_text("Review team only")
    staff.get_by_label("About").select_option(label="COM-2 Making sense together")
    staff.get_by_role("button", name="Show threads").click()
    expect(staff.get_by_role("table", name=re.compile(r"^\d+ threads?$"))).to_contain_text(
        "1 thread"
    )
    staff.get_by_role("link", name=SHARED_THREAD).click()
    expect(h1(staff)).to_have_text(SHARED_THREAD)
    expect(staff.locator(".app-visibility").first).to_have_text("Shared with the service")
    staff.get_by_label("Your reply").fill(STAFF_REPLY)
    staff.get_by_role("button", name="Post reply").click()
    expect_success(staff, "Your reply was posted.")
    expect(staff.locator(".app-comments")).to_contain_text(STAFF_REPLY)
    snap(staff, "peer-review-06-shared-thread-host")

    response = staff.goto(threads["Review team only"])
    assert response.status == 404
    expect(h1(staff)).to_have_text("Page not found")
    expect(staff.locator("main")).not_to_contain_text(TEAM_THREAD)
    # Nor the reviewing pages, where the team's threads sit beside each standard.
    assert staff.goto(communication).status == 403
    expect(staff.locator("main")).not_to_contain_text(TEAM_THREAD)

    # 5. The peer reviewer records the team's reflection on one of the two left ----------------
    peer.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Reviewing").click()
    expect(peer.get_by_role("row", name=re.compile("^Agency"))).to_contain_text("1 of 3")
    peer.get_by_role("link", name="Agency", exact=True).click()
    reflect(
        peer,
        PEER_REFLECTS,
        "Partly met",
        "Differs from the service's own view",
        "Residents hold jobs in the house, but few choose them; staff still hand them out.",
    )
    expect(standard(peer, PEER_REFLECTS).get_by_role("radio", name="Partly met")).to_be_checked()
    expect(peer).to_have_url(re.compile(rf"/reviewing/AGE/#standard-{PEER_REFLECTS}$"))
    snap(peer, "peer-review-07-reflection-saved")

    # 6. The lead: findings, one of them from the host's comment, and the summary -------------
    review_page(lead)
    open_part(lead, "Threads")
    lead.get_by_role("link", name=SHARED_THREAD).click()
    lead.get_by_role(
        "link", name=re.compile(rf"^Start a finding from this comment by {HOST_STAFF_NAME}")
    ).click()
    expect(h1(lead)).to_have_text("Add a finding")
    expect(lead.locator("blockquote")).to_have_text(STAFF_REPLY)
    expect(lead.get_by_label("Title")).to_have_value(SHARED_THREAD)
    expect(lead.get_by_label(re.compile(r"^What the team found"))).to_have_value(STAFF_REPLY)
    expect(lead.get_by_role("checkbox", name="COM-2 Making sense together")).to_be_checked()
    lead.get_by_role("radio", name="Strength").check()
    lead.get_by_label("Title").fill("A buddy for every new resident")
    screenshot("peer-review-08-finding-from-comment")
    lead.get_by_role("button", name="Add the finding").click()
    expect_success(lead, "The finding “A buddy for every new resident” was added.")

    for kind, heading, title in [
        ("Strength", "Strengths", "Residents chair the community meeting"),
        ("Area for development", "Areas for development", "Jobs in the house are handed out"),
    ]:
        lead.get_by_role("link", name=f"Add a finding under “{heading}”").click()
        expect(lead.get_by_role("radio", name=kind)).to_be_checked()
        lead.get_by_label("Title").fill(title)
        lead.get_by_role("checkbox", name="AGE Agency").check()
        lead.get_by_role("button", name="Add the finding").click()
        expect_success(lead, f"The finding “{title}” was added.")

    expect(lead.get_by_role("heading", name=re.compile(r"^Strengths"))).to_contain_text(
        "2 findings"
    )
    lead.get_by_role("button", name="Move up Residents chair the community meeting").click()
    expect_success(lead, "“Residents chair the community meeting” is now number 1.")
    # Each finding is a card headed by its number within its kind and its title.
    expect(lead.get_by_role("heading", level=3)).to_have_text(
        [
            "1. Residents chair the community meeting",
            "2. A buddy for every new resident",
            "1. Jobs in the house are handed out",
        ]
    )

    lead.get_by_role("link", name="Write the reviewers' summary").click()
    lead.get_by_label(re.compile(r"^Reviewers' summary")).fill(SUMMARY)
    lead.get_by_role("button", name="Save the summary").click()
    expect_success(lead, "The reviewers' summary was saved.")
    expect(lead.locator("#summary + .govuk-inset-text")).to_contain_text(SUMMARY)
    screenshot("peer-review-09-findings")

    # 7. The lead starts drafting: refused for the reflection still missing, then accepted -----
    review_page(lead)
    start_drafting(lead)
    expect(lead).to_have_title(re.compile(r"^Error: "))
    problems = lead.locator(".govuk-error-summary").get_by_role("link")
    expect(problems).to_have_count(1)
    expect(problems).to_have_text(
        "AGE-3 A life beyond the service: record the team's view, and why where it differs"
    )
    screenshot("peer-review-10-drafting-refused")
    problems.click()
    expect(lead).to_have_url(re.compile(rf"/reviewing/AGE/#standard-{LEAD_REFLECTS}$"))
    expect(h1(lead)).to_have_text("Agency")
    expect(standard(lead, LEAD_REFLECTS)).to_be_in_viewport()
    reflect(
        lead,
        LEAD_REFLECTS,
        "Not yet met",
        "Agrees with the service's own view",
        "Few residents have links outside the house yet; the service says so itself.",
    )

    review_page(lead)
    start_drafting(lead)
    expect_success(lead, f"The review is now at the stage: {DRAFTING}.")
    expect(lead.locator(".govuk-summary-list").first).to_contain_text(DRAFTING)
    expect(lead.get_by_role("button", name="Start drafting the report")).to_have_count(0)
    history = lead.get_by_role("table", name="Every change of stage, newest first")
    first = history.locator("tbody").get_by_role("row").first
    expect(first).to_contain_text(f"Peer review to {DRAFTING}")
    expect(first).to_contain_text(TEAM["lead_name"])
    # The host sees the new stage too.
    review_page(host)
    expect(host.locator(".govuk-summary-list").first).to_contain_text(DRAFTING)
    screenshot("peer-review-11-drafting")
