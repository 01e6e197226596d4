"""Following an invitation link: sign in or create an account, then accept."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assurance import invitations
from assurance.forms import NewAccountForm
from assurance.models import User


@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitations.find(token)
    if invitation is None:
        raise Http404  # a tampered or made-up token looks like any missing page
    problem = invitations.problem_with(invitation)
    if problem:
        return render(
            request, "assurance/invitation_problem.html", {"problem": problem}, status=410
        )
    context = {"invitation": invitation}
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                invitations.accept(invitation, request.user)
            except invitations.InvitationError as error:
                return render(
                    request,
                    "assurance/invitation_problem.html",
                    {"problem": str(error)},
                    status=409,
                )
            messages.success(
                request,
                _("You have joined %(target)s as %(role)s.")
                % {"target": invitation.target, "role": invitation.get_role_display()},
            )
            return redirect("home")
        return render(request, "assurance/invitation_accept.html", context)

    if User.objects.filter(email=invitation.email).exists():
        login_url = reverse("account_login") + "?" + urlencode({"next": request.path})
        return render(
            request, "assurance/invitation_accept.html", {**context, "login_url": login_url}
        )

    form = NewAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            validate_password(form.cleaned_data["password1"], User(email=invitation.email))
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            try:
                user = invitations.create_account_and_accept(
                    invitation,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password1"],
                )
            except invitations.InvitationError as error:
                form.add_error(None, str(error))
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request,
                    _("Welcome. You have joined %(target)s as %(role)s.")
                    % {"target": invitation.target, "role": invitation.get_role_display()},
                )
                return redirect("home")
    return render(request, "assurance/invitation_accept.html", {**context, "form": form})
