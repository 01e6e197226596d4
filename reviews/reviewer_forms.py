"""Forms of the reviewer pages: a reviewer's own availability and conflicts, their answer to an
invitation, and the coordinator's record of the pool (profiles, training, conflicts).

Profiles and conflicts are plain records, saved by these forms; an answer to an invitation goes
through `reviews.allocation.respond`, which changes the assignment and the access it gives.
"""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from assurance.models import Membership, Organisation, Region, Service, User
from reviews.cycle_forms import GovUKDateField
from reviews.models import Conflict, ReviewerProfile, ReviewerRole


def _any(label: str, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


def _checkboxes(label: str, choices, *, required: bool = False, **kwargs):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.CheckboxSelectMultiple,
        **kwargs,
    )


# Availability --------------------------------------------------------------------------------


class AvailabilityForm(forms.ModelForm):
    """What a reviewer says about themselves: how much, where, which settings, and whether now."""

    capacity = forms.IntegerField(
        label=_("How many reviews you can take part in each cycle"),
        min_value=0,
        max_value=10,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-2"}),
        error_messages={
            "required": _("Enter how many reviews you can take part in each cycle"),
            "invalid": _("Enter a whole number of reviews, like 2"),
            "min_value": _("The number of reviews must be 0 or more"),
            "max_value": _("The number of reviews must be 10 or fewer"),
        },
    )
    regions = _checkboxes(
        _("Regions you can travel to"),
        Region.choices,
        help_text=_("Your own service's region always counts. Select all that apply."),
    )
    setting_types = _checkboxes(
        _("Kinds of setting you know well"),
        Service.SettingType.choices,
        help_text=_("Your own service's kind of setting always counts. Select all that apply."),
    )
    active = forms.BooleanField(
        label=_("I am available to review"),
        required=False,
        help_text=_("Untick while you are away or cannot take on reviews for now."),
    )

    class Meta:
        model = ReviewerProfile
        fields = ["capacity", "regions", "setting_types", "active"]


class CoordinatorProfileForm(AvailabilityForm):
    """The coordinator also records the roles a person is trained for, and when."""

    roles = _checkboxes(
        _("Roles they are trained for"),
        ReviewerRole.choices,
        required=True,
        error_messages={"required": _("Select at least one role they are trained for")},
    )
    trained_on = GovUKDateField(
        label=_("Trained on (optional)"),
        what=_("the date they were trained"),
        required=False,
        help_text=_("For example, 27 3 2026"),
    )
    training_expires = GovUKDateField(
        label=_("Training expires (optional)"),
        what=_("the date their training expires"),
        required=False,
        help_text=_("Leave empty if it does not expire."),
    )

    class Meta(AvailabilityForm.Meta):
        fields = ["roles", "trained_on", "training_expires", *AvailabilityForm.Meta.fields]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["capacity"].label = _("Reviews per cycle")
        self.fields["active"].label = _("Available to review")
        self.fields["regions"].label = _("Regions they can travel to")
        self.fields["setting_types"].label = _("Kinds of setting they know well")

    def clean(self):
        cleaned = super().clean()
        trained, expires = cleaned.get("trained_on"), cleaned.get("training_expires")
        if expires and not trained:
            self.add_error("trained_on", _("Enter the date they were trained"))
        elif trained and expires and expires < trained:
            self.add_error(
                "training_expires",
                _("The date their training expires must be after the date they were trained"),
            )
        return cleaned


# Adding someone to the pool -------------------------------------------------------------------


class _MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user} ({obj.user.email}), {obj.service.name}"


class ReviewerAddForm(CoordinatorProfileForm):
    """Make an active member of a network service a reviewer; their service is their home."""

    membership = _MemberChoiceField(
        label=_("Person"),
        queryset=Membership.objects.none(),
        empty_label=_("Choose a person"),
        help_text=_(
            "Members of your network's services who are not reviewers yet. Their service "
            "becomes their home service: they are never asked to review it."
        ),
        error_messages={"required": _("Choose the person to add")},
    )

    def __init__(self, *args, candidates: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = candidates
        self.order_fields(["membership"])

    def save(self, commit: bool = True) -> ReviewerProfile:
        membership = self.cleaned_data["membership"]
        self.instance.user = membership.user
        self.instance.home_service = membership.service
        return super().save(commit)


def candidate_members(networks) -> QuerySet:
    """Active members of the networks' services who have no reviewer profile yet."""
    return (
        Membership.objects.active()
        .filter(service__network__in=networks, user__reviewer_profile__isnull=True)
        .select_related("user", "service")
        .order_by("user__name", "user__email", "service__name")
    )


# Conflicts ----------------------------------------------------------------------------------


class _ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.name} ({obj.organisation.name})"


class ConflictForm(forms.ModelForm):
    """A declared conflict with one service, or with every service of one organisation."""

    service = _ServiceChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Choose a service"),
    )
    organisation = forms.ModelChoiceField(
        label=_("Or a whole organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Choose an organisation"),
        help_text=_("Choose this instead when the conflict is with all of its services."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of conflict"),
        choices=Conflict.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select the kind of conflict")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything the coordinator should know. Do not name people who use a service."),
    )

    class Meta:
        model = Conflict
        fields = ["service", "organisation", "kind", "blocking", "note"]

    def __init__(self, *args, reviewer: ReviewerProfile, by: User, **kwargs):
        super().__init__(*args, **kwargs)
        network = reviewer.home_service.network
        self.instance.reviewer = reviewer
        self.instance.declared_by = by
        self.fields["service"].queryset = (
            Service.objects.filter(network=network)
            .select_related("organisation")
            .order_by("name", "organisation__name")
        )
        self.fields["organisation"].queryset = (
            Organisation.objects.filter(services__network=network).distinct().order_by("name")
        )

    def clean(self):
        cleaned = super().clean()
        service, organisation = cleaned.get("service"), cleaned.get("organisation")
        if service and organisation:
            self.add_error("organisation", _("Choose a service or an organisation, not both"))
        elif not service and not organisation and not self.has_error("service"):
            self.add_error("service", _("Choose the service or the organisation"))
        return cleaned


# Answering an invitation ------------------------------------------------------------------------


class RespondForm(forms.Form):
    ANSWERS = [
        ("accept", _("Yes, I will take part")),
        ("decline", _("No, I cannot take part")),
    ]

    answer = forms.ChoiceField(
        label=_("Can you take part in this review?"),
        choices=ANSWERS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select whether you can take part")},
    )
    reason = forms.CharField(
        label=_("If you cannot, why not?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The coordinator reads this. A sentence is enough, like 'On leave that week'."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("answer") == "decline" and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say briefly why you cannot take part"))
        return cleaned

    @property
    def accepted(self) -> bool:
        return self.cleaned_data["answer"] == "accept"


# The coordinator's list ------------------------------------------------------------------------


class ReviewerFilterForm(forms.Form):
    STATUS_CHOICES = [("", _("Any")), ("active", _("Available")), ("inactive", _("Not available"))]

    q = forms.CharField(
        label=_("Search by name or email address"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"class": "govuk-input--width-20"}),
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=_any(_("Any role"), ReviewerRole.choices)
    )
    region = forms.ChoiceField(
        label=_("Region"), required=False, choices=_any(_("Any region"), Region.choices)
    )
    status = forms.ChoiceField(label=_("Available"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "govuk-!-width-full"
