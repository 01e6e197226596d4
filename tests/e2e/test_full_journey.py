"""The whole life of one review, in the browser, each step taken through the pages by the person
whose step it is (issue 8, part 7), with every page they land on checked by axe-core (part 8).

The set-up makes only the people and what they work to: a small network, a framework of two
standards, the host service (Alder House) with its service lead and a contributor with lived
experience, three trained reviewers from services of their own, the network's coordinator and a
commissioning body with one commissioner. Everything else happens in the browser:

1. the coordinator opens a cycle and enrols Alder House;
2. the service lead answers both standards, with a file as evidence; the contributor adds their
   voice; the lead submits;
3. the coordinator asks the matcher for teams and confirms them;
4. the three reviewers accept and the coordinator starts the peer review; the peer reviewer
   starts a team-only thread, which the lead reviewer answers, and a shared one, which the
   host's service lead answers (and cannot see the team-only one);
5. the lead reviewer plans the visit, records the team's reflection on both standards, starts
   drafting, writes two findings, the summary and an action, and issues the draft;
6. the host's service lead comments on the draft's accuracy and agrees it and its actions; the
   lead reviewer answers the comment;
7. the coordinator publishes the final report;
8. the service lead shares it with the commissioning body;
9. the commissioner downloads the PDF: the bytes stored when it was published, unchanged.

Each person has a browser of their own. Every page anyone loads is checked (tests/e2e/axe.py):
no axe violation at any impact, one h1, a title of its own; the test ends by showing that no
page loaded on the way went unchecked. Screenshots of the key pages go to artifacts/.

PDFs render as background tasks; the tests' task backend runs them at once, inside the request
that queues them, so each page that follows finds its PDF ready.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from assurance import roles
from assurance.models import Membership, Region, Service
from reviews.models import Report, ReviewerProfile
from standards.yaml_format import import_framework
from tests.e2e import axe
from tests.e2e.axe import PageChecker
from tests.e2e.conftest import sign_in
from tests.e2e.test_peer_review_journey import (
    expect,
    expect_success,
    h1,
    open_part,
    reflect,
    standard,
)
from tests.factories import (
    CommissioningBodyFactory,
    NetworkFactory,
    OrganisationFactory,
    ServiceFactory,
    UserFactory,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
CYCLE = "2027 autumn round"
SERVICE = "Alder House"
BODY = "Eastmoor Integrated Care Board"
FRAMEWORK = "Everyday Relationships Charter"
FRAMEWORK_YAML = """\
framework:
  slug: everyday-relationships-charter
  name: Everyday Relationships Charter
  version: "2027.1"
  description: Two standards about the relationships of everyday life in a service.
domains:
  - code: DAY
    name: Everyday life
    summary: The day is shared, and people have a say in it.
    standards:
      - code: DAY-1
        title: Greeted by name
        statement: Everyone is greeted by name and knows who is on shift.
        type: essential
        ask: [people_using_service, staff]
      - code: DAY-2
        title: A say in the day
        statement: People plan the week's activities together with staff.
        type: expected
        ask: [people_using_service]
"""
ANSWERS = [
    ("DAY-1", "Met", "Staff greet everyone at the door; the shift board has photos and names."),
    ("DAY-2", "Partly met", "A Monday meeting plans the week; staff still choose the outings."),
]
EVIDENCE = "The shift board, with photographs of who is on"
VOICE = "Staff say hello by name, even on busy mornings, and the board shows who is on."
TEAM_THREAD = "How did the shift board start?"
SHARED_THREAD = "Who chooses the outings?"
TEAM_REPLY = "Yes: and whether people who use the service helped to design it."
HOST_REPLY = "Staff do, for now. We want the Monday meeting to choose them from January."
REFLECTIONS = [
    ("DAY-1", "Met", "Agrees with the service's own view", "Everyone we met was greeted by name."),
    (
        "DAY-2",
        "Not yet met",
        "Differs from the service's own view",
        "The Monday meeting hears ideas, but staff decide; people told us so themselves.",
    ),
]
FINDINGS = [
    (
        "Strengths",
        "Everyone is greeted by name",
        "Staff and residents greeted each of us, and each other, by name all day.",
        "DAY-1",
    ),
    (
        "Areas for development",
        "Staff choose the outings",
        "People's ideas are heard on Mondays, but staff make the choices.",
        "DAY-2",
    ),
]
SUMMARY = "A friendly house where people are known by name, ready to share the planning."
ACTION = "Let the Monday meeting choose the outings"
ACCURACY_COMMENT = "An update: the Monday meeting chose December's outing itself."
ACCURACY_ANSWER = "Thank you: good to hear. The action stands, to make it the usual way."
AGREEMENT = "Agreed with the lead reviewer by phone on Friday."
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Who takes part: (key, e-mail, name).
CAST = {
    "coordinator": ("coordinator@eastmoor.example", "Nia Coordinator"),
    "lead": ("lead@alder.example", "Sam Alder"),
    "voice": ("voice@alder.example", "Rae Voice"),
    "lead_reviewer": ("lead.reviewer@birch.example", "Lou Birch"),
    "peer": ("peer@cedar.example", "Pat Cedar"),
    "expert": ("expert@damson.example", "Eli Damson"),
    "commissioner": ("commissioner@eastmoor.example", "Kit Commissioner"),
}


# The team the matcher should propose: the only trained person for each place.
TEAM = [
    ("Lead reviewer", "lead_reviewer"),
    ("Peer reviewer", "peer"),
    ("Expert by experience", "expert"),
]


def person(key: str):
    """Someone who can sign in: a verified address and, for the roles that need two-factor
    authentication, an authenticator app (conftest's `sign_in` enters its code)."""
    email, name = CAST[key]
    user = UserFactory(email=email, name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if key in ("coordinator", "commissioner"):
        TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def world(transactional_db):
    """The people and what they work to; nothing of the review exists yet."""
    import_framework(FRAMEWORK_YAML.encode(), source="everyday-relationships-charter.yaml")
    network = NetworkFactory(name="Eastmoor Relational Network", peers_per_team=1)
    host = ServiceFactory(
        network=network,
        organisation=OrganisationFactory(name="Alder Trust", region=Region.NORTH_EAST),
        name=SERVICE,
        region=Region.NORTH_EAST,
    )
    roles.join_service(person("lead"), host, Membership.Role.SERVICE_LEAD)
    roles.join_service(person("voice"), host, Membership.Role.LIVED_EXPERIENCE)
    roles.appoint_coordinator(person("coordinator"), network)
    roles.join_commissioning_body(
        person("commissioner"), CommissioningBodyFactory(network=network, name=BODY)
    )
    for key, name, role in [
        ("lead_reviewer", "Birch Court", "lead"),
        ("peer", "Cedar Lodge", "peer"),
        ("expert", "Damson Place", "expert"),
    ]:
        home = ServiceFactory(
            network=network,
            organisation=OrganisationFactory(name=f"{name} Trust", region=Region.NORTH_EAST),
            name=name,
            region=Region.NORTH_EAST,
            setting_type=Service.SettingType.HOSTEL,
        )
        ReviewerProfile.objects.create(
            user=person(key),
            home_service=home,
            roles=[role],
            trained_on=date(2026, 9, 1),
            regions=[Region.NORTH_EAST],
        )
    return network


# The people, each in a browser of their own -------------------------------------------------------


@dataclass
class Journey:
    """The live server, and one checker for every page anyone opens on the way."""

    new_context: object
    live_server: object
    check: PageChecker

    def browser_for(self, key: str) -> Page:
        """A browser of their own for one person, signed in and on their dashboard."""
        context = self.new_context()
        axe.install(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, self.live_server, CAST[key][0], PASSWORD)
        self.check.watch(page)
        self.arrive(page, "Your dashboard")
        return page

    def arrive(self, page: Page, heading: str | re.Pattern, screenshot: str = "") -> None:
        """After a step that opens a page: the page it should be, and the checks of every page."""
        expect(h1(page)).to_have_text(heading)
        self.check(page, screenshot=screenshot)

    def move(self, page: Page, move: str, stage: str) -> None:
        """On the review page, move the review on with the button of its own section."""
        page.get_by_role("region", name=move).get_by_role("button", name=move).click()
        self.arrive(page, SERVICE)
        expect_success(page, f"The review is now at the stage: {stage}.")

    def reply(self, page: Page, thread: str, text: str, screenshot: str) -> None:
        """From the list of threads, open one and post a reply."""
        page.get_by_role("link", name=thread).click()
        self.arrive(page, thread)
        page.get_by_label("Your reply").fill(text)
        page.get_by_role("button", name="Post reply").click()
        self.arrive(page, thread, screenshot=screenshot)
        expect_success(page, "Your reply was posted.")
        expect(page.locator(".app-comments")).to_contain_text(text)

    def open_draft(self, page: Page, screenshot: str = "") -> None:
        """From the review page, the draft report for the accuracy check."""
        page.get_by_role("region", name="Report").get_by_role(
            "link", name="Draft, version 1"
        ).click()
        self.arrive(page, "Improvement report: draft, version 1", screenshot=screenshot)


def review_page(page: Page) -> None:
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name=re.compile(rf"^{SERVICE}, ")
    ).click()


def test_one_review_from_opening_the_cycle_to_the_commissioner_reading_the_pdf(
    world, live_server, new_context, tmp_path
):
    journey = Journey(new_context, live_server, PageChecker())
    arrive = journey.arrive

    # The sign-in page, where everyone starts.
    visitor = new_context().new_page()
    visitor.goto(f"{live_server.url}/accounts/login/")
    arrive(visitor, "Sign in")

    # 1. The coordinator opens a cycle and enrols Alder House ----------------------------------
    coordinator = journey.browser_for("coordinator")
    coordinator.get_by_role("navigation", name="Menu").get_by_role("link", name="Cycles").click()
    arrive(coordinator, "Review cycles")
    coordinator.get_by_role("link", name="Open a cycle").click()
    arrive(coordinator, "Open a cycle")
    coordinator.get_by_label("Name of the cycle").fill(CYCLE)
    coordinator.get_by_role("checkbox", name=re.compile(rf"^{FRAMEWORK}, version ")).check()
    coordinator.get_by_role("button", name="Open cycle").click()
    arrive(coordinator, CYCLE)
    expect_success(coordinator, f"{CYCLE} is open. Enrol the services taking part next.")
    coordinator.get_by_role("link", name="Enrol services").click()
    arrive(coordinator, "Enrol services")
    coordinator.get_by_role("checkbox", name=SERVICE).check()
    coordinator.get_by_role("button", name="Enrol the chosen services").click()
    arrive(coordinator, CYCLE, screenshot="journey-01-cycle-board")
    expect_success(coordinator, f"1 service enrolled: {SERVICE}.")
    expect(coordinator.get_by_role("row", name=re.compile(SERVICE))).to_contain_text("0 of 2")

    # 2. The service lead answers both standards, with a file as evidence ----------------------
    lead = journey.browser_for("lead")
    lead.get_by_role("region", name="Your services").get_by_role(
        "link", name="Open the review"
    ).click()
    arrive(lead, SERVICE)
    lead.get_by_role("link", name="Go to the self-assessment").click()
    arrive(lead, "Self-assessment")
    lead.get_by_role("link", name="DAY Everyday life").click()
    arrive(lead, "Everyday life")
    for code, rating, narrative in ANSWERS:
        section = standard(lead, code)
        section.get_by_role("radio", name=rating, exact=True).check()
        section.get_by_label("What we do").fill(narrative)
        section.get_by_role("button", name=f"Save your response to {code}").click()
        arrive(lead, "Everyday life")
        expect_success(lead, f"Your answer to {code}")

    pdf = tmp_path / "welcome-board-photo-notes.pdf"
    pdf.write_bytes(PDF_BYTES)
    standard(lead, "DAY-1").get_by_role("link", name="Add evidence for DAY-1").click()
    arrive(lead, "Add evidence")
    lead.get_by_label("Choose a file").set_input_files(str(pdf))
    lead.get_by_label("Title", exact=True).fill(EVIDENCE)
    expect(lead.get_by_role("checkbox", name="DAY-1 Greeted by name")).to_be_checked()
    lead.get_by_label("This contains no names").check()
    lead.get_by_role("button", name="Add evidence").click()
    arrive(lead, "Everyday life", screenshot="journey-02-self-assessment")
    expect_success(lead, f"“{EVIDENCE}” was added")
    expect(standard(lead, "DAY-1").get_by_role("link", name=EVIDENCE)).to_be_visible()

    # ... the contributor with lived experience adds their voice ...
    voice = journey.browser_for("voice")
    voice.get_by_role("region", name="Your services").get_by_role(
        "link", name="Add your voice"
    ).click()
    arrive(voice, "Your voice")
    voice.get_by_role("button", name="Start with the first question").click()
    arrive(voice, "Greeted by name")
    expect(voice.get_by_text("Question 1 of 2")).to_be_visible()
    voice.get_by_label("What is it like here for you?").fill(VOICE)
    voice.get_by_role("radio", name="We talked about it together in a group").check()
    voice.get_by_label("How many people?").fill("6")
    voice.get_by_role("button", name="Add what I wrote").click()
    arrive(voice, "Greeted by name", screenshot="journey-03-your-voice")
    expect_success(voice, "Thank you. What you wrote has been added.")

    # ... and the service lead submits.
    lead.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=CYCLE).click()
    arrive(lead, SERVICE)
    expect(lead.locator(".govuk-summary-list")).to_contain_text("2 of 2")
    journey.move(lead, "Submit the self-assessment", "Submitted")

    # 3. The coordinator proposes teams and confirms them ---------------------------------------
    coordinator.reload()
    arrive(coordinator, CYCLE)
    expect(coordinator.get_by_role("row", name=re.compile(SERVICE))).to_contain_text("Submitted")
    coordinator.get_by_role("link", name="Review teams").click()
    arrive(coordinator, "Review teams")
    coordinator.get_by_role("button", name="Propose teams").click()
    arrive(coordinator, "Proposed teams", screenshot="journey-04-proposed-teams")
    team = coordinator.get_by_role("table", name=f"Proposed team for {SERVICE}")
    for role, key in TEAM:
        expect(team.get_by_role("row", name=re.compile(f"^{role} "))).to_contain_text(CAST[key][1])
    coordinator.get_by_role("button", name="Confirm and send invitations").click()
    arrive(coordinator, "Review teams")
    expect_success(coordinator, "3 invitations are on their way to the reviewers.")

    # 4. The reviewers accept ... ----------------------------------------------------------------
    reviewers = {}
    for role, key in TEAM:
        reviewers[key] = page = journey.browser_for(key)
        page.get_by_role("region", name="Reviewing").get_by_role(
            "link", name=f"Accept or decline the invitation to review {SERVICE}"
        ).click()
        arrive(page, f"Invitation to review {SERVICE}")
        expect(page.locator(".govuk-summary-list")).to_contain_text(role)
        page.get_by_role("radio", name="Yes, I will take part").check()
        page.get_by_role("button", name="Send your answer").click()
        arrive(page, SERVICE)
        expect_success(page, f"Thank you. You are on the review team for {SERVICE}.")

    # ... the coordinator starts the peer review once the whole team has accepted ...
    coordinator.get_by_role("link", name=f"Back to {CYCLE}").click()
    arrive(coordinator, CYCLE)
    coordinator.get_by_role("link", name=SERVICE, exact=True).click()
    arrive(coordinator, SERVICE)
    journey.move(coordinator, "Start the peer review", "Peer review")

    # ... and the team talks: among themselves, and with the host.
    peer = reviewers["peer"]
    peer.reload()
    arrive(peer, SERVICE)
    for visibility, subject, body in [
        ("Review team only", TEAM_THREAD, "The shift board is new. Shall we ask how it started?"),
        ("Shared with the service", SHARED_THREAD, "Who chooses the outings at the moment?"),
    ]:
        open_part(peer, "Threads")
        arrive(peer, "Threads")
        peer.get_by_role("link", name="Start a thread").click()
        arrive(peer, "Start a thread")
        peer.get_by_label("Which standard is it about?").select_option(
            label="DAY-2 A say in the day"
        )
        peer.get_by_role("radio", name=visibility).check()
        peer.get_by_label("Subject").fill(subject)
        peer.get_by_label("Your comment").fill(body)
        peer.get_by_role("button", name="Start the thread").click()
        arrive(peer, subject)
        expect_success(peer, "Your thread was started.")
        expect(peer.locator(".app-visibility").first).to_have_text(visibility)
        review_page(peer)
        arrive(peer, SERVICE)

    lead_reviewer = reviewers["lead_reviewer"]
    lead_reviewer.reload()
    arrive(lead_reviewer, SERVICE)
    open_part(lead_reviewer, "Threads")
    arrive(lead_reviewer, "Threads")
    journey.reply(lead_reviewer, TEAM_THREAD, TEAM_REPLY, screenshot="journey-05-team-thread")

    lead.reload()
    arrive(lead, SERVICE)
    open_part(lead, "Threads")
    arrive(lead, "Threads")
    expect(lead.locator("main")).not_to_contain_text(TEAM_THREAD)
    journey.reply(lead, SHARED_THREAD, HOST_REPLY, screenshot="journey-06-shared-thread")

    # 5. The lead reviewer: the visit and the team's reflections, then the draft ----------------
    review_page(lead_reviewer)
    arrive(lead_reviewer, SERVICE)
    open_part(lead_reviewer, "The visit")
    arrive(lead_reviewer, "The visit")
    lead_reviewer.get_by_role("button", name="Plan the visit").click()
    arrive(lead_reviewer, "Plan the visit")
    lead_reviewer.get_by_role("radio", name="In person", exact=True).check()
    for day in ("First day", "Last day"):
        group = lead_reviewer.get_by_role("group", name=day)
        group.get_by_label("Day").fill("9")
        group.get_by_label("Month").fill("2")
        group.get_by_label("Year").fill("2027")
    lead_reviewer.get_by_label(re.compile("^Where")).fill("Alder House, the garden door.")
    lead_reviewer.get_by_role("button", name="Plan the visit").click()
    arrive(lead_reviewer, "The visit")
    expect_success(lead_reviewer, "The visit is planned.")
    expect(lead_reviewer.locator(".govuk-summary-list")).to_contain_text("9 February 2027")

    review_page(lead_reviewer)
    arrive(lead_reviewer, SERVICE)
    open_part(lead_reviewer, "Reviewing the self-assessment, and the team's reflections")
    arrive(lead_reviewer, "Reviewing the self-assessment")
    lead_reviewer.get_by_role("link", name="Everyday life", exact=True).click()
    arrive(lead_reviewer, "Everyday life")
    for code, view, agreement, why in REFLECTIONS:
        reflect(lead_reviewer, code, view, agreement, why)
        arrive(lead_reviewer, "Everyday life")

    review_page(lead_reviewer)
    arrive(lead_reviewer, SERVICE)
    journey.move(lead_reviewer, "Start drafting the report", "Drafting the report")
    open_part(lead_reviewer, "Findings and the reviewers' summary")
    arrive(lead_reviewer, "Findings")
    for heading, title, found, code in FINDINGS:
        lead_reviewer.get_by_role("link", name=f"Add a finding under “{heading}”").click()
        arrive(lead_reviewer, "Add a finding")
        lead_reviewer.get_by_label("Title").fill(title)
        lead_reviewer.get_by_label(re.compile("^What the team found")).fill(found)
        lead_reviewer.get_by_role("checkbox", name=re.compile(f"^{code} ")).check()
        lead_reviewer.get_by_role("button", name="Add the finding").click()
        arrive(lead_reviewer, "Findings")
        expect_success(lead_reviewer, f"The finding “{title}” was added.")
    lead_reviewer.get_by_role("link", name="Write the reviewers' summary").click()
    arrive(lead_reviewer, re.compile("summary"))
    lead_reviewer.get_by_label(re.compile(r"^Reviewers' summary")).fill(SUMMARY)
    lead_reviewer.get_by_role("button", name="Save the summary").click()
    arrive(lead_reviewer, "Findings", screenshot="journey-07-findings")
    expect_success(lead_reviewer, "The reviewers' summary was saved.")

    review_page(lead_reviewer)
    arrive(lead_reviewer, SERVICE)
    open_part(lead_reviewer, "Agreed actions")
    arrive(lead_reviewer, "Agreed actions")
    lead_reviewer.get_by_role("link", name="Add an action").click()
    arrive(lead_reviewer, "Add an action")
    lead_reviewer.get_by_label("What is the action?").fill(ACTION)
    lead_reviewer.get_by_label("Who leads it").fill("Activities coordinator")
    due = lead_reviewer.get_by_role("group", name="When is it due?")
    due.get_by_label("Day").fill("30")
    due.get_by_label("Month").fill("4")
    due.get_by_label("Year").fill("2027")
    lead_reviewer.get_by_role(
        "checkbox", name="Area for development: Staff choose the outings"
    ).check()
    lead_reviewer.get_by_role("button", name="Add the action").click()
    arrive(lead_reviewer, "Agreed actions")
    expect_success(lead_reviewer, f"The action “{ACTION}” was added.")

    review_page(lead_reviewer)
    arrive(lead_reviewer, SERVICE)
    journey.move(lead_reviewer, "Issue the draft report for the accuracy check", "Accuracy check")

    # 6. The host's service lead comments on the draft's accuracy and agrees it -----------------
    review_page(lead)
    arrive(lead, SERVICE)
    journey.open_draft(lead, screenshot="journey-08-draft-report")
    about_action = lead.locator("details").filter(has_text=f"Comment on “{ACTION}”")
    about_action.locator("summary").click()
    about_action.get_by_role("radio", name="Update since the visit").check()
    about_action.get_by_label("Your comment").fill(ACCURACY_COMMENT)
    about_action.get_by_role("button", name="Add your comment").click()
    arrive(lead, "Improvement report: draft, version 1")
    expect_success(lead, "Your comment was added. The lead reviewer will answer it.")

    # ... the lead reviewer answers the comment ...
    lead_reviewer.reload()
    arrive(lead_reviewer, SERVICE)
    journey.open_draft(lead_reviewer)
    comment = lead_reviewer.locator(".app-comment").filter(has_text=ACCURACY_COMMENT)
    comment.get_by_role("radio", name="Accepted", exact=True).check()
    comment.get_by_label(re.compile("^Your reason")).fill(ACCURACY_ANSWER)
    comment.get_by_role("button", name="Save your answer").click()
    arrive(lead_reviewer, "Improvement report: draft, version 1")
    expect_success(lead_reviewer, "Your answer was saved. The service can read it now.")

    # ... and the host's service lead reads the answer and agrees the draft and its actions.
    lead.reload()
    arrive(lead, "Improvement report: draft, version 1")
    expect(lead.locator(".app-comment").filter(has_text=ACCURACY_COMMENT)).to_contain_text(
        ACCURACY_ANSWER
    )
    lead.get_by_label(re.compile("^A note with your agreement")).fill(AGREEMENT)
    lead.get_by_role("button", name="Agree the draft and its actions").click()
    arrive(lead, "Improvement report: draft, version 1")
    expect_success(lead, "You agreed the draft and its actions.")

    # 7. The coordinator publishes --------------------------------------------------------------
    coordinator.reload()
    arrive(coordinator, SERVICE)
    journey.open_draft(coordinator)
    coordinator.get_by_role("button", name="Publish the final report").click()
    arrive(coordinator, SERVICE)
    expect_success(coordinator, "The review is now at the stage: Published.")
    final = coordinator.get_by_role("region", name="Report")
    expect(final.get_by_role("link", name="Final, version 2")).to_be_visible()
    expect(final).to_contain_text("Improvement report: ready")
    expect(final).to_contain_text("Commissioner summary: ready")

    # 8. The service lead shares the report with the commissioning body ------------------------
    review_page(lead)
    arrive(lead, SERVICE)
    open_part(lead, "Sharing the report with commissioners")
    arrive(lead, "Sharing the report")
    lead.get_by_role("radio", name=BODY).check()
    lead.get_by_role("button", name="Share the report").click()
    arrive(lead, "Sharing the report", screenshot="journey-09-shared")
    expect_success(lead, f"The report is now shared with {BODY}.")
    bodies = lead.get_by_role("table", name=re.compile("^The network's commissioning bodies"))
    expect(bodies.get_by_role("row", name=re.compile(f"^{BODY}"))).to_contain_text("Yes, since")

    # 9. The commissioner downloads the PDF ------------------------------------------------------
    commissioner = journey.browser_for("commissioner")
    shared = commissioner.get_by_role("table", name=f"Reports shared with {BODY}")
    expect(shared.get_by_role("row", name=re.compile(f"^{SERVICE}"))).to_contain_text("1 action")
    shared.get_by_role("link", name=f"Read the report of {SERVICE}").click()
    arrive(commissioner, "Improvement report: final, version 2", screenshot="journey-10-final")
    expect(commissioner.locator("main")).to_contain_text(SUMMARY)
    with commissioner.expect_download() as download:
        commissioner.get_by_role("link", name="The report (PDF)").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    stored = Report.objects.get(review__service__name=SERVICE, kind=Report.Kind.FINAL)
    assert hashlib.sha256(pdf).hexdigest() == stored.sha256
    assert download.value.suggested_filename.endswith(".pdf")

    # Every page anyone loaded on the way was checked.
    assert journey.check.unchecked() == []
    assert journey.check.pages >= 30
