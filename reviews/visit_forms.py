"""The forms of the visit pages: the visit itself, and one agenda item. They only read what was
posted; reviews/peer_review/visit.py decides what is acceptable, so the pages and the API refuse
the same things with the same words.

Dates are GOV.UK date inputs (reviews/cycle_forms.py). An agenda item's day is a choice among
the visit's days when the visit is short enough to list them, else a date input too.
"""

from datetime import date, timedelta

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from reviews.cycle_forms import GovUKDateField
from reviews.models import AgendaItem, Visit
from reviews.peer_review.visit import LIMITS

# Up to this many days, an agenda item's day is chosen from a list of the visit's days.
LISTED_DAYS = 14
TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M"]


class VisitForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How will the visit happen?"),
        choices=Visit.Mode.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how the visit happens."),
            "invalid_choice": _("Choose how the visit happens."),
        },
    )
    starts_on = GovUKDateField(
        what=_("the first day of the visit"),
        label=_("First day"),
        help_text=_("For example, 7 3 2028"),
        required=False,
    )
    ends_on = GovUKDateField(
        what=_("the last day of the visit"),
        label=_("Last day"),
        help_text=_("The same as the first day for a visit of one day."),
        required=False,
    )
    location = forms.CharField(
        label=_("Where"),
        required=False,
        max_length=LIMITS["location"],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The address and where to go on arrival, or how to join online. Do not include "
            "anyone's personal details."
        ),
    )
    access_needs = forms.CharField(
        label=_("Access needs"),
        required=False,
        max_length=LIMITS["access_needs"],
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Anything that helps everyone take part: step-free access, breaks, a quiet room, an "
            "interpreter, easy-read papers. Everyone on the review team and the service's team "
            "can read this."
        ),
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    @classmethod
    def for_visit(cls, visit: Visit | None) -> "VisitForm":
        if visit is None:
            return cls()
        return cls(
            initial={
                "mode": visit.mode,
                "starts_on": visit.starts_on,
                "ends_on": visit.ends_on,
                "location": visit.location,
                "access_needs": visit.access_needs,
                "version": visit.version,
            }
        )

    def values(self) -> dict:
        """What save_visit takes, but the version."""
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("mode", "starts_on", "ends_on", "location", "access_needs")
        }


class AgendaItemForm(forms.Form):
    day = forms.TypedChoiceField(
        label=_("Which day?"),
        widget=forms.RadioSelect,
        coerce=date.fromisoformat,
        error_messages={
            "required": _("Choose the day."),
            "invalid_choice": _("Choose a day of the visit."),
        },
    )
    starts_at = forms.TimeField(
        label=_("Starts"),
        input_formats=TIME_FORMATS,
        help_text=_("Use the 24-hour clock, for example 09:30 or 14:00."),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "spellcheck": "false"}),
        error_messages={
            "required": _("Enter the time it starts, like 09:30 or 14:00."),
            "invalid": _("Enter the time it starts as hours and minutes, like 09:30 or 14:00."),
        },
    )
    ends_at = forms.TimeField(
        label=_("Ends"),
        required=False,
        input_formats=TIME_FORMATS,
        help_text=_("Leave this empty if there is no set end."),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "spellcheck": "false"}),
        error_messages={
            "invalid": _("Enter the time it ends as hours and minutes, like 10:30 or 15:00."),
        },
    )
    title = forms.CharField(
        label=_("What happens"),
        max_length=LIMITS["title"],
        help_text=_("For example, “Community meeting” or “Lunch with residents”."),
        error_messages={"required": _("Say what happens, for example “Community meeting”.")},
    )
    meets = forms.ChoiceField(
        label=_("Who does the review team meet?"),
        choices=AgendaItem.Meets.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose who the team meets."),
            "invalid_choice": _("Choose who the team meets."),
        },
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=LIMITS["note"],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything people should know, for example the room. No personal details."),
    )

    def __init__(self, *args, visit: Visit, **kwargs):
        super().__init__(*args, **kwargs)
        first, last = visit.starts_on, visit.ends_on or visit.starts_on
        if first is not None and (last - first).days < LISTED_DAYS:
            days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
            self.fields["day"].choices = [
                (day.isoformat(), date_format(day, "l j F Y")) for day in days
            ]
            if len(days) == 1:
                self.fields["day"].initial = days[0].isoformat()
        else:
            self.fields["day"] = GovUKDateField(
                what=_("the day"),
                label=_("Which day?"),
                help_text=_("A day of the visit, for example 7 3 2028"),
                error_messages={"required": _("Enter the day.")},
            )

    @property
    def lists_days(self) -> bool:
        return isinstance(self.fields["day"], forms.TypedChoiceField)

    def day_initial(self, day: date) -> None:
        """Start the form on `day`: a listed choice, or the date input's boxes."""
        self.initial["day"] = day.isoformat() if self.lists_days else day

    @classmethod
    def for_item(cls, item: AgendaItem) -> "AgendaItemForm":
        form = cls(
            visit=item.visit,
            initial={
                "starts_at": item.starts_at.strftime("%H:%M"),
                "ends_at": item.ends_at.strftime("%H:%M") if item.ends_at else "",
                "title": item.title,
                "meets": item.meets,
                "note": item.note,
            },
        )
        form.day_initial(item.day)
        return form
