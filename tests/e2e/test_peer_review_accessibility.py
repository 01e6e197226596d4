"""axe-core checks every page of the peer review, as each person who opens it sees it.

Two demo reviews: The Willows Community, in peer review (the visit can still be planned), and
Quayside Hostel, in drafting (the visit is fixed; findings and a safeguarding note exist). Each
person of each review opens every peer review page they may open: the lead reviewer, a peer
reviewer, the host's service lead, a member of the host's staff and the network coordinator.

On every page: no axe violation at any impact, exactly one h1, and a title that no other page
the same person opened has. (Titles are unique per person rather than across everyone: each
person's page for editing their own comment in a thread is a page of its own, with the same
title as another person's; nobody can open both.) Some forms are also sent empty or half
filled, to check their error states.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command

from assurance.models import User
from reviews.models import Comment, Review, SafeguardingNote, Thread
from reviews.peer_review import safeguarding, threads
from tests.e2e.axe import PageChecker
from tests.e2e.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "relational-demo-2027"
COORDINATOR = "coordinator@demo.example"


@dataclass
class Side:
    """One demo review and the ids its pages need."""

    review: Review
    lead: str
    peer: str
    host_lead: str
    host_staff: str
    domain: str  # a domain with threads on its standards
    ids: dict[str, int | str]

    def url(self, path: str) -> str:
        return path.format(r=self.review.pk, **self.ids)


def _own_comment(review: Review, email: str) -> int | None:
    return (
        Comment.objects.filter(thread__review=review, author__email=email)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def _side(name: str, domain: str) -> Side:
    """The review of `name`, with its team as the matcher chose it (the choice can change with
    the database's ids, so it is read, not assumed)."""
    review = Review.objects.get(service__name=name)
    accepted = review.assignments.filter(status="accepted").select_related("reviewer__user")
    lead = accepted.get(role="lead").reviewer.user.email
    # The peer reviewer who started the demo's threads (and raised its safeguarding note).
    peer = review.threads.select_related("started_by").order_by("pk").first().started_by.email
    slug = name.lower().replace(" ", "-")
    host_lead, host_staff = f"lead.{slug}@demo.example", f"staff.{slug}@demo.example"
    team = review.threads.filter(visibility=Thread.Visibility.TEAM).order_by("pk").first()
    shared = review.threads.filter(visibility=Thread.Visibility.SHARED).order_by("pk").first()
    # The host's staff member has not written anything in the demo: a reply to edit.
    threads.add_comment(
        shared, by=User.objects.get(email=host_staff), body="Thank you: we will bring it."
    )
    if not review.safeguarding_notes.exists():
        safeguarding.raise_note(
            review,
            by=User.objects.get(email=peer),
            summary="Someone mentioned a worry about a visitor. I told the shift lead.",
            raised_to="The shift lead, in person",
        )
    note = SafeguardingNote.objects.get(review=review)
    assert note.raised_by.email == peer
    finding = review.findings.order_by("pk").first()
    item = review.visit.agenda.order_by("pk").first()
    return Side(
        review=review,
        lead=lead,
        peer=peer,
        host_lead=host_lead,
        host_staff=host_staff,
        domain=domain,
        ids={
            "team": team.pk,
            "shared": shared.pk,
            "note": note.pk,
            "finding": finding.pk if finding else 0,
            "item": item.pk,
            "domain": domain,
            **{
                f"comment_{who}": _own_comment(review, email) or 0
                for who, email in [
                    ("lead", lead),
                    ("peer", peer),
                    ("host_lead", host_lead),
                    ("host_staff", host_staff),
                ]
            },
        },
    )


@pytest.fixture
def sides(transactional_db) -> dict[str, Side]:
    call_command(
        "import_framework",
        *sorted(str(p) for p in (ROOT / "fixtures").glob("*.yaml")),
        stdout=io.StringIO(),
    )
    call_command("seed_demo", stdout=io.StringIO())
    willows = _side("The Willows Community", domain="ATT")
    quayside = _side("Quayside Hostel", domain="BEL")
    assert willows.review.status == Review.Status.PEER_REVIEW
    assert quayside.review.status == Review.Status.DRAFTING
    return {"willows": willows, "quayside": quayside}


# What each person opens ------------------------------------------------------------------------

REVIEW = "/reviews/{r}/"
VISIT = "/reviews/{r}/visit/"
THREADS = [
    "/reviews/{r}/threads/",
    "/reviews/{r}/threads/new/",
    "/reviews/{r}/threads/{shared}/",
    "/account/comment-emails/",
]
TEAM_THREAD = "/reviews/{r}/threads/{team}/"
PLANNING = [
    "/reviews/{r}/visit/edit/",
    "/reviews/{r}/visit/agenda/add/",
]
REVIEWING = ["/reviews/{r}/reviewing/", "/reviews/{r}/reviewing/{domain}/"]
FINDINGS = "/reviews/{r}/findings/"
WRITING = [
    "/reviews/{r}/findings/add/",
    "/reviews/{r}/findings/add/?comment={comment_peer}",
    "/reviews/{r}/summary/",
]
SAFEGUARDING = ["/reviews/{r}/safeguarding/", "/reviews/{r}/safeguarding/{note}/"]
RAISE = "/reviews/{r}/safeguarding/raise/"


def pages_for(side: Side, role: str) -> list[str]:
    """The peer review pages `role` may open on this review, at its stage."""
    planning = PLANNING if side.review.status in Review.VISIT_PLANNING else []
    own_comment = f"/reviews/{{r}}/comments/{{comment_{role}}}/edit/"
    team = ["/", REVIEW, VISIT, *THREADS, TEAM_THREAD, own_comment, *REVIEWING, FINDINGS]
    if role == "lead":
        pages = [*team, *WRITING, *SAFEGUARDING, RAISE, *planning]
        if planning:
            pages += [
                "/reviews/{r}/visit/agenda/{item}/",
                "/reviews/{r}/visit/agenda/{item}/remove/",
            ]
        if side.ids["finding"]:
            pages += ["/reviews/{r}/findings/{finding}/", "/reviews/{r}/findings/{finding}/remove/"]
        return pages
    if role == "peer":
        return [*team, *SAFEGUARDING, RAISE]
    if role == "host_lead":
        return [REVIEW, VISIT, *THREADS, own_comment, *SAFEGUARDING, *planning]
    if role == "host_staff":
        return [REVIEW, VISIT, *THREADS, own_comment]
    assert role == "coordinator"
    return [REVIEW, VISIT, *THREADS, TEAM_THREAD, *REVIEWING, FINDINGS, *SAFEGUARDING]


def email_of(side: Side, role: str) -> str:
    return COORDINATOR if role == "coordinator" else getattr(side, role)


ROLES = ["lead", "peer", "host_lead", "host_staff", "coordinator"]

# Forms sent empty or half filled, to check their error states: (review, role, page, how).
ERRORS = [
    ("willows", "lead", REVIEW, "start_drafting"),
    ("willows", "lead", "/reviews/{r}/visit/edit/", "bad_date"),
    ("willows", "lead", "/reviews/{r}/visit/agenda/add/", "empty"),
    ("willows", "lead", "/reviews/{r}/findings/add/", "empty"),
    ("willows", "peer", "/reviews/{r}/threads/new/", "empty"),
    ("willows", "peer", "/reviews/{r}/threads/{shared}/", "empty_reply"),
    ("willows", "peer", "/reviews/{r}/reviewing/AGE/", "differs_without_why"),
    ("willows", "peer", RAISE, "empty"),
    ("willows", "host_staff", "/reviews/{r}/comments/{comment_host_staff}/edit/", "blank"),
]


# The checks ------------------------------------------------------------------------------------


def send_with_errors(page, how: str) -> None:
    if how == "start_drafting":
        page.get_by_role("button", name="Start drafting the report").click()
    elif how == "bad_date":
        page.get_by_role("group", name="Last day").get_by_label("Month").fill("13")
        page.get_by_role("button", name="Save the visit").click()
    elif how == "empty_reply":
        page.get_by_role("button", name="Post reply").click()
    elif how == "differs_without_why":
        section = page.locator("section.app-standard").last
        section.get_by_role("radio", name="Differs from the service's own view").check()
        section.get_by_label("Why", exact=True).fill("")
        section.get_by_role("button", name="Save the team’s reflection").click()
    elif how == "blank":
        page.get_by_label("Your comment").fill("")
        page.get_by_role("button", name="Save your comment").click()
    else:
        page.locator("main form[method=post] button[type=submit]").last.click()
    page.wait_for_load_state()


def test_every_peer_review_page_has_no_axe_violations(sides, live_server, new_context):
    problems: dict[str, list[str]] = {}
    checker = PageChecker()  # each person has a tab of their own: titles are unique per person

    def check(page, label: str) -> None:
        found = checker.problems(page)
        if found:
            problems[label] = found

    people = {}
    for key, side in sides.items():
        for role in ROLES:
            email = email_of(side, role)
            if email not in people:
                people[email] = new_context().new_page()
                people[email].set_default_timeout(10_000)
                sign_in(people[email], live_server, email, PASSWORD)
            page = people[email]
            for path in pages_for(side, role):
                url = side.url(path)
                response = page.goto(live_server.url + url)
                label = f"{key} {role} {path}"
                if response.status != 200:
                    problems[label] = [f"status {response.status}"]
                    continue
                check(page, label)

    for key, role, path, how in ERRORS:
        side = sides[key]
        email = email_of(side, role)
        page = people[email]
        page.goto(live_server.url + side.url(path))
        send_with_errors(page, how)
        label = f"{key} {role} {path} ({how})"
        if not page.title().startswith("Error: "):
            problems[label] = [f"no error shown: {page.title()}"]
            continue
        check(page, label)

    assert len(checker.checked) > 100
    assert problems == {}
