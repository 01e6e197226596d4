"""The network: people, organisations, services, commissioners and the roles that join them.

`User` signs in with an email address. Everything a person may see or do is decided by
assurance/permissions.py from the role rows here (memberships, coordinator and commissioner
roles), never by flags on the user. Role rows are written by assurance/roles.py, which grants
and revokes permissions in the same transaction.
"""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords


def history_actor(*actor_fields: str):
    """Who a history record (django-simple-history) names as having made a change.

    The signed-in person of the request that made it (HistoryRequestMiddleware) comes first.
    A change made outside a request (a task, a command) names the row's own actor field, the
    first of `actor_fields` that is set, so seeded and background writes keep an actor too.
    """

    def get_user(instance, request=None, **kwargs):
        if request is not None:
            return request.user
        for name in actor_fields:
            if getattr(instance, f"{name}_id", None) is not None:
                return getattr(instance, name)
        return None

    return get_user


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: service team member, reviewer, coordinator or commissioner."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("site administrator"),
        default=False,
        help_text=_("Can use the Django admin site. Not a role in the network."),
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    class CommentEmails(models.TextChoices):
        EACH = "each", _("An email for each new comment")
        DAILY = "daily", _("One email a day with the new comments")
        NONE = "none", _("No emails about comments")

    comment_emails = models.CharField(
        _("emails about comments in threads you take part in"),
        max_length=10,
        choices=CommentEmails.choices,
        default=CommentEmails.EACH,
    )
    # Up to when the daily digest has covered comments (see reviews/peer_review/threads.py).
    comment_digest_sent_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


class Region(models.TextChoices):
    """UK regions: used for travel-aware reviewer matching and for filtering."""

    NORTH_EAST = "north_east", _("North East")
    NORTH_WEST = "north_west", _("North West")
    YORKSHIRE = "yorkshire", _("Yorkshire and the Humber")
    EAST_MIDLANDS = "east_midlands", _("East Midlands")
    WEST_MIDLANDS = "west_midlands", _("West Midlands")
    EAST = "east", _("East of England")
    LONDON = "london", _("London")
    SOUTH_EAST = "south_east", _("South East")
    SOUTH_WEST = "south_west", _("South West")
    WALES = "wales", _("Wales")
    SCOTLAND = "scotland", _("Scotland")
    NORTHERN_IRELAND = "northern_ireland", _("Northern Ireland")


class Network(models.Model):
    """A collaborative that runs peer review among its member services."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    ethos = models.TextField(_("ethos statement"), blank=True)
    # The default timeline a new cycle starts from; every date stays editable per cycle.
    self_assessment_weeks = models.PositiveSmallIntegerField(
        _("weeks for self-assessment"), default=8
    )
    visit_window_weeks = models.PositiveSmallIntegerField(_("weeks for visits"), default=8)
    draft_report_days = models.PositiveSmallIntegerField(
        _("days from visit to draft report"), default=21
    )
    accuracy_window_days = models.PositiveSmallIntegerField(
        _("days for the accuracy check"), default=14
    )
    action_plan_days = models.PositiveSmallIntegerField(
        _("days to agree the action plan"), default=28
    )
    peers_per_team = models.PositiveSmallIntegerField(
        _("peer reviewers per team"), default=2, help_text=_("Besides the lead and the expert.")
    )
    forbid_reciprocal = models.BooleanField(
        _("no reciprocal pairs"),
        default=True,
        help_text=_("Service A's reviewers never review B in a cycle in which B's review A."),
    )
    suppression_threshold = models.PositiveSmallIntegerField(
        _("smallest number shown"),
        default=5,
        help_text=_("Counts of people below this are shown as “fewer than N”."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("network")

    def __str__(self) -> str:
        return self.name

    def coordinator_emails(self) -> list[str]:
        """Where to write to the people who run the network now."""
        return list(self.coordinators.active().values_list("user__email", flat=True))


class Organisation(models.Model):
    """A provider that runs services: a trust, a charity, HMPPS, a council."""

    class Kind(models.TextChoices):
        NHS_TRUST = "nhs_trust", _("NHS trust")
        CHARITY = "charity", _("Charity")
        PRIVATE = "private", _("Private provider")
        HMPPS = "hmpps", _("HM Prison and Probation Service")
        LOCAL_AUTHORITY = "local_authority", _("Local authority")
        HOUSING = "housing", _("Housing association")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    region = models.CharField(_("region"), max_length=30, choices=Region.choices)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """The unit that is reviewed: a ward, a wing, a hostel, a community."""

    class SettingType(models.TextChoices):
        THERAPEUTIC_COMMUNITY = "therapeutic_community", _("Therapeutic community")
        PIPE = "pipe", _("Psychologically informed planned environment (PIPE)")
        APPROVED_PREMISES = "approved_premises", _("Approved premises")
        HOSTEL = "hostel", _("Hostel")
        CHILDRENS_HOME = "childrens_home", _("Children's home")
        WARD = "ward", _("Ward")
        PRISON_WING = "prison_wing", _("Prison wing")
        DAY_SERVICE = "day_service", _("Day service")
        SCHOOL = "school", _("School")
        OTHER = "other", _("Other")

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="services")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(_("name"), max_length=200)
    setting_type = models.CharField(
        _("type of setting"), max_length=30, choices=SettingType.choices
    )
    population = models.CharField(
        _("who the service is for"),
        max_length=300,
        blank=True,
        help_text=_("For example: adult men on licence, young people aged 12 to 17."),
    )
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    region = models.CharField(_("region"), max_length=30, choices=Region.choices)
    description = models.TextField(
        _("the service in its own words"),
        blank=True,
        max_length=5000,
    )
    active = models.BooleanField(_("active member"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="unique_service_name_per_organisation"
            )
        ]
        permissions = [("manage_team", _("Can invite and deactivate team members"))]

    def __str__(self) -> str:
        return self.name


class ActiveQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class RoleSpan(models.Model):
    """When someone held a role. Roles end (`ended_at`); they are never deleted, so the record
    of who was in which team, network or commissioning body survives."""

    started_at = models.DateTimeField(_("from"), default=timezone.now)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class Membership(RoleSpan):
    """A person in a service team. Written only by assurance/roles.py, which grants access."""

    class Role(models.TextChoices):
        SERVICE_LEAD = "service_lead", _("Service lead")
        STAFF = "staff", _("Staff contributor")
        LIVED_EXPERIENCE = "lived_experience", _("Contributor with lived experience")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)

    history = HistoricalRecords(get_user=history_actor())

    class Meta:
        # Never ordered by role: the order of a team list would show who has lived experience.
        ordering = ["service__name", "user__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "service"],
                condition=models.Q(ended_at__isnull=True),
                name="one_active_membership_per_service",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}, {self.service}"


class Coordinator(RoleSpan):
    """A person who runs a network's cycles, frameworks and allocations."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="coordinators")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="coordinator_roles")

    history = HistoricalRecords(get_user=history_actor())

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "network"],
                condition=models.Q(ended_at__isnull=True),
                name="one_active_coordinator_role_per_network",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – coordinator, {self.network}"


class CommissioningBody(models.Model):
    """An organisation that commissions services and reads the reports shared with it."""

    class Kind(models.TextChoices):
        ICB = "icb", _("NHS integrated care board")
        NHS_ENGLAND = "nhs_england", _("NHS England specialised commissioning")
        PROBATION = "probation", _("Probation commissioning")
        PRISONS = "prisons", _("Prison commissioning")
        LOCAL_AUTHORITY = "local_authority", _("Local authority")
        OTHER = "other", _("Other")

    network = models.ForeignKey(
        Network, on_delete=models.PROTECT, related_name="commissioning_bodies"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    region = models.CharField(_("region"), max_length=30, choices=Region.choices, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("commissioning body")
        verbose_name_plural = _("commissioning bodies")
        constraints = [
            models.UniqueConstraint(fields=["network", "name"], name="unique_body_per_network")
        ]

    def __str__(self) -> str:
        return self.name


class CommissionerMembership(RoleSpan):
    """A person who reads shared reports on behalf of a commissioning body."""

    body = models.ForeignKey(CommissioningBody, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="commissioner_roles")

    history = HistoricalRecords(get_user=history_actor())

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "body"],
                condition=models.Q(ended_at__isnull=True),
                name="one_active_commissioner_role_per_body",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – commissioner, {self.body}"


class Invitation(models.Model):
    """An emailed, single-use link that creates or links an account and gives it one role.

    Written only by assurance/invitations.py. The link carries a random token; only its
    sha256 is stored, so a database reader cannot accept someone else's invitation.
    """

    class Role(models.TextChoices):
        SERVICE_LEAD = "service_lead", _("Service lead")
        STAFF = "staff", _("Staff contributor")
        LIVED_EXPERIENCE = "lived_experience", _("Contributor with lived experience")
        COORDINATOR = "coordinator", _("Network coordinator")
        COMMISSIONER = "commissioner", _("Commissioner")

    SERVICE_ROLES = (Role.SERVICE_LEAD, Role.STAFF, Role.LIVED_EXPERIENCE)

    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="invitations")
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    body = models.ForeignKey(
        CommissioningBody,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("commissioning body"),
    )
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        role__in=["service_lead", "staff", "lived_experience"],
                        service__isnull=False,
                        body__isnull=True,
                    )
                    | models.Q(role="coordinator", service__isnull=True, body__isnull=True)
                    | models.Q(role="commissioner", service__isnull=True, body__isnull=False)
                ),
                name="invitation_target_matches_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} – {self.get_role_display()}"

    @property
    def target(self) -> str:
        return str(self.service or self.body or self.network)

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class ServiceUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct foreign-key permission table for services (a hot model)."""

    content_object = models.ForeignKey(Service, on_delete=models.CASCADE)


class ServiceGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Service, on_delete=models.CASCADE)
