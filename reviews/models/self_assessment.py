"""The self-assessment: a response per standard, the voices on it, and the evidence.

Responses and perspectives carry a `version` for optimistic locking; every write goes through
`reviews.self_assessment`, which refuses a save made from a stale version and any edit once the
review has left `self_assessment`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assurance.models import history_actor


class Rating(models.TextChoices):
    """A developmental rating: a view of one standard, never added up into a score."""

    MET = "met", _("Met")
    PARTLY_MET = "partly_met", _("Partly met")
    NOT_YET_MET = "not_yet_met", _("Not yet met")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Response(models.Model):
    """A service's self-assessment of one standard within a review."""

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="responses")
    standard = models.ForeignKey(
        "standards.Standard", on_delete=models.PROTECT, related_name="responses"
    )
    rating = models.CharField(_("your view"), max_length=20, choices=Rating.choices, blank=True)
    narrative = models.TextField(_("what we do"), blank=True, max_length=20_000)
    development_ideas = models.TextField(
        _("what we want to develop"), blank=True, max_length=20_000
    )
    not_applicable_reason = models.TextField(
        _("why this standard does not apply"), blank=True, max_length=5_000
    )
    carried = models.BooleanField(
        _("carried from last cycle, please check"),
        default=False,
        help_text=_("Copied from the last review; cleared when someone saves it."),
    )
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_actor("updated_by"))

    class Meta:
        ordering = ["standard__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "standard"], name="one_response_per_standard"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review}: {self.standard.code}"

    @property
    def is_answered(self) -> bool:
        """A rating, and for not applicable a reason: what submitting needs."""
        if self.rating == Rating.NOT_APPLICABLE:
            return bool(self.not_applicable_reason.strip())
        return bool(self.rating)


class Perspective(models.Model):
    """One voice on a response: what staff, people who use the service, families or partners
    said about this standard, and how it was gathered."""

    class Voice(models.TextChoices):
        STAFF = "staff", _("Staff")
        PEOPLE_USING_SERVICE = "people_using_service", _("People who use the service")
        FAMILIES_CARERS = "families_carers", _("Families and carers")
        PARTNERS = "partners", _("Partner agencies")

    class Method(models.TextChoices):
        GROUP = "group", _("Group discussion")
        SURVEY = "survey", _("Survey")
        ONE_TO_ONE = "one_to_one", _("One-to-one conversations")
        WRITTEN = "written", _("Written contributions")

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="perspectives")
    voice = models.CharField(_("whose voice"), max_length=30, choices=Voice.choices)
    text = models.TextField(_("what people said"), max_length=20_000)
    people_count = models.PositiveIntegerField(
        _("how many people this represents"), null=True, blank=True
    )
    method = models.CharField(_("how it was gathered"), max_length=20, choices=Method.choices)
    co_produced = models.BooleanField(
        _("written together with the people whose voice it is"), default=False
    )
    carried = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_actor("updated_by", "added_by"))

    class Meta:
        ordering = ["voice", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_voice_display()} on {self.response}"


def evidence_path(evidence: "Evidence", filename: str) -> str:
    """A random, non-guessable storage name; the original name is kept in the database only."""
    import secrets

    return f"evidence/{evidence.review_id}/{secrets.token_urlsafe(24)}"


class Evidence(models.Model):
    """A document, link or note that supports one or more responses."""

    class Kind(models.TextChoices):
        FILE = "file", _("File")
        LINK = "link", _("Link")
        NOTE = "note", _("Note")

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="evidence")
    responses = models.ManyToManyField(Response, related_name="evidence", blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to=evidence_path, blank=True, max_length=200)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    url = models.URLField(_("web address"), blank=True, max_length=2000)
    note = models.TextField(_("note"), blank=True, max_length=20_000)
    no_identifiers_attested = models.BooleanField(
        _("contains no names or other details that identify people who use the service"),
        default=False,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_actor("uploaded_by"))

    class Meta:
        ordering = ["-uploaded_at", "pk"]
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.title
