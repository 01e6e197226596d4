"""The project shell: the personal API token and the error pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

NEW_TOKEN_SESSION_KEY = "new_api_token"  # noqa: S105 - a session key name, not a secret


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    """Create, replace or revoke the signed-in person's personal API token.

    A new key is shown once, on the page after the POST (kept in the session until then), so
    reloading that page neither shows it again nor replaces the token.
    """
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in {"create", "revoke"}:
            messages.error(request, _("Choose whether to create or revoke a token."))
            return redirect("api_token")
        Token.objects.filter(user=request.user).delete()
        if action == "create":
            request.session[NEW_TOKEN_SESSION_KEY] = Token.objects.create(user=request.user).key
            messages.success(request, _("Your new API token has been created."))
        else:
            messages.success(request, _("Your API token has been revoked."))
        return redirect("api_token")
    token = Token.objects.filter(user=request.user).first()
    new_key = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    if token is None or token.key != new_key:
        new_key = None
    return render(request, "account/api_token.html", {"token": token, "new_key": new_key})


def _problem(request: HttpRequest, code: str, message: str, status: int) -> HttpResponse | None:
    """API paths get the API's JSON error shape, not an HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "message": message}, status=status)
    return None


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    problem = _problem(request, "bad_request", _("The request could not be understood."), 400)
    return problem or render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    problem = _problem(
        request, "permission_denied", _("You do not have permission to do this."), 403
    )
    return problem or render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    problem = _problem(request, "not_found", _("Not found."), 404)
    return problem or render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    problem = _problem(
        request, "server_error", _("Something went wrong on our side. Try again later."), 500
    )
    # No RequestContext: the error may have come from a context processor or the database.
    if problem:
        return problem
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
