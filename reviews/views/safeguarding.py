"""Safeguarding pages: the notes a person may read on a review, raising a concern, and one note
with its status.

Only the lead reviewer, the network's coordinators and the host's service lead read every note
of a review; a reviewer on the team reads the notes they raised. Everyone else who sees the
review (the host's staff and lived-experience contributors) gets 403 on the list and 404 on a
note, as if it did not exist. The policy is reviews/peer_review/__init__.py; the writes are
reviews/peer_review/safeguarding.py, which checks it again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from reviews.finding_forms import SafeguardingForm, SafeguardingStatusForm
from reviews.models import Review, SafeguardingNote
from reviews.peer_review import get_review_access, require, safeguarding_notes_for
from reviews.peer_review import safeguarding as writing
from reviews.self_assessment import Invalid
from reviews.views.self_assessment import put_errors


def _list_url(review: Review) -> str:
    return reverse("reviews:safeguarding_list", args=[review.pk])


def _detail_url(note: SafeguardingNote) -> str:
    return reverse("reviews:safeguarding_detail", args=[note.review_id, note.pk])


@login_required
@require_GET
def safeguarding_list(request: HttpRequest, pk: int) -> HttpResponse:
    review, access = get_review_access(request.user, pk)
    require(access.reads_all_safeguarding or access.reviewer)
    notes = list(safeguarding_notes_for(access, review).select_related("raised_by", "updated_by"))
    return render(
        request,
        "reviews/safeguarding/safeguarding_list.html",
        {
            "review": review,
            "notes": notes,
            "reads_all": access.reads_all_safeguarding,
            "can_raise": access.may_raise_safeguarding,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def safeguarding_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Raise a concern: a reviewer on the team, while the review is open for it."""
    review, access = get_review_access(request.user, pk)
    require(access.reviewer)
    if not access.may_raise_safeguarding:
        messages.error(
            request,
            _("A safeguarding note cannot be raised on a review at the stage “%(stage)s”.")
            % {"stage": review.get_status_display()},
        )
        return redirect(_list_url(review))
    if request.method == "POST":
        form = SafeguardingForm(request.POST)
        if form.is_valid():
            try:
                note = writing.raise_note(review, by=request.user, **form.cleaned_data)
            except writing.SafeguardingClosed as error:
                messages.error(request, str(error))
                return redirect(_list_url(review))
            except Invalid as error:
                put_errors(form, error.errors)
            else:
                messages.success(
                    request,
                    _(
                        "Your safeguarding note was recorded. The lead reviewer, the network's "
                        "coordinators and the service lead have been told by e-mail that there "
                        "is a note, but not what it says."
                    ),
                )
                return redirect(_detail_url(note))
    else:
        form = SafeguardingForm()
    return render(
        request, "reviews/safeguarding/safeguarding_add.html", {"review": review, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def safeguarding_detail(request: HttpRequest, pk: int, note_pk: int) -> HttpResponse:
    """One note; its status form for those who follow notes up (a POST from anyone else: 403)."""
    review, access = get_review_access(request.user, pk)
    note = (
        review.safeguarding_notes.select_related("raised_by", "updated_by")
        .filter(pk=note_pk)
        .first()
    )
    if note is None or not access.reads_safeguarding(note):
        raise Http404
    if request.method == "POST":
        require(access.may_update_safeguarding)
        form = SafeguardingStatusForm(request.POST)
        if form.is_valid():
            try:
                writing.update_note(note, by=request.user, **form.cleaned_data)
            except Invalid as error:
                put_errors(form, error.errors)
            else:
                messages.success(request, _("The note's status was saved."))
                return redirect(_detail_url(note))
    elif access.may_update_safeguarding:
        form = SafeguardingStatusForm(
            initial={"status": note.status, "status_note": note.status_note}
        )
    else:
        form = None
    return render(
        request,
        "reviews/safeguarding/safeguarding_detail.html",
        {"review": review, "note": note, "form": form},
    )
