"""Agreed actions and their progress, carried from one cycle's review into the next."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assurance.models import history_actor


class Action(models.Model):
    """An agreed improvement, drafted with the report and carried into the next review."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    OPEN = (Status.PLANNED, Status.IN_PROGRESS)

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=300)
    detail = models.TextField(_("detail"), blank=True, max_length=20_000)
    standards = models.ManyToManyField("standards.Standard", blank=True, related_name="+")
    findings = models.ManyToManyField(
        "reviews.Finding", blank=True, related_name="actions", verbose_name=_("linked findings")
    )
    owner_role = models.CharField(_("who leads it"), max_length=200, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    dropped_reason = models.TextField(_("why it was dropped"), blank=True)
    # Optimistic lock: the lead reviewer drafts actions while the host proposes changes.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_actor())

    class Meta:
        # Actions without a due date last, on every database.
        ordering = [models.F("due_on").asc(nulls_last=True), "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ActionProgress(models.Model):
    """A dated progress note on an action, given during a review (often the next one)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="progress")
    review = models.ForeignKey(
        "reviews.Review",
        on_delete=models.CASCADE,
        related_name="action_progress",
        help_text=_("The review in which this progress was reported."),
    )
    note = models.TextField(_("progress"), max_length=5_000)
    status = models.CharField(max_length=20, choices=Action.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_actor("by"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name_plural = _("action progress")

    def __str__(self) -> str:
        return f"{self.action}: {self.get_status_display()}"
