"""The form of the team's reflection on one standard, on the reviewing pages.

It checks the shape of what was typed; the rules (who may write, when, and "differs" needs a
reason) are reviews/peer_review/reflections.py's, and the view puts its `Invalid` errors back
onto the form.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.models import Rating, Reflection


class ReflectionForm(forms.Form):
    """One standard's reflection. Many appear on one page, so each has its own prefix."""

    rating = forms.ChoiceField(
        label=_("The team's view of this standard"),
        choices=Rating.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the options.")},
    )
    agreement = forms.ChoiceField(
        label=_("Compared with the service's own view, the team's view"),
        choices=Reflection.Agreement.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _(
                "Choose whether the team agrees with the service's own view or differs from it."
            )
        },
    )
    rationale = forms.CharField(
        label=_("Why"),
        help_text=_(
            "What the team read, saw and heard that led to this view. Needed when it differs "
            "from the service's own. Do not write names or anything else that could identify "
            "a person."
        ),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    # The version the person started from: a save against a newer one is refused.
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    @staticmethod
    def prefix_for(reflection: Reflection) -> str:
        return f"f{reflection.pk}"

    @classmethod
    def for_reflection(cls, reflection: Reflection) -> "ReflectionForm":
        return cls(
            prefix=cls.prefix_for(reflection),
            initial={
                "rating": reflection.rating,
                "agreement": reflection.agreement,
                "rationale": reflection.rationale,
                "version": reflection.version,
            },
        )

    def values(self) -> dict[str, str]:
        """What to pass to `reflections.save_reflection`."""
        return {name: self.cleaned_data[name] for name in ("rating", "agreement", "rationale")}
