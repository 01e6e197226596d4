"""A service's whole self-assessment, in the browser, by the people who do it.

The coordinator opens a cycle and enrols Millbrook Day Service; its lead answers every standard
(one "not applicable"), adds a staff perspective and evidence (a PDF and a link); the
lived-experience contributor adds their voice; the lead's first submission is refused for the
one standard left unanswered, then goes through; the coordinator returns it with a note; the lead
changes an answer and submits again, and the review's history tells the whole story.

A second test puts two people on the same standard: one autosaves, the other is shown both texts
and merges them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command

from tests.e2e.conftest import ARTIFACTS, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "relational-demo-2027"
COORDINATOR = "coordinator@demo.example"
LEAD = "lead.millbrook-day-service@demo.example"
VOICE = "voice.millbrook-day-service@demo.example"
# The demo names seed_demo gives them (Millbrook is the second of its services).
COORDINATOR_NAME = "Cora Coordinator"
LEAD_NAME = "Dev Hughes"

SERVICE = "Millbrook Day Service"
CYCLE = "2027 spring pilot"
FRAMEWORK = "Developmental Relational Framework"

# The Developmental Relational Framework's domains and standards, in order (16 standards).
DOMAINS = {
    "Attachment": ["ATT-1", "ATT-2", "ATT-3", "ATT-4"],
    "Containment": ["CON-1", "CON-2", "CON-3"],
    "Communication": ["COM-1", "COM-2", "COM-3"],
    "Inclusion": ["INC-1", "INC-2", "INC-3"],
    "Agency": ["AGE-1", "AGE-2", "AGE-3"],
}
LEFT_FOR_LATER = "INC-3"  # answered only after the first submission is refused
NOT_APPLICABLE = "AGE-3"
RATINGS = ["Met", "Partly met", "Not yet met"]

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RETURN_NOTE = "Thank you. Please say more about endings on ATT-4 before we allocate reviewers."


@pytest.fixture
def demo_network(transactional_db):
    call_command("import_framework", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.yaml")))
    call_command("seed_demo")


# Steps a person takes, shared by the journey ---------------------------------------------------


def expect(actual):
    """Playwright's `expect`, imported when a test runs (ruff keeps playwright out of imports at
    module level, so that collecting the other tests never loads it)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(actual)


def signed_in(page: Page, live_server, email: str) -> None:
    sign_in(page, live_server, email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")


def sign_out(page: Page) -> None:
    page.get_by_role("link", name="Sign out").click()
    # allauth asks to confirm (signing out is a POST).
    page.get_by_role("button", name=re.compile(r"^sign out$", re.IGNORECASE)).click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def expect_success(page: Page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def standard(page: Page, code: str) -> Locator:
    """A standard's section on its domain page, found by its heading ("ATT-1 A reliable ...")."""
    return page.get_by_role("region", name=re.compile(rf"^{re.escape(code)} "))


def answer(page: Page, code: str, rating: str, narrative: str, reason: str = "") -> None:
    """Give a view of one standard on its domain page and save it with its own button."""
    section = standard(page, code)
    section.get_by_role("radio", name=rating, exact=True).check()
    if reason:
        # "Not applicable" reveals its question (GOV.UK conditional reveal).
        section.get_by_label("Why it does not apply").fill(reason)
    section.get_by_label("What we do").fill(narrative)
    section.get_by_role("button", name=f"Save your response to {code}").click()
    expect_success(page, f"Your answer to {code}")
    expect(standard(page, code).get_by_role("radio", name=rating, exact=True)).to_be_checked()


def open_review_from_dashboard(page: Page, service: str = SERVICE, cycle: str = CYCLE) -> None:
    services = page.get_by_role("region", name="Your services")
    expect(services).to_contain_text(service)
    expect(services).to_contain_text(f"Review {cycle}")
    services.get_by_role("link", name="Open the review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(service)


def submit(page: Page) -> None:
    page.get_by_role("region", name="Submit the self-assessment").get_by_role(
        "button", name="Submit the self-assessment"
    ).click()


def history_rows(page: Page) -> list[list[str]]:
    """The review's history, newest first: [when, what happened, who, note] per row."""
    table = page.get_by_role("table", name="Every change of stage, newest first")
    return [
        [cell.strip() for cell in row.get_by_role("cell").all_inner_texts()]
        for row in table.locator("tbody").get_by_role("row").all()
    ]


# The journey -----------------------------------------------------------------------------------


def test_a_service_self_assesses_submits_is_returned_and_resubmits(
    demo_network, live_server, page, screenshot, tmp_path
):
    page.set_default_timeout(10_000)

    # 1. The coordinator opens a cycle and enrols Millbrook Day Service ---------------------------
    signed_in(page, live_server, COORDINATOR)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Cycles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review cycles")
    page.get_by_role("link", name="Open a cycle").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Open a cycle")
    page.get_by_label("Name of the cycle").fill(CYCLE)
    page.get_by_role("checkbox", name=re.compile(rf"^{FRAMEWORK}, version ")).check()
    # The dates come filled in from the network's usual timeline, starting next Monday.
    expect(
        page.get_by_role("group", name="Self-assessment opens").get_by_label("Year")
    ).not_to_be_empty()
    page.get_by_role("button", name="Open cycle").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(CYCLE)
    expect_success(page, f"{CYCLE} is open. Enrol the services taking part next.")
    expect(page.get_by_text("No services are enrolled in this cycle yet.")).to_be_visible()
    page.get_by_role("link", name="Enrol services").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Enrol services")
    expect(page.get_by_text(f"The services will work to {FRAMEWORK}, version")).to_be_visible()
    page.get_by_role("checkbox", name=SERVICE).check()
    screenshot("self-assessment-01-enrol")
    page.get_by_role("button", name="Enrol the chosen services").click()

    expect_success(page, f"1 service enrolled: {SERVICE}.")
    row = page.get_by_role("row", name=re.compile(SERVICE))
    expect(row).to_contain_text("Self-assessment")
    expect(row).to_contain_text("0 of 16")
    screenshot("self-assessment-02-cycle-board")
    sign_out(page)

    # 2. The service lead answers the standards, adds a perspective and evidence ---------------
    signed_in(page, live_server, LEAD)
    expect(page.get_by_role("region", name="Your services")).to_contain_text(
        "0 of 16 standards answered"
    )
    open_review_from_dashboard(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(SERVICE)
    page.get_by_role("link", name="Go to the self-assessment").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Self-assessment")
    expect(page.get_by_text("0 of 16 standards answered")).to_be_visible()
    page.get_by_role("link", name="ATT Attachment").click()

    pdf = tmp_path / "community-meeting-minutes.pdf"
    pdf.write_bytes(PDF_BYTES)
    count = 0
    for domain, codes in DOMAINS.items():
        expect(page.get_by_role("heading", level=1)).to_have_text(domain)
        for code in codes:
            if code == LEFT_FOR_LATER:
                continue
            if code == NOT_APPLICABLE:
                answer(
                    page,
                    code,
                    "Not applicable",
                    "People come for the day; their lives beyond us are supported elsewhere.",
                    reason="A day service: community teams support people's lives outside it.",
                )
            else:
                answer(
                    page,
                    code,
                    RATINGS[count % len(RATINGS)],
                    f"How we live {code} day to day: named keyworkers and a weekly meeting.",
                )
            count += 1

            if code == "ATT-1":
                # Evidence for this standard: a PDF, from the link beside it.
                standard(page, code).get_by_role("link", name="Add evidence for ATT-1").click()
                expect(page.get_by_role("heading", level=1)).to_have_text("Add evidence")
                expect(page.get_by_role("radio", name="File")).to_be_checked()
                page.get_by_label("Choose a file").set_input_files(str(pdf))
                page.get_by_label("Title", exact=True).fill(
                    "Community meeting minutes, October 2026"
                )
                expect(
                    page.get_by_role("checkbox", name="ATT-1 A reliable relationship")
                ).to_be_checked()
                page.get_by_label("This contains no names").check()
                screenshot("self-assessment-03-add-file-evidence")
                page.get_by_role("button", name="Add evidence").click()
                expect_success(page, "“Community meeting minutes, October 2026” was added")
                expect(page).to_have_url(re.compile(r"/self-assessment/ATT/#standard-ATT-1$"))
                expect(
                    standard(page, code).get_by_role(
                        "link", name="Community meeting minutes, October 2026"
                    )
                ).to_be_visible()

            if code == "ATT-2":
                # What staff said about it, in the staff voice.
                section = standard(page, code)
                section.get_by_text("Add a perspective").click()
                section.get_by_role("radio", name="Staff", exact=True).check()
                section.get_by_label("What people said").fill(
                    "Staff said new people are welcomed well, though busy shifts make it harder."
                )
                section.get_by_role("radio", name="Survey", exact=True).check()
                section.get_by_label("How many people does this represent?").fill("9")
                section.get_by_role("button", name="Add this perspective").click()
                expect_success(page, "Your perspective on ATT-2 Joining with care was added.")
                section = standard(page, code)
                expect(section.get_by_role("heading", name="Staff", exact=True)).to_be_visible()
                expect(section).to_contain_text("busy shifts make it harder")
                expect(section).to_contain_text("Survey, 9 people")
                screenshot("self-assessment-04-attachment-answered")

        if domain != "Agency":
            page.get_by_role("link", name=re.compile(r"^Next domain")).click()

    expect(standard(page, NOT_APPLICABLE).get_by_label("Why it does not apply")).to_have_value(
        "A day service: community teams support people's lives outside it."
    )
    page.get_by_role("link", name="Back to the self-assessment overview").click()
    expect(page.get_by_text("15 of 16 standards answered")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"INC Inclusion"))).to_contain_text("2 of 3")
    expect(page.locator(".govuk-summary-list__row", has_text="Staff")).to_contain_text(
        "1 of 16 standards"
    )

    # A link as evidence too, from the review's evidence page.
    page.get_by_role("link", name="Go to the review page").click()
    page.get_by_role("link", name="Evidence", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence")
    page.get_by_role("radio", name="Link").check()
    page.get_by_label("Web address").fill("https://www.example.org/millbrook/survey-2026")
    page.get_by_label("Title", exact=True).fill("Feedback survey results 2026")
    page.get_by_role("checkbox", name="COM-2 Making sense together").check()
    page.get_by_label("This contains no names").check()
    page.get_by_role("button", name="Add evidence").click()
    expect_success(page, "“Feedback survey results 2026” was added as evidence.")
    evidence = page.get_by_role("table", name=re.compile("pieces of evidence"))
    expect(evidence).to_contain_text("2 pieces of evidence")
    expect(
        evidence.get_by_role("row", name=re.compile("Community meeting minutes"))
    ).to_contain_text("community-meeting-minutes.pdf")
    expect(evidence.get_by_role("row", name=re.compile("Feedback survey results"))).to_contain_text(
        "COM-2"
    )
    screenshot("self-assessment-05-evidence")
    sign_out(page)

    # 3. The lived-experience contributor adds their voice -------------------------------------
    signed_in(page, live_server, VOICE)
    page.get_by_role("region", name="Your services").get_by_role(
        "link", name="Add your voice"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your voice")
    page.get_by_role("button", name="Start with the first question").click()
    expect(page.get_by_text("Question 1 of 16")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("A reliable relationship")
    page.get_by_label("What is it like here for you?").fill(
        "I always know who my keyworker is, and they remember what I told them last week."
    )
    page.get_by_role("radio", name="We talked about it together in a group").check()
    page.get_by_label("How many people?").fill("5")
    page.get_by_role("button", name="Add what I wrote").click()
    expect_success(page, "Thank you. What you wrote has been added.")
    expect(page.locator(".app-perspective")).to_contain_text("they remember what I told them")
    screenshot("self-assessment-06-your-voice")
    sign_out(page)

    # 4. The lead submits: refused for the standard left unanswered, then accepted -------------
    signed_in(page, live_server, LEAD)
    open_review_from_dashboard(page)
    expect(page.locator(".govuk-summary-list")).to_contain_text("15 of 16")
    submit(page)
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("This cannot be done yet")
    problems = summary.get_by_role("link")
    expect(problems).to_have_count(1)
    expect(problems).to_have_text("INC-3 Respecting difference: choose your view of this standard")
    screenshot("self-assessment-07-submit-refused")
    problems.click()
    expect(page).to_have_url(re.compile(r"/self-assessment/INC/#standard-INC-3$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Inclusion")
    expect(standard(page, LEFT_FOR_LATER)).to_be_in_viewport()
    answer(
        page,
        LEFT_FOR_LATER,
        "Partly met",
        "We mark festivals people ask for; we could ask more often what matters to them.",
    )
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=CYCLE).click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("16 of 16")
    submit(page)
    expect_success(page, "The review is now at the stage: Submitted.")
    expect(page.get_by_role("button", name="Submit the self-assessment")).to_have_count(0)

    # Read only from now on: no forms, and a banner that says why.
    page.get_by_role("link", name="Read the self-assessment").click()
    locked = page.get_by_role("region", name="Read only")
    expect(locked).to_contain_text("the self-assessment can no longer be changed")
    page.get_by_role("link", name="ATT Attachment").click()
    expect(page.get_by_role("region", name="Read only")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Save"))).to_have_count(0)
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(r"^Add evidence"))).to_have_count(0)
    expect(standard(page, "ATT-1")).to_contain_text("The service’s view")
    screenshot("self-assessment-08-read-only")
    sign_out(page)

    # 5. The coordinator returns it with a note ------------------------------------------------
    signed_in(page, live_server, COORDINATOR)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Cycles").click()
    page.get_by_role("link", name=CYCLE, exact=True).click()
    row = page.get_by_role("row", name=re.compile(SERVICE))
    expect(row).to_contain_text("Submitted")
    expect(row).to_contain_text("16 of 16")
    row.get_by_role("link", name=SERVICE).click()
    returning = page.get_by_role("region", name="Return to the service")
    returning.get_by_label("Note").fill(RETURN_NOTE)
    returning.get_by_role("button", name="Return to the service").click()
    expect_success(page, "The review is now at the stage: Self-assessment.")
    sign_out(page)

    # ... and the lead reads the note, changes an answer and submits again.
    signed_in(page, live_server, LEAD)
    open_review_from_dashboard(page)
    returned = page.get_by_role("region", name="Returned to you")
    expect(returned).to_contain_text(RETURN_NOTE)
    screenshot("self-assessment-09-returned")
    page.get_by_role("link", name="Go to the self-assessment").click()
    page.get_by_role("link", name="ATT Attachment").click()
    answer(
        page,
        "ATT-4",
        "Partly met",
        "Endings are planned with each person; a goodbye group marks them. We want to add "
        "a follow-up call a month after someone leaves.",
    )
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=CYCLE).click()
    submit(page)
    expect_success(page, "The review is now at the stage: Submitted.")
    expect(page.get_by_role("region", name="Returned to you")).to_have_count(0)

    rows = history_rows(page)
    assert [row[1:3] for row in rows] == [
        ["Self-assessment to Submitted", LEAD_NAME],
        ["Submitted to Self-assessment", COORDINATOR_NAME],
        ["Self-assessment to Submitted", LEAD_NAME],
        ["Review started", COORDINATOR_NAME],
    ]
    assert rows[1][3] == RETURN_NOTE
    assert rows[3][3] == f"Enrolled in {CYCLE}."
    screenshot("self-assessment-10-resubmitted")


# Two people on the same standard ---------------------------------------------------------------

ROWAN = "Rowan Children's Home"  # enrolled in 2027 with the Developmental framework, untouched
ROWAN_LEAD, ROWAN_LEAD_NAME = "lead.rowan-childrens-home@demo.example", "Vikram Campbell"
ROWAN_STAFF, ROWAN_STAFF_NAME = "staff.rowan-childrens-home@demo.example", "Wren Campbell"


def open_attachment(page: Page) -> None:
    open_review_from_dashboard(page, service=ROWAN, cycle="2027")
    page.get_by_role("link", name="Go to the self-assessment").click()
    page.get_by_role("link", name="ATT Attachment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attachment")


def test_two_editors_autosave_and_merge_the_same_standard(
    demo_network, live_server, page, new_context, screenshot
):
    """A staff contributor's words are saved as they type; the lead, who opened the page
    before, is shown both texts instead of overwriting them, merges, and saves."""
    page.set_default_timeout(10_000)
    staff = page
    signed_in(staff, live_server, ROWAN_STAFF)
    open_attachment(staff)

    lead = new_context().new_page()
    lead.set_default_timeout(10_000)
    signed_in(lead, live_server, ROWAN_LEAD)
    open_attachment(lead)

    # The staff contributor writes and never presses Save: autosave keeps it.
    section = standard(staff, "ATT-1")
    section.get_by_role("radio", name="Partly met", exact=True).check()
    section.get_by_label("What we do").fill("Each young person has a keyworker they chose.")
    expect(section.get_by_role("status")).to_have_text(re.compile(r"^Saved at \d\d:\d\d$"))
    staff.reload()
    expect(standard(staff, "ATT-1").get_by_label("What we do")).to_have_value(
        "Each young person has a keyworker they chose."
    )

    # The lead's page still holds the older version: saving shows both texts.
    section = standard(lead, "ATT-1")
    section.get_by_role("radio", name="Met", exact=True).check()
    section.get_by_label("What we do").fill("Keyworkers meet each young person every week.")
    section.get_by_role("button", name="Save your response to ATT-1").click()
    expect(lead).to_have_title(re.compile(r"^Error: "))
    summary = lead.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Not saved: someone else changed this")
    expect(summary.get_by_role("link")).to_contain_text(
        f"{ROWAN_STAFF_NAME} saved ATT-1 after you started"
    )
    section = standard(lead, "ATT-1")
    expect(
        section.get_by_role("heading", name=re.compile(f"^Saved by {ROWAN_STAFF_NAME}"))
    ).to_be_visible()
    expect(section).to_contain_text("Each young person has a keyworker they chose.")
    expect(section.get_by_label("What we do")).to_have_value(
        "Keyworkers meet each young person every week."
    )
    expect(section.get_by_role("radio", name="Met", exact=True)).to_be_checked()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    lead.screenshot(path=str(ARTIFACTS / "self-assessment-11-conflict.png"), full_page=True)

    merged = (
        "Each young person has a keyworker they chose, "
        "and they meet every week at a time the young person picks."
    )
    section.get_by_label("What we do").fill(merged)
    section.get_by_role("button", name="Save your response to ATT-1").click()
    expect_success(lead, "Your answer to ATT-1 A reliable relationship was saved.")

    # The staff contributor sees the merged answer, and who saved it.
    staff.reload()
    section = standard(staff, "ATT-1")
    expect(section.get_by_label("What we do")).to_have_value(merged)
    expect(section.get_by_role("radio", name="Met", exact=True)).to_be_checked()
    expect(section.get_by_role("status")).to_contain_text(f"Last saved by {ROWAN_LEAD_NAME}")
    screenshot("self-assessment-12-merged")
