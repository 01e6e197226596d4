"""The forms of the findings, the reviewers' summary and safeguarding notes. They only read what
was posted; reviews/peer_review/findings.py and reviews/peer_review/safeguarding.py decide what
is acceptable, so the pages and the API refuse the same things."""

from django import forms
from django.forms.boundfield import BoundWidget
from django.utils.translation import gettext_lazy as _

from reviews.models import Finding, Review, ReviewersSummary, SafeguardingNote
from reviews.peer_review.findings import BODY_MAX, SUMMARY_MAX, TITLE_MAX
from reviews.peer_review.safeguarding import RAISED_TO_MAX, STATUS_NOTE_MAX
from reviews.peer_review.safeguarding import SUMMARY_MAX as CONCERN_MAX
from standards.models import Domain, Standard


class CodedChoiceField(forms.ModelMultipleChoiceField):
    """Standards and domains, each shown as its code and its name."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {getattr(obj, 'title', None) or obj.name}"

    def _check_values(self, value):
        # An id no database column could hold is refused here, before it reaches a query.
        for pk in value:
            if not str(pk).isdigit() or len(str(pk)) > 18:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


# Django fills in the field's own limit.
TOO_LONG = _("Keep this to %(limit_value)s characters or fewer.")


class FindingForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What kind of finding is this?"),
        choices=Finding.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what kind of finding this is."),
            "invalid_choice": _("Choose what kind of finding this is."),
        },
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("A short heading the service will recognise, for example “A warm welcome”."),
        error_messages={
            "required": _("Give the finding a title."),
            "max_length": _("Keep the title to %(limit_value)s characters or fewer."),
        },
    )
    body = forms.CharField(
        label=_("What the team found"),
        required=False,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What you saw and heard, and why it matters. Do not name people."),
        error_messages={"max_length": TOO_LONG},
    )
    standards = CodedChoiceField(
        label=_("Which standards is it about?"),
        queryset=Standard.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Choose standards of this review's framework."),
            "invalid_pk_value": _("Choose standards of this review's framework."),
        },
    )
    domains = CodedChoiceField(
        label=_("Which domains is it about?"),
        queryset=Domain.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose a domain when the finding is about the whole of it."),
        error_messages={
            "invalid_choice": _("Choose domains of this review's framework."),
            "invalid_pk_value": _("Choose domains of this review's framework."),
        },
    )

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        version = review.framework_version_id
        self.fields["standards"].queryset = Standard.objects.filter(
            version_id=version
        ).select_related("domain")
        self.fields["domains"].queryset = Domain.objects.filter(version_id=version)

    def standard_groups(self) -> list[tuple[Domain, list[BoundWidget]]]:
        """The standards' checkboxes, grouped under their domains in the framework's order."""
        groups: dict[int, tuple[Domain, list[BoundWidget]]] = {}
        for option in self["standards"]:
            standard = option.data["value"].instance
            groups.setdefault(standard.domain_id, (standard.domain, []))[1].append(option)
        return sorted(groups.values(), key=lambda group: group[0].order)

    def values(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ("kind", "title", "body", "standards", "domains")}


class SummaryForm(forms.Form):
    text = forms.CharField(
        label=_("Reviewers' summary"),
        required=False,
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "The team's overall picture of the service, in a few paragraphs, for the report. "
            "Write about what you saw, never a grade."
        ),
        error_messages={"max_length": TOO_LONG},
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    @classmethod
    def for_summary(cls, summary: ReviewersSummary | None) -> "SummaryForm":
        if summary is None:
            return cls()
        return cls(initial={"text": summary.text, "version": summary.version})


class SafeguardingForm(forms.Form):
    summary = forms.CharField(
        label=_("What you heard or saw"),
        max_length=CONCERN_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "The facts, in the words people used where you can: who was involved, when and "
            "where. Use a description rather than a name if you can."
        ),
        error_messages={
            "required": _("Write what you heard or saw."),
            "max_length": TOO_LONG,
        },
    )
    raised_to = forms.CharField(
        label=_("Who you have told"),
        required=False,
        max_length=RAISED_TO_MAX,
        help_text=SafeguardingNote._meta.get_field("raised_to").help_text,
        error_messages={"max_length": TOO_LONG},
    )


class SafeguardingStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Where does the concern stand now?"),
        choices=SafeguardingNote.Status.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose where the concern stands now."),
            "invalid_choice": _("Choose where the concern stands now."),
        },
    )
    status_note = forms.CharField(
        label=_("What has happened since"),
        required=False,
        max_length=STATUS_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For example, who it was passed to and when, or why it is closed."),
        error_messages={"max_length": TOO_LONG},
    )
