from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


class FrameworkUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Framework file"),
        help_text=_("A YAML file (.yaml or .yml) written in the format described on this page."),
        error_messages={
            "required": _("Select a framework file to upload."),
            "empty": _("The selected file is empty."),
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.FRAMEWORK_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file must be smaller than %(limit)s."),
                params={"limit": filesizeformat(limit)},
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The selected file is empty."))
        return upload
