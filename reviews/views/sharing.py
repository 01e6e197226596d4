"""Sharing a review's published report with commissioning bodies: the list of the network's
bodies with who holds a share and its history, sharing with a body, and stopping a share.

The host's service lead (`submit_review`) shares and stops sharing; the network's coordinators
may read the list. Anyone else who sees the review gets 403, anyone who does not 404. Every
write goes through reviews/report/sharing.py, which checks the same again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assurance import permissions
from assurance.views.team import next_url
from reviews.action_forms import ShareForm
from reviews.models import Review
from reviews.peer_review import require
from reviews.permissions import get_review_for_user
from reviews.report import sharing
from reviews.report.issuing import current_final
from reviews.self_assessment import Invalid
from reviews.views.self_assessment import put_errors


def _list_url(review: Review) -> str:
    return reverse("reviews:share_list", args=[review.pk])


@login_required
@require_http_methods(["GET", "POST"])
def share_list(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request.user, pk)
    is_lead = permissions.can(request.user, "reviews.submit_review", review)
    if request.method == "POST":
        require(is_lead)
    else:
        require(is_lead or permissions.can(request.user, "reviews.manage_review", review))
    shares = list(review.shares.select_related("body", "granted_by", "revoked_by"))
    live = {share.body_id: share for share in shares if share.is_live}
    bodies = list(sharing.bodies_for(review).order_by("name"))
    for body in bodies:
        body.live_share = live.get(body.pk)
    shareable = review.status in sharing.SHAREABLE_STAGES
    choices = sharing.bodies_for(review).exclude(pk__in=list(live)).order_by("name")
    form = None
    if request.method == "POST":
        form = ShareForm(request.POST, bodies=choices)
        if form.is_valid():
            body = form.cleaned_data["body"]
            try:
                sharing.share_report(review, body, by=request.user)
            except sharing.SharingClosed as error:
                messages.error(request, str(error))
                return redirect(_list_url(review))
            except Invalid as error:
                put_errors(form, error.errors)
            else:
                messages.success(
                    request,
                    _(
                        "The report is now shared with %(body)s. Its commissioners have been "
                        "told by e-mail."
                    )
                    % {"body": body.name},
                )
                return redirect(_list_url(review))
    elif is_lead and shareable:
        form = ShareForm(bodies=choices)
    return render(
        request,
        "reviews/sharing/share_list.html",
        {
            "review": review,
            "is_lead": is_lead,
            "shareable": shareable,
            "bodies": bodies,
            "shares": shares,
            "form": form if form is not None and form.fields["body"].queryset.exists() else None,
            "final": current_final(review) if shareable else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def share_revoke(request: HttpRequest, pk: int, share_pk: int) -> HttpResponse:
    """Confirm, then stop sharing the report with one body."""
    review = get_review_for_user(request.user, pk, "reviews.submit_review")
    share = get_object_or_404(review.shares.select_related("body", "granted_by"), pk=share_pk)
    if not share.is_live:
        messages.error(request, _("This share was already stopped."))
        return redirect(_list_url(review))
    back = next_url(request, _list_url(review))
    if request.method == "POST":
        try:
            sharing.revoke_share(share, by=request.user)
        except Invalid as error:
            messages.error(request, " ".join(error.errors.values()))
        else:
            messages.success(
                request,
                _("The report is no longer shared with %(body)s.") % {"body": share.body.name},
            )
        return redirect(_list_url(review))
    return render(
        request,
        "reviews/sharing/share_revoke.html",
        {"review": review, "share": share, "back": back},
    )
