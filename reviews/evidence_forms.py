"""The form for adding evidence. It only reads what was posted; reviews/evidence.py decides
what is acceptable, so the pages and the API refuse the same things with the same words."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from reviews.evidence import MESSAGES, Refused, check_url
from reviews.models import Evidence, Response, Review


class StandardChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Response) -> str:
        return f"{obj.standard.code} {obj.standard.title}"


def _file_hint() -> str:
    return _(
        "A PDF, Word document (.docx), Excel spreadsheet (.xlsx), OpenDocument text (.odt), "
        "PNG or JPEG image, or plain text file (.txt), up to %(limit)s."
    ) % {"limit": filesizeformat(settings.EVIDENCE_MAX_UPLOAD_BYTES)}


class EvidenceForm(forms.Form):
    """A file, a link or a note, which standards it supports, and the attestation.

    `file`, `url` and `note` are each needed for their own kind only; the page shows each under
    its choice of `kind`.
    """

    kind = forms.ChoiceField(
        label=_("What are you adding?"),
        choices=Evidence.Kind.choices,
        widget=forms.RadioSelect,
        initial=Evidence.Kind.FILE,
        error_messages={"required": MESSAGES["kind"], "invalid_choice": MESSAGES["kind"]},
    )
    file = forms.FileField(
        label=_("Choose a file"),
        required=False,
        help_text=lazy(_file_hint, str)(),
        error_messages={"empty": MESSAGES["empty"], "invalid": MESSAGES["file"]},
    )
    url = forms.CharField(
        label=_("Web address"),
        required=False,
        widget=forms.URLInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        help_text=_("Starting with https://, for example a published policy or report."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("For example, what you saw or what was agreed, in a few sentences."),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("Say what it is, for example “Community meeting minutes, March 2027”."),
        error_messages={"required": MESSAGES["title"], "max_length": MESSAGES["title_long"]},
    )
    responses = StandardChoiceField(
        label=_("Which standards does this support?"),
        queryset=Response.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose one or more."),
        error_messages={
            "required": MESSAGES["responses"],
            "invalid_choice": MESSAGES["responses_other"],
            "invalid_pk_value": MESSAGES["responses_other"],
        },
    )
    attested = forms.BooleanField(
        label=_("This contains no names or other details that identify people who use the service"),
        error_messages={"required": MESSAGES["attested"]},
    )

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responses"].queryset = Response.objects.filter(review=review).select_related(
            "standard"
        )

    def clean(self):
        cleaned = super().clean()
        # Each kind's own field is needed; say so now, beside the other missing answers.
        needed = {
            Evidence.Kind.FILE: ("file", MESSAGES["file"]),
            Evidence.Kind.LINK: ("url", MESSAGES["url"]),
            Evidence.Kind.NOTE: ("note", MESSAGES["note"]),
        }.get(cleaned.get("kind"))
        if needed and not cleaned.get(needed[0]) and needed[0] not in self.errors:
            self.add_error(needed[0], needed[1])
        elif cleaned.get("kind") == Evidence.Kind.LINK and "url" not in self.errors:
            try:
                check_url(cleaned["url"])
            except Refused as refusal:
                self.add_error("url", str(refusal))
        return cleaned
