"""The forms of the agreed actions and of sharing a report. They only read what was posted;
reviews/report/actions.py and reviews/report/sharing.py decide what is acceptable, so the pages
and the API refuse the same things with the same words."""

from django import forms
from django.db.models import Case, Value, When
from django.forms.boundfield import BoundWidget
from django.utils.translation import gettext_lazy as _

from assurance.models import CommissioningBody
from reviews.cycle_forms import GovUKDateField
from reviews.finding_forms import CodedChoiceField
from reviews.models import Action, Finding, Review
from reviews.report.actions import (
    DETAIL_MAX,
    NOTE_MAX,
    OWNER_MAX,
    REASON_MAX,
    REASON_NEEDED,
    TITLE_MAX,
)
from standards.models import Domain, Standard

TOO_LONG = _("Keep this to %(limit_value)s characters or fewer.")
# Findings in the report's order of kinds: strengths first.
KIND_ORDER = Case(
    *(When(kind=kind, then=Value(index)) for index, kind in enumerate(Finding.Kind.values)),
    default=Value(len(Finding.Kind.values)),
)


class FindingChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.get_kind_display()}: {obj.title}"

    def _check_values(self, value):
        for pk in value:
            if not str(pk).isdigit() or len(str(pk)) > 18:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class ActionForm(forms.Form):
    title = forms.CharField(
        label=_("What is the action?"),
        max_length=TITLE_MAX,
        help_text=_(
            "A short sentence the service will recognise, for example “Ask night staff "
            "what would help them join the community meeting”."
        ),
        error_messages={"required": _("Say what the action is."), "max_length": TOO_LONG},
    )
    detail = forms.CharField(
        label=_("More detail"),
        required=False,
        max_length=DETAIL_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What doing it involves, and how the service will know it has made a "
            "difference. Do not name people."
        ),
        error_messages={"max_length": TOO_LONG},
    )
    owner_role = forms.CharField(
        label=_("Who leads it"),
        required=False,
        max_length=OWNER_MAX,
        help_text=_("A role, not a name, for example “Service lead” or “Night shift lead”."),
        error_messages={"max_length": TOO_LONG},
    )
    due_on = GovUKDateField(
        what=_("the date it is due"),
        label=_("When is it due?"),
        help_text=_("For example, 27 3 2028. Leave it empty if no date is agreed."),
        required=False,
    )
    findings = FindingChoiceField(
        label=_("Which findings does it answer?"),
        queryset=Finding.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Choose findings of this review."),
            "invalid_pk_value": _("Choose findings of this review."),
        },
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
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].queryset = (
            Finding.objects.filter(review=review)
            .annotate(kind_order=KIND_ORDER)
            .order_by("kind_order", "order", "pk")
        )
        self.fields["standards"].queryset = Standard.objects.filter(
            version_id=review.framework_version_id
        ).select_related("domain")

    @classmethod
    def for_action(cls, action: Action, *, review: Review, data=None) -> "ActionForm":
        return cls(
            data,
            review=review,
            initial={
                "title": action.title,
                "detail": action.detail,
                "owner_role": action.owner_role,
                "due_on": action.due_on,
                "findings": [f.pk for f in action.findings.all()],
                "standards": [s.pk for s in action.standards.all()],
                "version": action.version,
            },
        )

    def standard_groups(self) -> list[tuple[Domain, list[BoundWidget]]]:
        """The standards' checkboxes, grouped under their domains in the framework's order."""
        groups: dict[int, tuple[Domain, list[BoundWidget]]] = {}
        for option in self["standards"]:
            standard = option.data["value"].instance
            groups.setdefault(standard.domain_id, (standard.domain, []))[1].append(option)
        return sorted(groups.values(), key=lambda group: group[0].order)

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("title", "detail", "owner_role", "due_on", "findings", "standards")
        }


class ProgressForm(forms.Form):
    """How an agreed action is going, after the report is published."""

    status = forms.ChoiceField(
        label=_("Where does the action stand now?"),
        choices=Action.Status.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose where the action stands now."),
            "invalid_choice": _("Choose where the action stands now."),
        },
    )
    dropped_reason = forms.CharField(
        label=_("Why was it dropped?"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": TOO_LONG},
    )
    note = forms.CharField(
        label=_("How is it going?"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What has been done, what changed for people, and what is still to do."),
        error_messages={"required": _("Say how the action is going."), "max_length": TOO_LONG},
    )

    def clean(self):
        # Said here as well as by the write path, so that one round of errors names them all.
        data = super().clean()
        if data.get("status") == Action.Status.DROPPED and not data.get("dropped_reason"):
            self.add_error("dropped_reason", REASON_NEEDED)
        return data


class ShareForm(forms.Form):
    body = forms.ModelChoiceField(
        label=_("Who do you want to share the report with?"),
        queryset=CommissioningBody.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choose a commissioning body to share the report with."),
            "invalid_choice": _("Choose a commissioning body to share the report with."),
        },
    )

    def __init__(self, *args, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies
