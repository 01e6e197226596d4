"""Cycles and reviews: the review cycle's spine.

`Review.status` changes only through `reviews.workflow.transition`, which writes a
`ReviewEvent` for every move. Nothing else assigns it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class Cycle(models.Model):
    """A network-wide round of reviews, e.g. "2027"."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    network = models.ForeignKey(
        "assurance.Network", on_delete=models.PROTECT, related_name="cycles"
    )
    name = models.CharField(_("name"), max_length=100)
    framework_versions = models.ManyToManyField(
        "standards.FrameworkVersion",
        related_name="cycles",
        verbose_name=_("frameworks offered"),
    )
    opens_on = models.DateField(_("self-assessment opens"))
    self_assessment_due = models.DateField(_("self-assessment due"))
    visits_from = models.DateField(_("visits from"))
    visits_until = models.DateField(_("visits until"))
    report_due = models.DateField(_("reports due"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "name"], name="unique_cycle_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    """One service's journey through one cycle against one framework version.

    The status changes only through `reviews.workflow.transition(review, to, by=...)`.
    """

    class Status(models.TextChoices):
        SELF_ASSESSMENT = "self_assessment", _("Self-assessment")
        SUBMITTED = "submitted", _("Submitted")
        PEER_REVIEW = "peer_review", _("Peer review")
        DRAFTING = "drafting", _("Drafting the report")
        ACCURACY_CHECK = "accuracy_check", _("Accuracy check")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Groups of states, defined once for queries and templates.
    EDITABLE_BY_SERVICE = (Status.SELF_ASSESSMENT,)
    READABLE_BY_REVIEWERS = (
        Status.SUBMITTED,
        Status.PEER_REVIEW,
        Status.DRAFTING,
        Status.ACCURACY_CHECK,
        Status.PUBLISHED,
        Status.CLOSED,
    )
    FINISHED = (Status.PUBLISHED, Status.CLOSED, Status.WITHDRAWN)
    # The peer review (reviews/peer_review/): when each part of it may be written.
    VISIT_PLANNING = (Status.SUBMITTED, Status.PEER_REVIEW)
    OPEN_FOR_DIALOGUE = (Status.PEER_REVIEW, Status.DRAFTING, Status.ACCURACY_CHECK)
    TEAM_WRITING = (Status.PEER_REVIEW, Status.DRAFTING)
    SAFEGUARDING_OPEN = (
        Status.SUBMITTED,
        Status.PEER_REVIEW,
        Status.DRAFTING,
        Status.ACCURACY_CHECK,
        Status.PUBLISHED,
    )

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="reviews")
    service = models.ForeignKey(
        "assurance.Service", on_delete=models.PROTECT, related_name="reviews"
    )
    framework_version = models.ForeignKey(
        "standards.FrameworkVersion", on_delete=models.PROTECT, related_name="reviews"
    )
    status = models.CharField(
        _("stage"), max_length=20, choices=Status.choices, default=Status.SELF_ASSESSMENT
    )
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_reviews",
        verbose_name=_("previous review"),
    )
    self_assessment_due = models.DateField(_("self-assessment due"))
    carried_forward_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the service chose to start from last cycle.")
    )
    # Optimistic lock for status changes: a move made from a stale page is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["cycle", "service__name"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "service"], name="one_review_per_cycle"),
        ]
        permissions = [
            ("contribute_review", _("Can add perspectives and evidence to a self-assessment")),
            ("submit_review", _("Can submit the self-assessment")),
            ("manage_review", _("Can run the review for the network")),
            ("lead_review", _("Can lead the peer review and write the report")),
            ("team_review", _("Can work as the review team: team-only threads, reflections")),
        ]

    def __str__(self) -> str:
        return f"{self.service} – {self.cycle}"

    @property
    def is_editable_by_service(self) -> bool:
        return self.status in self.EDITABLE_BY_SERVICE


class ReviewEvent(models.Model):
    """One move of a review from one state to another: the review's history."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=Review.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Review.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.review}: {self.from_status or '–'} → {self.to_status}"


class ReviewUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct foreign-key permission table for reviews (a hot model)."""

    content_object = models.ForeignKey(Review, on_delete=models.CASCADE)


class ReviewGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Review, on_delete=models.CASCADE)
