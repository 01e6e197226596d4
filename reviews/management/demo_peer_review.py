"""The demo's peer reviews, played through the peer review's write paths (reviews/peer_review/).

`seed_demo` calls `play(review, stage)` for each review whose team has accepted (and
reviews/management/demo_reports.py for the reviews it takes on to a report): the lead
reviewer and the host's service lead plan the visit, the team and the host talk in team-only and
shared threads, the team records its reflections, and for `drafting` the lead writes findings
and the reviewers' summary and starts drafting. Nothing here writes a model directly.
"""

from datetime import time, timedelta

from assurance.models import Membership
from reviews import workflow
from reviews.models import (
    AgendaItem,
    Assignment,
    Finding,
    Rating,
    Reflection,
    Review,
    ReviewerRole,
    SafeguardingNote,
    Thread,
    Visit,
)
from reviews.peer_review import findings, reflections, threads, visit
from reviews.peer_review import safeguarding as safeguarding_notes

AGENDA = [
    (time(9, 30), time(10, 0), "Welcome and introductions", AgendaItem.Meets.LEADERS),
    (time(10, 0), time(11, 0), "Community meeting", AgendaItem.Meets.COMMUNITY),
    (time(11, 15), time(12, 15), "Conversation with people who use the service", "people"),
    (time(13, 0), time(14, 0), "Staff reflective group", AgendaItem.Meets.STAFF),
    (time(14, 15), time(15, 0), "Partners: the local GP practice and housing", "partners"),
    (time(15, 0), time(15, 45), "The review team gathers its thoughts", AgendaItem.Meets.TEAM),
    (time(15, 45), time(16, 15), "Feedback to the service", AgendaItem.Meets.LEADERS),
]
MEETS = {"people": AgendaItem.Meets.PEOPLE_WHO_USE, "partners": AgendaItem.Meets.PARTNERS}

# (visibility, subject, opening comment, replies: (who, text)); who is "lead", "peer",
# "expert" (the review team) or "host" (the service lead).
THREADS = [
    (
        Thread.Visibility.TEAM,
        "What did we each notice at the community meeting?",
        "Residents chaired the meeting and staff waited to be asked. That felt real to me.",
        [
            ("expert", "Agreed. Two people told me afterwards it is the best part of the week."),
            ("lead", "Let's note this as a strength, and ask how night staff take part."),
        ],
    ),
    (
        Thread.Visibility.SHARED,
        "How do night staff join reflective practice?",
        "The self-assessment says agency staff are rarely able to come. What have you tried?",
        [
            ("host", "We moved one session a month to 7am so night staff can come at handover."),
            ("peer", "Thank you. Has that changed who comes?"),
        ],
    ),
    (
        Thread.Visibility.SHARED,
        "Meeting notes in plainer words",
        "We liked the idea of residents checking the notes. Could you share an example?",
        [("host", "Yes: the October notes were checked by two residents before they went up.")],
    ),
]
REFLECTION_WORDS = [
    "We saw this in the community meeting and heard it from residents and staff alike.",
    "Staff describe this well; people who use the service gave a more mixed picture.",
    "The evidence and what we heard on the day match the service's own account.",
]
FINDINGS = [
    (
        Finding.Kind.STRENGTH,
        "Residents lead the community meeting",
        "Residents chair and minute the daily meeting, and staff follow their lead.",
    ),
    (
        Finding.Kind.EVEN_BETTER_IF,
        "Night staff in reflective practice",
        "The early session at handover is a good start; ask night staff what else would help.",
    ),
    (
        Finding.Kind.DEVELOPMENT,
        "Plain words in written information",
        "Some written information is hard to follow. Residents offered to help rewrite it.",
    ),
    (
        Finding.Kind.LEARNING,
        "Residents check the meeting notes",
        "Other services may want to try asking residents to check the notes before they go up.",
    ),
]
SUMMARY = (
    "We were made very welcome. This is a service where people are known by name and where "
    "residents shape daily life. The team and the people who use the service described the "
    "same strengths. The areas for development are about reaching everyone: night staff, and "
    "people who find written information hard."
)


def play(
    review: Review,
    stage: str,
    *,
    found: list[tuple[str, str, str]] = FINDINGS,
    summary: str = SUMMARY,
    safeguarding: bool = True,
) -> dict:
    """Bring `review` (in peer review, team accepted) to `stage`: peer_review or drafting.

    For drafting, the lead writes the findings `found` ((kind, title, text), linked in turn to
    the framework's first standards) and the reviewers' `summary`; a peer reviewer raises a
    safeguarding note unless `safeguarding` is False. Returns the people who played it:
    "lead", "peer", "expert" (the team) and "host" (the service lead)."""
    team = {
        a.role: a.reviewer.user
        for a in review.assignments.filter(status=Assignment.Status.ACCEPTED).select_related(
            "reviewer__user"
        )
    }
    host = (
        Membership.objects.active()
        .filter(service=review.service, role=Membership.Role.SERVICE_LEAD)
        .select_related("user")
        .first()
        .user
    )
    people = {
        "lead": team[ReviewerRole.LEAD],
        "peer": team[ReviewerRole.PEER],
        "expert": team.get(ReviewerRole.EXPERT, team[ReviewerRole.PEER]),
        "host": host,
    }
    _plan_visit(review, people)
    _talk(review, people)
    _reflect(review, people, every=stage == "drafting")
    if stage == "drafting":
        _find(review, people, found, summary, safeguarding=safeguarding)
        workflow.transition(review, Review.Status.DRAFTING, by=people["lead"])
    return people


def _plan_visit(review: Review, people: dict) -> None:
    day = review.cycle.visits_from + timedelta(days=14)
    planned = visit.save_visit(
        review,
        by=people["lead"],
        expected_version=None,
        mode=Visit.Mode.IN_PERSON,
        starts_on=day,
        ends_on=day,
        location=f"{review.service.name}: please sign in at reception.",
        access_needs="",
    )
    planned = visit.save_visit(
        review,
        by=people["host"],
        expected_version=planned.version,
        mode=Visit.Mode.IN_PERSON,
        starts_on=day,
        ends_on=day,
        location=f"{review.service.name}: please sign in at reception. Parking at the back.",
        access_needs="Step-free entrance at the side door. A quiet room is kept free all day.",
    )
    for starts, ends, title, meets in AGENDA:
        visit.add_agenda_item(
            planned,
            by=people["lead"],
            day=day,
            starts_at=starts,
            ends_at=ends,
            title=title,
            meets=MEETS.get(meets, meets),
        )


def _talk(review: Review, people: dict) -> None:
    standards = [r.standard for r in review.responses.select_related("standard")[:3]]
    for (visibility, title, opening, replies), standard in zip(THREADS, standards, strict=False):
        thread = threads.start_thread(
            review,
            by=people["peer"],
            visibility=visibility,
            title=title,
            body=opening,
            standard=standard,
        )
        for who, text in replies:
            threads.add_comment(thread, by=people[who], body=text)


def _reflect(review: Review, people: dict, *, every: bool) -> None:
    rows = list(
        Reflection.objects.filter(review=review)
        .select_related("standard")
        .order_by("standard__order")
    )
    own = dict(review.responses.values_list("standard_id", "rating"))
    for index, reflection in enumerate(rows if every else rows[: len(rows) // 2]):
        service_view = own.get(reflection.standard_id) or Rating.PARTLY_MET
        # Now and then the team sees a standard as less fully met than the service does.
        team_view = (
            Rating.PARTLY_MET if index % 5 == 3 and service_view == Rating.MET else service_view
        )
        reflections.save_reflection(
            reflection,
            by=people["peer"] if index % 2 else people["lead"],
            expected_version=reflection.version,
            rating=team_view,
            agreement=(
                Reflection.Agreement.AGREES
                if team_view == service_view
                else Reflection.Agreement.DIFFERS
            ),
            rationale=REFLECTION_WORDS[index % len(REFLECTION_WORDS)],
        )


def _find(review: Review, people: dict, found: list, summary: str, *, safeguarding: bool) -> None:
    standards = list(review.framework_version.standards.order_by("order", "pk")[: len(found)])
    for (kind, title, body), standard in zip(found, standards, strict=False):
        findings.add_finding(
            review,
            by=people["lead"],
            kind=kind,
            title=title,
            body=body,
            standards=[standard],
            domains=[standard.domain],
        )
    findings.save_summary(review, by=people["lead"], expected_version=None, text=summary)
    if not safeguarding:
        return
    note = safeguarding_notes.raise_note(
        review,
        by=people["peer"],
        summary=(
            "A resident mentioned money being taken by someone outside the service. "
            "I told the shift lead straight away."
        ),
        raised_to="The shift lead, in person, on the day",
    )
    safeguarding_notes.update_note(
        note,
        by=people["host"],
        status=SafeguardingNote.Status.PASSED_ON,
        status_note="Our safeguarding lead has followed this up with the resident.",
    )
