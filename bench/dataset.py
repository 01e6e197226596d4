"""The benchmark's national-scale dataset: one generator, any size (DESIGN section 16).

`build(scale, out=...)` fills the current default database (migrated, frameworks imported)
with networks, organisations, services, people in every role, three cycles of reviews with
their responses, perspectives, review teams, threads, findings, reports and actions, and the
guardian rows that give each person exactly the access the product would give them.

Everything is written with `bulk_create` in batches, so the generator bypasses the product's
write paths for speed. What it writes must still be a state the product can reach, and the
permission rows must be the ones the product's grant code writes; those are:

- assurance/permissions.py `setup_*_permissions` (network, service, body: group object
  permissions) and assurance/roles.py (role rows put people into groups);
- reviews/permissions.py `setup_review_permissions`, reviews/allocation/teams.py (an accepted
  place puts the reviewer in the review's team group, a lead also in its lead group);
- reviews/report/issuing.py `readers` and reviews/report/sharing.py (`view_report`).

tests/bench/test_dataset.py rebuilds the same rows through those functions and compares. No
history rows are generated. Random choices are seeded, so a scale always builds the same data
(dates follow today's date).
"""

import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import TextIO

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from guardian.models import GroupObjectPermission

from assurance import permissions
from assurance.models import (
    CommissionerMembership,
    CommissioningBody,
    Coordinator,
    Membership,
    Network,
    Organisation,
    Region,
    Service,
    ServiceGroupObjectPermission,
    User,
)
from reviews.cycles import default_dates
from reviews.models import (
    Action,
    Assignment,
    Comment,
    Cycle,
    Finding,
    Perspective,
    Rating,
    Reflection,
    Report,
    ReportGroupObjectPermission,
    ReportShare,
    Response,
    Review,
    ReviewerProfile,
    ReviewerRole,
    ReviewEvent,
    ReviewGroupObjectPermission,
    Thread,
    Visit,
)
from standards.models import Domain, FrameworkVersion, Standard

BATCH = 2000
# Every generated person signs in with this password (the load test signs in through the form).
BENCH_PASSWORD = "bench-national-2027"  # noqa: S105 - benchmark data in a scratch database
EMAIL_DOMAIN = "bench.example"
Status = Review.Status

# Where each review of the latest cycle stands, as shares of the cycle.
LATEST_SPREAD = [
    (Status.SELF_ASSESSMENT, 0.30),
    (Status.SUBMITTED, 0.15),
    (Status.PEER_REVIEW, 0.15),
    (Status.DRAFTING, 0.12),
    (Status.ACCURACY_CHECK, 0.10),
    (Status.PUBLISHED, 0.15),
    (Status.WITHDRAWN, 0.03),
]
# The path a review takes; a withdrawal leaves it from the self-assessment.
PATH = [
    Status.SELF_ASSESSMENT,
    Status.SUBMITTED,
    Status.PEER_REVIEW,
    Status.DRAFTING,
    Status.ACCURACY_CHECK,
    Status.PUBLISHED,
    Status.CLOSED,
]
TEAM_STAGES = PATH[2:]  # the review team has accepted from the start of the peer review on
WRITING_STAGES = PATH[3:]  # reflections and findings exist from drafting on
RATING_WEIGHTS = [
    (Rating.MET, 45),
    (Rating.PARTLY_MET, 33),
    (Rating.NOT_YET_MET, 16),
    (Rating.NOT_APPLICABLE, 6),
]

PLACES = [
    "Larch",
    "Alder",
    "Rowan",
    "Willow",
    "Hawthorn",
    "Holly",
    "Birch",
    "Cedar",
    "Elm",
    "Hazel",
    "Maple",
    "Oak",
    "Ash",
    "Beech",
    "Juniper",
    "Aspen",
    "Linden",
    "Poplar",
    "Yew",
    "Sycamore",
    "Harbour",
    "Quay",
    "Fell",
    "Moor",
    "Dale",
    "Brook",
    "Bridge",
    "Croft",
    "Meadow",
    "Vale",
]
SETTING_NOUNS = {
    Service.SettingType.THERAPEUTIC_COMMUNITY: "Community",
    Service.SettingType.PIPE: "PIPE",
    Service.SettingType.APPROVED_PREMISES: "Approved Premises",
    Service.SettingType.HOSTEL: "Hostel",
    Service.SettingType.CHILDRENS_HOME: "Children's Home",
    Service.SettingType.WARD: "Ward",
    Service.SettingType.PRISON_WING: "Wing",
    Service.SettingType.DAY_SERVICE: "Day Service",
    Service.SettingType.SCHOOL: "School",
    Service.SettingType.OTHER: "House",
}
FIRST_NAMES = [
    "Aisha",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Femi",
    "Grace",
    "Hamza",
    "Isla",
    "Jack",
    "Kiran",
    "Leah",
    "Malik",
    "Nia",
    "Owen",
    "Priya",
    "Quinn",
    "Ruth",
    "Sam",
    "Tariq",
    "Uma",
    "Vik",
    "Wren",
    "Yusuf",
    "Zoe",
    "Amir",
    "Bea",
    "Carys",
    "Dan",
    "Erin",
]
SURNAMES = [
    "Adams",
    "Begum",
    "Clarke",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nolan",
    "Okafor",
    "Patel",
    "Reid",
    "Shah",
    "Taylor",
    "Walsh",
    "Young",
    "Ahmed",
    "Brown",
    "Cole",
    "Doyle",
]
NARRATIVES = [
    "We hold a community meeting every morning where residents and staff plan the day together.",
    "New arrivals are met by a named person who stays with them through the first week.",
    "Staff reflect together every week in a facilitated group, and supervision is protected.",
    "People who use the service sit on interview panels and help shape the induction.",
    "Endings are planned with each person, and we keep in touch where they want us to.",
]
DEVELOPMENT_IDEAS = [
    "We want night staff to join the reflective practice group.",
    "We plan to write the welcome guide again with residents, in plain words.",
    "We would like families to have a regular way to give feedback.",
]
PERSPECTIVE_TEXTS = [
    "Residents said the morning meeting is where they feel listened to.",
    "Staff told us supervision helps them stay thoughtful on hard days.",
    "Families said they would like more notice of changes to visiting.",
    "Partner agencies said referrals are handled quickly and warmly.",
]
COMMENTS = [
    "Could you tell us more about how the community meeting is chaired?",
    "We heard about this from three residents; it came up again at lunch.",
    "Thank you, the notes from the staff group answer this.",
    "Shall we ask about night shifts during the visit?",
]
FINDINGS = [
    (
        Finding.Kind.STRENGTH,
        "Residents shape daily life",
        "The community meeting decides real things.",
    ),
    (
        Finding.Kind.EVEN_BETTER_IF,
        "Night staff in reflective practice",
        "Night staff asked to join.",
    ),
    (Finding.Kind.DEVELOPMENT, "A first day that feels safe", "Some arrivals found it daunting."),
    (Finding.Kind.LEARNING, "A welcome guide written by residents", "Others may try the same."),
]
ACTIONS = [
    "Invite night staff to the reflective practice group",
    "Rewrite the welcome guide with residents",
    "Start a quarterly families' forum",
    "Plan endings with each person from their first month",
]


@dataclass(frozen=True)
class Scale:
    """How much to build. `national()` is DESIGN section 16's scale; `quick()` a tenth of it."""

    services: int
    organisations: int
    users: int
    networks: int
    cycles: int = 3
    standards: int = 40
    bodies_per_network: int = 8
    coordinators_per_network: int = 3
    commissioners_per_body: int = 2
    # Shares of the people in service teams who also review (leads and staff as leads or
    # peers, lived-experience contributors as experts by experience).
    reviewer_share: float = 0.25
    expert_share: float = 0.2
    perspectives_per_response: float = 0.4
    # People with an account and no role now (left a team, never accepted a role).
    unattached_share: float = 0.03
    seed: int = 2027

    @classmethod
    def national(cls) -> "Scale":
        return cls(services=3000, organisations=600, users=30_000, networks=5)

    @classmethod
    def quick(cls) -> "Scale":
        return cls(services=300, organisations=60, users=3000, networks=5)


class Counter:
    """Progress: what each stage wrote and how long it took."""

    def __init__(self, out: TextIO | None) -> None:
        self.out = out
        self.counts: dict[str, int] = defaultdict(int)
        self.started = time.monotonic()
        self.stage_started = self.started

    def add(self, name: str, n: int) -> None:
        self.counts[name] += n

    def stage(self, name: str, *keys: str) -> None:
        now = time.monotonic()
        if self.out is not None:
            shown = ", ".join(f"{key} {self.counts[key]:,}" for key in keys)
            total, took = now - self.started, now - self.stage_started
            self.out.write(f"[{total:7.1f} s] {name}: {shown} ({took:.1f} s)\n")
            self.out.flush()
        self.stage_started = now


def _bulk(model, rows: list, counter: Counter, name: str) -> list:
    created = model.objects.bulk_create(rows, batch_size=BATCH)
    counter.add(name, len(rows))
    return created


def _aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(hour, 0)))


# The framework ------------------------------------------------------------------------------


def framework_for(scale: Scale) -> FrameworkVersion:
    """A published version with exactly `scale.standards` standards; if none, one imported
    through the product's framework import."""
    fits = (
        FrameworkVersion.objects.filter(status=FrameworkVersion.Status.PUBLISHED)
        .annotate(n=Count("standards"))
        .filter(n=scale.standards)
        .order_by("pk")
        .first()
    )
    if fits is not None:
        return fits
    from standards.yaml_format import import_framework

    return import_framework(_framework_yaml(scale.standards), source="bench").version


def _framework_yaml(standards: int) -> str:
    import yaml

    per_domain = 4
    domains = []
    for d in range((standards + per_domain - 1) // per_domain):
        code = f"D{d + 1:02d}"
        count = min(per_domain, standards - d * per_domain)
        domains.append(
            {
                "code": code,
                "name": f"Domain {d + 1}",
                "summary": "A domain written for the benchmark.",
                "standards": [
                    {
                        "code": f"{code}-{s + 1}",
                        "title": f"Standard {d + 1}.{s + 1}",
                        "statement": "The service does this well, and people can say how.",
                        "type": "essential" if s == 0 else "expected",
                        "guidance": "Look at what happens every day.",
                        "evidence_prompts": ["What happens on an ordinary day?"],
                        "ask": ["staff", "people_using_service"],
                    }
                    for s in range(count)
                ],
            }
        )
    return yaml.safe_dump(
        {
            "framework": {
                "slug": f"bench-{standards}",
                "name": f"Benchmark framework of {standards} standards",
                "version": "1.0",
                "description": "Generated for the benchmark.",
                "licence": "CC BY 4.0",
            },
            "domains": domains,
        },
        sort_keys=False,
    )


# The builder --------------------------------------------------------------------------------


class Builder:
    def __init__(self, scale: Scale, out: TextIO | None) -> None:
        self.scale = scale
        self.rng = random.Random(scale.seed)  # noqa: S311 - benchmark data, not security
        self.counter = Counter(out)
        self.today = timezone.localdate()
        self.perm_ids = {
            (p.content_type.app_label, p.codename): p.pk
            for p in Permission.objects.select_related("content_type")
        }
        self.groups: dict[str, int] = {}
        self.previous: dict[int, int] = {}  # service pk -> its newest review not withdrawn
        self.ratings: dict[tuple[int, int], str] = {}  # (review, standard) -> service's view
        self.team_ratings: dict[tuple[int, int], str] = {}  # the same, the team's view
        self.user_groups: list[tuple[int, int]] = []
        self.group_perms: list = []  # rows for the three direct tables and the generic one

    # helpers ---------------------------------------------------------------------------

    def perm(self, name: str) -> int:
        app, codename = name.split(".")
        return self.perm_ids[(app, codename)]

    def new_groups(self, names: list[str]) -> None:
        created = _bulk(Group, [Group(name=n) for n in names], self.counter, "groups")
        self.groups.update({g.name: g.pk for g in created})

    def grant(self, model, group: str, perms: tuple[str, ...], obj_pk: int) -> None:
        for perm in perms:
            self.group_perms.append(
                model(
                    permission_id=self.perm(perm),
                    group_id=self.groups[group],
                    content_object_id=obj_pk,
                )
            )

    def grant_generic(self, ct: ContentType, group: str, perms: tuple[str, ...], pk: int) -> None:
        for perm in perms:
            self.group_perms.append(
                GroupObjectPermission(
                    permission_id=self.perm(perm),
                    group_id=self.groups[group],
                    content_type=ct,
                    object_pk=str(pk),
                )
            )

    def join(self, user_id: int, *groups: str) -> None:
        for name in groups:
            self.user_groups.append((user_id, self.groups[name]))

    def flush_permissions(self) -> None:
        by_model = defaultdict(list)
        for row in self.group_perms:
            by_model[type(row)].append(row)
        for model, rows in by_model.items():
            _bulk(model, rows, self.counter, "object permissions")
        self.group_perms = []
        through = User.groups.through
        _bulk(
            through,
            [through(user_id=u, group_id=g) for u, g in self.user_groups],
            self.counter,
            "group memberships",
        )
        self.user_groups = []

    def pick(self, weighted: list[tuple]):
        values, weights = zip(*weighted, strict=True)
        return self.rng.choices(values, weights)[0]

    def person_name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}"

    # stages ----------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        if Network.objects.exists():
            raise ValueError("The database already holds a network: build into an empty one.")
        self.version = framework_for(self.scale)
        self.standards = list(
            Standard.objects.filter(version=self.version)
            .order_by("order")
            .values_list("pk", flat=True)
        )
        self.counter.add("standards", len(self.standards))
        self.counter.stage("framework", "standards")
        with transaction.atomic():
            self.network_and_services()
        with transaction.atomic():
            self.people()
        with transaction.atomic():
            self.reviewers()
        for index in range(self.scale.cycles):
            with transaction.atomic():
                self.cycle(index)
        return dict(self.counter.counts)

    def network_and_services(self) -> None:
        s, rng = self.scale, self.rng
        self.networks = _bulk(
            Network,
            [Network(name=f"Bench network {i + 1}") for i in range(s.networks)],
            self.counter,
            "networks",
        )
        self.organisations = _bulk(
            Organisation,
            [
                Organisation(
                    name=f"{rng.choice(PLACES)} {rng.choice(SURNAMES)} provider {i + 1}",
                    kind=rng.choice(Organisation.Kind.values),
                    region=rng.choice(Region.values),
                )
                for i in range(s.organisations)
            ],
            self.counter,
            "organisations",
        )
        # Networks of falling size: the first is the biggest (its coordinator is measured).
        weights = [s.networks - i for i in range(s.networks)]
        services = []
        for i in range(s.services):
            organisation = self.organisations[i % s.organisations]
            setting = rng.choice(Service.SettingType.values)
            services.append(
                Service(
                    network=rng.choices(self.networks, weights)[0],
                    organisation=organisation,
                    name=f"{rng.choice(PLACES)} {SETTING_NOUNS[setting]} {i + 1}",
                    setting_type=setting,
                    population="Adults who have found relationships hard",
                    capacity=rng.randint(8, 60),
                    region=organisation.region if rng.random() < 0.8 else rng.choice(Region.values),
                    description="We are a small community that works through relationships.",
                )
            )
        self.services = _bulk(Service, services, self.counter, "services")
        bodies = []
        for network in self.networks:
            for b in range(s.bodies_per_network):
                bodies.append(
                    CommissioningBody(
                        network=network,
                        name=f"{Region.labels[b % len(Region.labels)]} commissioners {b + 1}",
                        kind=rng.choice(CommissioningBody.Kind.values),
                        region=Region.values[b % len(Region.values)],
                    )
                )
        self.bodies = _bulk(CommissioningBody, bodies, self.counter, "commissioning bodies")
        self.bodies_of = defaultdict(list)
        for body in self.bodies:
            self.bodies_of[body.network_id].append(body)
        # Groups and object permissions: setup_network/service/body_permissions.
        self.new_groups(
            [f"network:{n.pk}:coordinators" for n in self.networks]
            + [
                f"service:{v.pk}:{kind}"
                for v in self.services
                for kind in ("team", "editors", "leads")
            ]
            + [f"body:{b.pk}:commissioners" for b in self.bodies]
        )
        network_ct = ContentType.objects.get_for_model(Network)
        body_ct = ContentType.objects.get_for_model(CommissioningBody)
        for network in self.networks:
            self.grant_generic(
                network_ct,
                f"network:{network.pk}:coordinators",
                ("assurance.view_network", "assurance.change_network"),
                network.pk,
            )
        manage = ("assurance.view_service", "assurance.change_service", "assurance.manage_team")
        for service in self.services:
            self.grant(
                ServiceGroupObjectPermission,
                f"network:{service.network_id}:coordinators",
                manage,
                service.pk,
            )
            self.grant(
                ServiceGroupObjectPermission,
                f"service:{service.pk}:team",
                ("assurance.view_service",),
                service.pk,
            )
            self.grant(
                ServiceGroupObjectPermission, f"service:{service.pk}:leads", manage, service.pk
            )
        for body in self.bodies:
            self.grant_generic(
                body_ct,
                f"network:{body.network_id}:coordinators",
                ("assurance.view_commissioningbody", "assurance.change_commissioningbody"),
                body.pk,
            )
            self.grant_generic(
                body_ct,
                f"body:{body.pk}:commissioners",
                ("assurance.view_commissioningbody",),
                body.pk,
            )
        self.flush_permissions()
        self.counter.stage(
            "network",
            "networks",
            "organisations",
            "services",
            "commissioning bodies",
            "object permissions",
        )

    def people(self) -> None:
        s, rng = self.scale, self.rng
        coordinators = s.networks * s.coordinators_per_network
        commissioners = len(self.bodies) * s.commissioners_per_body
        unattached = int(s.users * s.unattached_share)
        in_teams = s.users - coordinators - commissioners - unattached
        if in_teams < s.services:
            raise ValueError("Too few users for one lead per service.")
        lived = (in_teams - s.services) // 3
        staff = in_teams - s.services - lived
        # (role, service index or network/body index) for each person, in a fixed order.
        plan: list[tuple[str, int]] = [("lead", i) for i in range(s.services)]
        plan += [("staff", rng.randrange(s.services)) for _ in range(staff)]
        plan += [("lived", rng.randrange(s.services)) for _ in range(lived)]
        plan += [("coordinator", i % s.networks) for i in range(coordinators)]
        plan += [("commissioner", i % len(self.bodies)) for i in range(commissioners)]
        plan += [("none", 0) for _ in range(unattached)]
        # The coordinator role's model permissions (assurance/roles.py appoint_coordinator).
        self.groups[permissions.COORDINATORS_GROUP] = permissions.coordinators_group().pk
        password = make_password(BENCH_PASSWORD)
        joined = _aware(self.today - timedelta(days=3 * 365))
        users = _bulk(
            User,
            [
                User(
                    email=f"{role}.{i + 1}@{EMAIL_DOMAIN}",
                    name=self.person_name(),
                    password=password,
                    date_joined=joined,
                )
                for i, (role, _where) in enumerate(plan)
            ],
            self.counter,
            "users",
        )
        _bulk(
            EmailAddress,
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
            self.counter,
            "email addresses",
        )
        started = _aware(self.today - timedelta(days=2 * 365))
        memberships, coordinator_rows, commissioner_rows = [], [], []
        self.leads: dict[int, int] = {}  # service pk -> lead user pk
        self.team_of: dict[int, list[int]] = defaultdict(list)  # service pk -> writers
        self.lived_of: dict[int, list[int]] = defaultdict(list)
        self.coordinators_of: dict[int, list[int]] = defaultdict(list)
        self.members: list[tuple[User, Service, str]] = []
        Role = Membership.Role
        for user, (role, where) in zip(users, plan, strict=True):
            if role in ("lead", "staff", "lived"):
                service = self.services[where]
                member_role = {
                    "lead": Role.SERVICE_LEAD,
                    "staff": Role.STAFF,
                    "lived": Role.LIVED_EXPERIENCE,
                }[role]
                memberships.append(
                    Membership(user=user, service=service, role=member_role, started_at=started)
                )
                self.members.append((user, service, member_role))
            elif role == "coordinator":
                network = self.networks[where]
                coordinator_rows.append(Coordinator(user=user, network=network, started_at=started))
                self.coordinators_of[network.pk].append(user.pk)
                self.join(
                    user.pk, f"network:{network.pk}:coordinators", permissions.COORDINATORS_GROUP
                )
            elif role == "commissioner":
                body = self.bodies[where]
                commissioner_rows.append(
                    CommissionerMembership(user=user, body=body, started_at=started)
                )
                self.join(user.pk, f"body:{body.pk}:commissioners")
        # A few leads also work as staff in another service of their organisation.
        by_organisation = defaultdict(list)
        for service in self.services:
            by_organisation[service.organisation_id].append(service)
        for user, service, role in list(self.members):
            if role == Role.SERVICE_LEAD and rng.random() < 0.05:
                others = [v for v in by_organisation[service.organisation_id] if v.pk != service.pk]
                if others:
                    other = rng.choice(others)
                    memberships.append(
                        Membership(user=user, service=other, role=Role.STAFF, started_at=started)
                    )
                    self.members.append((user, other, Role.STAFF))
        for user, service, role in self.members:
            groups = [f"service:{service.pk}:team"]
            if role != Role.LIVED_EXPERIENCE:
                groups.append(f"service:{service.pk}:editors")
                self.team_of[service.pk].append(user.pk)
            else:
                self.lived_of[service.pk].append(user.pk)
            if role == Role.SERVICE_LEAD:
                groups.append(f"service:{service.pk}:leads")
                self.leads[service.pk] = user.pk
            self.join(user.pk, *groups)
        _bulk(Membership, memberships, self.counter, "memberships")
        _bulk(Coordinator, coordinator_rows, self.counter, "coordinators")
        _bulk(CommissionerMembership, commissioner_rows, self.counter, "commissioners")
        self.flush_permissions()
        self.counter.stage(
            "people", "users", "memberships", "coordinators", "commissioners", "group memberships"
        )

    def reviewers(self) -> None:
        s, rng = self.scale, self.rng
        trained = self.today - timedelta(days=400)
        profiles = []
        for user, service, role in self.members:
            if any(p.user_id == user.pk for p in profiles[-1:]):
                continue  # one profile per person: their first team is their home service
            if role == Membership.Role.LIVED_EXPERIENCE:
                if rng.random() >= s.expert_share:
                    continue
                roles = [ReviewerRole.EXPERT]
            else:
                if rng.random() >= s.reviewer_share:
                    continue
                lead = role == Membership.Role.SERVICE_LEAD or rng.random() < 0.3
                roles = [ReviewerRole.LEAD, ReviewerRole.PEER] if lead else [ReviewerRole.PEER]
            regions = sorted({service.region, rng.choice(Region.values)})
            profiles.append(
                ReviewerProfile(
                    user=user,
                    home_service=service,
                    roles=roles,
                    trained_on=trained,
                    training_expires=trained + timedelta(days=3 * 365),
                    capacity=rng.choice((2, 3, 3, 4)),
                    regions=regions,
                    setting_types=sorted(
                        {service.setting_type, rng.choice(Service.SettingType.values)}
                    ),
                )
            )
        seen: set[int] = set()
        profiles = [p for p in profiles if not (p.user_id in seen or seen.add(p.user_id))]
        self.profiles = _bulk(ReviewerProfile, profiles, self.counter, "reviewer profiles")
        self.service_by_pk = {v.pk: v for v in self.services}
        self.pool = {
            role: [p for p in self.profiles if role in p.roles]
            for role in (ReviewerRole.LEAD, ReviewerRole.PEER, ReviewerRole.EXPERT)
        }
        for pool in self.pool.values():
            rng.shuffle(pool)
        self.counter.stage("reviewers", "reviewer profiles")

    # one cycle -------------------------------------------------------------------------

    def cycle(self, index: int) -> None:
        s = self.scale
        latest = index == s.cycles - 1
        year = self.today.year - (s.cycles - 1 - index)
        opens_on = self.today - timedelta(weeks=12) - timedelta(days=365 * (s.cycles - 1 - index))
        cycles = []
        for network in self.networks:
            cycles.append(
                Cycle(
                    network=network,
                    name=str(year),
                    status=Cycle.Status.OPEN if latest else Cycle.Status.CLOSED,
                    created_at=_aware(opens_on - timedelta(days=14)),
                    **default_dates(network, opens_on),
                )
            )
        cycles = _bulk(Cycle, cycles, self.counter, "cycles")
        through = Cycle.framework_versions.through
        through.objects.bulk_create(
            [through(cycle_id=c.pk, frameworkversion_id=self.version.pk) for c in cycles]
        )
        cycle_of = {c.network_id: c for c in cycles}
        reviews = []
        for service in self.services:
            if latest:
                status = self.pick(LATEST_SPREAD)
            elif index == s.cycles - 2:
                status = self.pick(
                    [(Status.PUBLISHED, 0.88), (Status.CLOSED, 0.1), (Status.WITHDRAWN, 0.02)]
                )
            else:
                status = self.pick([(Status.CLOSED, 0.97), (Status.WITHDRAWN, 0.03)])
            cycle = cycle_of[service.network_id]
            steps = self.steps(status)
            reviews.append(
                Review(
                    cycle=cycle,
                    service=service,
                    framework_version=self.version,
                    status=status,
                    previous_id=self.previous.get(service.pk) if index else None,
                    self_assessment_due=cycle.self_assessment_due,
                    version=len(steps),
                    created_at=_aware(cycle.opens_on),
                )
            )
        reviews = _bulk(Review, reviews, self.counter, "reviews")
        for review in reviews:
            if review.status != Status.WITHDRAWN:
                self.previous[review.service_id] = review.pk
        self.review_permissions(reviews)
        self.events(reviews, cycle_of)
        self.counter.stage(f"cycle {year}: reviews", "reviews", "object permissions")
        for start in range(0, len(reviews), 250):
            self.self_assessments(reviews[start : start + 250])
        self.counter.stage(f"cycle {year}: self-assessments", "responses", "perspectives")
        self.peer_reviews(reviews, latest)
        self.counter.stage(
            f"cycle {year}: peer reviews", "assignments", "comments", "reflections", "findings"
        )
        self.reports(reviews, cycle_of)
        self.flush_permissions()
        self.counter.stage(
            f"cycle {year}: reports", "reports", "report shares", "actions", "object permissions"
        )

    def steps(self, status: str) -> list[str]:
        """The statuses a review has been in, in order, ending with `status`."""
        if status == Status.WITHDRAWN:
            return [Status.SELF_ASSESSMENT, Status.WITHDRAWN]
        return PATH[: PATH.index(status) + 1]

    def review_permissions(self, reviews: list[Review]) -> None:
        """reviews/permissions.py `setup_review_permissions` for each review."""
        for review in reviews:
            service = self.service_by_pk[review.service_id]
            self.grant(
                ReviewGroupObjectPermission,
                f"service:{service.pk}:team",
                ("reviews.view_review", "reviews.contribute_review"),
                review.pk,
            )
            self.grant(
                ReviewGroupObjectPermission,
                f"service:{service.pk}:editors",
                ("reviews.change_review",),
                review.pk,
            )
            self.grant(
                ReviewGroupObjectPermission,
                f"service:{service.pk}:leads",
                ("reviews.submit_review",),
                review.pk,
            )
            self.grant(
                ReviewGroupObjectPermission,
                f"network:{service.network_id}:coordinators",
                ("reviews.view_review", "reviews.manage_review", "reviews.team_review"),
                review.pk,
            )

    def dates(self, review: Review, cycle: Cycle) -> list[datetime]:
        """When each step of the review happened: spread between the cycle's dates."""
        steps = self.steps(review.status)
        marks = [
            cycle.opens_on,
            cycle.self_assessment_due,
            cycle.visits_from,
            cycle.visits_until,
            cycle.visits_until + timedelta(days=14),
            cycle.report_due,
            cycle.report_due + timedelta(days=60),
        ]
        if review.status == Status.WITHDRAWN:
            return [_aware(marks[0]), _aware(marks[0] + timedelta(days=20))]
        moments = [_aware(min(mark, self.today)) for mark in marks[: len(steps)]]
        # Anything in the latest cycle happened by now, in order.
        return [
            min(moment, timezone.now() - timedelta(hours=len(moments) - i))
            for i, moment in enumerate(moments)
        ]

    def events(self, reviews: list[Review], cycle_of: dict[int, Cycle]) -> None:
        rows = []
        for review in reviews:
            cycle = cycle_of[self.service_by_pk[review.service_id].network_id]
            steps, moments = self.steps(review.status), self.dates(review, cycle)
            coordinator = self.coordinators_of[cycle.network_id][0]
            for i, (step, at) in enumerate(zip(steps, moments, strict=True)):
                actor = self.leads[review.service_id] if step == Status.SUBMITTED else coordinator
                rows.append(
                    ReviewEvent(
                        review=review,
                        from_status=steps[i - 1] if i else "",
                        to_status=step,
                        actor_id=actor,
                        note=f"Enrolled in {cycle.name}." if not i else "",
                        at=at,
                    )
                )
        _bulk(ReviewEvent, rows, self.counter, "review events")

    def self_assessments(self, reviews: list[Review]) -> None:
        rng = self.rng
        responses = []
        for review in reviews:
            writers = self.team_of[review.service_id]
            if review.status == Status.SELF_ASSESSMENT:
                answered = rng.randint(0, len(self.standards))
            elif review.status == Status.WITHDRAWN:
                answered = rng.randint(0, len(self.standards) // 2)
            else:
                answered = len(self.standards)
            at = _aware(min(review.self_assessment_due, self.today))
            for order, standard in enumerate(self.standards):
                response = Response(review=review, standard_id=standard, updated_at=at)
                if order < answered:
                    response.rating = self.pick(RATING_WEIGHTS)
                    response.narrative = rng.choice(NARRATIVES)
                    response.development_ideas = rng.choice(DEVELOPMENT_IDEAS)
                    if response.rating == Rating.NOT_APPLICABLE:
                        response.not_applicable_reason = "Nobody lives here overnight."
                    response.updated_by_id = rng.choice(writers)
                    response.version = 2
                responses.append(response)
        responses = _bulk(Response, responses, self.counter, "responses")
        perspectives = []
        for response in responses:
            self.ratings[(response.review_id, response.standard_id)] = response.rating
            if not response.rating or rng.random() >= self.scale.perspectives_per_response:
                continue
            voices = (
                self.lived_of[response.review.service_id]
                or self.team_of[response.review.service_id]
            )
            perspectives.append(
                Perspective(
                    response=response,
                    voice=rng.choice(Perspective.Voice.values),
                    text=rng.choice(PERSPECTIVE_TEXTS),
                    people_count=rng.randint(2, 25),
                    method=rng.choice(Perspective.Method.values),
                    co_produced=rng.random() < 0.4,
                    added_by_id=rng.choice(voices),
                    created_at=response.updated_at,
                    updated_at=response.updated_at,
                )
            )
        _bulk(Perspective, perspectives, self.counter, "perspectives")

    def team_for(self, review: Review, used: dict[int, int]) -> list[tuple[ReviewerProfile, str]]:
        """A lead, peers and an expert by experience who do not work for the host's
        organisation and have places left this cycle."""
        service = self.service_by_pk[review.service_id]
        network = next(n for n in self.networks if n.pk == service.network_id)
        team, chosen = [], set()
        wanted = (
            [ReviewerRole.LEAD]
            + [ReviewerRole.PEER] * network.peers_per_team
            + [ReviewerRole.EXPERT]
        )
        for role in wanted:
            pool = self.pool[role]
            # A full pool lends its people a place beyond their capacity rather than leave a
            # team without its role (the product would not start the peer review without it).
            for within_capacity in (True, False):
                found = None
                for _attempt in range(len(pool)):
                    self.cursor[role] = (self.cursor[role] + 1) % len(pool)
                    profile = pool[self.cursor[role]]
                    home = self.service_by_pk[profile.home_service_id]
                    if not (
                        profile.pk in chosen
                        or home.organisation_id == service.organisation_id
                        or (within_capacity and used[profile.pk] >= profile.capacity)
                    ):
                        found = profile
                        break
                if found is not None:
                    used[found.pk] += 1
                    chosen.add(found.pk)
                    team.append((found, role))
                    break
            else:
                raise ValueError(f"No {role} reviewer can review {service}: the pool is too small.")
        return team

    def peer_reviews(self, reviews: list[Review], latest: bool) -> None:
        rng = self.rng
        self.cursor = dict.fromkeys(self.pool, 0)
        used: dict[int, int] = defaultdict(int)
        assignments, visits, threads, reflections, findings = [], [], [], [], []
        self.teams: dict[int, list[tuple[ReviewerProfile, str]]] = {}
        team_reviews = [
            r for r in reviews if r.status in TEAM_STAGES or r.status == Status.SUBMITTED
        ]
        for review in team_reviews:
            team = self.team_for(review, used)
            accepted = review.status in TEAM_STAGES
            for profile, role in team:
                assignments.append(
                    Assignment(
                        review=review,
                        reviewer=profile,
                        role=role,
                        status=Assignment.Status.ACCEPTED
                        if accepted
                        else Assignment.Status.INVITED,
                        explanation="Chosen for their experience of this kind of setting.",
                        invited_at=_aware(review.self_assessment_due),
                        respond_by=review.self_assessment_due + timedelta(days=14),
                        responded_at=_aware(review.self_assessment_due + timedelta(days=3))
                        if accepted
                        else None,
                    )
                )
            if not accepted:
                continue
            self.teams[review.pk] = team
            due = review.self_assessment_due
            visits.append(
                Visit(
                    review=review,
                    mode=rng.choice(Visit.Mode.values),
                    starts_on=due + timedelta(days=21),
                    ends_on=due + timedelta(days=22),
                    location="The main building; ring the bell at the front door.",
                )
            )
            for visibility in (Thread.Visibility.TEAM, Thread.Visibility.SHARED):
                threads.append(
                    Thread(
                        review=review,
                        standard_id=rng.choice(self.standards),
                        visibility=visibility,
                        title="Questions before the visit",
                        started_by_id=team[0][0].user_id,
                        created_at=_aware(due + timedelta(days=5)),
                        last_comment_at=_aware(due + timedelta(days=7)),
                    )
                )
            if review.status in WRITING_STAGES:
                for standard in self.standards:
                    rating = self.ratings[(review.pk, standard)] or Rating.MET
                    differs = rng.random() < 0.2
                    if differs:
                        rating = rng.choice([r for r in Rating.values if r != rating])
                    self.team_ratings[(review.pk, standard)] = rating
                    reflections.append(
                        Reflection(
                            review=review,
                            standard_id=standard,
                            rating=rating,
                            agreement=Reflection.Agreement.DIFFERS
                            if differs
                            else Reflection.Agreement.AGREES,
                            rationale="We heard this from residents and saw it in the meeting.",
                            updated_by_id=team[0][0].user_id,
                        )
                    )
                for order, (kind, title, body) in enumerate(FINDINGS):
                    findings.append(
                        Finding(
                            review=review,
                            kind=kind,
                            title=title,
                            body=body,
                            order=order,
                            agreed_with_host=review.status in (Status.PUBLISHED, Status.CLOSED),
                            created_by_id=team[0][0].user_id,
                        )
                    )
        _bulk(Assignment, assignments, self.counter, "assignments")
        _bulk(Visit, visits, self.counter, "visits")
        threads = _bulk(Thread, threads, self.counter, "threads")
        comments = []
        for thread in threads:
            team = self.teams[thread.review_id]
            authors = [p.user_id for p, _role in team]
            if thread.visibility == Thread.Visibility.SHARED:
                authors.append(self.leads[thread.review.service_id])
            for n in range(3):
                comments.append(
                    Comment(
                        thread=thread,
                        author_id=authors[n % len(authors)],
                        body=rng.choice(COMMENTS),
                        created_at=thread.created_at + timedelta(days=n),
                    )
                )
        _bulk(Comment, comments, self.counter, "comments")
        _bulk(Reflection, reflections, self.counter, "reflections")
        findings = _bulk(Finding, findings, self.counter, "findings")
        through = Finding.standards.through
        through.objects.bulk_create(
            [through(finding_id=f.pk, standard_id=rng.choice(self.standards)) for f in findings],
            batch_size=BATCH,
        )
        self.findings_of = defaultdict(list)
        for finding in findings:
            self.findings_of[finding.review_id].append(finding)
        # reviews/allocation/teams.py: the review's groups, and accepted places join them.
        self.new_groups([f"review:{pk}:{kind}" for pk in self.teams for kind in ("team", "lead")])
        for pk, team in self.teams.items():
            self.grant(
                ReviewGroupObjectPermission,
                f"review:{pk}:team",
                ("reviews.view_review", "reviews.team_review"),
                pk,
            )
            self.grant(
                ReviewGroupObjectPermission,
                f"review:{pk}:lead",
                ("reviews.view_review", "reviews.team_review", "reviews.lead_review"),
                pk,
            )
            for profile, role in team:
                self.join(profile.user_id, f"review:{pk}:team")
                if role == ReviewerRole.LEAD:
                    self.join(profile.user_id, f"review:{pk}:lead")
        self.flush_permissions()

    def snapshot(self, review: Review, cycle: Cycle, kind: str, number: int) -> dict:
        """A compact report snapshot in the shape reviews/report/context.py freezes: what the
        learning report and the report pages read (cover, findings by domain, learning)."""
        service = self.service_by_pk[review.service_id]
        rows = defaultdict(list)
        for standard in self.standards:
            code, domain = self.standard_codes[standard]
            service_rating = self.ratings[(review.pk, standard)]
            rows[domain].append(
                {
                    "code": code,
                    "service_rating": service_rating,
                    "team_rating": self.team_ratings.get((review.pk, standard), service_rating),
                }
            )

        def shown(finding: Finding) -> dict:
            return {
                "id": finding.pk,
                "anchor": f"finding:{finding.pk}",
                "kind": finding.kind,
                "title": finding.title,
                "body": finding.body,
                "standards": [],
            }

        findings = self.findings_of[review.pk]
        groups = [
            {"kind": k, "findings": [shown(f) for f in findings if f.kind == k]}
            for k in (Finding.Kind.STRENGTH, Finding.Kind.EVEN_BETTER_IF, Finding.Kind.DEVELOPMENT)
        ]
        domains = [
            {
                "code": code,
                "name": name,
                "standards": rows[code],
                "groups": groups if i == 0 else [],
            }
            for i, (code, name) in enumerate(self.domains)
        ]
        return {
            "format": 1,
            "document": {
                "title": f"{service.name}: improvement report, {cycle.name}",
                "kind": kind,
                "number": number,
            },
            "cover": {"service": service.name, "cycle": cycle.name, "kind": kind, "number": number},
            "findings": {"general": {"groups": []}, "domains": domains},
            "learning": [shown(f) for f in findings if f.kind == Finding.Kind.LEARNING],
        }

    def reports(self, reviews: list[Review], cycle_of: dict[int, Cycle]) -> None:
        rng = self.rng
        if not hasattr(self, "standard_codes"):
            self.domains = list(
                Domain.objects.filter(version=self.version)
                .order_by("order")
                .values_list("code", "name")
            )
            self.standard_codes = {
                pk: (code, domain)
                for pk, code, domain in Standard.objects.filter(version=self.version).values_list(
                    "pk", "code", "domain__code"
                )
            }
        reports, shares, actions = [], [], []
        for review in reviews:
            if review.status not in (Status.ACCURACY_CHECK, Status.PUBLISHED, Status.CLOSED):
                continue
            cycle = cycle_of[self.service_by_pk[review.service_id].network_id]
            lead = self.leads[review.service_id]
            issuer = self.teams[review.pk][0][0].user_id
            draft_at = _aware(min(cycle.visits_until, self.today))
            reports.append(
                Report(
                    review=review,
                    number=1,
                    kind=Report.Kind.DRAFT,
                    issued_by_id=issuer,
                    issued_at=draft_at,
                    snapshot=self.snapshot(review, cycle, Report.Kind.DRAFT, 1),
                    host_agreed_by_id=lead if review.status != Status.ACCURACY_CHECK else None,
                    host_agreed_at=draft_at + timedelta(days=10)
                    if review.status != Status.ACCURACY_CHECK
                    else None,
                )
            )
            if review.status == Status.ACCURACY_CHECK:
                continue
            final_at = min(_aware(cycle.report_due), timezone.now() - timedelta(hours=1))
            reports.append(
                Report(
                    review=review,
                    number=2,
                    kind=Report.Kind.FINAL,
                    issued_by_id=self.coordinators_of[cycle.network_id][0],
                    issued_at=final_at,
                    snapshot=self.snapshot(review, cycle, Report.Kind.FINAL, 2),
                )
            )
            if rng.random() < 0.25:
                shares.append(
                    ReportShare(
                        review=review,
                        body=rng.choice(self.bodies_of[cycle.network_id]),
                        granted_by_id=lead,
                        granted_at=final_at + timedelta(days=2),
                    )
                )
            closed = review.status == Status.CLOSED
            for n, title in enumerate(rng.sample(ACTIONS, 3)):
                due = cycle.report_due + timedelta(days=60 * (n + 1))
                status = (
                    rng.choice([Action.Status.DONE, Action.Status.DONE, Action.Status.DROPPED])
                    if closed
                    else rng.choice(Action.Status.values)
                )
                actions.append(
                    Action(
                        review=review,
                        title=title,
                        detail="Agreed with the review team.",
                        owner_role="Service lead",
                        due_on=due,
                        status=status,
                        dropped_reason="Overtaken by a new building."
                        if status == Action.Status.DROPPED
                        else "",
                    )
                )
        reports = _bulk(Report, reports, self.counter, "reports")
        _bulk(ReportShare, shares, self.counter, "report shares")
        _bulk(Action, actions, self.counter, "actions")
        shared_with = defaultdict(list)
        for share in shares:
            shared_with[share.review_id].append(share.body_id)
        # reviews/report/issuing.py `readers`, and sharing.py for the bodies of live shares.
        for report in reports:
            review = report.review
            network = self.service_by_pk[review.service_id].network_id
            readers = [
                f"service:{review.service_id}:team",
                f"network:{network}:coordinators",
                f"review:{review.pk}:lead",
            ]
            if report.kind == Report.Kind.DRAFT:
                readers.append(f"review:{review.pk}:team")
            else:
                readers += [f"body:{body}:commissioners" for body in shared_with[review.pk]]
            for group in readers:
                self.grant(ReportGroupObjectPermission, group, ("reviews.view_report",), report.pk)


def build(scale: Scale, *, out: TextIO | None = None) -> dict[str, int]:
    """Fill the current default database with a dataset of `scale`; returns the counts."""
    return Builder(scale, out).run()
