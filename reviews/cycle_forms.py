"""Forms of the coordinator's cycle pages: open or change a cycle, enrol services, filter the
board. The writes themselves are `reviews.cycles.open_cycle` and `reviews.cycles.enrol`;
changing a cycle is a plain `ModelForm.save()`.

Dates are GOV.UK date inputs (day, month and year boxes, `GovUKDateField`): they read the same
in every browser and locale, and say exactly what is wrong with a date.
"""

from datetime import date

from django import forms
from django.db.models import Count, Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from assurance.models import Network, Service
from reviews.models import Cycle, Review
from standards.models import FrameworkVersion

# Dates ---------------------------------------------------------------------------------------


class GovUKDateInput(forms.Widget):
    """Three boxes, day, month and year, named `<name>_day`, `<name>_month`, `<name>_year`.

    The day box carries the field's id, so labels and error summary links land on it. The page
    wraps the boxes in a fieldset (templates/reviews/cycles/_date_field.html).
    """

    template_name = "reviews/cycles/_date_input_widget.html"
    PARTS = (("day", _("Day"), 2), ("month", _("Month"), 2), ("year", _("Year"), 4))

    def format_value(self, value) -> tuple[str, str, str]:
        if isinstance(value, date):
            return (str(value.day), str(value.month), str(value.year))
        if isinstance(value, (list, tuple)) and len(value) == 3:
            return tuple(str(part or "") for part in value)
        return ("", "", "")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        field_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        values = context["widget"]["value"]
        context["widget"]["error"] = context["widget"]["attrs"].get("aria-invalid") == "true"
        context["widget"]["parts"] = [
            {
                "name": f"{name}_{part}",
                "id": field_id if part == "day" else f"{field_id}_{part}",
                "label": label,
                "width": width,
                "value": values[index],
            }
            for index, (part, label, width) in enumerate(self.PARTS)
        ]
        return context

    def value_from_datadict(self, data, files, name) -> tuple[str, str, str]:
        return tuple((data.get(f"{name}_{part}") or "").strip() for part, _label, _w in self.PARTS)

    def value_omitted_from_data(self, data, files, name) -> bool:
        return not any(f"{name}_{part}" in data for part, _label, _w in self.PARTS)


class GovUKDateField(forms.Field):
    """A date from three boxes, with GOV.UK's messages: what is missing, or that the date is
    not a real one. `what` names the date inside a sentence ("the date the self-assessment
    opens")."""

    widget = GovUKDateInput

    def __init__(self, *, what: str, **kwargs):
        self.what = what
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", _("Enter %(what)s.") % {"what": what})
        super().__init__(**kwargs)

    def to_python(self, value) -> date | None:
        if isinstance(value, date) or value in (None, ""):
            return value or None
        day, month, year = value
        if not (day or month or year):
            return None
        missing = [
            label
            for part, label in zip(
                (day, month, year), (_("day"), _("month"), _("year")), strict=True
            )
            if not part
        ]
        what = capfirst(self.what)
        if missing:
            raise forms.ValidationError(
                _("%(what)s must include a %(part)s.") % {"what": what, "part": missing[0]},
                code="incomplete",
            )
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise forms.ValidationError(
                _("%(what)s must be a real date, in numbers.") % {"what": what}, code="invalid"
            )
        if len(year) != 4:
            raise forms.ValidationError(
                _("%(what)s must have a year with 4 numbers, like 2027.") % {"what": what},
                code="invalid",
            )
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(
                _("%(what)s must be a real date.") % {"what": what}, code="invalid"
            ) from None

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(data) != initial
        except forms.ValidationError:
            return True


DATE_FIELDS = ("opens_on", "self_assessment_due", "visits_from", "visits_until", "report_due")
# Each date must fall on or after the one before it; the message goes on the later date.
DATE_ORDER = (
    (
        "opens_on",
        "self_assessment_due",
        _("The self-assessment must be due on or after the day it opens."),
    ),
    (
        "self_assessment_due",
        "visits_from",
        _("Visits must start on or after the day the self-assessment is due."),
    ),
    ("visits_from", "visits_until", _("The last day of visits must be on or after the first.")),
    ("visits_until", "report_due", _("Reports must be due on or after the last day of visits.")),
)


def version_label(version: FrameworkVersion) -> str:
    return _("%(framework)s, version %(label)s") % {
        "framework": version.framework.name,
        "label": version.label,
    }


class _VersionsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: FrameworkVersion) -> str:
        return version_label(obj)


class _VersionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FrameworkVersion) -> str:
        return version_label(obj)


# Opening and changing a cycle ------------------------------------------------------------------


class CycleForm(forms.ModelForm):
    """Open a cycle (no instance) or change one.

    A new cycle chooses its network from `networks` (the field is left out when there is only
    one). The framework versions offered are those in use (published); an existing cycle also
    lists the versions it already offers, and refuses to stop offering one that reviews use.
    """

    name = forms.CharField(
        label=_("Name of the cycle"),
        max_length=100,
        help_text=_("For example, 2027 or Spring 2027. Services see this name."),
        error_messages={"required": _("Enter a name for the cycle.")},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
    )
    framework_versions = _VersionsField(
        label=_("Frameworks offered"),
        queryset=FrameworkVersion.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each service works to one of these. You choose which when you enrol it."),
        error_messages={
            "required": _("Choose at least one framework to offer."),
            "invalid_choice": _("Choose frameworks from the list."),
            "invalid_pk_value": _("Choose frameworks from the list."),
        },
    )
    opens_on = GovUKDateField(
        label=_("Self-assessment opens"),
        what=_("the date the self-assessment opens"),
        help_text=_("For example, 4 1 2027. Each date has a day, a month and a year."),
    )
    self_assessment_due = GovUKDateField(
        label=_("Self-assessment due"), what=_("the date the self-assessment is due")
    )
    visits_from = GovUKDateField(label=_("Visits from"), what=_("the first day of visits"))
    visits_until = GovUKDateField(label=_("Visits until"), what=_("the last day of visits"))
    report_due = GovUKDateField(label=_("Reports due"), what=_("the date reports are due"))

    class Meta:
        model = Cycle
        fields = ["network", "name", "framework_versions", *DATE_FIELDS]
        error_messages = {"network": {"required": _("Choose the network the cycle is for.")}}

    def __init__(self, *args, networks: list[Network] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk or not networks or len(networks) == 1:
            del self.fields["network"]
            if not self.instance.pk and networks:
                self.instance.network = networks[0]
        else:
            self.fields["network"].queryset = Network.objects.filter(
                pk__in=[network.pk for network in networks]
            )
            self.fields["network"].empty_label = _("Choose a network")
        offered = Q(status=FrameworkVersion.Status.PUBLISHED)
        if self.instance.pk:
            offered |= Q(cycles=self.instance)
        self.fields["framework_versions"].queryset = (
            FrameworkVersion.objects.filter(offered)
            .select_related("framework")
            .distinct()
            .order_by("framework__name", "-published_at")
        )

    def chosen_network(self) -> Network | None:
        return self.cleaned_data.get("network") or getattr(self.instance, "network", None)

    def clean_framework_versions(self) -> QuerySet:
        chosen = self.cleaned_data["framework_versions"]
        if not self.instance.pk:
            return chosen
        in_use = (
            Review.objects.filter(cycle=self.instance)
            .exclude(framework_version__in=chosen)
            .values("framework_version")
            .annotate(reviews=Count("pk"))
            .order_by("framework_version")
        )
        versions = FrameworkVersion.objects.select_related("framework").in_bulk(
            [row["framework_version"] for row in in_use]
        )
        for row in in_use:
            self.add_error(
                "framework_versions",
                _(
                    "%(reviews)d enrolled reviews use %(version)s, so the cycle must keep "
                    "offering it."
                )
                % {"reviews": row["reviews"], "version": versions[row["framework_version"]]}
                if row["reviews"] != 1
                else _("An enrolled review uses %(version)s, so the cycle must keep offering it.")
                % {"version": versions[row["framework_version"]]},
            )
        return chosen

    def clean(self):
        cleaned = super().clean()
        # Compare the dates as given: add_error() takes a date out of cleaned_data.
        dates = {name: cleaned.get(name) for name in DATE_FIELDS}
        for earlier, later, message in DATE_ORDER:
            first, second = dates[earlier], dates[later]
            if first and second and second < first:
                self.add_error(later, message)
        # The unique constraint names the network, which is not always a field here, so
        # ModelForm would not check it; check it ourselves rather than fail on save.
        network, name = self.chosen_network(), cleaned.get("name")
        if network and name:
            taken = Cycle.objects.filter(network=network, name__iexact=name).exclude(
                pk=self.instance.pk
            )
            if taken.exists():
                self.add_error("name", _("This network already has a cycle with this name."))
        return cleaned

    def dates(self) -> dict[str, date]:
        return {name: self.cleaned_data[name] for name in DATE_FIELDS}


# Enrolling services --------------------------------------------------------------------------


class EnrolForm(forms.Form):
    """Which services to enrol in a cycle, and the framework version they work to.

    `services` validates against every active service of the cycle's network (the page lists
    only those not yet enrolled), so a service enrolled meanwhile by someone else is reported
    by `enrol()` for that one service instead of refusing the whole form. Any other id is an
    invalid choice. With one version offered, the version field is left out.
    """

    services = forms.ModelMultipleChoiceField(
        label=_("Services to enrol"),
        queryset=Service.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one service to enrol."),
            "invalid_choice": _("Choose services from the list."),
            "invalid_pk_value": _("Choose services from the list."),
        },
    )
    version = _VersionField(
        label=_("Framework the services work to"),
        queryset=FrameworkVersion.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        help_text=_(
            "Services enrolled together work to the same framework. To give some services "
            "another one, enrol them separately."
        ),
        error_messages={
            "required": _("Choose the framework the services work to."),
            "invalid_choice": _("Choose a framework this cycle offers."),
        },
    )

    def __init__(self, *args, cycle: Cycle, services: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = services
        versions = cycle.framework_versions.select_related("framework").order_by(
            "framework__name", "-published_at"
        )
        listed = list(versions)
        self.single_version = listed[0] if len(listed) == 1 else None
        if len(listed) <= 1:
            del self.fields["version"]
        else:
            self.fields["version"].queryset = versions
            self.fields["version"].initial = listed[0].pk

    def chosen_version(self) -> FrameworkVersion:
        return self.cleaned_data.get("version") or self.single_version


# Filtering the board ---------------------------------------------------------------------------


class BoardFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search by service name"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"class": "govuk-input--width-20"}),
    )
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", _("Any stage")), *Review.Status.choices],
        widget=forms.Select(attrs={"class": "govuk-!-width-full"}),
    )
