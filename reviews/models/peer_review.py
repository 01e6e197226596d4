"""The peer review: the visit, the threads, the team's reflections and findings, and
safeguarding notes.

Who may see and change each of these, and in which states, is written once in
`reviews/peer_review/__init__.py`; the writes go through the modules beside it (visit, threads,
reflections, findings, safeguarding).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assurance.models import history_actor
from reviews.models.self_assessment import Rating


class Visit(models.Model):
    """The review team's visit to the host service. One per review.

    The lead reviewer edits it and the host's service lead co-edits; `version` refuses a save
    made from a stale page and numbers the calendar file's updates.
    """

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIRTUAL = "virtual", _("Virtual")
        HYBRID = "hybrid", _("Hybrid: some in person, some online")

    review = models.OneToOneField("reviews.Review", on_delete=models.CASCADE, related_name="visit")
    mode = models.CharField(_("how the visit happens"), max_length=20, choices=Mode.choices)
    starts_on = models.DateField(_("first day"), null=True, blank=True)
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    location = models.TextField(
        _("where"),
        blank=True,
        max_length=2_000,
        help_text=_("An address, or how to join online, with anything visitors need to know."),
    )
    access_needs = models.TextField(
        _("access needs"),
        blank=True,
        max_length=5_000,
        help_text=_(
            "Anything that helps everyone take part: step-free access, breaks, a quiet room, "
            "an interpreter, easy-read papers."
        ),
    )
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Visit: {self.review}"


class AgendaItem(models.Model):
    """One part of the visit: when, what, and who the team meets."""

    class Meets(models.TextChoices):
        STAFF = "staff", _("Staff group")
        PEOPLE_WHO_USE = "people_who_use", _("People who use the service")
        LEADERS = "leaders", _("Leaders")
        PARTNERS = "partners", _("Partners")
        FAMILIES = "families", _("Families and carers")
        COMMUNITY = "community", _("The whole community")
        TEAM = "team", _("The review team on its own")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="agenda")
    day = models.DateField(_("day"))
    starts_at = models.TimeField(_("starts"))
    ends_at = models.TimeField(_("ends"), null=True, blank=True)
    title = models.CharField(_("what happens"), max_length=200)
    meets = models.CharField(_("who the team meets"), max_length=20, choices=Meets.choices)
    note = models.TextField(_("note"), blank=True, max_length=2_000)

    class Meta:
        ordering = ["day", "starts_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Thread(models.Model):
    """A conversation on a review, optionally about one standard.

    `team` threads are for the review team and the network's coordinators only; `shared`
    threads are also a dialogue with the host service. The visibility never changes once the
    thread is started, so nothing said in private is ever shown to the host.
    """

    class Visibility(models.TextChoices):
        TEAM = "team", _("Review team only")
        SHARED = "shared", _("Shared with the service")

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="threads")
    standard = models.ForeignKey(
        "standards.Standard",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("standard"),
    )
    visibility = models.CharField(_("who can read it"), max_length=10, choices=Visibility.choices)
    title = models.CharField(_("subject"), max_length=200)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_comment_at = models.DateTimeField(default=timezone.now)

    # The time of the last comment is a convenience for sorting, not a change to the thread.
    history = HistoricalRecords(
        get_user=history_actor("started_by"), excluded_fields=["last_comment_at"]
    )

    class Meta:
        ordering = ["-last_comment_at", "-pk"]
        indexes = [models.Index(fields=["review", "visibility"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shared(self) -> bool:
        return self.visibility == self.Visibility.SHARED


class Comment(models.Model):
    """One message in a thread, kept in the order it was written. Its author may edit it (the
    edit is marked) until the report is published; nobody deletes it."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=10_000)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(get_user=history_actor("author"))

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.thread}: {self.body[:40]}"

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None


class Reflection(models.Model):
    """The review team's view of one standard, beside the service's own.

    Written by the team (any member), with a `version` for optimistic locking like responses.
    """

    class Agreement(models.TextChoices):
        AGREES = "agrees", _("Agrees with the service's own view")
        DIFFERS = "differs", _("Differs from the service's own view")

    review = models.ForeignKey(
        "reviews.Review", on_delete=models.CASCADE, related_name="reflections"
    )
    standard = models.ForeignKey("standards.Standard", on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(
        _("the team's view"), max_length=20, choices=Rating.choices, blank=True
    )
    agreement = models.CharField(
        _("compared with the service's view"),
        max_length=10,
        choices=Agreement.choices,
        blank=True,
    )
    rationale = models.TextField(_("why"), blank=True, max_length=10_000)
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
                fields=["review", "standard"], name="one_reflection_per_standard"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review}: {self.standard.code}"

    @property
    def is_recorded(self) -> bool:
        """The one rule for "the team has reflected on this standard"."""
        if not self.rating:
            return False
        return not (self.agreement == self.Agreement.DIFFERS and not self.rationale.strip())


class Finding(models.Model):
    """Something the team found, linked to standards and domains. Never a grade."""

    class Kind(models.TextChoices):
        STRENGTH = "strength", _("Strength")
        EVEN_BETTER_IF = "even_better_if", _("Even better if")
        DEVELOPMENT = "development", _("Area for development")
        LEARNING = "learning", _("Learning to share")

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(_("kind of finding"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("what the team found"), blank=True, max_length=20_000)
    standards = models.ManyToManyField(
        "standards.Standard", blank=True, related_name="+", verbose_name=_("standards")
    )
    domains = models.ManyToManyField(
        "standards.Domain", blank=True, related_name="+", verbose_name=_("domains")
    )
    order = models.PositiveIntegerField(default=0)
    agreed_with_host = models.BooleanField(_("agreed with the service"), default=False)
    started_from = models.ForeignKey(
        Comment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        help_text=_("The comment this finding grew from, if any."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_actor("created_by"))

    class Meta:
        ordering = ["kind", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class ReviewersSummary(models.Model):
    """The reviewers' summary: free text the lead reviewer writes for the report."""

    review = models.OneToOneField(
        "reviews.Review", on_delete=models.CASCADE, related_name="reviewers_summary"
    )
    text = models.TextField(_("reviewers' summary"), blank=True, max_length=20_000)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_actor("updated_by"))

    class Meta:
        verbose_name_plural = _("reviewers' summaries")

    def __str__(self) -> str:
        return f"Summary: {self.review}"


class SafeguardingNote(models.Model):
    """A concern a reviewer heard. Seen only by the lead reviewer, the network's coordinators,
    the host's service lead and the person who raised it; never in a report, an export, a
    notification's body or any other role's list."""

    class Status(models.TextChoices):
        OPEN = "open", _("Raised")
        PASSED_ON = "passed_on", _("Passed to the right person")
        CLOSED = "closed", _("Closed")

    review = models.ForeignKey(
        "reviews.Review", on_delete=models.CASCADE, related_name="safeguarding_notes"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField(_("what you heard or saw"), max_length=10_000)
    raised_to = models.CharField(
        _("who you have told"),
        max_length=300,
        blank=True,
        help_text=_("For example, the service's safeguarding lead, by phone, on the day."),
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    status_note = models.TextField(_("what has happened since"), blank=True, max_length=5_000)
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_actor("updated_by", "raised_by"))

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Safeguarding note {self.pk} on {self.review}"
