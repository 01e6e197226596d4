"""The review workflow: the table of moves and the one function that changes `Review.status`.

`transition(review, to, by=..., note=...)` checks, in this order and inside one transaction with
the review row locked: that the move is in the table, that the person may make it, and that its
guards hold. It then writes a `ReviewEvent` and queues notifications for after the commit.
Web views, API actions, the demo seeding and the tests all call it; nothing else assigns
`Review.status`.

Later issues add their moves' guards to `MOVES` (accuracy comments answered, ...). A move's
`effects` run inside the same transaction once the state has changed (e.g. entering the peer
review gives the team a reflection to write on every standard).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from assurance import permissions
from assurance.models import Membership, User
from reviews.allocation import team_problems
from reviews.models import (
    Action,
    ActionProgress,
    Reflection,
    Report,
    Response,
    Review,
    ReviewersSummary,
    ReviewEvent,
    Visit,
)
from reviews.report import accuracy, issuing
from reviews.self_assessment import last_cycles_actions

Status = Review.Status


class Problem(NamedTuple):
    """One reason a move cannot happen yet, with what it is about (for a link in the UI)."""

    message: str
    standard_id: int | None = None
    action_id: int | None = None


class TransitionError(Exception):
    """A move that cannot be made. `code` says why: the API maps it to a status.

    - `invalid_move`: the move is not in the table from the current state (409);
    - `forbidden`: the person may not make it (403);
    - `stale`: the review changed since the page was loaded (409);
    - `guards`: the move is allowed but something is missing (409); see `problems`.
    """

    def __init__(self, code: str, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.code = code
        self.problems = problems or []


Guard = Callable[[Review, str], list[Problem]]


@dataclass(frozen=True)
class Move:
    name: str
    sources: tuple[str, ...]
    target: str
    permission: str | tuple[str, ...]  # any one of them will do
    label: gettext_lazy
    guards: tuple[Guard, ...] = field(default=())
    note_required: bool = False
    effects: tuple[Callable[[Review, User], None], ...] = field(default=())

    def allows(self, user: User, review: Review) -> bool:
        perms = (self.permission,) if isinstance(self.permission, str) else self.permission
        return any(permissions.can(user, perm, review) for perm in perms)


# Guards --------------------------------------------------------------------------------------


def every_standard_answered(review: Review, note: str) -> list[Problem]:
    responses = Response.objects.filter(review=review).select_related("standard")
    return [
        Problem(
            _("%(code)s %(title)s: give a reason why it does not apply")
            % {"code": response.standard.code, "title": response.standard.title}
            if response.rating == "not_applicable"
            else _("%(code)s %(title)s: choose your view of this standard")
            % {"code": response.standard.code, "title": response.standard.title},
            standard_id=response.standard_id,
        )
        for response in responses.order_by("standard__order")
        if not response.is_answered
    ]


def last_cycles_actions_updated(review: Review, note: str) -> list[Problem]:
    """Every action left open by the previous review needs a progress note in this one."""
    reported = ActionProgress.objects.filter(review=review).values("action_id")
    missing = last_cycles_actions(review).filter(status__in=Action.OPEN).exclude(pk__in=reported)
    return [
        Problem(
            _("Last review's action “%(title)s”: say how it has gone") % {"title": action.title},
            action_id=action.pk,
        )
        for action in missing.order_by("pk")
    ]


def note_given(review: Review, note: str) -> list[Problem]:
    return [] if note.strip() else [Problem(_("Write a note saying why."))]


def team_confirmed(review: Review, note: str) -> list[Problem]:
    """An accepted lead reviewer, peer reviewer and expert by experience."""
    return [Problem(message) for message in team_problems(review)]


def visit_recorded(review: Review, note: str) -> list[Problem]:
    visit = Visit.objects.filter(review=review).first()
    if visit is None or visit.starts_on is None:
        return [Problem(_("Record the visit: how it happens and its dates."))]
    return []


def every_standard_reflected(review: Review, note: str) -> list[Problem]:
    reflections = Reflection.objects.filter(review=review).select_related("standard")
    return [
        Problem(
            _("%(code)s %(title)s: record the team's view, and why where it differs")
            % {"code": reflection.standard.code, "title": reflection.standard.title},
            standard_id=reflection.standard_id,
        )
        for reflection in reflections.order_by("standard__order")
        if not reflection.is_recorded
    ]


def draft_written(review: Review, note: str) -> list[Problem]:
    problems = []
    summary = ReviewersSummary.objects.filter(review=review).first()
    if summary is None or not summary.text.strip():
        problems.append(Problem(_("Write the reviewers' summary.")))
    if not review.findings.exists():
        problems.append(Problem(_("Write at least one finding.")))
    return problems


def accuracy_check_done(review: Review, note: str) -> list[Problem]:
    return [Problem(message) for message in accuracy.open_problems(review)]


# Effects -------------------------------------------------------------------------------------


def prepare_reflections(review: Review, by: User) -> None:
    """A reflection to write for every standard of the review (kept if already there)."""
    # The review row is locked by `transition`, so nobody adds one between the read and the
    # insert; created with their history records, named after the person making the move.
    there = set(review.reflections.values_list("standard_id", flat=True))
    bulk_create_with_history(
        [
            Reflection(review=review, standard_id=standard_id)
            for standard_id in review.responses.values_list("standard_id", flat=True)
            if standard_id not in there
        ],
        Reflection,
        default_user=by,
    )


def issue_draft(review: Review, by: User) -> None:
    issuing.issue_report(review, kind=Report.Kind.DRAFT, by=by)


def issue_final(review: Review, by: User) -> None:
    issuing.issue_report(review, kind=Report.Kind.FINAL, by=by)


# The table -----------------------------------------------------------------------------------

BEFORE_PUBLISHED = (
    Status.SELF_ASSESSMENT,
    Status.SUBMITTED,
    Status.PEER_REVIEW,
    Status.DRAFTING,
    Status.ACCURACY_CHECK,
)

MOVES: tuple[Move, ...] = (
    Move(
        "submit",
        (Status.SELF_ASSESSMENT,),
        Status.SUBMITTED,
        "reviews.submit_review",
        gettext_lazy("Submit the self-assessment"),
        guards=(every_standard_answered, last_cycles_actions_updated),
    ),
    Move(
        "return",
        (Status.SUBMITTED,),
        Status.SELF_ASSESSMENT,
        "reviews.manage_review",
        gettext_lazy("Return to the service"),
        guards=(note_given,),
        note_required=True,
    ),
    Move(
        "start_peer_review",
        (Status.SUBMITTED,),
        Status.PEER_REVIEW,
        "reviews.manage_review",
        gettext_lazy("Start the peer review"),
        guards=(team_confirmed,),
        effects=(prepare_reflections,),
    ),
    Move(
        "start_drafting",
        (Status.PEER_REVIEW,),
        Status.DRAFTING,
        "reviews.lead_review",
        gettext_lazy("Start drafting the report"),
        guards=(visit_recorded, every_standard_reflected),
    ),
    Move(
        "issue_draft",
        (Status.DRAFTING,),
        Status.ACCURACY_CHECK,
        "reviews.lead_review",
        gettext_lazy("Issue the draft report for the accuracy check"),
        guards=(draft_written,),
        effects=(issue_draft,),
    ),
    Move(
        "revise",
        (Status.ACCURACY_CHECK,),
        Status.DRAFTING,
        "reviews.lead_review",
        gettext_lazy("Revise the draft"),
    ),
    Move(
        "publish",
        (Status.ACCURACY_CHECK,),
        Status.PUBLISHED,
        "reviews.manage_review",
        gettext_lazy("Publish the final report"),
        guards=(accuracy_check_done,),
        effects=(issue_final,),
    ),
    Move(
        "close",
        (Status.PUBLISHED,),
        Status.CLOSED,
        ("reviews.submit_review", "reviews.manage_review"),
        gettext_lazy("Close the review"),
    ),
    Move(
        "withdraw",
        BEFORE_PUBLISHED,
        Status.WITHDRAWN,
        "reviews.manage_review",
        gettext_lazy("Withdraw the review"),
        guards=(note_given,),
        note_required=True,
    ),
)


def find_move(current: str, to: str) -> Move | None:
    return next((m for m in MOVES if current in m.sources and m.target == to), None)


def moves_for(review: Review, user: User) -> list[Move]:
    """The moves this person could ask for now (their guards may still say no)."""
    return [move for move in MOVES if review.status in move.sources and move.allows(user, review)]


def check(review: Review, move: Move, note: str = "") -> list[Problem]:
    return [problem for guard in move.guards for problem in guard(review, note)]


@transaction.atomic
def transition(
    review: Review, to: str, *, by: User, note: str = "", expected_version: int | None = None
) -> Review:
    """Move `review` to the state `to`. Raises TransitionError; returns the updated review."""
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if expected_version is not None and locked.version != expected_version:
        raise TransitionError(
            "stale",
            _("This review changed since you loaded the page. Reload it and try again."),
        )
    move = find_move(locked.status, to)
    if move is None:
        raise TransitionError(
            "invalid_move",
            _("A review at the stage “%(stage)s” cannot move to “%(target)s”.")
            % {"stage": locked.get_status_display(), "target": Status(to).label}
            if to in Status.values
            else _("“%(target)s” is not a stage of a review.") % {"target": to},
        )
    if not move.allows(by, locked):
        raise TransitionError("forbidden", _("You cannot make this change to the review."))
    problems = check(locked, move, note)
    if problems:
        raise TransitionError("guards", _("This cannot be done yet."), problems)

    previous = locked.status
    locked.status = move.target
    locked.version += 1
    locked.save(update_fields=["status", "version"])
    for effect in move.effects:
        effect(locked, by)
    ReviewEvent.objects.create(
        review=locked, from_status=previous, to_status=move.target, actor=by, note=note.strip()
    )
    transaction.on_commit(lambda: notify(locked, move, by, note.strip()))
    review.status, review.version = locked.status, locked.version
    return locked


# Notifications -------------------------------------------------------------------------------


def _team_emails(review: Review, roles: tuple[str, ...]) -> list[str]:
    return list(
        Membership.objects.active()
        .filter(service=review.service, role__in=roles)
        .values_list("user__email", flat=True)
    )


def notify(review: Review, move: Move, by: User, note: str) -> None:
    """Email the people who need to act next. Runs after the transaction commits."""
    link = settings.SITE_URL.rstrip("/") + reverse("reviews:review_detail", args=[review.pk])
    if move.name == "submit":
        recipients = review.service.network.coordinator_emails()
        subject = _("%(service)s has submitted its self-assessment") % {"service": review.service}
        body = _("%(person)s submitted the self-assessment for %(review)s.\n\n%(link)s")
    elif move.name == "return":
        recipients = _team_emails(review, (Membership.Role.SERVICE_LEAD, Membership.Role.STAFF))
        subject = _("Your self-assessment has been returned: %(service)s") % {
            "service": review.service
        }
        body = _(
            "%(person)s returned the self-assessment for %(review)s so that you can add to it."
            "\n\nTheir note:\n%(note)s\n\n%(link)s"
        )
    elif move.name == "issue_draft":
        recipients = _team_emails(review, (Membership.Role.SERVICE_LEAD,))
        subject = _("Your draft report is ready for the accuracy check: %(service)s") % {
            "service": review.service
        }
        body = _(
            "%(person)s issued the draft report for %(review)s. Please read it, comment on "
            "anything inaccurate, and agree it and its actions when you are ready.\n\n%(link)s"
        )
    elif move.name == "publish":
        recipients = _team_emails(
            review,
            (
                Membership.Role.SERVICE_LEAD,
                Membership.Role.STAFF,
                Membership.Role.LIVED_EXPERIENCE,
            ),
        )
        subject = _("Your improvement report is published: %(service)s") % {
            "service": review.service
        }
        body = _(
            "%(person)s published the final report for %(review)s. The service lead can now "
            "share it with commissioners.\n\n%(link)s"
        )
    elif move.name == "withdraw":
        recipients = _team_emails(review, (Membership.Role.SERVICE_LEAD,))
        subject = _("Review withdrawn: %(service)s") % {"service": review.service}
        body = _("%(person)s withdrew %(review)s.\n\nTheir note:\n%(note)s\n\n%(link)s")
    else:
        return
    if recipients:
        send_mail(
            subject,
            body % {"person": by, "review": review, "note": note, "link": link},
            None,
            recipients,
        )
