"""Create the demo network through the same functions the pages use.

Everything goes through assurance/roles.py, the review workflow and the write paths of each
stage, so the demo can never hold a state the product could not reach. The stages are played
by reviews/management/: demo_self_assessment.py, demo_peer_review.py and demo_reports.py (the
2026 cycle, published reports, the accuracy check, actions and a share). Safe to run again:
what exists is left as it is. Prints the demo logins at the end, which is what `make run` shows.
"""

from datetime import date
from functools import cache
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils.text import slugify

from assurance import roles
from assurance.models import (
    CommissioningBody,
    Membership,
    Network,
    Organisation,
    Region,
    Service,
    User,
)
from reviews import allocation, workflow
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.management import demo_peer_review, demo_reports
from reviews.management.demo_self_assessment import self_assess
from reviews.models import (
    Assignment,
    Conflict,
    Cycle,
    Proposal,
    Review,
    ReviewerProfile,
    ReviewerRole,
)
from standards.models import FrameworkVersion
from standards.yaml_format import import_framework

NETWORK_NAME = "Relational Assurance Collaborative"
DEMO_PASSWORD = "relational-demo-2027"  # noqa: S105 - published demo login, local data only
# The demo coordinator's and commissioners' authenticator app key (their roles need two-factor
# authentication): `manage.py demo_code EMAIL` prints the current code.
DEMO_TOTP_SECRET = "RELATIONALASSURANCEDEMOSECRETKEY"  # noqa: S105 - published, demo only
# Where the demo's background work waits for `make run`'s task worker (`manage.py db_worker`).
QUEUE = "django_tasks_db.DatabaseBackend"

Kind = Organisation.Kind
Setting = Service.SettingType

ORGANISATIONS = [
    ("Northgate Health NHS Foundation Trust", Kind.NHS_TRUST, Region.NORTH_WEST),
    ("Harbour Lights Housing Trust", Kind.CHARITY, Region.SOUTH_WEST),
    ("HM Prison and Probation Service – North East", Kind.HMPPS, Region.NORTH_EAST),
    ("Riverside Borough Council", Kind.LOCAL_AUTHORITY, Region.LONDON),
    ("Kestrel Homes Association", Kind.HOUSING, Region.WEST_MIDLANDS),
    ("The Willows Therapeutic Trust", Kind.CHARITY, Region.SOUTH_EAST),
]

# (service name, organisation index, setting type, region, population, places)
SERVICES = [
    ("Larch Ward", 0, Setting.WARD, Region.NORTH_WEST, "Adults in acute mental health care", 18),
    (
        "Millbrook Day Service",
        0,
        Setting.DAY_SERVICE,
        Region.NORTH_WEST,
        "Adults with complex emotional needs",
        40,
    ),
    ("Quayside Hostel", 1, Setting.HOSTEL, Region.SOUTH_WEST, "Adults without a home", 32),
    ("Anchor House", 1, Setting.HOSTEL, Region.SOUTH_WEST, "Young adults aged 18 to 25", 14),
    ("Holme Wing PIPE", 2, Setting.PIPE, Region.NORTH_EAST, "Men serving long sentences", 60),
    (
        "Fellside Approved Premises",
        2,
        Setting.APPROVED_PREMISES,
        Region.NORTH_EAST,
        "Men on licence",
        24,
    ),
    (
        "Tyne Bridge Wing",
        2,
        Setting.PRISON_WING,
        Region.NORTH_EAST,
        "Men in a resettlement prison",
        90,
    ),
    (
        "Rowan Children's Home",
        3,
        Setting.CHILDRENS_HOME,
        Region.LONDON,
        "Young people aged 12 to 17",
        6,
    ),
    (
        "Riverside Family Centre",
        3,
        Setting.DAY_SERVICE,
        Region.LONDON,
        "Families with young children",
        30,
    ),
    (
        "Kestrel Court",
        4,
        Setting.HOSTEL,
        Region.WEST_MIDLANDS,
        "Adults moving on from homelessness",
        20,
    ),
    (
        "The Willows Community",
        5,
        Setting.THERAPEUTIC_COMMUNITY,
        Region.SOUTH_EAST,
        "Adults with complex trauma",
        24,
    ),
    (
        "Willows Learning Centre",
        5,
        Setting.SCHOOL,
        Region.SOUTH_EAST,
        "Young people excluded from school",
        35,
    ),
    (
        "Harbour Day Centre",
        1,
        Setting.DAY_SERVICE,
        Region.SOUTH_WEST,
        "Adults in recovery from drug and alcohol use",
        25,
    ),
]

# Names for the three demo people of each service, in order; plain names that say nothing about
# anyone's role (lived-experience status is never shown without consent).
FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Elin",
    "Farid",
    "Grace",
    "Hamish",
    "Ifeoma",
    "Jack",
    "Kasia",
    "Luca",
    "Maya",
    "Niall",
    "Olu",
    "Priya",
    "Quinn",
    "Rhys",
    "Sana",
    "Tom",
    "Una",
    "Vikram",
    "Wren",
    "Yusuf",
    "Zara",
    "Aled",
    "Bea",
    "Cal",
    "Dina",
    "Evan",
    "Freya",
    "Gus",
    "Hana",
    "Ivo",
    "Jess",
    "Kofi",
    "Ines",
    "Jonah",
    "Kit",
]
SURNAMES = [
    "Okafor",
    "Hughes",
    "Patel",
    "Murray",
    "Jones",
    "Begum",
    "Walsh",
    "Campbell",
    "Nowak",
    "Ahmed",
    "Price",
    "Evans",
    "Shah",
]

BODIES = [
    ("North West Integrated Care Board", CommissioningBody.Kind.ICB, Region.NORTH_WEST),
    ("Probation Commissioning – North East", CommissioningBody.Kind.PROBATION, Region.NORTH_EAST),
]


CYCLE_NAME = "2027"
CYCLE_OPENS = date(2027, 1, 4)
FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
FRAMEWORK_FILES = {
    "relational-environment-standards": "relational-environment-standards.yaml",
    "developmental-relational-framework": "developmental-relational-framework.yaml",
}
# (service, framework, how far its self-assessment has got)
ENROLMENTS = [
    ("Larch Ward", "relational-environment-standards", "part_done"),
    ("Quayside Hostel", "relational-environment-standards", "submitted"),
    ("Holme Wing PIPE", "relational-environment-standards", "returned"),
    ("The Willows Community", "developmental-relational-framework", "submitted"),
    ("Anchor House", "relational-environment-standards", "part_done"),
    ("Rowan Children's Home", "developmental-relational-framework", "untouched"),
    ("Fellside Approved Premises", "relational-environment-standards", "untouched"),
    ("Kestrel Court", "relational-environment-standards", "untouched"),
    ("Tyne Bridge Wing", "developmental-relational-framework", "submitted"),
]
# How far the peer review of each fully accepted team has got (in order of the reviews).
PEER_REVIEW_STAGES = ["drafting", "peer_review"]
# The reviewer pool: from each of these services, its lead (lead and peer reviewer), its staff
# contributor (peer reviewer) and its contributor with lived experience (expert by experience).
# None of them has a review waiting for a team in 2027, so no pair reviews each other.
REVIEWER_SERVICES = [
    "Larch Ward",
    "Millbrook Day Service",
    "Holme Wing PIPE",
    "Rowan Children's Home",
    "Kestrel Court",
]
REVIEWER_ROLES = {
    Membership.Role.SERVICE_LEAD: [ReviewerRole.LEAD, ReviewerRole.PEER],
    Membership.Role.STAFF: [ReviewerRole.PEER],
    Membership.Role.LIVED_EXPERIENCE: [ReviewerRole.EXPERT],
}
REVIEWERS_TRAINED_ON = date(2025, 11, 12)
# (who declares, of which service, against a service or an organisation, kind, blocking, note)
DEMO_CONFLICTS = [
    (
        "voice.kestrel-court",
        "Quayside Hostel",
        None,
        Conflict.Kind.SERVICE_USE,
        True,
        "I stayed at Quayside for a few months in 2021.",
    ),
    (
        "lead.larch-ward",
        None,
        "The Willows Therapeutic Trust",
        Conflict.Kind.EMPLOYMENT,
        True,
        "My partner works for the Willows trust.",
    ),
    (
        "lead.holme-wing-pipe",
        "Quayside Hostel",
        None,
        Conflict.Kind.COLLABORATION,
        False,
        "We run a joint training day with Quayside each spring.",
    ),
]
DEMO_DECLINE = "I am on leave for most of the visit window. Sorry, next time."


@cache
def _demo_password_hash() -> str:
    # Hashing is deliberately slow; every demo person shares one password, so hash it once.
    return make_password(DEMO_PASSWORD)


def demo_person(email: str, name: str) -> User:
    """A person who can sign in with the demo password and a verified address."""
    user, created = User.objects.get_or_create(email=email, defaults={"name": name})
    if created:
        user.password = _demo_password_hash()
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def demo_two_factor(user: User) -> None:
    """Give a demo person an authenticator app with the published demo key, and recovery codes."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)


class Command(BaseCommand):
    help = "Create (or complete) the demo network and print the demo logins."

    def handle(self, *args, **options) -> None:
        # The demo's invitations and notifications are not sent anywhere: the emails the
        # workflow writes go to an in-memory outbox, and the logins table is the last output.
        # The reports' PDFs go to the database queue whatever the configured task backend, so
        # seeding never waits on WeasyPrint: `make run`'s worker draws them once it starts.
        queued = {**settings.TASKS, "default": {**settings.TASKS["default"], "BACKEND": QUEUE}}
        with (
            override_settings(
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", TASKS=queued
            ),
            transaction.atomic(),
        ):
            self.build()

    def build(self) -> None:
        network = Network.objects.filter(name=NETWORK_NAME).first() or roles.create_network(
            name=NETWORK_NAME,
            ethos=(
                "Member services review each other as critical friends: we visit, listen to "
                "staff and to the people who use each service, and agree how to improve."
            ),
        )
        coordinator = demo_person("coordinator@demo.example", "Cora Coordinator")
        roles.appoint_coordinator(coordinator, network)
        demo_two_factor(coordinator)

        organisations = [
            Organisation.objects.get_or_create(
                name=name, defaults={"kind": kind, "region": region}
            )[0]
            for name, kind, region in ORGANISATIONS
        ]
        services = [self.service(network, organisations, *row) for row in SERVICES]
        for index, service in enumerate(services):
            self.team(service, index)

        for index, (name, kind, region) in enumerate(BODIES, start=1):
            body = CommissioningBody.objects.filter(network=network, name=name).first()
            if body is None:
                body = roles.create_commissioning_body(
                    network=network, name=name, kind=kind, region=region
                )
            reader = demo_person(f"commissioner{index}@demo.example", f"Commissioner {index}")
            roles.join_commissioning_body(reader, body)
            demo_two_factor(reader)

        self.current_cycle(network, services, coordinator)
        cycle = Cycle.objects.get(network=network, name=CYCLE_NAME)
        self.reviewer_pool(services, coordinator)
        self.allocate(cycle, coordinator)
        self.peer_reviews(cycle, coordinator)
        demo_reports.play(network, cycle, coordinator)

        first = slugify(services[0].name)
        self.print_logins(
            [
                (
                    "Network coordinator",
                    "coordinator@demo.example",
                    "services, people, frameworks; Cycles > 2027 > Network learning report",
                ),
                ("Service lead", f"lead.{first}@demo.example", "Larch Ward and its team"),
                ("Staff contributor", f"staff.{first}@demo.example", "Larch Ward"),
                ("Lived experience", f"voice.{first}@demo.example", "Larch Ward"),
                *demo_reports.logins(cycle),
                ("Commissioner", "commissioner2@demo.example", BODIES[1][0]),
                *self.reviewer_logins(cycle),
            ],
            len(services),
        )

    def current_cycle(self, network, services: list[Service], coordinator) -> None:
        """The 2027 cycle, with services at different points of their self-assessment."""
        versions = {
            slug: FrameworkVersion.objects.filter(framework__slug=slug).order_by("-pk").first()
            for slug in FRAMEWORK_FILES
        }
        for slug, version in versions.items():
            if version is None:
                path = FIXTURES / FRAMEWORK_FILES[slug]
                versions[slug] = import_framework(path.read_bytes(), source=path.name).version
        cycle = Cycle.objects.filter(network=network, name=CYCLE_NAME).first()
        if cycle is not None:
            return  # already seeded: the demo reviews have moved on through the workflow
        cycle = open_cycle(
            network=network,
            name=CYCLE_NAME,
            versions=list(versions.values()),
            **default_dates(network, CYCLE_OPENS),
        )
        by_name = {service.name: service for service in services}
        for name, slug, stage in ENROLMENTS:
            service = by_name[name]
            review = enrol(cycle, service, versions[slug], by=coordinator)
            self_assess(review, stage, coordinator)

    def reviewer_pool(self, services: list[Service], coordinator) -> None:
        """Reviewer profiles for three people of each of REVIEWER_SERVICES, and a few declared
        conflicts. People already in the pool are left as they are."""
        by_name = {service.name: service for service in services}
        for name in REVIEWER_SERVICES:
            service = by_name[name]
            for membership in service.memberships.active().select_related("user"):
                ReviewerProfile.objects.get_or_create(
                    user=membership.user,
                    defaults={
                        "home_service": service,
                        "roles": REVIEWER_ROLES[membership.role],
                        "trained_on": REVIEWERS_TRAINED_ON,
                        "capacity": 2,
                        "regions": [service.region],
                        "setting_types": [service.setting_type],
                    },
                )
        for who, service_name, organisation_name, kind, blocking, note in DEMO_CONFLICTS:
            profile = ReviewerProfile.objects.get(user__email=f"{who}@demo.example")
            target = (
                {"service": by_name[service_name]}
                if service_name
                else {"organisation": Organisation.objects.get(name=organisation_name)}
            )
            if not Conflict.objects.filter(reviewer=profile, **target).exists():
                Conflict.objects.create(
                    reviewer=profile,
                    kind=kind,
                    blocking=blocking,
                    note=note,
                    declared_by=profile.user,
                    **target,
                )

    def allocate(self, cycle: Cycle, coordinator) -> None:
        """Teams for the cycle's submitted reviews, through reviews/allocation/: proposed,
        confirmed, and answered. The teams of the first reviews accept in full (one for each
        of PEER_REVIEW_STAGES); on the last, a peer declines and the lead has not answered."""
        if Proposal.objects.filter(cycle=cycle).exists():
            return  # already allocated; the demo may have moved on since
        try:
            proposal = allocation.request_proposal(cycle, by=coordinator)
        except allocation.AllocationError:
            return  # no submitted review is waiting for a team any more
        # Run the matcher here rather than wait for a worker, so the demo is complete at once.
        allocation.run_proposal.call(proposal.pk)
        proposal.refresh_from_db()
        created = allocation.confirm(proposal, by=coordinator)
        reviews = sorted({a.review_id for a in created})
        declined = False
        for assignment in sorted(created, key=lambda a: (a.review_id, a.role, a.pk)):
            person = assignment.reviewer.user
            if assignment.review_id in reviews[: len(PEER_REVIEW_STAGES)]:
                allocation.respond(assignment, by=person, accept=True)
            elif assignment.role == ReviewerRole.PEER and not declined:
                allocation.respond(assignment, by=person, accept=False, reason=DEMO_DECLINE)
                declined = True
            elif assignment.role != ReviewerRole.LEAD:
                allocation.respond(assignment, by=person, accept=True)

    def peer_reviews(self, cycle: Cycle, coordinator) -> None:
        """Start the peer review of each review whose team has accepted in full, and play it
        to its stage (reviews/management/demo_peer_review.py)."""
        ready = [
            review
            for review in cycle.reviews.filter(status=Review.Status.SUBMITTED).order_by("pk")
            if not workflow.check(review, workflow.find_move(review.status, "peer_review"))
        ]
        for review, stage in zip(ready, PEER_REVIEW_STAGES, strict=False):
            workflow.transition(review, Review.Status.PEER_REVIEW, by=coordinator)
            demo_peer_review.play(review, stage)

    def reviewer_logins(self, cycle: Cycle) -> list[tuple[str, str, str]]:
        """A lead reviewer with an invitation waiting, and the people of each peer review."""
        logins = []
        waiting = (
            Assignment.objects.filter(
                review__cycle=cycle, role=ReviewerRole.LEAD, status=Assignment.Status.INVITED
            )
            .select_related("reviewer__user", "review__service")
            .order_by("pk")
            .first()
        )
        if waiting:
            logins.append(
                (
                    "Lead reviewer",
                    waiting.reviewer.user.email,
                    f"an invitation to review {waiting.review.service} is waiting",
                )
            )
        # For each review under way: its lead reviewer, a peer reviewer and the host's lead.
        under_way = cycle.reviews.filter(
            status__in=[Review.Status.PEER_REVIEW, Review.Status.DRAFTING]
        ).select_related("service")
        for review in under_way.order_by("pk"):
            stage = review.get_status_display().lower()
            accepted = {
                a.role: a.reviewer.user.email
                for a in review.assignments.filter(
                    status=Assignment.Status.ACCEPTED
                ).select_related("reviewer__user")
            }
            host = f"lead.{slugify(review.service.name)}@demo.example"
            logins += [
                ("Lead reviewer", accepted[ReviewerRole.LEAD], f"leads {review.service} ({stage})"),
                (
                    "Peer reviewer",
                    accepted[ReviewerRole.PEER],
                    f"reviews {review.service} ({stage})",
                ),
                ("Host service lead", host, f"{review.service}, being reviewed ({stage})"),
            ]
        return logins

    def service(self, network, organisations, name, org, setting, region, population, places):
        organisation = organisations[org]
        existing = Service.objects.filter(organisation=organisation, name=name).first()
        if existing:
            return existing
        return roles.create_service(
            network=network,
            organisation=organisation,
            name=name,
            setting_type=setting,
            region=region,
            population=population,
            capacity=places,
            description=(
                f"{name} is a {Setting(setting).label.lower()} for {population.lower()}. "
                "We try to make every contact count: people are known by name, decisions are "
                "explained, and residents and staff meet every week to talk about how things are."
            ),
        )

    def team(self, service: Service, index: int) -> None:
        slug = slugify(service.name)
        for offset, (prefix, role) in enumerate(
            (
                ("lead", Membership.Role.SERVICE_LEAD),
                ("staff", Membership.Role.STAFF),
                ("voice", Membership.Role.LIVED_EXPERIENCE),
            )
        ):
            name = f"{FIRST_NAMES[index * 3 + offset]} {SURNAMES[index]}"
            person = demo_person(f"{prefix}.{slug}@demo.example", name)
            if not Membership.objects.active().filter(user=person, service=service).exists():
                roles.join_service(person, service, role)

    def print_logins(self, logins: list[tuple[str, str, str]], service_count: int) -> None:
        role_width = max(len(role) for role, _, _ in logins)
        email_width = max(len(email) for _, email, _ in logins)
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"Demo logins (password for all: {DEMO_PASSWORD})")
        )
        for role, email, sees in logins:
            self.stdout.write(f"  {role:<{role_width}}  {email:<{email_width}}  {sees}")
        self.stdout.write(
            f"  Every one of the {service_count} demo services has lead.<service>@, "
            "staff.<service>@ and voice.<service>@demo.example, "
            "e.g. lead.quayside-hostel@demo.example"
        )
        self.stdout.write(
            "  The coordinator and commissioners also need a security code: "
            "python manage.py demo_code EMAIL prints it."
        )
        self.stdout.write("")
