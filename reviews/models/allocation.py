"""Reviewers, their conflicts, and the allocation of review teams.

A `Proposal` is one run of the matcher (reviews/matching/) for a cycle, made in a background
task; confirming it creates `Assignment`s as invitations. Assignments change status only
through reviews/allocation/, which also grants and takes away the reviewer's access.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assurance.models import history_actor


class ReviewerRole(models.TextChoices):
    LEAD = "lead", _("Lead reviewer")
    PEER = "peer", _("Peer reviewer")
    EXPERT = "expert", _("Expert by experience")


class ReviewerProfile(models.Model):
    """A person's standing as a peer reviewer."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile"
    )
    home_service = models.ForeignKey(
        "assurance.Service", on_delete=models.PROTECT, related_name="reviewer_profiles"
    )
    roles = models.JSONField(_("roles they can take"), default=list)
    trained_on = models.DateField(_("trained on"), null=True, blank=True)
    training_expires = models.DateField(_("training expires"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("reviews per cycle"), default=2)
    regions = models.JSONField(_("regions they can travel to"), default=list, blank=True)
    setting_types = models.JSONField(_("kinds of setting they know"), default=list, blank=True)
    active = models.BooleanField(_("available to review"), default=True)
    name_in_reports = models.BooleanField(
        _("show my name in reports"),
        default=False,
        help_text=_("Without this, reports name you only by your role on the team."),
    )

    class Meta:
        ordering = ["user__name", "user__email"]

    def __str__(self) -> str:
        return str(self.user)

    def is_trained_on(self, day) -> bool:
        return self.trained_on is not None and (
            self.training_expires is None or self.training_expires >= day
        )

    def get_roles_display(self) -> list[str]:
        labels = dict(ReviewerRole.choices)
        return [str(labels.get(role, role)) for role in self.roles]


class Conflict(models.Model):
    """A declared reason why a reviewer must not review a service, or any of an organisation's.

    Derived conflicts (own service, own organisation, reviewed that service last cycle) are
    computed by reviews/allocation/ and never stored.
    """

    class Kind(models.TextChoices):
        EMPLOYMENT = "employment", _("Worked there, or close to someone who does")
        PERSONAL = "personal", _("Personal relationship")
        COMMISSIONING = "commissioning", _("Commissioning or funding relationship")
        SERVICE_USE = "service_use", _("Used the service")
        COLLABORATION = "collaboration", _("Close working partnership")
        OTHER = "other", _("Other")

    reviewer = models.ForeignKey(
        ReviewerProfile, on_delete=models.CASCADE, related_name="conflicts"
    )
    service = models.ForeignKey(
        "assurance.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        "assurance.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    blocking = models.BooleanField(
        _("must not review"),
        default=True,
        help_text=_("Untick for a connection worth knowing about that does not rule them out."),
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-declared_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(service__isnull=False, organisation__isnull=True)
                | models.Q(service__isnull=True, organisation__isnull=False),
                name="conflict_names_service_or_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer}: {self.service or self.organisation} ({self.get_kind_display()})"


class Proposal(models.Model):
    """One run of the matcher for a cycle: what it proposed, and whether it was confirmed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Working out teams")
        READY = "ready", _("Ready to check")
        FAILED = "failed", _("Failed")
        CONFIRMED = "confirmed", _("Confirmed")

    cycle = models.ForeignKey("reviews.Cycle", on_delete=models.CASCADE, related_name="proposals")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # sha256 of the matcher's input: confirming is refused when the data changed since.
    input_sha256 = models.CharField(max_length=64, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.cycle}: proposal {self.pk} ({self.get_status_display()})"


class Assignment(models.Model):
    """A reviewer's place on one review's team, from invitation to acceptance or decline."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    ACTIVE = (Status.INVITED, Status.ACCEPTED)

    review = models.ForeignKey(
        "reviews.Review", on_delete=models.CASCADE, related_name="assignments"
    )
    reviewer = models.ForeignKey(
        ReviewerProfile, on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(max_length=10, choices=ReviewerRole.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    explanation = models.TextField(blank=True)
    conflict_waiver = models.TextField(
        blank=True, help_text=_("Why the coordinator allowed a declared conflict.")
    )
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    respond_by = models.DateField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True, max_length=2000)

    history = HistoricalRecords(get_user=history_actor())

    class Meta:
        ordering = ["review", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "reviewer"],
                condition=models.Q(status__in=["invited", "accepted"]),
                name="one_active_place_per_reviewer_per_review",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} – {self.get_role_display()}, {self.review}"
