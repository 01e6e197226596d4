"""Matrix entries for the self-assessment pages (see table.py for how to read them).

Reading needs view_review (the service team and the network's coordinators); responses, last
cycle's actions and carrying forward need change_review (staff contributors and leads);
perspectives need contribute_review (the whole team, lived-experience contributors included).
In the matrix world the reviewer and lead reviewer are, for now, staff and lead of service T,
so on their "own" review (T's) they act as its team; somebody else's review is a 404 for all.

The world's reviews are in self_assessment with empty responses, no perspectives and no last
cycle. Routes that name a perspective use `perspective_of`, which adds one to the review the
first time it is asked for (outside the per-request savepoint, so it stays for every role).
"""

from reviews import self_assessment
from reviews.models import Perspective
from tests.matrix.table import Route, expect, pk

OTHERS = expect(404)
READS = expect(200, commissioner=404, outsider=404)
# change_review: the service's staff and leads (and, on T's review, the T team).
EDITORS = {"lived_experience": 403, "coordinator": 403, "commissioner": 404, "outsider": 404}
# contribute_review: the whole team; coordinators read only.
CONTRIBUTORS = {"coordinator": 403, "commissioner": 404, "outsider": 404}
# Changing a perspective someone else added: the people who write the self-assessment only
# (the world's perspectives are added by staff, so lived-experience contributors get 403).
CHANGES_OTHERS_PERSPECTIVES = {**CONTRIBUTORS, "lived_experience": 403}


def first_domain(review) -> dict:
    return {"pk": review.pk, "code": review.framework_version.domains.order_by("order")[0].code}


def first_response(review) -> dict:
    return {"pk": review.pk, "response_pk": review.responses.order_by("pk")[0].pk}


def perspective_of(review) -> dict:
    existing = Perspective.objects.filter(response__review=review).order_by("pk").first()
    if existing is None:
        existing = self_assessment.add_perspective(
            review.responses.select_related("review").order_by("pk")[0],
            by=None,
            voice=Perspective.Voice.STAFF,
            text="Said in the matrix.",
            method=Perspective.Method.GROUP,
        )
    return {"pk": review.pk, "perspective_pk": existing.pk}


SELF_ASSESSMENT_ROUTES: list[Route] = [
    Route("reviews:self_assessment", kind="review", kwargs=pk, own=READS, other=OTHERS),
    Route("reviews:domain", kind="review", kwargs=first_domain, own=READS, other=OTHERS),
    # Nothing posted: editors get the page back with the form's errors.
    Route(
        "reviews:response_save",
        method="POST",
        kind="review",
        kwargs=first_response,
        own=expect(400, **EDITORS),
        other=OTHERS,
    ),
    # Back from signing in: a redirect to the standard for everyone who can read it.
    Route(
        "reviews:response_save",
        kind="review",
        kwargs=first_response,
        own=expect(302, commissioner=404, outsider=404),
        other=OTHERS,
    ),
    Route(
        "reviews:perspective_add",
        kind="review",
        kwargs=first_response,
        own=expect(200, **CONTRIBUTORS),
        other=OTHERS,
    ),
    Route(
        "reviews:perspective_add",
        method="POST",
        kind="review",
        kwargs=first_response,
        own=expect(400, **CONTRIBUTORS),
        other=OTHERS,
    ),
    Route(
        "reviews:perspective_edit",
        kind="review",
        kwargs=perspective_of,
        own=expect(200, **CHANGES_OTHERS_PERSPECTIVES),
        other=OTHERS,
    ),
    Route(
        "reviews:perspective_edit",
        method="POST",
        kind="review",
        kwargs=perspective_of,
        own=expect(400, **CHANGES_OTHERS_PERSPECTIVES),
        other=OTHERS,
    ),
    Route(
        "reviews:perspective_remove",
        kind="review",
        kwargs=perspective_of,
        own=expect(200, **CHANGES_OTHERS_PERSPECTIVES),
        other=OTHERS,
    ),
    # Removed (302); each request is rolled back, so the next role finds it again.
    Route(
        "reviews:perspective_remove",
        method="POST",
        kind="review",
        kwargs=perspective_of,
        own=expect(302, **CHANGES_OTHERS_PERSPECTIVES),
        other=OTHERS,
    ),
    Route("reviews:previous_actions", kind="review", kwargs=pk, own=READS, other=OTHERS),
    # The world's reviews have no last cycle, so no action can be named: 404 for editors.
    Route(
        "reviews:previous_actions",
        method="POST",
        kind="review",
        kwargs=pk,
        own=expect(404, lived_experience=403, coordinator=403),
        other=OTHERS,
    ),
    Route(
        "reviews:carry_forward",
        kind="review",
        kwargs=pk,
        own=expect(200, **EDITORS),
        other=OTHERS,
    ),
    # No last cycle to start from: editors are told so (409), nothing changes.
    Route(
        "reviews:carry_forward",
        method="POST",
        kind="review",
        kwargs=pk,
        own=expect(409, **EDITORS),
        other=OTHERS,
    ),
    Route("reviews:voice", kind="review", kwargs=pk, own=READS, other=OTHERS),
    # A standard but no words: contributors get the page back with the error.
    Route(
        "reviews:voice",
        method="POST",
        kind="review",
        kwargs=pk,
        data=b"standard=ATT-1",
        own=expect(400, **CONTRIBUTORS),
        other=OTHERS,
    ),
]
