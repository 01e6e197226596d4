"""Standards frameworks and their immutable editions.

A `FrameworkVersion` and everything under it (domains, standards, the crosswalk into it) is
written once, by `standards.yaml_format.import_framework`, and never changed afterwards: a new
edition is a new version imported beside the old one. The only later change is
`FrameworkVersion.retire()`, which stops a version being offered for new cycles.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Framework(models.Model):
    slug = models.SlugField(_("identifier"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    licence = models.CharField(_("licence or source"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("framework")

    def __str__(self) -> str:
        return self.name


class FrameworkVersion(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("In use")
        RETIRED = "retired", _("Retired")

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="versions")
    label = models.CharField(_("version"), max_length=40)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PUBLISHED
    )
    published_at = models.DateTimeField(_("imported"), default=timezone.now)
    imported_by = models.ForeignKey(
        "assurance.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    change_notes = models.TextField(_("change notes"), blank=True)
    # sha256 of the canonical document, so a re-import can tell "identical" from "different".
    content_sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["framework__name", "-published_at"]
        verbose_name = _("framework version")
        constraints = [
            models.UniqueConstraint(fields=["framework", "label"], name="unique_version_label")
        ]
        permissions = [("import_framework", _("Can import, export and retire frameworks"))]

    def __str__(self) -> str:
        return f"{self.framework.name} {self.label}"

    @property
    def reference(self) -> str:
        """The `slug@label` form used by crosswalks and the command line."""
        return f"{self.framework.slug}@{self.label}"

    def retire(self) -> None:
        self.status = self.Status.RETIRED
        self.save(update_fields=["status"])


class Domain(models.Model):
    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="domains")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    order = models.PositiveIntegerField(_("order"))

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_domain_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Standard(models.Model):
    class Type(models.TextChoices):
        ESSENTIAL = "essential", _("Essential")
        EXPECTED = "expected", _("Expected")
        DESIRABLE = "desirable", _("Desirable")

    class Voice(models.TextChoices):
        """Who a review should ask about a standard (the `ask` list of the YAML format)."""

        STAFF = "staff", _("Staff")
        PEOPLE_USING_SERVICE = "people_using_service", _("People who use the service")
        FAMILIES_CARERS = "families_carers", _("Families and carers")
        PARTNERS = "partners", _("Partner agencies")
        LEADERS = "leaders", _("Leaders")

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="standards"
    )
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="standards")
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=300)
    statement = models.TextField(_("statement"))
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    guidance = models.TextField(_("guidance"), blank=True)
    evidence_prompts = models.JSONField(_("evidence prompts"), default=list, blank=True)
    ask = models.JSONField(_("who to ask"), default=list, blank=True)
    order = models.PositiveIntegerField(_("order"))

    class Meta:
        ordering = ["domain__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_standard_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_ask_display(self) -> list[str]:
        labels = dict(self.Voice.choices)
        return [str(labels.get(value, value)) for value in self.ask]


class Crosswalk(models.Model):
    """How the standards of an earlier version map onto a later one."""

    from_version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="crosswalks_out"
    )
    to_version = models.OneToOneField(
        FrameworkVersion, on_delete=models.CASCADE, related_name="crosswalk_in"
    )

    def __str__(self) -> str:
        return f"{self.from_version.reference} → {self.to_version.reference}"


class CrosswalkLink(models.Model):
    class Relation(models.TextChoices):
        EQUAL = "equal", _("Same meaning")
        NARROWER = "narrower", _("Narrower")
        BROADER = "broader", _("Broader")
        RELATED = "related", _("Related")

    crosswalk = models.ForeignKey(Crosswalk, on_delete=models.CASCADE, related_name="links")
    source = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="crosswalk_links")
    relation = models.CharField(max_length=20, choices=Relation.choices)
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["crosswalk", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["crosswalk", "source", "target"], name="unique_crosswalk_link"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.code} → {self.target.code} ({self.get_relation_display()})"
