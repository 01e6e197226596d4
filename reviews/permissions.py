"""Who may do what with a review. Extends the policy of assurance/permissions.py.

Object permissions on each review are attached, when the review is created, to the groups of
its service and network (see `setup_review_permissions`):

- the service team (every member, lived-experience contributors included): `view_review` and
  `contribute_review` (add perspectives and evidence; change or remove their own perspectives);
- the service's editors (staff contributors and leads): `change_review` (write responses);
- the service's leads: `submit_review`;
- the network's coordinators: `view_review`, `manage_review` (return, withdraw, publish) and
  `team_review` (they read and write the team-only side of the peer review).

The review team's groups (reviews/allocation/teams.py) get `view_review` and `team_review`; the
lead reviewer's group also `lead_review`. What each of these allows in the peer review, and when,
is in reviews/peer_review/__init__.py.

"When" is the review's state, checked by reviews/workflow.py and reviews/self_assessment.py:
the service edits only while the review is in `self_assessment`.
"""

from django.db.models import QuerySet
from guardian.shortcuts import assign_perm

from assurance import permissions
from assurance.models import User
from reviews.models import Perspective, Review


def setup_review_permissions(review: Review) -> None:
    service = review.service
    team = permissions.service_team(service)
    for perm in ("view_review", "contribute_review"):
        assign_perm(f"reviews.{perm}", team, review)
    assign_perm("reviews.change_review", permissions.service_editors(service), review)
    assign_perm("reviews.submit_review", permissions.service_leads(service), review)
    coordinators = permissions.network_coordinators(service.network)
    for perm in ("view_review", "manage_review", "team_review"):
        assign_perm(f"reviews.{perm}", coordinators, review)


def may_change_perspective(user: User, perspective: Perspective) -> bool:
    """The people who write the self-assessment change any perspective; other contributors
    (lived-experience contributors) change only the ones they added themselves."""
    review = perspective.response.review
    if permissions.can(user, "reviews.change_review", review):
        return True
    return perspective.added_by_id == user.pk and permissions.can(
        user, "reviews.contribute_review", review
    )


REVIEW_QUERYSET = Review.objects.select_related(
    "service__organisation", "service__network", "cycle", "framework_version__framework"
)


def get_review_for_user(user: User, pk, perm: str = "reviews.view_review") -> Review:
    """The review, or 404 if `user` cannot see it, or 403 if they may not do `perm`."""
    return permissions.get_object_for_user_or_404(user, REVIEW_QUERYSET, perm, pk=pk)


def visible_reviews(user: User, queryset: QuerySet | None = None) -> QuerySet:
    return permissions.objects_for_user(
        user, "reviews.view_review", queryset if queryset is not None else REVIEW_QUERYSET
    )
