"""Forms of the network, and the renderer that gives every Django form GOV.UK markup."""

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _


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
