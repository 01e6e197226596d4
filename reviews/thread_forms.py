"""Forms of the thread pages: starting a thread, a comment (a reply or an edit), and how a person
wants to hear about new comments. They only read what was posted; the rules (who may use which
visibility, lengths, which standards) are reviews/peer_review/threads.py's, which refuses the
same things for the pages and the API with the same words."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assurance.models import User
from reviews.models import Comment, Review, Thread
from reviews.peer_review import Access
from reviews.peer_review.threads import BODY_MAX, TITLE_MAX
from standards.models import Standard

VISIBILITY_HINTS = {
    Thread.Visibility.TEAM: _(
        "Only the review team and the network's coordinators will read it. The service never "
        "sees it, and this cannot be changed later."
    ),
    Thread.Visibility.SHARED: _(
        "The review team, the network's coordinators and everyone in the service's team will "
        "read it. This cannot be changed later."
    ),
}


class StandardField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Standard) -> str:
        return f"{obj.code} {obj.title}"


def _body_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Write your comment."),
            "max_length": _("A comment can be up to %(limit_value)s characters.")
            % {"limit_value": f"{BODY_MAX:,}"},
        },
    )


class ThreadForm(forms.Form):
    """A new thread: who reads it, what it is about, its subject and first comment.

    The host service reads only shared threads, so it is offered no choice: the page says who
    will read the thread instead, and the form takes "shared" when nothing is posted.
    """

    visibility = forms.ChoiceField(
        label=_("Who can read this thread?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose who can read this thread."),
            "invalid_choice": _("Choose who can read this thread."),
        },
    )
    standard = StandardField(
        label=_("Which standard is it about?"),
        queryset=Standard.objects.none(),
        required=False,
        empty_label=_("The review as a whole"),
        help_text=_("Leave it as “The review as a whole” if it is not about one standard."),
        error_messages={"invalid_choice": _("Choose one of this review's standards.")},
    )
    title = forms.CharField(
        label=_("Subject"),
        max_length=TITLE_MAX,
        help_text=_("A few words that say what the thread is about."),
        error_messages={
            "required": _("Enter a subject for the thread."),
            "max_length": _("The subject can be up to %(limit_value)s characters."),
        },
    )
    body = _body_field(_("Your comment"))

    def __init__(self, *args, review: Review, access: Access, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = [
            (value, label)
            for value, label in Thread.Visibility.choices
            if value in access.visibilities
        ]
        self.fields["visibility"].choices = self.choices
        self.only_choice = self.choices[0][0] if len(self.choices) == 1 else None
        if self.only_choice:
            self.fields["visibility"].required = False
            self.fields["visibility"].widget = forms.HiddenInput()
        self.fields["standard"].queryset = Standard.objects.filter(
            version_id=review.framework_version_id
        ).order_by("domain__order", "order")

    def visibility_options(self) -> list[dict]:
        """Each radio with the hint that says who will read the thread."""
        return [
            {"option": option, "hint": VISIBILITY_HINTS[option.data["value"]]}
            for option in self["visibility"]
        ]

    def clean_visibility(self) -> str:
        return self.cleaned_data.get("visibility") or self.only_choice or ""


class CommentForm(forms.Form):
    body = _body_field(_("Your reply"))

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["body"].label = label

    @classmethod
    def for_comment(cls, comment: Comment, data=None) -> "CommentForm":
        return cls(data, initial={"body": comment.body}, label=_("Your comment"))


COMMENT_EMAIL_HINTS = {
    User.CommentEmails.EACH: _(
        "As soon as someone comments in a thread you have started or commented in."
    ),
    User.CommentEmails.DAILY: _(
        "One e-mail a day listing the new comments, on days when there are any."
    ),
    User.CommentEmails.NONE: _(
        "You will see new comments only when you open the threads. E-mails about your "
        "account and the review's stages still come."
    ),
}


class CommentEmailsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["comment_emails"]
        labels = {"comment_emails": _("How should we e-mail you about new comments?")}
        widgets = {"comment_emails": forms.RadioSelect}
        error_messages = {
            "comment_emails": {
                "required": _("Choose how we should e-mail you."),
                "invalid_choice": _("Choose how we should e-mail you."),
            }
        }

    def save(self, commit: bool = True) -> User:
        """A person who moves to the daily digest gets, from now on, only comments they have
        not already been e-mailed about."""
        person = super().save(commit=False)
        if "comment_emails" in self.changed_data and (
            person.comment_emails == User.CommentEmails.DAILY
        ):
            person.comment_digest_sent_at = timezone.now()
        if commit:
            person.save(update_fields=["comment_emails", "comment_digest_sent_at"])
        return person

    def options(self) -> list[dict]:
        return [
            {"option": option, "hint": COMMENT_EMAIL_HINTS[option.data["value"]]}
            for option in self["comment_emails"]
        ]
