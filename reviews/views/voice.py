"""The plain-language "your voice" page, for contributors with lived experience: the standards
as plain questions, then one question at a time, where what they write is added as a
perspective in the voice of people who use the service.

Reading needs view_review, adding needs contribute_review (reviews/permissions.py). The write
goes through reviews/self_assessment.py, as on the domain page, with the same refusals; the
helpers come from reviews/views/self_assessment.py. As everywhere, who added a perspective is
never shown (DESIGN section 14).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from reviews import self_assessment
from reviews.forms import VoiceForm
from reviews.models import Perspective
from reviews.permissions import get_review_for_user
from reviews.views.self_assessment import access, put_errors, refusal


@login_required
@require_http_methods(["GET", "POST"])
def voice(request: HttpRequest, pk: int) -> HttpResponse:
    """For contributors with lived experience: each standard as a plain question, one at a
    time, and their own words added in the voice of people who use the service."""
    perm = "reviews.contribute_review" if request.method == "POST" else "reviews.view_review"
    review = get_review_for_user(request.user, pk, perm)
    context = access(request, review)
    code = request.POST.get("standard") or request.GET.get("standard")
    people = Perspective.Voice.PEOPLE_USING_SERVICE
    responses = list(
        review.responses.select_related("standard__domain")
        .annotate(said=Count("perspectives", filter=Q(perspectives__voice=people)))
        .order_by("standard__domain__order", "standard__order")
    )
    if not code:
        if request.method == "POST":
            raise Http404  # what was written must say which standard it is about
        context["responses"] = responses
        return render(request, "reviews/self_assessment/voice_list.html", context)

    index = next((i for i, r in enumerate(responses) if r.standard.code == code), None)
    if index is None:
        raise Http404
    response = responses[index]
    response.review = review
    form = VoiceForm(request.POST or None)
    refused = ""
    status = 200
    if request.method == "POST":
        refused = refusal(review)
        status = 409 if refused else 400
        if not refused and form.is_valid():
            try:
                self_assessment.add_perspective(response, by=request.user, **form.values())
            except self_assessment.NotEditable as error:
                refused, status = str(error), 409
            except self_assessment.Invalid as invalid:
                put_errors(form, invalid.errors)
            else:
                messages.success(request, _("Thank you. What you wrote has been added."))
                return redirect(
                    reverse("reviews:voice", args=[review.pk])
                    + "?"
                    + urlencode(
                        {"standard": response.standard.code, "saved": f"voice:{response.pk}"}
                    )
                )
    context.update(
        {
            "response": response,
            "standard": response.standard,
            "said": response.perspectives.filter(voice=people).order_by("created_at", "pk"),
            "form": form,
            "refused": refused,
            "position": index + 1,
            "count": len(responses),
            "previous_response": responses[index - 1] if index > 0 else None,
            "next_response": responses[index + 1] if index + 1 < len(responses) else None,
        }
    )
    return render(request, "reviews/self_assessment/voice_standard.html", context, status=status)
