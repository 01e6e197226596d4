"""Forms of the network, and the renderer that gives every Django form GOV.UK markup."""

from django.forms.renderers import TemplatesSetting


class GovUKFormRenderer(TemplatesSetting):
    """Render `{{ form }}` and `{{ field }}` with GOV.UK Frontend's markup and error messages."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"
