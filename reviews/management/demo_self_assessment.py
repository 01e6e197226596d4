"""The demo's self-assessments, played through the self-assessment's write paths
(reviews/self_assessment.py, reviews/evidence.py) and the workflow.

`seed_demo` and reviews/management/demo_reports.py call `self_assess(review, stage, ...)` to
bring a review to a stage the way its team would: `untouched`, `part_done` (a third answered),
`answered` (every standard answered, not yet submitted), `submitted`, or `returned` (submitted
and sent back by the coordinator with a note).
"""

from django.core.files.base import ContentFile

from assurance.models import Membership
from reviews import self_assessment, workflow
from reviews.evidence import add_evidence
from reviews.models import Evidence, Perspective, Review

DEMO_MINUTES = """Community meeting, 14 October

Present: residents and staff on shift (numbers only; no names are recorded here).
1. New arrivals: two people joined this month and were welcomed at the meeting.
2. House rules: the group agreed to try quiet hours from 10pm for a month.
3. Feedback: people asked for meeting notes in plainer words. Agreed.
"""
DEMO_RATINGS = ["met", "partly_met", "met", "not_yet_met", "partly_met", "met"]
DEMO_NARRATIVES = [
    "Every new person is welcomed by a named keyworker, and the community meeting says hello.",
    "We talk this through in the weekly community meeting; decisions go up on the board.",
    "Staff and residents agreed the house rules together last spring and review them each quarter.",
    "Reflective practice happens fortnightly; agency staff are invited but rarely able to come.",
    "People help plan their own reviews, and we ask them how the last one felt.",
]
DEMO_IDEAS = [
    "Invite people who left recently to tell us what would have helped in their first week.",
    "Make sure night staff take part in reflective practice at least once a month.",
    "Write the meeting notes in plainer words, and ask residents to check them.",
]
DEMO_VOICES = [
    "People said they know who to go to when things go wrong, most of the time.",
    "Several people said the community meeting is where they feel heard.",
    "People said rules feel fairer now that they helped write them.",
]


def self_assess(review: Review, stage: str, coordinator) -> None:
    """Bring a review to `stage` the way its team would: answers, voices, then the workflow."""
    if stage == "untouched":
        return
    members = {m.role: m.user for m in review.service.memberships.active()}
    lead = members[Membership.Role.SERVICE_LEAD]
    staff = members[Membership.Role.STAFF]
    voice = members[Membership.Role.LIVED_EXPERIENCE]
    responses = list(review.responses.select_related("standard").order_by("standard__order"))
    answer_count = len(responses) // 3 if stage == "part_done" else len(responses)
    for index, response in enumerate(responses[:answer_count]):
        rating = DEMO_RATINGS[index % len(DEMO_RATINGS)]
        self_assessment.save_response(
            response,
            by=staff if index % 2 else lead,
            expected_version=response.version,
            rating=rating,
            narrative=DEMO_NARRATIVES[index % len(DEMO_NARRATIVES)],
            development_ideas=DEMO_IDEAS[index % len(DEMO_IDEAS)],
            not_applicable_reason=(
                "We have no family contact on this unit at present."
                if rating == "not_applicable"
                else ""
            ),
        )
        if index % 3 == 0:
            self_assessment.add_perspective(
                response,
                by=voice,
                voice=Perspective.Voice.PEOPLE_USING_SERVICE,
                text=DEMO_VOICES[index % len(DEMO_VOICES)],
                people_count=6 + index % 5,
                method=Perspective.Method.GROUP,
                co_produced=True,
            )
        if index % 4 == 1:
            self_assessment.add_perspective(
                response,
                by=staff,
                voice=Perspective.Voice.STAFF,
                text="Staff said this is part of everyday work, though busy shifts test it.",
                people_count=9,
                method=Perspective.Method.SURVEY,
                co_produced=False,
            )
        if index % 7 == 2:
            self_assessment.add_perspective(
                response,
                by=lead,
                voice=Perspective.Voice.FAMILIES_CARERS,
                text=(
                    "Two families told us they feel welcome but would like more notice of meetings."
                ),
                people_count=2,
                method=Perspective.Method.ONE_TO_ONE,
                co_produced=False,
            )
    _evidence(review, responses[:answer_count], lead, staff)
    if stage in {"submitted", "returned"}:
        workflow.transition(review, Review.Status.SUBMITTED, by=lead)
    if stage == "returned":
        workflow.transition(
            review,
            Review.Status.SELF_ASSESSMENT,
            by=coordinator,
            note=(
                "Thank you. Before we allocate reviewers, could you add what the people who "
                "use the service said about the Safety standards? Only staff views are there."
            ),
        )


def _evidence(review: Review, answered: list, lead, staff) -> None:
    """A file, a link and a note, each supporting a few of the answered standards."""
    add_evidence(
        review,
        by=staff,
        kind=Evidence.Kind.FILE,
        title="Community meeting minutes, October",
        responses=answered[:3],
        attested=True,
        upload=ContentFile(DEMO_MINUTES.encode(), name="community-meeting-minutes.txt"),
    )
    add_evidence(
        review,
        by=lead,
        kind=Evidence.Kind.LINK,
        title="Our welcome leaflet, written with residents",
        responses=answered[:1],
        attested=True,
        url="https://example.org/welcome-leaflet",
    )
    add_evidence(
        review,
        by=lead,
        kind=Evidence.Kind.NOTE,
        title="Reflective practice attendance",
        responses=answered[3:5] or answered[:1],
        attested=True,
        note="Reflective practice ran 22 times this year; on average 7 staff came.",
    )
