"""Perspectives on a standard: adding one, and changing or removing one's own. These are the
screens linked from each standard on the domain page (reviews/views/self_assessment.py, which
owns the helpers used here).

Each view asks for the review first with contribute_review (the whole team, lived-experience
contributors included; reviews/permissions.py); changing or removing also needs
`may_change_perspective`, as only the person who added a perspective may change it. The
perspective is looked up through the review, so an id from another review is a 404.

Every write goes through reviews/self_assessment.py, which refuses a change made from a stale
version (`StaleWrite`: the page shows both texts, 409) and any change once the review has been
submitted (`NotEditable`: the page explains, 409), without losing what the person typed.

Who added a perspective is never shown: a perspective in the voice of people who use the
service would tell colleagues that its author has lived experience (DESIGN section 14).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from reviews import self_assessment
from reviews.forms import PerspectiveForm
from reviews.models import Perspective, Review
from reviews.permissions import get_review_for_user, may_change_perspective
from reviews.views.self_assessment import (
    access,
    domain_url,
    get_response,
    put_errors,
    refusal,
    with_version,
)


def _perspective(review: Review, perspective_pk: int) -> Perspective:
    perspective = get_object_or_404(
        Perspective.objects.filter(response__review=review).select_related(
            "response__standard__domain"
        ),
        pk=perspective_pk,
    )
    perspective.response.review = review
    return perspective


@login_required
@require_http_methods(["GET", "POST"])
def perspective_add(request: HttpRequest, pk: int, response_pk: int) -> HttpResponse:
    review = get_review_for_user(request.user, pk, "reviews.contribute_review")
    response = get_response(review, response_pk)
    form = PerspectiveForm(request.POST or None, prefix=PerspectiveForm.prefix_for(response))
    refused = refusal(review) if request.method == "POST" else ""
    if request.method == "POST" and not refused and form.is_valid():
        try:
            self_assessment.add_perspective(response, by=request.user, **form.values())
        except self_assessment.NotEditable as error:
            refused = str(error)
        except self_assessment.Invalid as invalid:
            put_errors(form, invalid.errors)
        else:
            messages.success(
                request,
                _("Your perspective on %(code)s %(title)s was added.")
                % {"code": response.standard.code, "title": response.standard.title},
            )
            return redirect(
                domain_url(review, response.standard, saved=f"perspective-add:{response.pk}")
            )
    context = access(request, review)
    context.update({"response": response, "form": form, "refused": refused})
    status = 409 if refused else (400 if request.method == "POST" else 200)
    return render(request, "reviews/self_assessment/perspective_add.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def perspective_edit(request: HttpRequest, pk: int, perspective_pk: int) -> HttpResponse:
    review = get_review_for_user(request.user, pk, "reviews.contribute_review")
    perspective = _perspective(review, perspective_pk)
    if not may_change_perspective(request.user, perspective):
        raise PermissionDenied(_("You can change only the perspectives you added."))
    response = perspective.response
    if request.method == "POST":
        form = PerspectiveForm(request.POST)
    else:
        form = PerspectiveForm.for_perspective(perspective)
    refused = refusal(review) if request.method == "POST" else ""
    conflict = None
    status = 409 if refused else 200
    if request.method == "POST" and not refused and form.is_valid():
        expected = form.cleaned_data["version"] or perspective.version
        try:
            self_assessment.update_perspective(
                perspective, by=request.user, expected_version=expected, **form.values()
            )
        except self_assessment.NotEditable as error:
            refused, status = str(error), 409
        except self_assessment.StaleWrite as stale:
            conflict, status = stale.current, 409
            form = PerspectiveForm(with_version(request.POST, "version", conflict.version))
        except Perspective.DoesNotExist:
            messages.info(request, _("Someone removed this perspective while you were editing."))
            return redirect(domain_url(review, response.standard))
        except self_assessment.Invalid as invalid:
            put_errors(form, invalid.errors)
            status = 400
        else:
            messages.success(
                request,
                _("The perspective on %(code)s %(title)s was saved.")
                % {"code": response.standard.code, "title": response.standard.title},
            )
            return redirect(
                domain_url(review, response.standard, saved=f"perspective:{perspective.pk}")
            )
    elif request.method == "POST" and not refused:
        status = 400
    context = access(request, review)
    context.update(
        {
            "response": response,
            "perspective": perspective,
            "form": form,
            "refused": refused,
            "conflict": conflict,
        }
    )
    return render(request, "reviews/self_assessment/perspective_edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def perspective_remove(request: HttpRequest, pk: int, perspective_pk: int) -> HttpResponse:
    review = get_review_for_user(request.user, pk, "reviews.contribute_review")
    perspective = _perspective(review, perspective_pk)
    if not may_change_perspective(request.user, perspective):
        raise PermissionDenied(_("You can change only the perspectives you added."))
    response = perspective.response
    refused = ""
    changed = False
    status = 200
    if request.method == "POST":
        try:
            expected = int(request.POST.get("version", ""))
        except ValueError:
            expected = perspective.version
        try:
            self_assessment.remove_perspective(
                perspective, by=request.user, expected_version=expected
            )
        except self_assessment.NotEditable as error:
            refused, status = str(error), 409
        except self_assessment.StaleWrite as stale:
            perspective, changed, status = stale.current, True, 409
        else:
            messages.success(
                request,
                _("The perspective on %(code)s %(title)s was removed.")
                % {"code": response.standard.code, "title": response.standard.title},
            )
            return redirect(domain_url(review, response.standard))
    context = access(request, review)
    context.update(
        {
            "response": response,
            "perspective": perspective,
            "refused": refused,
            "changed": changed,
            "back": domain_url(review, response.standard),
        }
    )
    return render(
        request, "reviews/self_assessment/perspective_remove.html", context, status=status
    )
