"""Improvement reports: the issued versions, their render jobs, the accuracy check, and shares
with commissioning bodies.

A report is issued only by reviews/report/ (issue draft, publish, correct). A final report's
snapshot and bytes never change: a correction is a new version that supersedes it, and both
stay listed. Every download checks the stored bytes against `sha256`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from assurance.models import history_actor


class Report(models.Model):
    """One issued version of a review's improvement report."""

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FINAL = "final", _("Final")

    review = models.ForeignKey("reviews.Review", on_delete=models.PROTECT, related_name="reports")
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Everything the PDF shows, from reviews.report.build_report_context; never changed.
    snapshot = models.JSONField()
    pdf = models.FileField(upload_to="reports/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    summary_pdf = models.FileField(upload_to="reports/", blank=True)
    summary_sha256 = models.CharField(max_length=64, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    correction_note = models.TextField(_("what this correction changes"), blank=True)
    # The host service lead's agreement to a draft (needed before publishing).
    host_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    host_agreed_at = models.DateTimeField(null=True, blank=True)
    host_agreement_note = models.TextField(_("note with the agreement"), blank=True)

    # The snapshot never changes after issue; history keeps the host's agreement.
    history = HistoricalRecords(
        get_user=history_actor("host_agreed_by", "issued_by"), excluded_fields=["snapshot"]
    )

    class Meta:
        ordering = ["review", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="one_report_per_number"),
        ]

    def __str__(self) -> str:
        return f"{self.review}: {self.get_kind_display()} v{self.number}"

    @property
    def is_final(self) -> bool:
        return self.kind == self.Kind.FINAL


class ReportUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct foreign-key permission tables for reports (a hot model)."""

    content_object = models.ForeignKey(Report, on_delete=models.CASCADE)


class ReportGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Report, on_delete=models.CASCADE)


class RenderJob(models.Model):
    """One background render of a PDF, with its state for the page that waits on it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class What(models.TextChoices):
        REPORT = "report", _("Improvement report")
        SUMMARY = "summary", _("Commissioner summary")
        LEARNING = "learning", _("Network learning report")

    what = models.CharField(max_length=10, choices=What.choices)
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.CASCADE, related_name="render_jobs"
    )
    cycle = models.ForeignKey(
        "reviews.Cycle", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    # The output of a learning report render (reports keep theirs on the Report).
    pdf = models.FileField(upload_to="reports/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_what_display()}: {self.get_status_display()}"


class AccuracyComment(models.Model):
    """The host's comment on a draft report, and the lead reviewer's answer to it."""

    class Kind(models.TextChoices):
        FACTUAL = "factual", _("Factual error")
        CONTEXT = "context", _("Missing context")
        UPDATE = "update", _("Update since the visit")
        ACTION = "action", _("A change to an agreed action")

    class Answer(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        PARTLY = "partly", _("Partly accepted")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="accuracy_comments")
    # What it is about: "section:<key>", "finding:<pk>" or "action:<pk>".
    anchor = models.CharField(_("about"), max_length=100)
    kind = models.CharField(_("kind of comment"), max_length=10, choices=Kind.choices)
    body = models.TextField(_("comment"), max_length=10_000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    answer = models.CharField(_("answer"), max_length=15, choices=Answer.choices, blank=True)
    answer_reason = models.TextField(_("reason"), blank=True, max_length=10_000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(get_user=history_actor("answered_by", "author"))

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.anchor}"

    @property
    def is_answered(self) -> bool:
        return bool(self.answer)


class ReportShare(models.Model):
    """A service lead shares a review's published report with a commissioning body, until
    revoked. A share covers the review's final report and any correction of it."""

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="shares")
    body = models.ForeignKey(
        "assurance.CommissioningBody", on_delete=models.CASCADE, related_name="shares"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(get_user=history_actor("revoked_by", "granted_by"))

    class Meta:
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "body"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_share_per_body",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review} shared with {self.body}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
