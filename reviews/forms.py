"""Forms of the self-assessment pages: a response, a perspective, the plain-language "your
voice" form, and progress on last cycle's actions.

The forms check the shape of what was typed. The rules of the self-assessment (a reason for
"not applicable", stale versions, a review that can no longer change) live in
reviews/self_assessment.py; the views put its `Invalid` errors back onto these forms.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.models import Action, Perspective, Rating


class ResponseForm(forms.Form):
    """One standard's response. Many appear on one page, so the view gives each a prefix."""

    rating = forms.ChoiceField(
        label=_("Your view of this standard"),
        choices=Rating.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the options.")},
    )
    not_applicable_reason = forms.CharField(
        label=_("Why it does not apply"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    narrative = forms.CharField(
        label=_("What we do"),
        help_text=_("What happens here day to day that shows this standard in practice."),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    development_ideas = forms.CharField(
        label=_("What we want to develop"),
        help_text=_("What you would like to do differently, or more of."),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # The version the person started from: a save against a newer one is refused.
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    @staticmethod
    def prefix_for(response) -> str:
        return f"r{response.pk}"

    @classmethod
    def for_response(cls, response, data=None) -> "ResponseForm":
        return cls(
            data,
            prefix=cls.prefix_for(response),
            initial={
                "rating": response.rating,
                "not_applicable_reason": response.not_applicable_reason,
                "narrative": response.narrative,
                "development_ideas": response.development_ideas,
                "version": response.version,
            },
        )

    def values(self) -> dict[str, str]:
        """What to pass to `self_assessment.save_response`."""
        return {
            name: self.cleaned_data[name]
            for name in ("rating", "not_applicable_reason", "narrative", "development_ideas")
        }


_TEXT_HINT = _("Do not write names or anything else that could identify a person.")


class PerspectiveForm(forms.Form):
    """A voice on one standard: who, what they said, and how it was gathered."""

    voice = forms.ChoiceField(
        label=_("Whose voice is this?"),
        choices=Perspective.Voice.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whose voice this is."),
            "invalid_choice": _("Choose whose voice this is."),
        },
    )
    text = forms.CharField(
        label=_("What people said"),
        help_text=_TEXT_HINT,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write what people said.")},
    )
    method = forms.ChoiceField(
        label=_("How was it gathered?"),
        choices=Perspective.Method.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how it was gathered."),
            "invalid_choice": _("Choose how it was gathered."),
        },
    )
    people_count = forms.IntegerField(
        label=_("How many people does this represent?"),
        required=False,
        min_value=1,
        max_value=100_000,
        error_messages={
            "invalid": _("Enter a whole number of people, such as 6."),
            "min_value": _("Enter a whole number of people, 1 or more, or leave it empty."),
            "max_value": _("Enter a number of people below 100,000."),
        },
    )
    co_produced = forms.BooleanField(
        label=_("Written together with the people whose voice it is"),
        required=False,
    )
    # Only editing carries a version: adding makes a new row.
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    @staticmethod
    def prefix_for(response) -> str:
        return f"p{response.pk}"

    @classmethod
    def for_perspective(cls, perspective, data=None) -> "PerspectiveForm":
        return cls(
            data,
            initial={
                name: getattr(perspective, name)
                for name in ("voice", "text", "method", "people_count", "co_produced", "version")
            },
        )

    def values(self) -> dict:
        """What to pass to `add_perspective` / `update_perspective`."""
        return {
            name: self.cleaned_data[name]
            for name in ("voice", "text", "method", "people_count", "co_produced")
        }


class VoiceForm(forms.Form):
    """The plain-language form for people who use the service: their own words, simply."""

    METHODS = [
        (Perspective.Method.WRITTEN, _("These are my own words")),
        (Perspective.Method.GROUP, _("We talked about it together in a group")),
        (Perspective.Method.ONE_TO_ONE, _("I asked other people, one at a time")),
        (Perspective.Method.SURVEY, _("People filled in a form or survey")),
    ]

    text = forms.CharField(
        label=_("What is it like here for you?"),
        help_text=_(
            "Use your own words. Good things and things that could be better both help. "
            "Please do not write anyone's name."
        ),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write what it is like for you.")},
    )
    method = forms.ChoiceField(
        label=_("Where do these words come from?"),
        choices=METHODS,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose where these words come from."),
            "invalid_choice": _("Choose where these words come from."),
        },
    )
    people_count = forms.IntegerField(
        label=_("How many people?"),
        help_text=_("Leave this empty if it is just you."),
        required=False,
        min_value=1,
        max_value=100_000,
        error_messages={
            "invalid": _("Write a number, such as 5."),
            "min_value": _("Write a number, 1 or more."),
            "max_value": _("Write a smaller number."),
        },
    )

    def values(self) -> dict:
        """A perspective in the voice of people who use the service, written by one of them."""
        return {
            "voice": Perspective.Voice.PEOPLE_USING_SERVICE,
            "text": self.cleaned_data["text"],
            "method": self.cleaned_data["method"],
            "people_count": self.cleaned_data["people_count"] or 1,
            # Written by someone whose voice it is, so it is co-produced by definition.
            "co_produced": True,
        }


class ActionProgressForm(forms.Form):
    """How one of last cycle's actions has gone."""

    note = forms.CharField(
        label=_("How has it gone?"),
        help_text=_("What has been done, what changed for people, and what is still to do."),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say how this action has gone.")},
    )
    status = forms.ChoiceField(
        label=_("Where does it stand now?"),
        choices=Action.Status.choices,
        widget=forms.RadioSelect,
        help_text=_("If you stopped it, say why in the box above."),
        error_messages={
            "required": _("Choose where the action stands now."),
            "invalid_choice": _("Choose where the action stands now."),
        },
    )

    @staticmethod
    def prefix_for(action) -> str:
        return f"a{action.pk}"
