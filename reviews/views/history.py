"""A review's full history page: every move between stages, every change to the review's
things and every read of its sensitive files, newest first (reviews/history.py).

Only the network's coordinators (`manage_review` on the review) open it: anyone else who can
see the review gets 403, and those who cannot see it 404. Safeguarding notes' records are
listed only for those who may read every note of the review (reviews/peer_review/__init__.py).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reviews import history
from reviews.peer_review import access_for
from reviews.permissions import get_review_for_user


@login_required
@require_GET
def review_history(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request.user, pk, "reviews.manage_review")
    include_safeguarding = access_for(request.user, review).reads_all_safeguarding
    kinds = history.kind_choices(include_safeguarding=include_safeguarding)
    kind = request.GET.get("kind", "")
    if kind not in dict(kinds):
        kind = ""
    page_obj, entries = history.history_page(
        review,
        page=request.GET.get("page"),
        kind=kind,
        include_safeguarding=include_safeguarding,
    )
    return render(
        request,
        "reviews/history.html",
        {
            "review": review,
            "entries": entries,
            "page_obj": page_obj,
            "kinds": kinds,
            "chosen_kind": kind,
        },
    )
