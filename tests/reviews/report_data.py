"""A full review for the report's tests: last cycle's review with its actions, this cycle's
self-assessment with many voices, a team, a visit, reflections, findings, a summary, agreed
actions and an answered accuracy check on a first draft.

Built through the real write paths where they exist (enrolment, the self-assessment, the
team's allocation, the workflow). The peer review's rows (visit, reflections, findings, summary,
actions, draft report) are made with the ORM while their write paths are being written.

The review also holds things the report must never show, each carrying a distinctive word
from `NEVER_SHOWN`: a team-only thread, a shared thread, a safeguarding note, an evidence file,
the name of a reviewer who did not consent to be named, and the name of the person who added
the perspectives.
"""

from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

from django.utils import timezone

from assurance import roles
from assurance.models import Membership, Service, User
from reviews import self_assessment
from reviews.allocation import add_to_team, respond
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.models import (
    AccuracyComment,
    Action,
    AgendaItem,
    Comment,
    Cycle,
    Evidence,
    Finding,
    Perspective,
    Rating,
    Reflection,
    Report,
    Review,
    ReviewerProfile,
    ReviewersSummary,
    SafeguardingNote,
    Thread,
    Visit,
)
from reviews.workflow import transition
from standards.models import FrameworkVersion
from standards.yaml_format import import_framework
from tests.factories import NetworkFactory, OrganisationFactory, ServiceFactory, UserFactory
from tests.reviews.conftest import as_published

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

NEVER_SHOWN = {
    "team_thread": "Zebrafinch",
    "team_comment": "Quokkamumble",
    "shared_thread": "Kingfisherish",
    "shared_comment": "Narwhalnote",
    "safeguarding": "Peregrinealert",
    "safeguarding_to": "Ospreycontact",
    "evidence": "Heronsecret",
    "withheld_reviewer": "Bartholomew Withheld",
    "withheld_expert": "Euphemia Withheld",
    "perspective_author": "Stellaria Author",
    "access_needs": "Wombatramp",
}
CONSENTING_REVIEWER = "Ada Consenting"

RATINGS = (Rating.MET, Rating.PARTLY_MET, Rating.NOT_YET_MET, Rating.MET, Rating.NOT_APPLICABLE)
TEAM_RATINGS = (Rating.MET, Rating.PARTLY_MET, Rating.PARTLY_MET, Rating.NOT_YET_MET, Rating.MET)


@dataclass
class Cast:
    service_lead: User
    staff: User
    coordinator: User
    lead_reviewer: User
    reviewer: User
    expert_reviewer: User


def developmental_relational_framework() -> FrameworkVersion:
    """The 16-standard framework from fixtures/ (the `version` fixture's)."""
    fixture = FIXTURES / "developmental-relational-framework.yaml"
    return import_framework(fixture.read_bytes(), source=fixture.name).version


def relational_environment_standards() -> FrameworkVersion:
    """The 40-standard framework from fixtures/."""
    fixture = FIXTURES / "relational-environment-standards.yaml"
    return import_framework(fixture.read_bytes(), source=fixture.name).version


def synthetic_framework(standards: int, *, domains: int = 10, slug: str = "") -> FrameworkVersion:
    """A framework of `standards` standards spread over `domains` domains, for size tests."""
    slug = slug or f"synthetic-{standards}"
    lines = [
        "framework:",
        f"  slug: {slug}",
        f"  name: Synthetic framework of {standards}",
        '  version: "1"',
        "  description: Made up for tests of size.",
        "domains:",
    ]
    kinds = ("essential", "expected", "desirable")
    for d in range(domains):
        lines += [
            f"  - code: D{d + 1}",
            f"    name: Domain number {d + 1}",
            "    summary: Plain words about this domain.",
            "    standards:",
        ]
        for s in range(d, standards, domains):
            lines += [
                f"      - code: D{d + 1}-S{s + 1}",
                f"        title: Standard number {s + 1} about daily life",
                "        statement: People who live and work here talk openly with each other"
                " and plan the day together, and staff make time for it.",
                f"        type: {kinds[s % 3]}",
            ]
    return import_framework("\n".join(lines), source=f"{slug}.yaml").version


def open_cycles(network, versions: list[FrameworkVersion]) -> tuple[Cycle, Cycle]:
    """Last cycle ("2026") and this one ("2027"), both offering `versions`."""
    previous = open_cycle(
        network=network,
        name="2026",
        versions=versions,
        **default_dates(network, date(2026, 1, 5)),
    )
    current = open_cycle(
        network=network,
        name="2027",
        versions=versions,
        **default_dates(network, date(2027, 1, 4)),
    )
    return previous, current


def name_people(cast: Cast) -> None:
    """Names the report may and may not show; only the lead reviewer agrees to be named."""
    for user, name in (
        (cast.lead_reviewer, CONSENTING_REVIEWER),
        (cast.reviewer, NEVER_SHOWN["withheld_reviewer"]),
        (cast.expert_reviewer, NEVER_SHOWN["withheld_expert"]),
        (cast.staff, NEVER_SHOWN["perspective_author"]),
    ):
        user.name = name
        user.save(update_fields=["name"])
    profile = cast.lead_reviewer.reviewer_profile
    profile.name_in_reports = True
    profile.save(update_fields=["name_in_reports"])


def build_report_review(
    *,
    service: Service,
    version: FrameworkVersion,
    cycles: tuple[Cycle, Cycle],
    cast: Cast,
    findings_per_kind: int = 1,
    actions: int = 2,
    previous_actions: int = 2,
) -> Review:
    """A review in drafting with a first draft issued and its accuracy check answered."""
    previous_cycle, cycle = cycles
    service.description = "A small community for men on licence, run with its residents."
    service.save(update_fields=["description"])
    last = as_published(enrol(previous_cycle, service, version, by=cast.coordinator))
    old_actions = [
        Action.objects.create(
            review=last,
            title=f"Hold a monthly open meeting with families ({n + 1})",
            detail="Invite families and carers and write up what they say.",
            owner_role="Service lead",
            due_on=date(2026, 9, 1) + timedelta(days=n),
            status=Action.Status.IN_PROGRESS if n % 2 == 0 else Action.Status.PLANNED,
        )
        for n in range(previous_actions)
    ]

    review = enrol(cycle, service, version, by=cast.coordinator)
    responses = list(review.responses.select_related("review", "standard").order_by("pk"))
    for index, response in enumerate(responses):
        rating = RATINGS[index % len(RATINGS)]
        self_assessment.save_response(
            response,
            by=cast.staff,
            expected_version=response.version,
            rating=rating,
            narrative="We hold a community meeting each morning.",
            not_applicable_reason="We have no night staff." if rating == "not_applicable" else "",
        )
        for voice, count in (
            (Perspective.Voice.PEOPLE_USING_SERVICE, 12),
            (Perspective.Voice.STAFF, 8),
            (Perspective.Voice.FAMILIES_CARERS, 3),
        ):
            self_assessment.add_perspective(
                response,
                by=cast.staff,
                voice=voice,
                text=f"People said the morning meeting helps ({response.standard.code}).",
                people_count=count,
                method=Perspective.Method.GROUP,
            )
    self_assessment.add_perspective(
        responses[0],
        by=cast.staff,
        voice=Perspective.Voice.PARTNERS,
        text="The probation officer finds the team easy to reach.",
        people_count=None,
        method=Perspective.Method.ONE_TO_ONE,
    )
    for action in old_actions:
        self_assessment.record_action_progress(
            action,
            review,
            by=cast.service_lead,
            note="Three meetings so far, with nine families taking part.",
            status=Action.Status.DONE if action.status == Action.Status.IN_PROGRESS else "planned",
        )
    Evidence.objects.create(
        review=review,
        kind=Evidence.Kind.FILE,
        title=f"{NEVER_SHOWN['evidence']} minutes",
        original_name=f"{NEVER_SHOWN['evidence']}-minutes.docx",
        uploaded_by=cast.staff,
    )

    transition(review, Review.Status.SUBMITTED, by=cast.service_lead)
    for user, role in (
        (cast.lead_reviewer, "lead"),
        (cast.reviewer, "peer"),
        (cast.expert_reviewer, "expert"),
    ):
        assignment, check = add_to_team(review, user.reviewer_profile, role, by=cast.coordinator)
        assert assignment is not None, check.refusals
        respond(assignment, by=user, accept=True)
    transition(review, Review.Status.PEER_REVIEW, by=cast.coordinator)

    _peer_review(review, cast, findings_per_kind=findings_per_kind)
    transition(review, Review.Status.DRAFTING, by=cast.lead_reviewer)
    _actions_and_draft(review, cast, actions=actions)
    review.refresh_from_db()
    return review


def _peer_review(review: Review, cast: Cast, *, findings_per_kind: int) -> None:
    day = review.cycle.visits_from + timedelta(days=14)
    visit = Visit.objects.create(
        review=review,
        mode=Visit.Mode.IN_PERSON,
        starts_on=day,
        ends_on=day + timedelta(days=1),
        location="Reception, 1 High Street",
        access_needs=f"{NEVER_SHOWN['access_needs']} at the side door.",
        updated_by=cast.lead_reviewer,
    )
    for starts, title, meets in (
        (time(9, 30), "Community meeting", AgendaItem.Meets.COMMUNITY),
        (time(11, 0), "Conversation with residents", AgendaItem.Meets.PEOPLE_WHO_USE),
        (time(14, 0), "Staff group", AgendaItem.Meets.STAFF),
    ):
        AgendaItem.objects.create(visit=visit, day=day, starts_at=starts, title=title, meets=meets)

    reflections = list(Reflection.objects.filter(review=review).order_by("standard__order"))
    own = dict(review.responses.values_list("standard_id", "rating"))
    for index, reflection in enumerate(reflections):
        reflection.rating = TEAM_RATINGS[index % len(TEAM_RATINGS)]
        reflection.agreement = (
            Reflection.Agreement.AGREES
            if own[reflection.standard_id] == reflection.rating
            else Reflection.Agreement.DIFFERS
        )
        reflection.rationale = "We saw this in the community meeting."
        reflection.updated_by = cast.lead_reviewer
    Reflection.objects.bulk_update(reflections, ["rating", "agreement", "rationale", "updated_by"])

    standards = list(review.framework_version.standards.select_related("domain").order_by("pk"))
    team = Thread.objects.create(
        review=review,
        standard=standards[0],
        visibility=Thread.Visibility.TEAM,
        title=f"{NEVER_SHOWN['team_thread']} between us",
        started_by=cast.reviewer,
    )
    Comment.objects.create(
        thread=team, author=cast.reviewer, body=f"{NEVER_SHOWN['team_comment']} thoughts."
    )
    shared = Thread.objects.create(
        review=review,
        standard=standards[1],
        visibility=Thread.Visibility.SHARED,
        title=f"{NEVER_SHOWN['shared_thread']} question",
        started_by=cast.reviewer,
    )
    Comment.objects.create(
        thread=shared, author=cast.service_lead, body=f"{NEVER_SHOWN['shared_comment']} reply."
    )
    SafeguardingNote.objects.create(
        review=review,
        raised_by=cast.reviewer,
        summary=f"{NEVER_SHOWN['safeguarding']}: something we heard.",
        raised_to=NEVER_SHOWN["safeguarding_to"],
    )

    order = 0
    for kind in (
        Finding.Kind.STRENGTH,
        Finding.Kind.EVEN_BETTER_IF,
        Finding.Kind.DEVELOPMENT,
        Finding.Kind.LEARNING,
    ):
        for n in range(findings_per_kind):
            order += 1
            standard = standards[(order * 3) % len(standards)]
            finding = Finding.objects.create(
                review=review,
                kind=kind,
                title=f"{Finding.Kind(kind).label} number {n + 1}",
                body="Residents and staff plan the week together on Mondays.",
                order=order,
                agreed_with_host=True,
                created_by=cast.lead_reviewer,
            )
            finding.standards.set([standard])
            finding.domains.set([standard.domain])
    Finding.objects.create(
        review=review,
        kind=Finding.Kind.STRENGTH,
        title="A warm, open community across the service",
        body="Everyone we met spoke of feeling listened to.",
        order=0,
        created_by=cast.lead_reviewer,
    )
    ReviewersSummary.objects.create(
        review=review,
        text="A community that listens, with clear plans for what comes next.",
        updated_by=cast.lead_reviewer,
    )


def _actions_and_draft(review: Review, cast: Cast, *, actions: int) -> None:
    findings = list(review.findings.exclude(kind=Finding.Kind.STRENGTH).order_by("pk"))
    standards = list(review.framework_version.standards.order_by("pk"))
    made = []
    for n in range(actions):
        action = Action.objects.create(
            review=review,
            title=f"Agree a plan for evening activities ({n + 1})",
            detail="Residents and staff choose activities together each month.",
            owner_role="Deputy manager",
            due_on=date(2027, 10, 1) + timedelta(days=n),
        )
        if findings:
            action.findings.set([findings[n % len(findings)]])
        action.standards.set([standards[(n * 2) % len(standards)]])
        made.append(action)

    draft = Report.objects.create(
        review=review,
        number=1,
        kind=Report.Kind.DRAFT,
        snapshot={},
        issued_by=cast.lead_reviewer,
    )
    answered_at = timezone.now()
    AccuracyComment.objects.create(
        report=draft,
        anchor="section:service_words",
        kind=AccuracyComment.Kind.UPDATE,
        body="We opened a second garden room in May.",
        author=cast.service_lead,
        answer=AccuracyComment.Answer.ACCEPTED,
        answer_reason="Added to the description.",
        answered_by=cast.lead_reviewer,
        answered_at=answered_at,
    )
    if made:
        AccuracyComment.objects.create(
            report=draft,
            anchor=f"action:{made[0].pk}",
            kind=AccuracyComment.Kind.ACTION,
            body="Could the date move to October?",
            author=cast.service_lead,
            answer=AccuracyComment.Answer.PARTLY,
            answer_reason="Moved to the start of October.",
            answered_by=cast.lead_reviewer,
            answered_at=answered_at,
        )


def _reviewer(network, roles_taken: list[str], *, email: str) -> User:
    """A trained reviewer from a service of their own (as tests/reviews/conftest.py makes)."""
    home = ServiceFactory(network=network, organisation=OrganisationFactory())
    return ReviewerProfile.objects.create(
        user=UserFactory(email=email),
        home_service=home,
        roles=roles_taken,
        trained_on=date(2026, 1, 1),
    ).user


def build_world_review(version: FrameworkVersion | None = None) -> Review:
    """The cast of tests/conftest.py and a full review of their service, built without
    pytest's function fixtures: for module-scoped fixtures that render a PDF once."""
    network = NetworkFactory(name="Test Collaborative")
    service = ServiceFactory(
        network=network,
        organisation=OrganisationFactory(name="Riverside Care Trust"),
        name="Willow House",
    )
    hosts = {}
    for role, email in (
        (Membership.Role.SERVICE_LEAD, "lead@example.org"),
        (Membership.Role.STAFF, "staff@example.org"),
    ):
        hosts[role] = UserFactory(email=email)
        roles.join_service(hosts[role], service, role)
    coordinator = UserFactory(email="coordinator@example.org")
    roles.appoint_coordinator(coordinator, network)
    cast = Cast(
        service_lead=hosts[Membership.Role.SERVICE_LEAD],
        staff=hosts[Membership.Role.STAFF],
        coordinator=coordinator,
        lead_reviewer=_reviewer(network, ["lead", "peer"], email="lead.reviewer@example.org"),
        reviewer=_reviewer(network, ["peer"], email="reviewer@example.org"),
        expert_reviewer=_reviewer(network, ["expert"], email="expert.reviewer@example.org"),
    )
    name_people(cast)
    version = version or developmental_relational_framework()
    return build_report_review(
        service=service,
        version=version,
        cycles=open_cycles(network, [version]),
        cast=cast,
        findings_per_kind=2,
        actions=3,
    )
