"""django-allauth adapters: people join by invitation, so no sign-in path creates an account.

- `AccountAdapter`: the public sign-up form is closed.
- `SocialAccountAdapter`: single sign-on (OpenID Connect) signs in people who already have an
  account, matched by a verified email address; anyone else is refused.
- `MFAAdapter`: a person whose role needs two-factor authentication cannot switch it off.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from assurance import security
from assurance.models import User


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False


def invited_account_for(sociallogin: SocialLogin) -> User | None:
    """The existing account a single sign-on belongs to, or None.

    The identity provider's address must be one it says it has verified (or one the
    organisation trusts, OIDC_EMAIL_IS_VERIFIED), and it must be an address the person has
    verified with us: their account exists only because they accepted an invitation.
    """
    addresses = [
        address.email
        for address in sociallogin.email_addresses
        if address.verified or settings.OIDC_EMAIL_IS_VERIFIED
    ]
    if not addresses:
        return None
    for address in addresses:
        match = (
            EmailAddress.objects.filter(email__iexact=address, verified=True)
            .select_related("user")
            .first()
        )
        if match is not None and match.user.is_active:
            return match.user
    return None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def pre_social_login(self, request, sociallogin: SocialLogin) -> None:
        """Connect a first single sign-on to the invited person's account, or refuse it."""
        if sociallogin.is_existing:
            return
        user = invited_account_for(sociallogin)
        if user is None:
            raise ImmediateHttpResponse(
                render(request, "socialaccount/not_invited.html", status=403)
            )
        sociallogin.connect(request, user)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "You cannot switch off two-factor authentication because your role needs it. To "
            "move it to a new phone, ask the site administrator to remove your authenticator "
            "app, then set it up again."
        ),
        "incorrect_code": _(
            "The code is not right. Enter the 6-digit code your authenticator app shows now, "
            "or one of your recovery codes."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.TOTP and security.role_requires_mfa(
            authenticator.user
        ):
            return False
        return super().can_delete_authenticator(authenticator)
