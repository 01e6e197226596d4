"""Writing the self-assessment: responses, perspectives, progress on last cycle's actions,
and carrying answers forward from the last cycle.

Every write here refuses two things, whatever page or API call it came from:

- a review that has left `self_assessment` (`NotEditable`: the UI explains, the API says 409);
- a save made from a stale version (`StaleWrite`, carrying the current row so the person can
  merge: nothing is ever silently overwritten). The check and the write are one conditional
  UPDATE, so two concurrent saves from the same version cannot both win.

Who may write is checked before these functions are called (reviews/permissions.py).
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from assurance.models import User
from reviews import history
from reviews.models import Action, ActionProgress, Perspective, Rating, Response, Review
from standards.models import CrosswalkLink


class NotEditable(Exception):
    """The review is not at a stage where the service can change it."""


class StaleWrite(Exception):
    """Someone saved a newer version first. `current` is what is stored now."""

    def __init__(self, current):
        super().__init__(_("Someone else saved this after you started. Compare and merge."))
        self.current = current


class Invalid(Exception):
    """Input the rules refuse; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def ensure_editable(review: Review) -> None:
    if not review.is_editable_by_service:
        raise NotEditable(
            _("This self-assessment was submitted, so it can no longer be changed here.")
            if review.status != Review.Status.WITHDRAWN
            else _("This review was withdrawn.")
        )


def _lock_editable(review_id: int) -> Review:
    """Lock the review row for the rest of the transaction and check it is still editable.

    Holding the review's lock makes a save and a move of the review (which takes the same lock)
    happen one after the other, so nothing is saved into a review that has just been submitted.
    The version check itself is a plain conditional UPDATE on the row's own columns: a filter
    through a join would make Django update via a sub-select, which PostgreSQL does not
    re-check after waiting for a concurrent writer, and both writers would win.
    """
    review = Review.objects.select_for_update().get(pk=review_id)
    ensure_editable(review)
    return review


RESPONSE_FIELDS = ("rating", "narrative", "development_ideas", "not_applicable_reason")


def save_response(
    response: Response, *, by: User, expected_version: int, **values: str
) -> Response:
    """Save a response's text and rating, if nobody has saved a newer version meanwhile."""
    ensure_editable(response.review)
    unknown = set(values) - set(RESPONSE_FIELDS)
    if unknown:
        raise Invalid({name: _("This field cannot be changed.") for name in unknown})
    merged = {name: values.get(name, getattr(response, name)) for name in RESPONSE_FIELDS}
    merged = {name: (value or "").strip() for name, value in merged.items()}
    errors = {}
    if merged["rating"] and merged["rating"] not in Rating.values:
        errors["rating"] = _("Choose one of the options.")
    if merged["rating"] == Rating.NOT_APPLICABLE and not merged["not_applicable_reason"]:
        errors["not_applicable_reason"] = _("Say why this standard does not apply to you.")
    if merged["rating"] != Rating.NOT_APPLICABLE:
        merged["not_applicable_reason"] = ""
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        _lock_editable(response.review_id)
        updated = Response.objects.filter(pk=response.pk, version=expected_version).update(
            **merged,
            carried=False,
            version=F("version") + 1,
            updated_by=by,
            updated_at=timezone.now(),
        )
        fresh = Response.objects.select_related("review", "standard", "updated_by").get(
            pk=response.pk
        )
        if not updated and not _same_save(fresh, merged, by):
            raise StaleWrite(fresh)
        if updated:
            history.record_change(fresh, by=by)
    return fresh


def _same_save(stored: Response, values: dict[str, str], by: User) -> bool:
    """The stored row is this person's own latest save of exactly these values (an autosave
    that arrived first): saving it again changes nothing and is no conflict."""
    return stored.updated_by_id == by.pk and all(
        getattr(stored, name) == value for name, value in values.items()
    )


PERSPECTIVE_FIELDS = ("voice", "text", "people_count", "method", "co_produced")


def _clean_perspective(values: dict) -> dict:
    errors = {}
    if values.get("voice") not in Perspective.Voice.values:
        errors["voice"] = _("Choose whose voice this is.")
    if not (values.get("text") or "").strip():
        errors["text"] = _("Write what people said.")
    if values.get("method") not in Perspective.Method.values:
        errors["method"] = _("Choose how it was gathered.")
    count = values.get("people_count")
    if count is not None and (not isinstance(count, int) or count < 1 or count > 100_000):
        errors["people_count"] = _("Enter a whole number of people, 1 or more, or leave it empty.")
    if errors:
        raise Invalid(errors)
    return {
        **values,
        "text": values["text"].strip(),
        "co_produced": bool(values.get("co_produced")),
    }


@transaction.atomic
def add_perspective(response: Response, *, by: User, **values) -> Perspective:
    values = _clean_perspective({name: values.get(name) for name in PERSPECTIVE_FIELDS})
    _lock_editable(response.review_id)
    return Perspective.objects.create(response=response, added_by=by, updated_by=by, **values)


def update_perspective(
    perspective: Perspective, *, by: User, expected_version: int, **values
) -> Perspective:
    review = perspective.response.review
    ensure_editable(review)
    merged = {name: values.get(name, getattr(perspective, name)) for name in PERSPECTIVE_FIELDS}
    merged = _clean_perspective(merged)
    with transaction.atomic():
        _lock_editable(review.pk)
        updated = Perspective.objects.filter(pk=perspective.pk, version=expected_version).update(
            **merged,
            carried=False,
            version=F("version") + 1,
            updated_by=by,
            updated_at=timezone.now(),
        )
        fresh = Perspective.objects.select_related("response__review").get(pk=perspective.pk)
        if not updated:
            raise StaleWrite(fresh)
        history.record_change(fresh, by=by)
    return fresh


@transaction.atomic
def remove_perspective(perspective: Perspective, *, by: User, expected_version: int) -> None:
    _lock_editable(perspective.response.review_id)
    deleted, _rows = Perspective.objects.filter(
        pk=perspective.pk, version=expected_version
    ).delete()
    if not deleted:
        current = Perspective.objects.filter(pk=perspective.pk).first()
        if current is not None:
            raise StaleWrite(current)


def last_cycles_actions(review: Review) -> QuerySet:
    """The actions of the service's last review that this review reports on. Only an agreed
    action plan counts: the last review must be published (or closed), not still a draft."""
    # Without a last review this finds nothing, in the same one query.
    return Action.objects.filter(
        review_id=review.previous_id,
        review__status__in=(Review.Status.PUBLISHED, Review.Status.CLOSED),
    )


def record_action_progress(
    action: Action, review: Review, *, by: User, note: str, status: str
) -> ActionProgress:
    """Say how one of last cycle's actions has gone, as part of this review."""
    ensure_editable(review)
    if not last_cycles_actions(review).filter(pk=action.pk).exists():
        raise Invalid({"action": _("This action does not belong to this service's last review.")})
    errors = {}
    if not note.strip():
        errors["note"] = _("Say how this action has gone.")
    if status not in Action.Status.values:
        errors["status"] = _("Choose where the action stands now.")
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        _lock_editable(review.pk)
        progress = ActionProgress.objects.create(
            action=action, review=review, note=note.strip(), status=status, by=by
        )
        # The same fields as progress recorded after publication (reviews/report/actions.py).
        Action.objects.filter(pk=action.pk).update(
            status=status,
            dropped_reason=note.strip() if status == Action.Status.DROPPED else "",
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        history.record_change(Action.objects.get(pk=action.pk), by=by)
    return progress


@dataclass(frozen=True)
class CarryResult:
    responses: int
    perspectives: int


@transaction.atomic
def carry_forward(review: Review, *, by: User) -> CarryResult:
    """Start from last cycle: copy narratives and perspectives, never ratings.

    A standard is matched when it is the same standard (same framework version) or mapped by
    the version's crosswalk. Copied text is marked "carried, please check". Responses that
    already have text are left alone, so carrying forward never overwrites anyone's work.
    """
    review = Review.objects.select_for_update().get(pk=review.pk)
    ensure_editable(review)
    if review.previous_id is None:
        raise Invalid({"review": _("There is no earlier review of this service to start from.")})
    if review.carried_forward_at is not None:
        raise Invalid({"review": _("This review has already been started from last cycle.")})
    sources = _matching_sources(review)
    previous = {
        r.standard_id: r
        for r in Response.objects.filter(review_id=review.previous_id).prefetch_related(
            "perspectives"
        )
    }
    responses = perspectives = 0
    targets = Response.objects.filter(review=review).annotate(existing=Count("perspectives"))
    for target in targets:
        source = next(
            (previous[s] for s in sources.get(target.standard_id, []) if s in previous), None
        )
        if source is None or target.narrative or target.development_ideas or target.existing:
            continue
        if source.narrative or source.development_ideas:
            target.narrative = source.narrative
            target.development_ideas = source.development_ideas
            target.carried = True
            target.updated_by = by
            target.updated_at = timezone.now()
            target.version += 1
            target.save()
            responses += 1
        for perspective in source.perspectives.all():
            Perspective.objects.create(
                response=target,
                voice=perspective.voice,
                text=perspective.text,
                people_count=perspective.people_count,
                method=perspective.method,
                co_produced=perspective.co_produced,
                carried=True,
                added_by=by,
                updated_by=by,
            )
            perspectives += 1
    review.carried_forward_at = timezone.now()
    review.save(update_fields=["carried_forward_at"])
    return CarryResult(responses=responses, perspectives=perspectives)


def _matching_sources(review: Review) -> dict[int, list[int]]:
    """For each standard of this review, the standards of the previous review it continues."""
    previous = Review.objects.get(pk=review.previous_id)
    mine = list(review.framework_version.standards.values_list("pk", flat=True))
    if previous.framework_version_id == review.framework_version_id:
        return {pk: [pk] for pk in mine}
    links = CrosswalkLink.objects.filter(
        crosswalk__to_version=review.framework_version,
        crosswalk__from_version=previous.framework_version,
    ).order_by("order")
    sources: dict[int, list[int]] = {}
    for link in links:
        sources.setdefault(link.target_id, []).append(link.source_id)
    return sources


@dataclass(frozen=True)
class Progress:
    answered: int
    total: int
    voices: dict[str, int]  # voice -> number of standards with at least one perspective of it


def answered(prefix: str = "") -> Q:
    """The filter for an answered response (as `Response.is_answered`): a rating, and for
    "not applicable" a reason too. `prefix` reaches responses through a relation, e.g.
    `answered("responses__")` on reviews."""
    rated = [value for value in Rating.values if value != Rating.NOT_APPLICABLE]
    return Q(**{f"{prefix}rating__in": rated}) | Q(
        **{f"{prefix}rating": Rating.NOT_APPLICABLE, f"{prefix}not_applicable_reason__gt": ""}
    )


def progress(review: Review) -> Progress:
    """How far the self-assessment has got: n of N answered, and coverage by voice."""
    counts = Response.objects.filter(review=review).aggregate(
        total=Count("pk", distinct=True),
        answered=Count("pk", filter=answered(), distinct=True),
        **{
            voice: Count("pk", filter=Q(perspectives__voice=voice), distinct=True)
            for voice in Perspective.Voice.values
        },
    )
    return Progress(
        answered=counts["answered"],
        total=counts["total"],
        voices={voice: counts[voice] for voice in Perspective.Voice.values},
    )
