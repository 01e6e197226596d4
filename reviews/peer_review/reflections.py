"""Writing the team's reflections: the review team's view of each standard, beside the service's
own. A reflection waits on every standard from the start of the peer review
(`reviews.workflow.prepare_reflections`); nobody creates or removes one, the team only writes it.

`save_reflection` is the one write, for the pages and the API alike. Like
`reviews.self_assessment.save_response` it holds the review's row lock (so a save and a move of
the review happen one after the other) and makes a conditional UPDATE on the reflection's own
version, so two saves from the same version cannot both win. It refuses, in this order:

- someone who is not a reviewer on the team (`PermissionDenied`): coordinators read, never write;
- a review whose team no longer writes (`ReflectionsClosed`): the policy's `may_reflect`, that is
  while the review is in peer review or drafting;
- input the rules refuse (`Invalid`): an unknown view or answer, or "differs" without saying why
  (the rule of `Reflection.is_recorded`);
- a save made from a stale version (`StaleWrite`, carrying what is stored now).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from assurance.models import User
from reviews import history
from reviews.models import Rating, Reflection, Review
from reviews.peer_review import Access, access_for
from reviews.self_assessment import Invalid, StaleWrite

Agreement = Reflection.Agreement


class ReflectionsClosed(Exception):
    """The review is not at a stage where the team writes its reflections."""


def closed_message(review: Review) -> str:
    """Why the team can no longer change its reflections on this review."""
    if review.status == Review.Status.WITHDRAWN:
        return _("This review was withdrawn, so the team's reflections can no longer be changed.")
    if review.status in (Review.Status.SELF_ASSESSMENT, Review.Status.SUBMITTED):
        return _("The team records its reflections once the peer review has started.")
    return _(
        "The report has moved on to the stage “%(stage)s”, so the team's reflections can no "
        "longer be changed."
    ) % {"stage": review.get_status_display()}


def check_may_reflect(access: Access, review: Review) -> None:
    """Refuse someone who may not write the team's reflections on `review` now.

    Pages and the API call it first, to answer before looking at what was sent;
    `save_reflection` calls it again on the locked review.
    """
    if not access.reviewer:
        raise PermissionDenied(_("Only the reviewers on the team record its reflections."))
    if not access.may_reflect:
        raise ReflectionsClosed(closed_message(review))


def _clean(rating: str, agreement: str, rationale: str) -> dict[str, str]:
    values = {
        "rating": (rating or "").strip(),
        "agreement": (agreement or "").strip(),
        "rationale": (rationale or "").strip(),
    }
    errors = {}
    if values["rating"] and values["rating"] not in Rating.values:
        errors["rating"] = _("Choose one of the options.")
    if values["agreement"] and values["agreement"] not in Agreement.values:
        errors["agreement"] = _(
            "Choose whether the team agrees with the service's own view or differs from it."
        )
    # As `Reflection.is_recorded`: a view that differs from the service's needs its reasons.
    if values["agreement"] == Agreement.DIFFERS and not values["rationale"]:
        errors["rationale"] = _("Say why the team's view differs from the service's own.")
    if errors:
        raise Invalid(errors)
    return values


def save_reflection(
    reflection: Reflection,
    *,
    by: User,
    expected_version: int,
    rating: str,
    agreement: str,
    rationale: str,
) -> Reflection:
    """Save the team's view of one standard, if nobody has saved a newer version meanwhile.

    Blank values are allowed (a reflection can be written in steps); the move to drafting waits
    until every reflection is recorded (`reviews.workflow.every_standard_reflected`).
    """
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=reflection.review_id)
        check_may_reflect(access_for(by, review), review)
        values = _clean(rating, agreement, rationale)
        updated = Reflection.objects.filter(pk=reflection.pk, version=expected_version).update(
            **values,
            version=F("version") + 1,
            updated_by=by,
            updated_at=timezone.now(),
        )
        fresh = Reflection.objects.select_related("review", "standard__domain", "updated_by").get(
            pk=reflection.pk
        )
        if not updated:
            raise StaleWrite(fresh)
        history.record_change(fresh, by=by)
    return fresh
