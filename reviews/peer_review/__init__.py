"""Who may see and do what in the peer review, and when: the one place this policy is written.

Who (object permissions on the review, reviews/permissions.py and reviews/allocation/teams.py):

- the review team: reviewers with an accepted place (`team_review`), the lead reviewer also
  `lead_review`;
- the network's coordinators (`team_review` and `manage_review`): they read and write team-only
  threads, and read everything else of the team's;
- the host: every member of the service team (`contribute_review`), its service lead also
  `submit_review`.

What, and when (the review's state, groups defined on `Review`):

| part | reads | writes |
|---|---|---|
| visit | team, coordinators, host | lead reviewer and host service lead, while `VISIT_PLANNING` |
| team-only threads | team, coordinators | the same, while `OPEN_FOR_DIALOGUE` |
| shared threads | team, coordinators, host | the same, while `OPEN_FOR_DIALOGUE` |
| editing a comment | - | its author, until the report is published |
| reflections | team, coordinators | reviewers on the team, while `TEAM_WRITING` |
| findings and summary | team, coordinators | the lead reviewer, while `TEAM_WRITING` |
| safeguarding notes | lead reviewer, coordinators, host lead; who raised it | see below |

Safeguarding notes are raised by reviewers on the team while `SAFEGUARDING_OPEN`; their status
is updated by the lead reviewer, coordinators and the host's service lead.

A part a person cannot read is 404 when it names one object (a team-only thread is not known
to exist) and 403 when it is a whole section of a review they can see.

The write paths live beside this module: visit.py (and calendar.py), threads.py, reflections.py,
findings.py (findings and the reviewers' summary) and safeguarding.py. Pages and the API call
the same functions.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from guardian.core import ObjectPermissionChecker

from assurance import permissions
from assurance.models import User
from reviews.models import Assignment, Review, SafeguardingNote, Thread
from reviews.permissions import get_review_for_user

Status = Review.Status


@dataclass(frozen=True)
class Access:
    """What one person may do in one review's peer review, worked out once per request."""

    user_id: int | None
    status: str
    team: bool  # team_review: the review team and the network's coordinators
    reviewer: bool  # an accepted place on the team
    lead: bool  # lead_review
    coordinator: bool  # manage_review
    host: bool  # contribute_review: the host service's team
    host_lead: bool  # submit_review: the host's service lead

    # Threads ---------------------------------------------------------------------------------

    @property
    def visibilities(self) -> tuple[str, ...]:
        """The thread visibilities this person reads."""
        if self.team:
            return (Thread.Visibility.TEAM, Thread.Visibility.SHARED)
        if self.host:
            return (Thread.Visibility.SHARED,)
        return ()

    def reads_thread(self, thread: Thread) -> bool:
        return thread.visibility in self.visibilities

    @property
    def dialogue_open(self) -> bool:
        return self.status in Review.OPEN_FOR_DIALOGUE

    def may_start_thread(self, visibility: str) -> bool:
        return self.dialogue_open and visibility in self.visibilities

    def may_comment(self, thread: Thread) -> bool:
        return self.dialogue_open and self.reads_thread(thread)

    def may_edit_comment(self, comment) -> bool:
        return (
            comment.author_id is not None
            and comment.author_id == self.user_id
            and self.status not in Review.FINISHED
            and self.reads_thread(comment.thread)
        )

    # Visit -----------------------------------------------------------------------------------

    @property
    def reads_visit(self) -> bool:
        return self.team or self.host

    @property
    def may_edit_visit(self) -> bool:
        return self.status in Review.VISIT_PLANNING and (self.lead or self.host_lead)

    # Reflections, findings and the summary ---------------------------------------------------

    @property
    def reads_team_work(self) -> bool:
        return self.team

    @property
    def may_reflect(self) -> bool:
        return self.reviewer and self.status in Review.TEAM_WRITING

    @property
    def may_write_findings(self) -> bool:
        return self.lead and self.status in Review.TEAM_WRITING

    # Safeguarding ----------------------------------------------------------------------------

    @property
    def reads_all_safeguarding(self) -> bool:
        return self.lead or self.coordinator or self.host_lead

    def reads_safeguarding(self, note: SafeguardingNote) -> bool:
        return self.reads_all_safeguarding or (
            note.raised_by_id is not None and note.raised_by_id == self.user_id
        )

    @property
    def may_raise_safeguarding(self) -> bool:
        return self.reviewer and self.status in Review.SAFEGUARDING_OPEN

    @property
    def may_update_safeguarding(self) -> bool:
        return self.reads_all_safeguarding


def access_for(user: User, review: Review) -> Access:
    """Work out `Access` with one permission lookup and one assignment lookup."""
    if not (user.is_authenticated and user.is_active):
        return Access(None, review.status, *(False,) * 6)
    perms = set(ObjectPermissionChecker(user).get_perms(review))
    reviewer = Assignment.objects.filter(
        review=review, reviewer__user=user, status=Assignment.Status.ACCEPTED
    ).exists()
    return Access(
        user_id=user.pk,
        status=review.status,
        team="team_review" in perms,
        reviewer=reviewer and "team_review" in perms,
        lead="lead_review" in perms,
        coordinator="manage_review" in perms,
        host="contribute_review" in perms,
        host_lead="submit_review" in perms,
    )


def get_review_access(user: User, pk) -> tuple[Review, Access]:
    """The review (404 if `user` cannot see it) and what they may do in its peer review."""
    review = get_review_for_user(user, pk)
    return review, access_for(user, review)


def require(allowed: bool) -> None:
    """403 for a part of a review the person can see but may not read or change."""
    if not allowed:
        raise PermissionDenied


def get_thread(access: Access, review: Review, pk) -> Thread:
    """A thread of `review` the person may read, or 404."""
    try:
        thread = review.threads.select_related("standard", "started_by").get(pk=pk)
    except (Thread.DoesNotExist, ValueError):
        raise Http404 from None
    if not access.reads_thread(thread):
        raise Http404
    return thread


def threads_for(access: Access, review: Review) -> QuerySet:
    """The review's threads this person may read."""
    return review.threads.filter(visibility__in=access.visibilities)


def safeguarding_notes_for(access: Access, review: Review) -> QuerySet:
    notes = review.safeguarding_notes.all()
    if access.reads_all_safeguarding:
        return notes
    if access.reviewer:
        return notes.filter(raised_by_id=access.user_id)
    return notes.none()


# Across reviews, for API lists -------------------------------------------------------------


def _reviews_with(user: User, perm: str) -> QuerySet:
    return permissions.objects_for_user(user, perm, Review.objects.all()).values("pk")


def visible_threads(user: User) -> QuerySet:
    """Every thread `user` may read: all of the reviews they work on as the team (or
    coordinate), and the shared threads of the reviews of services they belong to."""
    return Thread.objects.filter(
        Q(review__in=_reviews_with(user, "reviews.team_review"))
        | Q(
            review__in=_reviews_with(user, "reviews.contribute_review"),
            visibility=Thread.Visibility.SHARED,
        )
    )


def visit_reviews(user: User) -> QuerySet:
    """The reviews whose visit `user` reads (`reads_visit` across reviews): the team and
    coordinators (`team_review`) and the host (`contribute_review`)."""
    return Review.objects.filter(
        Q(pk__in=_reviews_with(user, "reviews.team_review"))
        | Q(pk__in=_reviews_with(user, "reviews.contribute_review"))
    ).values("pk")


def team_work_reviews(user: User) -> QuerySet:
    """The reviews whose reflections, findings and summary `user` may read."""
    return _reviews_with(user, "reviews.team_review")


def visible_safeguarding_notes(user: User) -> QuerySet:
    readers = Q()
    for perm in ("reviews.lead_review", "reviews.manage_review", "reviews.submit_review"):
        readers |= Q(review__in=_reviews_with(user, perm))
    if user.is_authenticated:
        readers |= Q(raised_by=user, review__in=_reviews_with(user, "reviews.team_review"))
    return SafeguardingNote.objects.filter(readers)
