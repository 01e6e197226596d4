"""Sign-in security that allauth and django-axes leave to the project (docs/security.md).

- Two-factor authentication by role: `mfa_required` says whether a person must use an
  authenticator app, from the roles they hold now and `settings.MFA_REQUIRED_ROLES`.
- `SecurityMiddleware` signs a person out once their session is older than
  `settings.SESSION_ABSOLUTE_HOURS`, renews the idle limit (Django's own session expiry) as
  they use the site, and sends a person whose role needs two-factor authentication to set it
  up before any other page.
- The glue for django-axes: which address a sign-in attempt was for (`login_email`), and the
  throttling backend.
"""

from collections.abc import Callable
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assurance.models import CommissionerMembership, Coordinator, Membership, User

# The names MFA_REQUIRED_ROLES may use: the network and commissioning roles, and the service
# team roles (Membership.Role).
ROLE_NAMES = frozenset({"coordinator", "commissioner", *Membership.Role.values})

# The session key holding when this person signed in, in seconds since the epoch.
SIGNED_IN_AT = "assurance.signed_in_at"

# When this session last found that its person need not be sent to set up two-factor
# authentication. The finding stands for MFA_RECHECK_SECONDS, so that pages do not pay for the
# look-ups (an authenticator and four kinds of role) on every request; a role given meanwhile
# takes effect within that time.
MFA_CHECKED_AT = "assurance.mfa_checked_at"
MFA_RECHECK_SECONDS = 300

# When this session's idle limit was last renewed. Renewing it means writing the session, so a
# signed-in person's requests write it at most once a minute rather than every time: the idle
# limit then counts from a moment at most this long before their last request.
RENEWED_AT = "assurance.renewed_at"
RENEW_SECONDS = 60

# Views a signed-in person can always reach, so that they can set up two-factor
# authentication, confirm their password for it, or sign out. (Static files never reach this
# middleware: WhiteNoise serves them first.)
_ALWAYS_OPEN_VIEWS = ("account_", "mfa_", "socialaccount_", "openid_connect_")


def roles_of(user: User) -> set[str]:
    """The roles `user` holds now, by the names in ROLE_NAMES."""
    held = set(Membership.objects.active().filter(user=user).values_list("role", flat=True))
    if Coordinator.objects.active().filter(user=user).exists():
        held.add("coordinator")
    if CommissionerMembership.objects.active().filter(user=user).exists():
        held.add("commissioner")
    return held


def has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def role_requires_mfa(user: User) -> bool:
    """Whether one of the roles `user` holds is in MFA_REQUIRED_ROLES."""
    required = set(settings.MFA_REQUIRED_ROLES)
    return bool(required) and bool(roles_of(user) & required)


def mfa_required(user: User) -> bool:
    """Whether `user` must set up an authenticator app before going on."""
    if not settings.MFA_REQUIRED_ROLES or has_totp(user):
        return False
    return role_requires_mfa(user)


def check_required_roles(names: list[str]) -> None:
    unknown = set(names) - ROLE_NAMES
    if unknown:
        raise ImproperlyConfigured(
            f"MFA_REQUIRED_ROLES has unknown roles {sorted(unknown)}; "
            f"use any of {sorted(ROLE_NAMES)}."
        )


class SecurityMiddleware:
    """The absolute session limit and the two-factor requirement, checked on every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        check_required_roles(settings.MFA_REQUIRED_ROLES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = int(timezone.now().timestamp())
        if request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            limit = settings.SESSION_ABSOLUTE_HOURS * 3600
            if signed_in_at is not None and now - signed_in_at >= limit:
                return self.sign_out_expired(request)

        response = self.get_response(request)

        # Stamped after the view, so the sign-in request itself stamps the new session.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if SIGNED_IN_AT not in request.session:
                request.session[SIGNED_IN_AT] = now
            renewed_at = request.session.get(RENEWED_AT)
            if renewed_at is None or not 0 <= now - renewed_at < RENEW_SECONDS:
                request.session[RENEWED_AT] = now  # saved, with a new expiry, by Django
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not settings.MFA_REQUIRED_ROLES or not request.user.is_authenticated:
            return None
        url_name = request.resolver_match.url_name if request.resolver_match else None
        if url_name and url_name.startswith(_ALWAYS_OPEN_VIEWS):
            return None
        now = int(timezone.now().timestamp())
        checked_at = request.session.get(MFA_CHECKED_AT)
        if checked_at is not None and 0 <= now - checked_at < MFA_RECHECK_SECONDS:
            return None
        if not mfa_required(request.user):
            request.session[MFA_CHECKED_AT] = now
            return None
        messages.warning(
            request,
            _(
                "Your role needs two-factor authentication. Set up an authenticator app to "
                "carry on."
            ),
        )
        return redirect("mfa_activate_totp")

    def sign_out_expired(self, request: HttpRequest) -> HttpResponse:
        hours = settings.SESSION_ABSOLUTE_HOURS
        logout(request)
        messages.info(
            request,
            ngettext(
                "You have been signed out because you signed in more than %(hours)d hour "
                "ago. Sign in again to carry on.",
                "You have been signed out because you signed in more than %(hours)d hours "
                "ago. Sign in again to carry on.",
                hours,
            )
            % {"hours": hours},
        )
        login = reverse("account_login")
        if request.method == "GET":
            login += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(login)


def login_email(request: HttpRequest, credentials: dict | None) -> str | None:
    """The address a sign-in attempt was for, as django-axes counts failures by it.

    allauth authenticates with `email`, the admin site with `username` (our username is the
    email address); the posted form calls it `login`.
    """
    credentials = credentials or {}
    posted = getattr(request, "POST", {}) if request is not None else {}
    value = (
        credentials.get("email")
        or credentials.get("username")
        or posted.get("login")
        or posted.get("username")
    )
    return value.strip().lower() if value else None


def lockout_response(request: HttpRequest, original_response, credentials) -> HttpResponse:
    """The page django-axes shows instead of signing in while an account or address is locked."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(
        request,
        "account/lockout.html",
        {"cooloff_minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' backend, for sign-ins that come with a request.

    Throttling is about requests: the address they came from and the account they tried. A
    password check with no request (a management command, the shell, Django's test client's
    `login()`) has neither, so this backend leaves it to the next backend instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
