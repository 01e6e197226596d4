"""Forms of the coordinator's allocation pages: adding a reviewer to a team by hand, and
withdrawing a place. The rules themselves are checked in reviews/views/allocation.py with the
matcher's independent checker; these forms only read what was posted.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.models import ReviewerProfile


class ReviewerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ReviewerProfile) -> str:
        return _("%(person)s, %(service)s") % {
            "person": obj.user,
            "service": obj.home_service.name,
        }


class AddReviewerForm(forms.Form):
    reviewer = ReviewerChoiceField(
        label=_("Reviewer"),
        queryset=ReviewerProfile.objects.none(),
        empty_label=_("Choose a reviewer"),
        error_messages={
            "required": _("Choose a reviewer"),
            "invalid_choice": _("Choose a reviewer from the list"),
        },
    )
    waiver = forms.CharField(
        label=_("Why this declared conflict can be set aside (optional)"),
        help_text=_(
            "Only if the reviewer declared a conflict with this service or its organisation. "
            "The reason is kept with their place on the team."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, profiles: list[ReviewerProfile], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = ReviewerProfile.objects.filter(
            pk__in=[p.pk for p in profiles]
        ).select_related("user", "home_service")


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        help_text=_("The reason is kept with the withdrawn place."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
