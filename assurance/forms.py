"""Forms of the network, and the renderer that gives every Django form GOV.UK markup."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from assurance import permissions
from assurance.models import (
    CommissioningBody,
    Invitation,
    Membership,
    Network,
    Organisation,
    Region,
    Service,
)


class GovUKFormRenderer(TemplatesSetting):
    """Render `{{ form }}` and `{{ field }}` with GOV.UK Frontend's markup and error messages."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"


class NewAccountForm(forms.Form):
    """The account a person creates when they accept their first invitation."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("As you would like colleagues to see it."),
    )
    password1 = forms.CharField(
        label=_("Create a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. A few unrelated words are easy to remember."),
        strip=False,
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password2") != cleaned.get("password1"):
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned


# The network's records: organisations, services and commissioning bodies -----------------


class _RecordForm(forms.ModelForm):
    """A ModelForm in GOV.UK words: each menu's empty choice says what to choose (`choose`),
    and a missing answer says what to do (`required`), both keyed by field name."""

    choose: dict[str, str] = {}
    required: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.choose.items():
            field = self.fields.get(name)
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = label
            elif isinstance(field, forms.ChoiceField):
                field.choices = [("", label), *(c for c in field.choices if c[0] != "")]
        for name, message in self.required.items():
            if name in self.fields:
                self.fields[name].error_messages["required"] = message


_SERVICE_CHOOSE = {
    "network": _("Choose a network"),
    "organisation": _("Choose an organisation"),
    "setting_type": _("Choose a type of setting"),
    "region": _("Choose a region"),
}
_SERVICE_REQUIRED = {
    "network": _("Choose the network the service belongs to."),
    "organisation": _("Choose the organisation that runs the service."),
    "name": _("Enter the service's name."),
    "setting_type": _("Choose the type of setting."),
    "region": _("Choose the region the service is in."),
}
_SERVICE_ERRORS = {
    NON_FIELD_ERRORS: {
        "unique_together": _("This organisation already runs a service with this name."),
    }
}


class OrganisationForm(_RecordForm):
    """Add or change an organisation. Organisations belong to no network (see views/network.py)."""

    choose = {"kind": _("Choose a kind"), "region": _("Choose a region")}
    required = {
        "name": _("Enter the organisation's name."),
        "kind": _("Choose the kind of organisation."),
        "region": _("Choose the region the organisation is based in."),
    }

    class Meta:
        model = Organisation
        fields = ["name", "kind", "region"]
        labels = {"kind": _("Kind of organisation")}
        error_messages = {"name": {"unique": _("There is already an organisation with this name.")}}


class ServiceCreateForm(_RecordForm):
    """A coordinator adds a service to one of their networks.

    `networks` are the networks the person coordinates. With only one, the field is left out
    and the service joins that network.
    """

    class Meta:
        model = Service
        fields = [
            "network",
            "organisation",
            "name",
            "setting_type",
            "region",
            "population",
            "capacity",
            "description",
        ]
        help_texts = {"description": _("How the service describes itself, in its own words.")}
        error_messages = _SERVICE_ERRORS

    choose = _SERVICE_CHOOSE
    required = _SERVICE_REQUIRED

    def __init__(self, *args, networks: list[Network], **kwargs):
        super().__init__(*args, **kwargs)
        if len(networks) == 1:
            del self.fields["network"]
            self.instance.network = networks[0]
        else:
            self.fields["network"].queryset = Network.objects.filter(
                pk__in=[network.pk for network in networks]
            )
        self.fields["organisation"].help_text = _(
            "The provider that runs the service. Add it first if it is not in the list."
        )


class ServiceForm(_RecordForm):
    """A coordinator changes a service. The network is fixed: its coordinators' access
    was granted when the service was created (assurance/permissions.py)."""

    class Meta:
        model = Service
        fields = [
            "organisation",
            "name",
            "setting_type",
            "region",
            "population",
            "capacity",
            "description",
            "active",
        ]
        help_texts = {
            "description": _("How the service describes itself, in its own words."),
            "active": _("Untick when the service leaves the network. Its history is kept."),
        }
        error_messages = _SERVICE_ERRORS

    choose = _SERVICE_CHOOSE
    required = _SERVICE_REQUIRED


class ServiceLeadForm(forms.ModelForm):
    """A service lead changes how their service describes itself; nothing that places it."""

    class Meta:
        model = Service
        fields = list(permissions.SERVICE_FIELDS_A_LEAD_MAY_CHANGE)
        help_texts = {"description": _("How the service describes itself, in its own words.")}


class CommissioningBodyForm(_RecordForm):
    """Add or change a commissioning body. A new body chooses its network from `networks`
    (left out when there is only one); an existing body keeps its network."""

    class Meta:
        model = CommissioningBody
        fields = ["network", "name", "kind", "region"]
        labels = {"kind": _("Kind of commissioner")}

    choose = {
        "network": _("Choose a network"),
        "kind": _("Choose a kind"),
        "region": _("No region given"),
    }
    required = {
        "network": _("Choose the network the commissioning body belongs to."),
        "name": _("Enter the commissioning body's name."),
        "kind": _("Choose the kind of commissioner."),
    }

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

    def clean(self):
        cleaned = super().clean()
        # The unique constraint names the network, which is not always a field here, so
        # ModelForm would not check it; check it ourselves rather than fail on save.
        network = cleaned.get("network") or getattr(self.instance, "network", None)
        name = cleaned.get("name")
        if network and name:
            taken = CommissioningBody.objects.filter(network=network, name__iexact=name).exclude(
                pk=self.instance.pk
            )
            if taken.exists():
                self.add_error("name", _("There is already a commissioning body with this name."))
        return cleaned


# Filters for the coordinators' lists --------------------------------------------------------


class _ServiceChoiceField(forms.ModelChoiceField):
    """Services by name and organisation: two providers may run services of the same name.
    Its queryset should select the organisation."""

    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.name} ({obj.organisation.name})"


def _any(label: str, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


class _FilterForm(forms.Form):
    """A list's filters, sent with GET: a search box, then menus that fill their column
    (assurance/network/_filters.html lays them out)."""

    q = forms.CharField(
        label=_("Search by name"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"class": "govuk-input--width-20"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "govuk-!-width-full"


class OrganisationFilterForm(_FilterForm):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=_any(_("Any kind"), Organisation.Kind.choices)
    )
    region = forms.ChoiceField(
        label=_("Region"), required=False, choices=_any(_("Any region"), Region.choices)
    )


class ServiceFilterForm(_FilterForm):
    STATUS_CHOICES = [
        ("", _("Any status")),
        ("active", _("Active")),
        ("inactive", _("Not active")),
    ]

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        required=False,
        queryset=Organisation.objects.all(),
        empty_label=_("Any organisation"),
    )
    setting_type = forms.ChoiceField(
        label=_("Type of setting"),
        required=False,
        choices=_any(_("Any type"), Service.SettingType.choices),
    )
    region = forms.ChoiceField(
        label=_("Region"), required=False, choices=_any(_("Any region"), Region.choices)
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)


class CommissioningBodyFilterForm(_FilterForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=_any(_("Any kind"), CommissioningBody.Kind.choices),
    )


class MembershipFilterForm(_FilterForm):
    STATUS_CHOICES = [
        ("active", _("Current members")),
        ("left", _("People who have left")),
        ("all", _("Everyone")),
    ]

    service = _ServiceChoiceField(
        label=_("Service"),
        required=False,
        queryset=Service.objects.none(),
        empty_label=_("Any service"),
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=_any(_("Any role"), Membership.Role.choices)
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Search by name or email")
        self.fields["service"].queryset = services


class InvitationFilterForm(_FilterForm):
    STATUS_CHOICES = [
        ("pending", _("Waiting for a reply")),
        ("expired", _("Expired")),
        ("accepted", _("Accepted")),
        ("withdrawn", _("Withdrawn")),
    ]

    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=_any(_("Any role"), Invitation.Role.choices)
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Search by email address")


# Invitations: the management side (acceptance is NewAccountForm above) --------------------


def _email_field() -> forms.EmailField:
    return forms.EmailField(
        label=_("Email address"),
        help_text=_("We will email them a link that works once."),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": _("Enter the email address to send the invitation to."),
            "invalid": _("Enter an email address in the correct format, like name@example.org."),
        },
    )


_ROLE_ERRORS = {"required": _("Choose the role to invite this person to.")}


class InviteForm(forms.Form):
    """A coordinator invites someone to any role: a service role needs a service, a
    commissioner needs a commissioning body, and a coordinator joins the network."""

    email = _email_field()
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Invitation.Role.choices,
        widget=forms.RadioSelect,
        error_messages=_ROLE_ERRORS,
    )
    service = _ServiceChoiceField(
        label=_("Service"),
        required=False,
        queryset=Service.objects.none(),
        empty_label=_("Choose a service"),
        help_text=_("For a service lead, staff contributor or contributor with lived experience."),
    )
    body = forms.ModelChoiceField(
        label=_("Commissioning body"),
        required=False,
        queryset=CommissioningBody.objects.none(),
        empty_label=_("Choose a commissioning body"),
        help_text=_("For a commissioner."),
    )
    network = forms.ModelChoiceField(
        label=_("Network"),
        required=False,
        queryset=Network.objects.none(),
        empty_label=_("Choose a network"),
        help_text=_("For a network coordinator."),
    )

    def __init__(self, *args, networks: list[Network], services, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        self.networks = networks
        self.fields["service"].queryset = services
        self.fields["body"].queryset = bodies
        if len(networks) == 1:
            del self.fields["network"]
        else:
            self.fields["network"].queryset = Network.objects.filter(
                pk__in=[network.pk for network in networks]
            )

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role in Invitation.SERVICE_ROLES and not cleaned.get("service"):
            self.add_error("service", _("Choose the service to invite this person to."))
        elif role == Invitation.Role.COMMISSIONER and not cleaned.get("body"):
            self.add_error("body", _("Choose the commissioning body to invite this person to."))
        elif role == Invitation.Role.COORDINATOR:
            if "network" not in self.fields:
                cleaned["network"] = self.networks[0]
            elif not cleaned.get("network"):
                self.add_error("network", _("Choose the network this person will coordinate."))
        return cleaned


class ServiceInviteForm(forms.Form):
    """Invite someone to one service, in one of the roles the inviter may give there."""

    email = _email_field()
    role = forms.ChoiceField(
        label=_("Role"), choices=(), widget=forms.RadioSelect, error_messages=_ROLE_ERRORS
    )

    def __init__(self, *args, roles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Invitation.Role.choices)
        self.fields["role"].choices = [(role, labels[role]) for role in roles]


class CommissionerInviteForm(forms.Form):
    """Invite someone to read shared reports for one commissioning body."""

    email = _email_field()
