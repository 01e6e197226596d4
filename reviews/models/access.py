"""The access log: who read which sensitive thing (evidence files, reports), and when."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AccessLog(models.Model):
    class Kind(models.TextChoices):
        EVIDENCE = "evidence", "Evidence file"
        REPORT = "report", "Report"
        SUMMARY = "summary", "Commissioner summary of a report"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    review = models.ForeignKey(
        "reviews.Review", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.user} read {self.kind} {self.object_id} at {self.at:%Y-%m-%d %H:%M}"
