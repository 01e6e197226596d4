"""The forms of the report pages: an accuracy comment, the lead reviewer's answer to one, the
host's agreement to a draft, and a correction of a published report. They only read what was
posted; reviews/report/accuracy.py and reviews/report/issuing.py decide what is acceptable, so
the pages and the API refuse the same things.

A draft's preview page carries many of these forms at once (one comment form beside each part
of the report, one answer form under each comment), so each form has a prefix of its own and its
fields get ids no other form on the page shares.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.models import AccuracyComment
from reviews.report.accuracy import BODY_MAX

TOO_LONG = _("Keep this to %(limit_value)s characters or fewer.")
NOTE_MAX = 10_000


def anchor_id(anchor: str) -> str:
    """An HTML id for the part of the report an anchor names ("finding:12" → "finding-12")."""
    return anchor.replace(":", "-").replace("_", "-")


class AccuracyCommentForm(forms.Form):
    """The host's service lead comments on one part of the latest draft. The part (`anchor`)
    travels unprefixed, so the page that receives the form knows whose prefix to read."""

    kind = forms.ChoiceField(
        label=_("What kind of comment is this?"),
        choices=AccuracyComment.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what kind of comment this is."),
            "invalid_choice": _("Choose what kind of comment this is."),
        },
    )
    body = forms.CharField(
        label=_("Your comment"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Say what is wrong or missing, and what it should say. The lead reviewer answers "
            "every comment."
        ),
        error_messages={"required": _("Write your comment."), "max_length": TOO_LONG},
    )

    def __init__(self, *args, anchor: str, **kwargs):
        kwargs.setdefault("prefix", f"comment-{anchor_id(anchor)}")
        super().__init__(*args, **kwargs)
        self.anchor = anchor


class AccuracyAnswerForm(forms.Form):
    """The lead reviewer's answer to one accuracy comment."""

    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=AccuracyComment.Answer.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether you accept the comment."),
            "invalid_choice": _("Choose whether you accept the comment."),
        },
    )
    answer_reason = forms.CharField(
        label=_("Your reason"),
        required=False,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Needed unless you accept the comment as it stands: the service reads it, and it "
            "goes in the report's accuracy log."
        ),
        error_messages={"max_length": TOO_LONG},
    )

    def __init__(self, *args, comment: AccuracyComment, **kwargs):
        kwargs.setdefault("prefix", f"answer-{comment.pk}")
        super().__init__(*args, **kwargs)
        self.comment = comment


class AgreementForm(forms.Form):
    """The host's service lead agrees the draft and its actions."""

    note = forms.CharField(
        label=_("A note with your agreement"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example, what you agreed with the lead reviewer."),
        error_messages={"max_length": TOO_LONG},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "agree")
        super().__init__(*args, **kwargs)


class CorrectionForm(forms.Form):
    """A coordinator issues a corrected final report."""

    note = forms.CharField(
        label=_("What does the correction change?"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Everyone who reads the report sees this note beside the new version, for example "
            "“Corrects the date of the visit on the cover.”"
        ),
        error_messages={
            "required": _("Say what the correction changes."),
            "max_length": TOO_LONG,
        },
    )
