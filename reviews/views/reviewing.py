"""The reviewing pages: the review team reads the self-assessment domain by domain, with the
threads on each standard and the team's reflection beside it.

- the overview: each domain with how many of its standards have the team's reflection recorded,
  how many threads it has, and what drafting the report still waits for;
- one page per domain: each standard's statement, the service's own view, its perspectives and
  evidence, and beside it the threads the person may read and the team's reflection (a form for
  the reviewers on the team while the team writes, read only for everyone else);
- saving one reflection (reviews/peer_review/reflections.py does the writing).

Who may open them is the peer review's policy (reviews/peer_review/__init__.py): the review team
and the network's coordinators read (`reads_team_work`); the host service and everyone else who
sees the review get 403, anyone who does not see it 404. Only the reviewers on the team save.

The people who gave the service's perspectives are never named here: a perspective shows whose
voice it is and how it was gathered, never who typed it, so no lived-experience contributor is
made known to the team.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviews import workflow
from reviews.models import (
    Comment,
    Evidence,
    Perspective,
    Reflection,
    Review,
    Thread,
    Visit,
)
from reviews.models import Response as ReviewResponse
from reviews.peer_review import Access, get_review_access, require, threads_for
from reviews.peer_review import reflections as reflection_writes
from reviews.reflection_forms import ReflectionForm
from reviews.self_assessment import Invalid, StaleWrite
from reviews.views.self_assessment import put_errors, with_version


def domain_url(review: Review, standard) -> str:
    """One standard on its reviewing page."""
    return (
        reverse("reviews:reviewing_domain", args=[review.pk, standard.domain.code])
        + f"#standard-{standard.code}"
    )


def _drafting_move(review: Review) -> workflow.Move | None:
    """The move to drafting, when the review is where it can be made."""
    return workflow.find_move(review.status, Review.Status.DRAFTING)


# The overview ----------------------------------------------------------------------------------


@login_required
@require_GET
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    """Each domain with the team's reflections recorded (n of N) and its threads, and what
    starting to draft the report still waits for."""
    review, access = get_review_access(request.user, pk)
    require(access.reads_team_work)
    totals = dict(
        review.responses.order_by()
        .values("standard__domain_id")
        .annotate(n=Count("pk"))
        .values_list("standard__domain_id", "n")
    )
    recorded: dict[int, int] = {}
    for reflection in review.reflections.select_related("standard").order_by():
        if reflection.is_recorded:
            domain_id = reflection.standard.domain_id
            recorded[domain_id] = recorded.get(domain_id, 0) + 1
    threads = dict(
        threads_for(access, review)
        .order_by()
        .values("standard__domain_id")
        .annotate(n=Count("pk"))
        .values_list("standard__domain_id", "n")
    )
    domains = [
        {
            "domain": domain,
            "total": totals.get(domain.pk, 0),
            "recorded": recorded.get(domain.pk, 0),
            "threads": threads.get(domain.pk, 0),
        }
        for domain in review.framework_version.domains.order_by("order")
    ]
    move = _drafting_move(review)
    problems = workflow.check(review, move) if move else []
    visit = Visit.objects.filter(review=review).first()
    return render(
        request,
        "reviews/reviewing/overview.html",
        {
            "review": review,
            "access": access,
            "domains": domains,
            "recorded": sum(recorded.values()),
            "total": sum(totals.values()),
            "general_threads": threads.get(None, 0),
            "visit": visit,
            "drafting_open": move is not None,
            "visit_problems": [p.message for p in problems if p.standard_id is None],
            "standards_waiting": sum(1 for p in problems if p.standard_id is not None),
            "may_start_drafting": move is not None and access.lead,
        },
    )


# One page per domain ---------------------------------------------------------------------------


@dataclass
class StandardItem:
    """One standard on the reviewing page, with everything shown beside it."""

    response: ReviewResponse
    reflection: Reflection | None
    form: ReflectionForm | None
    voices: list[tuple[str, list[Perspective]]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    threads: list[Thread] = field(default_factory=list)
    conflict: Reflection | None = None
    refused: bool = False  # the save was refused because the team no longer writes

    @property
    def standard(self):
        return self.response.standard


def _domain_page(
    request: HttpRequest,
    review: Review,
    access: Access,
    code: str,
    *,
    bound: ReflectionForm | None = None,
    bound_pk: int | None = None,
    conflict: Reflection | None = None,
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    """The domain page; after a refused save, with that reflection's form as the person sent it.

    The number of queries depends neither on the number of standards nor on the number of
    threads and comments: each kind of thing comes in one query.
    """
    domains = list(review.framework_version.domains.order_by("order"))
    index = next((i for i, d in enumerate(domains) if d.code == code), None)
    if index is None:
        raise Http404
    domain = domains[index]
    responses = (
        review.responses.filter(standard__domain=domain)
        .select_related("standard")
        .prefetch_related(
            Prefetch("perspectives", queryset=Perspective.objects.order_by("created_at", "pk")),
            Prefetch("evidence", queryset=Evidence.objects.order_by("title", "pk")),
        )
        .order_by("standard__order")
    )
    reflections = {
        reflection.standard_id: reflection
        for reflection in review.reflections.filter(standard__domain=domain).select_related(
            "updated_by"
        )
    }
    threads: dict[int, list[Thread]] = {}
    for thread in (
        threads_for(access, review)
        .filter(standard__domain=domain)
        .prefetch_related(
            Prefetch(
                "comments",
                queryset=Comment.objects.select_related("author").order_by("created_at", "pk"),
            )
        )
        .order_by("created_at", "pk")
    ):
        threads.setdefault(thread.standard_id, []).append(thread)

    items = []
    for response in responses:
        response.standard.domain = domain
        reflection = reflections.get(response.standard_id)
        is_bound = reflection is not None and reflection.pk == bound_pk
        form = None
        if reflection is not None and (access.may_reflect or is_bound):
            form = bound if is_bound else ReflectionForm.for_reflection(reflection)
        perspectives = list(response.perspectives.all())
        items.append(
            StandardItem(
                response=response,
                reflection=reflection,
                form=form,
                voices=[
                    (label, [p for p in perspectives if p.voice == value])
                    for value, label in Perspective.Voice.choices
                    if any(p.voice == value for p in perspectives)
                ],
                evidence=list(response.evidence.all()),
                threads=threads.get(response.standard_id, []),
                conflict=conflict if is_bound else None,
                refused=is_bound and bool(refused),
            )
        )
    error_item = next((i for i in items if i.reflection and i.reflection.pk == bound_pk), None)
    return render(
        request,
        "reviews/reviewing/domain.html",
        {
            "review": review,
            "access": access,
            "domain": domain,
            "items": items,
            "previous_domain": domains[index - 1] if index > 0 else None,
            "next_domain": domains[index + 1] if index + 1 < len(domains) else None,
            "error_item": error_item,
            "error_form": bound if bound is not None and not refused and bound.errors else None,
            "conflict": conflict,
            "refused": refused,
            "may_reflect": access.may_reflect,
            "may_start_thread": access.dialogue_open,
        },
        status=status,
    )


@login_required
@require_GET
def domain(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    review, access = get_review_access(request.user, pk)
    require(access.reads_team_work)
    return _domain_page(request, review, access, code)


# Saving a reflection ---------------------------------------------------------------------------


@login_required
@require_POST
def reflection_save(request: HttpRequest, pk: int, reflection_pk: int) -> HttpResponse:
    """Save the team's reflection on one standard, then go back to it.

    Coordinators and the host read but never save (403). A save the review's stage refuses, an
    invalid one and a stale one come back to the domain page with what the person typed.
    """
    review, access = get_review_access(request.user, pk)
    require(access.reviewer)
    reflection = get_object_or_404(
        review.reflections.select_related("standard__domain"), pk=reflection_pk
    )
    reflection.review = review
    code = reflection.standard.domain.code
    form = ReflectionForm(request.POST, prefix=ReflectionForm.prefix_for(reflection))

    def again(status: int, **extra) -> HttpResponse:
        return _domain_page(
            request,
            review,
            access,
            code,
            bound=form,
            bound_pk=reflection.pk,
            status=status,
            **extra,
        )

    try:
        reflection_writes.check_may_reflect(access, review)
    except reflection_writes.ReflectionsClosed as error:
        return again(409, refused=str(error))
    if not form.is_valid():
        return again(400)
    try:
        saved = reflection_writes.save_reflection(
            reflection,
            by=request.user,
            expected_version=form.cleaned_data["version"],
            **form.values(),
        )
    except reflection_writes.ReflectionsClosed as error:
        return again(409, refused=str(error))
    except StaleWrite as stale:
        current = stale.current
        # Keep what this person typed, now carrying the current version: saving it again is
        # then a choice made with both texts in view.
        form = ReflectionForm(
            with_version(request.POST, form.add_prefix("version"), current.version),
            prefix=form.prefix,
        )
        return again(409, conflict=current)
    except Invalid as invalid:
        put_errors(form, invalid.errors)
        return again(400)
    messages.success(
        request,
        _("The team's reflection on %(code)s %(title)s was saved.")
        % {"code": saved.standard.code, "title": saved.standard.title},
    )
    return redirect(domain_url(review, reflection.standard))
