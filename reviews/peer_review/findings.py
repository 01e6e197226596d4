"""Writing the findings and the reviewers' summary.

The lead reviewer drafts findings of four kinds (strength, even better if, area for development,
learning to share), each linked to standards and domains of the review's framework version, and
keeps each kind in the order they choose; a finding may start from a comment the lead can read.
The reviewers' summary is one free text per review, versioned like a response: a save made from
a stale version is refused with what is stored now, so nobody's text is silently overwritten.

Every function here checks the policy itself (`Access.may_write_findings`: the lead reviewer,
while the review is in `TEAM_WRITING`) on the review locked for the rest of the transaction, so
a write and a move of the review happen one after the other. A person who is not the lead gets
`PermissionDenied`; the lead, once the review has moved on, `FindingsClosed`.

Each kind's findings are numbered 0, 1, 2, ... in their `order`: adding puts a finding last,
removing or moving one to another kind closes the gap, and a move swaps two neighbours. All of
them hold the review's row lock, so two moves at once cannot leave two findings at one place.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from assurance.models import User
from reviews import history
from reviews.models import Comment, Finding, Review, ReviewersSummary
from reviews.peer_review import Access, access_for
from reviews.self_assessment import Invalid, StaleWrite
from standards.models import Domain, Standard

TITLE_MAX = Finding._meta.get_field("title").max_length
BODY_MAX = Finding._meta.get_field("body").max_length
SUMMARY_MAX = ReviewersSummary._meta.get_field("text").max_length
FINDING_FIELDS = ("kind", "title", "body", "standards", "domains")
DIRECTIONS = ("up", "down")


class FindingsClosed(Exception):
    """The review is past the stage where the findings and the summary can change."""


def closed_reason(review: Review) -> str:
    """Why the findings can no longer change, in words for the person reading."""
    if review.status == Review.Status.WITHDRAWN:
        return _("This review was withdrawn, so its findings can no longer be changed.")
    return _(
        "The review is at the stage “%(stage)s”, so its findings and the reviewers' summary "
        "can no longer be changed."
    ) % {"stage": review.get_status_display()}


def _lock_for_writing(review_id: int, by: User) -> tuple[Review, Access]:
    """The review, locked for the rest of the transaction, once `by` may write its findings."""
    review = Review.objects.select_for_update().get(pk=review_id)
    access = access_for(by, review)
    if not access.lead:
        raise PermissionDenied(_("Only the lead reviewer writes the findings and the summary."))
    if not access.may_write_findings:
        raise FindingsClosed(closed_reason(review))
    return review, access


def _ids(items: Iterable[Model | int]) -> set[int]:
    return {item.pk if isinstance(item, Model) else int(item) for item in items}


def _clean(review: Review, values: dict) -> dict:
    """Check a finding's fields against the rules; standards and domains become id sets."""
    errors = {}
    kind = values["kind"]
    if kind not in Finding.Kind.values:
        errors["kind"] = _("Choose what kind of finding this is.")
    title = (values["title"] or "").strip()
    if not title:
        errors["title"] = _("Give the finding a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Keep the title to %(max)s characters or fewer.") % {"max": TITLE_MAX}
    body = (values["body"] or "").strip()
    if len(body) > BODY_MAX:
        errors["body"] = _("Keep this to %(max)s characters or fewer.") % {"max": BODY_MAX}
    try:
        standards = _ids(values["standards"])
        domains = _ids(values["domains"])
    except (TypeError, ValueError):
        raise Invalid({"standards": _("Choose standards and domains from the list.")}) from None
    version = review.framework_version_id
    if len(standards) != Standard.objects.filter(pk__in=standards, version_id=version).count():
        errors["standards"] = _("Choose standards of this review's framework.")
    if len(domains) != Domain.objects.filter(pk__in=domains, version_id=version).count():
        errors["domains"] = _("Choose domains of this review's framework.")
    if errors:
        raise Invalid(errors)
    return {"kind": kind, "title": title, "body": body, "standards": standards, "domains": domains}


def readable_comment(access: Access, review: Review, comment: Comment | int) -> Comment | None:
    """The comment, if it is on `review` and the person may read its thread; else None."""
    pk = comment.pk if isinstance(comment, Comment) else comment
    try:
        found = (
            Comment.objects.select_related("thread__standard", "author")
            .filter(thread__review=review)
            .get(pk=pk)
        )
    except (Comment.DoesNotExist, ValueError, TypeError):
        return None
    return found if access.reads_thread(found.thread) else None


def draft_from_comment(comment: Comment) -> dict:
    """What a finding started from `comment` begins with: its thread's subject as the title,
    the comment as the body, and the thread's standard."""
    thread = comment.thread
    return {
        "title": thread.title[:TITLE_MAX],
        "body": comment.body[:BODY_MAX],
        "standards": [thread.standard_id] if thread.standard_id else [],
    }


def _next_order(review: Review, kind: str) -> int:
    return Finding.objects.filter(review=review, kind=kind).count()


def _renumber(review: Review, kind: str, by: User) -> None:
    """Number the kind's findings 0, 1, 2, ... in their present order (closes any gap)."""
    findings = list(Finding.objects.filter(review=review, kind=kind).order_by("order", "pk"))
    changed = []
    for index, finding in enumerate(findings):
        if finding.order != index:
            finding.order = index
            changed.append(finding)
    bulk_update_with_history(changed, Finding, ["order"], default_user=by)


def _still_there(queryset, finding: Finding) -> Finding:
    """The finding as stored now; someone may have removed it since the page was loaded."""
    try:
        return queryset.get(pk=finding.pk)
    except Finding.DoesNotExist:
        raise Invalid({"finding": _("This finding has been removed.")}) from None


@transaction.atomic
def add_finding(
    review: Review,
    *,
    by: User,
    kind: str,
    title: str,
    body: str = "",
    standards: Iterable[Standard | int] = (),
    domains: Iterable[Domain | int] = (),
    started_from: Comment | int | None = None,
) -> Finding:
    """A new finding, last among its kind."""
    locked, access = _lock_for_writing(review.pk, by)
    values = _clean(
        locked,
        {"kind": kind, "title": title, "body": body, "standards": standards, "domains": domains},
    )
    comment = None
    if started_from is not None:
        comment = readable_comment(access, locked, started_from)
        if comment is None:
            raise Invalid({"started_from": _("Choose a comment on this review that you can read.")})
    now = timezone.now()
    finding = Finding.objects.create(
        review=locked,
        kind=values["kind"],
        title=values["title"],
        body=values["body"],
        order=_next_order(locked, values["kind"]),
        started_from=comment,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    finding.standards.set(values["standards"])
    finding.domains.set(values["domains"])
    return finding


@transaction.atomic
def update_finding(finding: Finding, *, by: User, **fields) -> Finding:
    """Change any of `kind`, `title`, `body`, `standards` and `domains`; the others stay.

    A finding moved to another kind goes last there, and its old kind closes the gap.
    """
    unknown = set(fields) - set(FINDING_FIELDS)
    if unknown:
        raise Invalid({name: _("This field cannot be changed.") for name in sorted(unknown)})
    locked, _access = _lock_for_writing(finding.review_id, by)
    current = _still_there(Finding.objects.prefetch_related("standards", "domains"), finding)
    merged = {
        "kind": fields.get("kind", current.kind),
        "title": fields.get("title", current.title),
        "body": fields.get("body", current.body),
        "standards": fields.get("standards", current.standards.all()),
        "domains": fields.get("domains", current.domains.all()),
    }
    values = _clean(locked, merged)
    old_kind = current.kind
    current.title, current.body = values["title"], values["body"]
    if values["kind"] != old_kind:
        current.kind = values["kind"]
        current.order = _next_order(locked, values["kind"])
    current.updated_at = timezone.now()
    current.save(update_fields=["kind", "title", "body", "order", "updated_at"])
    if "standards" in fields:
        current.standards.set(values["standards"])
    if "domains" in fields:
        current.domains.set(values["domains"])
    if current.kind != old_kind:
        _renumber(locked, old_kind, by)
    return current


@transaction.atomic
def move_finding(finding: Finding, *, by: User, direction: str) -> Finding:
    """Swap the finding with its neighbour above (`up`) or below (`down`) within its kind.

    The first cannot go up nor the last down: the finding is returned unchanged.
    """
    if direction not in DIRECTIONS:
        raise Invalid({"direction": _("Say whether to move the finding up or down.")})
    locked, _access = _lock_for_writing(finding.review_id, by)
    current = _still_there(Finding.objects.all(), finding)
    siblings = list(
        Finding.objects.filter(review=locked, kind=current.kind).order_by("order", "pk")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == current.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
    changed = []
    for position, sibling in enumerate(siblings):
        if sibling.pk == current.pk:
            sibling.updated_at = timezone.now()
        if sibling.order != position or sibling.pk == current.pk:
            sibling.order = position
            changed.append(sibling)
    bulk_update_with_history(changed, Finding, ["order", "updated_at"], default_user=by)
    current.refresh_from_db()
    return current


@transaction.atomic
def remove_finding(finding: Finding, *, by: User) -> None:
    locked, _access = _lock_for_writing(finding.review_id, by)
    kind = Finding.objects.filter(pk=finding.pk).values_list("kind", flat=True).first()
    if kind is None:
        return  # already removed: removing it again changes nothing
    Finding.objects.filter(pk=finding.pk).delete()
    _renumber(locked, kind, by)


# The reviewers' summary ----------------------------------------------------------------------


def save_summary(
    review: Review, *, by: User, expected_version: int | None, text: str
) -> ReviewersSummary:
    """Save the reviewers' summary, if nobody has saved a newer version meanwhile.

    `expected_version` is the version the person started from, or None when they started from
    no summary at all. The first save creates the summary; once there is one, a save from None
    or from an older version is stale. Saving the same text again as the stored
    version's own author is no conflict (a double click, a retried request).
    """
    text = (text or "").strip()
    if len(text) > SUMMARY_MAX:
        raise Invalid(
            {"text": _("Keep this to %(max)s characters or fewer.") % {"max": SUMMARY_MAX}}
        )
    with transaction.atomic():
        locked, _access = _lock_for_writing(review.pk, by)
        now = timezone.now()
        current = ReviewersSummary.objects.filter(review=locked).first()
        if current is None:
            return ReviewersSummary.objects.create(
                review=locked, text=text, updated_by=by, updated_at=now
            )
        if expected_version != current.version:
            if current.updated_by_id == by.pk and current.text == text:
                return current
            raise StaleWrite(current)
        ReviewersSummary.objects.filter(pk=current.pk).update(
            text=text, version=F("version") + 1, updated_by=by, updated_at=now
        )
        fresh = ReviewersSummary.objects.select_related("updated_by").get(pk=current.pk)
        history.record_change(fresh, by=by)
        return fresh
