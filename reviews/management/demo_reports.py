"""The demo's improvement reports, played through the workflow and the report's write paths.

`seed_demo` calls `play(network, cycle, coordinator)` once the 2027 cycle's teams are chosen.
It brings three more services to a report:

- Riverside Family Centre in its second cycle: a 2026 review published with three actions,
  progress recorded on one and the review closed; then its 2027 review, whose self-assessment
  says how the other two went ("progress since the last review" in the report), published and
  shared with the North West Integrated Care Board;
- Willows Learning Centre: a 2027 review published;
- Harbour Day Centre: a 2027 draft in the accuracy check, with the service lead's comment
  waiting for the lead reviewer's answer.

Each goes through enrolment, the self-assessment, a team from the reviewer pool
(reviews/allocation/ `add_to_team`, accepted by each reviewer), the peer review
(demo_peer_review.py), agreed actions (reviews/report/actions.py), the draft and its accuracy
check (reviews/report/accuracy.py) and publication (reviews/workflow.py). Nothing here writes
a model directly. The reports' PDFs are queued when the demo's transaction commits and drawn by
`make run`'s task worker.
"""

from dataclasses import dataclass, field
from datetime import date

from assurance.models import CommissioningBody, Membership, Network, Service, User
from reviews import self_assessment, workflow
from reviews.allocation import add_to_team, respond
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.management import demo_peer_review
from reviews.management.demo_self_assessment import self_assess
from reviews.models import (
    Action,
    Cycle,
    Finding,
    ReportShare,
    Review,
    ReviewerProfile,
    ReviewerRole,
)
from reviews.report import accuracy, actions, issuing, sharing
from standards.models import FrameworkVersion

Kind = Finding.Kind
Status = Review.Status
PREVIOUS_CYCLE = "2026"
PREVIOUS_CYCLE_OPENS = date(2026, 1, 5)
FRAMEWORK = "developmental-relational-framework"
TEAM_ROLES = (ReviewerRole.LEAD, ReviewerRole.PEER, ReviewerRole.EXPERT)


@dataclass(frozen=True)
class Plan:
    """How one review is played to its report."""

    service: str
    found: list[tuple[str, str, str]]
    summary: str
    # (title, detail, who leads it, due, the kind of finding it answers)
    actions: list[tuple[str, str, str, date, str]]
    comment: tuple[str, str]  # the host's accuracy comment on the area for development
    answer: tuple[str, str] | None = None  # the lead reviewer's answer, and its reason
    # Progress in this review on the last review's actions: title -> (status, note)
    progress: dict[str, tuple[str, str]] = field(default_factory=dict)
    share_with: str = ""


RIVERSIDE_2026 = Plan(
    service="Riverside Family Centre",
    found=[
        (
            Kind.STRENGTH,
            "Parents shape the programme",
            "Parents plan the term's groups with staff.",
        ),
        (
            Kind.DEVELOPMENT,
            "A first visit that feels safe",
            "Some families found the first visit daunting; a named person could meet them.",
        ),
        (
            Kind.EVEN_BETTER_IF,
            "Trauma-informed practice for every role",
            "Reception and kitchen staff asked to join the trauma-informed training.",
        ),
        (
            Kind.LEARNING,
            "A leaflet written with parents",
            "Parents rewrote the welcome leaflet in their own words; others may try the same.",
        ),
    ],
    summary=(
        "A warm centre where parents are partners. The team saw strong relationships between "
        "staff and families, and agreed with the centre that the first contact is where "
        "families most need a steady, familiar face."
    ),
    actions=[
        (
            "Rewrite the welcome leaflet with parents",
            "Ask parents who joined this year to help.",
            "Family support lead",
            date(2026, 5, 29),
            Kind.LEARNING,
        ),
        (
            "Offer every new family a named person for the first visit",
            "",
            "Centre manager",
            date(2026, 9, 30),
            Kind.DEVELOPMENT,
        ),
        (
            "Open the trauma-informed training to every role",
            "Reception, kitchen and cleaning staff included.",
            "Training lead",
            date(2026, 12, 18),
            Kind.EVEN_BETTER_IF,
        ),
    ],
    comment=("context", "The first-visit concern came from one week when we were short-staffed."),
    answer=("partly", "We have said so, and kept the finding: two families raised it."),
)
RIVERSIDE_2026_DONE = (
    "Rewrite the welcome leaflet with parents",
    "The new leaflet was written with five parents and went out in May.",
)

PLANS_2027 = [
    Plan(
        service="Riverside Family Centre",
        found=[
            (
                Kind.STRENGTH,
                "Every family has a named person",
                "Families told us they knew who would meet them, and that it helped.",
            ),
            (
                Kind.DEVELOPMENT,
                "Fathers and male carers",
                "Fathers rarely come to the groups; ask them what would help.",
            ),
            (
                Kind.EVEN_BETTER_IF,
                "Feedback that closes the loop",
                "Parents give feedback each term; tell them what changed because of it.",
            ),
            (
                Kind.LEARNING,
                "Named people for first visits",
                "A named person for each new family made first visits calmer.",
            ),
        ],
        summary=(
            "The centre has built on last year's review: every new family now has a named "
            "person, and the training reaches every role. The team and the centre agree that "
            "the next step is to reach fathers and male carers."
        ),
        actions=[
            (
                "Hold a group at a time fathers can come",
                "Ask fathers which evening or weekend time suits them.",
                "Family support lead",
                date(2027, 9, 30),
                Kind.DEVELOPMENT,
            ),
            (
                "Put up a “you said, we did” board each term",
                "",
                "Centre manager",
                date(2027, 7, 16),
                Kind.EVEN_BETTER_IF,
            ),
        ],
        comment=("update", "Since the visit we have started a Saturday group; four fathers came."),
        answer=("accepted", ""),
        progress={
            "Offer every new family a named person for the first visit": (
                Action.Status.DONE,
                "Every family who joined since October was met by a named person.",
            ),
            "Open the trauma-informed training to every role": (
                Action.Status.IN_PROGRESS,
                "Two-thirds of staff in every role have now been trained; the rest in spring.",
            ),
        },
        share_with="North West Integrated Care Board",
    ),
    Plan(
        service="Willows Learning Centre",
        found=[
            (
                Kind.STRENGTH,
                "Students are known and noticed",
                "Staff know every student well and notice small changes.",
            ),
            (
                Kind.DEVELOPMENT,
                "Endings when students leave",
                "Students leave without a planned goodbye; plan endings with them.",
            ),
            (
                Kind.EVEN_BETTER_IF,
                "Students in staff interviews",
                "Students could sit on interview panels for new staff.",
            ),
            (
                Kind.LEARNING,
                "A calm room students designed",
                "Students designed the calm room; it is used well and looked after.",
            ),
        ],
        summary=(
            "A school where young people who have been let down before are known and noticed. "
            "The team and the school agree that endings need as much care as beginnings."
        ),
        actions=[
            (
                "Plan every leaving with the student",
                "A goodbye the student chooses, and a letter to take with them.",
                "Head of centre",
                date(2027, 12, 17),
                Kind.DEVELOPMENT,
            ),
        ],
        comment=("factual", "Students already sit on panels for teaching assistants."),
        answer=("partly", "We have added this; the suggestion is about every role."),
    ),
    Plan(
        service="Harbour Day Centre",
        found=[
            (
                Kind.STRENGTH,
                "A day shaped by the people who come",
                "People choose the day's activities at the morning meeting.",
            ),
            (
                Kind.DEVELOPMENT,
                "Support between days",
                "People said the days without the service are the hardest.",
            ),
            (
                Kind.LEARNING,
                "Peer mentors at the door",
                "People who have used the service for a year greet new people at the door.",
            ),
        ],
        summary=(
            "A day service where people feel they belong. The team heard that the hardest "
            "times are the days in between, and suggests working on them together."
        ),
        actions=[
            (
                "Try a weekly phone call on the days between",
                "",
                "Service manager",
                date(2027, 11, 26),
                Kind.DEVELOPMENT,
            ),
        ],
        comment=("context", "We already text everyone on Fridays; could the report say so?"),
    ),
]


def play(network: Network, current: Cycle, coordinator: User) -> None:
    """The 2026 cycle and the 2027 reports; what exists already is left as it is."""
    version = FrameworkVersion.objects.filter(framework__slug=FRAMEWORK).order_by("-pk").first()
    services = {s.name: s for s in Service.objects.filter(network=network)}
    if not Cycle.objects.filter(network=network, name=PREVIOUS_CYCLE).exists():
        previous = open_cycle(
            network=network,
            name=PREVIOUS_CYCLE,
            versions=[version],
            **default_dates(network, PREVIOUS_CYCLE_OPENS),
        )
        review = enrol(previous, services[RIVERSIDE_2026.service], version, by=coordinator)
        self_assess(review, "submitted", coordinator)
        _to_report(review, RIVERSIDE_2026, coordinator)
        _follow_up(review)
    for plan in PLANS_2027:
        service = services[plan.service]
        if Review.objects.filter(cycle=current, service=service).exists():
            continue
        review = enrol(current, service, version, by=coordinator)
        self_assess(review, "answered", coordinator)
        host = _service_lead(service)
        for action in Action.objects.filter(review_id=review.previous_id, status__in=Action.OPEN):
            status, note = plan.progress[action.title]
            self_assessment.record_action_progress(
                action, review, by=host, note=note, status=status
            )
        workflow.transition(review, Status.SUBMITTED, by=host)
        _to_report(review, plan, coordinator)


def _service_lead(service: Service) -> User:
    return (
        Membership.objects.active()
        .filter(service=service, role=Membership.Role.SERVICE_LEAD)
        .select_related("user")
        .first()
        .user
    )


def _team(review: Review, coordinator: User) -> None:
    """For each place, the first reviewer in the pool the rules allow; each accepts."""
    pool = list(ReviewerProfile.objects.filter(active=True).select_related("user").order_by("pk"))
    for role in TEAM_ROLES:
        for profile in pool:
            if role not in profile.roles:
                continue
            assignment, _check = add_to_team(review, profile, role, by=coordinator)
            if assignment is not None:
                respond(assignment, by=profile.user, accept=True)
                break
        else:
            raise RuntimeError(f"No reviewer in the demo pool can be {role} for {review}.")


def _to_report(review: Review, plan: Plan, coordinator: User) -> None:
    """From submitted to published (or to the accuracy check, when the plan has no answer)."""
    _team(review, coordinator)
    workflow.transition(review, Status.PEER_REVIEW, by=coordinator)
    people = demo_peer_review.play(
        review, "drafting", found=plan.found, summary=plan.summary, safeguarding=False
    )
    lead, host = people["lead"], people["host"]
    found = {f.kind: f for f in review.findings.prefetch_related("standards")}
    for title, detail, owner, due, kind in plan.actions:
        actions.add_action(
            review,
            by=lead,
            title=title,
            detail=detail,
            owner_role=owner,
            due_on=due,
            findings=[found[kind]],
            standards=list(found[kind].standards.all()),
        )
    workflow.transition(review, Status.ACCURACY_CHECK, by=lead)
    draft = issuing.latest_draft(review)
    kind, body = plan.comment
    comment = accuracy.add_accuracy_comment(
        draft, by=host, anchor=f"finding:{found[Kind.DEVELOPMENT].pk}", kind=kind, body=body
    )
    if plan.answer is None:
        return  # the lead reviewer has yet to answer: the review stays in the accuracy check
    answer, reason = plan.answer
    accuracy.answer_accuracy_comment(comment, by=lead, answer=answer, reason=reason)
    accuracy.agree_draft(draft, by=host, note="Thank you: this is a fair account of our work.")
    workflow.transition(review, Status.PUBLISHED, by=coordinator)
    if plan.share_with:
        body = CommissioningBody.objects.get(network=review.cycle.network, name=plan.share_with)
        sharing.share_report(review, body, by=host)


def _follow_up(review: Review) -> None:
    """After publication: progress on one action, then the service closes the review."""
    host = _service_lead(review.service)
    title, note = RIVERSIDE_2026_DONE
    action = review.actions.get(title=title)
    actions.record_progress(action, by=host, status=Action.Status.DONE, note=note)
    workflow.transition(review, Status.CLOSED, by=host)


def logins(current: Cycle) -> list[tuple[str, str, str]]:
    """Who to sign in as to see the reports, for the logins table `seed_demo` prints."""
    rows = []
    shared = (
        Review.objects.filter(
            cycle=current,
            pk__in=ReportShare.objects.filter(revoked_at__isnull=True).values("review_id"),
        )
        .select_related("service")
        .prefetch_related("shares__body")
        .first()
    )
    if shared is not None:
        host = _service_lead(shared.service).email
        rows.append(
            (
                "Service lead, second cycle",
                host,
                f"{shared.service}: reports of 2026 and 2027 (progress since the last review), "
                "actions, sharing",
            )
        )
    checking = current.reviews.filter(status=Status.ACCURACY_CHECK).select_related("service")
    for review in checking.order_by("pk"):
        lead = review.assignments.get(role=ReviewerRole.LEAD, status="accepted").reviewer.user
        rows += [
            ("Lead reviewer", lead.email, f"answer {review.service}'s accuracy comment"),
            (
                "Host service lead",
                _service_lead(review.service).email,
                f"{review.service}: the draft report in the accuracy check",
            ),
        ]
    if shared is not None:
        for share in shared.shares.all():
            readers = share.body.members.filter(ended_at__isnull=True).select_related("user")
            rows += [
                ("Commissioner", m.user.email, f"{share.body}: {shared.service}'s shared report")
                for m in readers.order_by("pk")
            ]
    return rows
