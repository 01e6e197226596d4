"""The agreed actions: drafted with the report, agreed in the accuracy check, then followed up.

- `add_action`, `update_action`, `remove_action`: the lead reviewer drafts the review's actions
  while it is in `DRAFTING_STAGES` (drafting, and the accuracy check, to take in the host's
  accepted comments). The host proposes changes through accuracy comments of the kind "A change
  to an agreed action" (reviews/report/accuracy.py). `update_action` carries the version the
  lead started from: a save made from a stale version is refused with what is stored now.
  A change during the accuracy check undoes the host's agreement to the draft, which is then
  given again before publishing.
- `record_progress`: once the report is published, the host's people who write (the service
  lead and staff contributors, `change_review`; DESIGN section 7) record dated progress on the
  action's own review. A dropped action needs a reason.
- In the next cycle the progress is asked for again, in that review's self-assessment
  (reviews/self_assessment.py `record_action_progress`, and the `last_cycles_actions_updated`
  guard of the submit move).

Who reads actions (`action_access`): everyone who sees the review (`view_review`: the host's
team, the review team and the network's coordinators), and the commissioners of a body the
review's report is shared with (reviews/report/sharing.py), read-only and without people's
names.

Every write locks the review row first, so a write and a move of the review (publishing, which
freezes the actions into the final report) happen one after the other.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.core import ObjectPermissionChecker

from assurance.models import User
from reviews import history
from reviews.models import Action, ActionProgress, Finding, Report, Review
from reviews.permissions import REVIEW_QUERYSET, visible_reviews
from reviews.report.sharing import shared_reviews
from reviews.self_assessment import Invalid, StaleWrite
from standards.models import Standard

Status = Review.Status
# When the lead reviewer drafts the actions, and when the host follows them up.
DRAFTING_STAGES = (Status.DRAFTING, Status.ACCURACY_CHECK)
PROGRESS_STAGES = (Status.PUBLISHED,)
# The reviews whose actions are agreed: the report is published.
AGREED_STAGES = (Status.PUBLISHED, Status.CLOSED)

TITLE_MAX = Action._meta.get_field("title").max_length
DETAIL_MAX = Action._meta.get_field("detail").max_length
OWNER_MAX = Action._meta.get_field("owner_role").max_length
NOTE_MAX = ActionProgress._meta.get_field("note").max_length
REASON_MAX = 5_000
REASON_NEEDED = gettext_lazy("Say why the action was dropped.")
ACTION_FIELDS = ("title", "detail", "owner_role", "due_on", "findings", "standards")
# Actions in the order of their due dates, those with no date last (on every database).
DUE_ORDER = (F("due_on").asc(nulls_last=True), "pk")


class ActionsClosed(Exception):
    """The review is not at a stage where this can be done to its actions."""


# Who may do what -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionAccess:
    """What one person may do with one review's actions, worked out once per request."""

    status: str
    sees_review: bool  # view_review
    shared: bool  # a commissioner of a body the report is shared with
    lead: bool  # lead_review
    host_editor: bool  # change_review: the service lead and staff contributors
    host_lead: bool  # submit_review: the service lead, who comments on the draft's actions

    @property
    def reads(self) -> bool:
        return self.sees_review or self.shared

    @property
    def shows_names(self) -> bool:
        """Commissioners read the action plan, not who in the service wrote each note."""
        return self.sees_review

    @property
    def may_draft(self) -> bool:
        return self.lead and self.status in DRAFTING_STAGES

    @property
    def may_record_progress(self) -> bool:
        return self.host_editor and self.status in PROGRESS_STAGES


def action_access(user: User, review: Review) -> ActionAccess:
    if not (user.is_authenticated and user.is_active):
        return ActionAccess(review.status, False, False, False, False, False)
    perms = set(ObjectPermissionChecker(user).get_perms(review))
    sees = "view_review" in perms
    shared = not sees and shared_reviews(user).filter(pk=review.pk).exists()
    return ActionAccess(
        status=review.status,
        sees_review=sees,
        shared=shared,
        lead="lead_review" in perms,
        host_editor="change_review" in perms,
        host_lead="submit_review" in perms,
    )


def get_review_for_actions(user: User, pk) -> tuple[Review, ActionAccess]:
    """The review and what `user` may do with its actions; 404 if they may not read them."""
    try:
        review = REVIEW_QUERYSET.get(pk=pk)
    except (Review.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    access = action_access(user, review)
    if not access.reads:
        raise Http404
    return review, access


def readable_reviews(user: User) -> QuerySet:
    """The reviews whose actions `user` reads, as a queryset of ids (for lists)."""
    return Review.objects.filter(
        Q(pk__in=visible_reviews(user, Review.objects.all()).values("pk"))
        | Q(pk__in=shared_reviews(user).values("pk"))
    ).values("pk")


def overdue(queryset: QuerySet, today: date) -> QuerySet:
    """The open actions of `queryset` whose due date has passed."""
    return queryset.filter(status__in=Action.OPEN, due_on__lt=today)


def is_overdue(action: Action, today: date) -> bool:
    """`overdue` for one action in hand (its review's status must be loaded with it)."""
    return (
        action.review.status in AGREED_STAGES
        and action.is_open
        and action.due_on is not None
        and action.due_on < today
    )


def closed_reason(review: Review) -> str:
    """Why the lead reviewer can no longer change the actions, in words."""
    if review.status in AGREED_STAGES:
        return _(
            "The report is published, so its actions can no longer be changed. The service "
            "records progress on them."
        )
    if review.status == Status.WITHDRAWN:
        return _("This review was withdrawn, so its actions can no longer be changed.")
    return _(
        "The lead reviewer drafts the actions once the review reaches drafting; it is at the "
        "stage “%(stage)s”."
    ) % {"stage": review.get_status_display()}


def progress_refusal(review: Review) -> str:
    """Why progress cannot be recorded on this review's actions now, or ""."""
    if review.status in PROGRESS_STAGES:
        return ""
    if review.status == Status.CLOSED:
        return _(
            "This review is closed. Say how its open actions have gone in the next review's "
            "self-assessment."
        )
    return _("Progress is recorded once the report is published.")


def check_may_draft(review: Review, by: User) -> None:
    """PermissionDenied for anyone but the lead reviewer; ActionsClosed outside drafting."""
    access = action_access(by, review)
    if not access.lead:
        raise PermissionDenied(_("The lead reviewer drafts the actions."))
    if not access.may_draft:
        raise ActionsClosed(closed_reason(review))


def check_may_record_progress(review: Review, by: User) -> None:
    access = action_access(by, review)
    if not access.host_editor:
        raise PermissionDenied(
            _("The service lead and staff contributors record progress on the actions.")
        )
    refusal = progress_refusal(review)
    if refusal:
        raise ActionsClosed(refusal)


# Drafting ------------------------------------------------------------------------------------


def _lock(review_id: int) -> Review:
    return Review.objects.select_for_update().get(pk=review_id)


def _ids(items: Iterable[Model | int]) -> set[int]:
    return {item.pk if isinstance(item, Model) else int(item) for item in items}


def _clean(review: Review, values: dict) -> dict:
    """Check an action's fields against the rules; findings and standards become id sets."""
    errors = {}
    title = (values["title"] or "").strip()
    if not title:
        errors["title"] = _("Say what the action is.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Keep this to %(max)s characters or fewer.") % {"max": TITLE_MAX}
    detail = (values["detail"] or "").strip()
    if len(detail) > DETAIL_MAX:
        errors["detail"] = _("Keep this to %(max)s characters or fewer.") % {"max": DETAIL_MAX}
    owner_role = (values["owner_role"] or "").strip()
    if len(owner_role) > OWNER_MAX:
        errors["owner_role"] = _("Keep this to %(max)s characters or fewer.") % {"max": OWNER_MAX}
    due_on = values["due_on"]
    if due_on is not None and not isinstance(due_on, date):
        errors["due_on"] = _("Enter the date it is due, or leave it empty.")
    try:
        findings = _ids(values["findings"])
        standards = _ids(values["standards"])
    except (TypeError, ValueError):
        raise Invalid({"findings": _("Choose findings and standards from the list.")}) from None
    if len(findings) != Finding.objects.filter(pk__in=findings, review=review).count():
        errors["findings"] = _("Choose findings of this review.")
    version = review.framework_version_id
    if len(standards) != Standard.objects.filter(pk__in=standards, version_id=version).count():
        errors["standards"] = _("Choose standards of this review's framework.")
    if errors:
        raise Invalid(errors)
    return {
        "title": title,
        "detail": detail,
        "owner_role": owner_role,
        "due_on": due_on,
        "findings": findings,
        "standards": standards,
    }


@transaction.atomic
def add_action(
    review: Review,
    *,
    by: User,
    title: str,
    detail: str = "",
    owner_role: str = "",
    due_on: date | None = None,
    findings: Iterable[Finding | int] = (),
    standards: Iterable[Standard | int] = (),
) -> Action:
    """A new action on the review, planned."""
    locked = _lock(review.pk)
    check_may_draft(locked, by)
    values = _clean(
        locked,
        {
            "title": title,
            "detail": detail,
            "owner_role": owner_role,
            "due_on": due_on,
            "findings": findings,
            "standards": standards,
        },
    )
    now = timezone.now()
    action = Action(
        review=locked,
        title=values["title"],
        detail=values["detail"],
        owner_role=values["owner_role"],
        due_on=values["due_on"],
        created_at=now,
        updated_at=now,
    )
    action._history_user = by  # named in the history outside a request too
    action.save(force_insert=True)
    action.findings.set(values["findings"])
    action.standards.set(values["standards"])
    _agreement_lapses(locked, by)
    return action


def _agreement_lapses(review: Review, by: User) -> None:
    """The host agreed the draft's actions as they were: a change during the accuracy check
    means they agree again before the report can be published."""
    if review.status == Status.ACCURACY_CHECK:
        for report in Report.objects.filter(
            review=review, kind=Report.Kind.DRAFT, host_agreed_at__isnull=False
        ):
            report.host_agreed_by = report.host_agreed_at = None
            report.host_agreement_note = ""
            report._history_user = by
            report.save(update_fields=["host_agreed_by", "host_agreed_at", "host_agreement_note"])


def _still_there(action: Action) -> Action:
    try:
        return Action.objects.prefetch_related("findings", "standards").get(pk=action.pk)
    except Action.DoesNotExist:
        raise Invalid({"action": _("This action has been removed.")}) from None


@transaction.atomic
def update_action(action: Action, *, by: User, expected_version: int, **fields) -> Action:
    """Change any of `ACTION_FIELDS`; the others stay. Refused (StaleWrite, with what is stored
    now) when someone saved a newer version since `expected_version`."""
    unknown = set(fields) - set(ACTION_FIELDS)
    if unknown:
        raise Invalid({name: _("This field cannot be changed.") for name in sorted(unknown)})
    locked = _lock(action.review_id)
    check_may_draft(locked, by)
    current = _still_there(action)
    merged = {
        "title": fields.get("title", current.title),
        "detail": fields.get("detail", current.detail),
        "owner_role": fields.get("owner_role", current.owner_role),
        "due_on": fields.get("due_on", current.due_on),
        "findings": fields.get("findings", current.findings.all()),
        "standards": fields.get("standards", current.standards.all()),
    }
    values = _clean(locked, merged)
    updated = Action.objects.filter(pk=current.pk, version=expected_version).update(
        title=values["title"],
        detail=values["detail"],
        owner_role=values["owner_role"],
        due_on=values["due_on"],
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if not updated:
        raise StaleWrite(current)
    if "findings" in fields:
        current.findings.set(values["findings"])
    if "standards" in fields:
        current.standards.set(values["standards"])
    _agreement_lapses(locked, by)
    current.refresh_from_db()
    history.record_change(current, by=by)
    return current


@transaction.atomic
def remove_action(action: Action, *, by: User) -> None:
    locked = _lock(action.review_id)
    check_may_draft(locked, by)
    Action.objects.filter(pk=action.pk, review=locked).delete()
    _agreement_lapses(locked, by)


# Following up --------------------------------------------------------------------------------


@transaction.atomic
def record_progress(
    action: Action, *, by: User, status: str, note: str, dropped_reason: str = ""
) -> ActionProgress:
    """A dated note on how the action is going, and where it stands now, on its own review."""
    locked = _lock(action.review_id)
    check_may_record_progress(locked, by)
    errors = {}
    note = (note or "").strip()
    dropped_reason = (dropped_reason or "").strip()
    if not note:
        errors["note"] = _("Say how the action is going.")
    elif len(note) > NOTE_MAX:
        errors["note"] = _("Keep this to %(max)s characters or fewer.") % {"max": NOTE_MAX}
    if status not in Action.Status.values:
        errors["status"] = _("Choose where the action stands now.")
    elif status == Action.Status.DROPPED and not dropped_reason:
        errors["dropped_reason"] = str(REASON_NEEDED)
    if len(dropped_reason) > REASON_MAX:
        errors["dropped_reason"] = _("Keep this to %(max)s characters or fewer.") % {
            "max": REASON_MAX
        }
    if errors:
        raise Invalid(errors)
    if not Action.objects.filter(pk=action.pk, review=locked).exists():
        raise Invalid({"action": _("This action has been removed.")})
    now = timezone.now()
    progress = ActionProgress.objects.create(
        action_id=action.pk, review=locked, note=note, status=status, by=by, at=now
    )
    Action.objects.filter(pk=action.pk).update(
        status=status,
        dropped_reason=dropped_reason if status == Action.Status.DROPPED else "",
        version=F("version") + 1,
        updated_at=now,
    )
    action.refresh_from_db()
    history.record_change(action, by=by)
    return progress
