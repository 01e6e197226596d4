"""Two-factor authentication by role, the demo codes and single sign-on (assurance/security.py,
assurance/adapters.py, templates/mfa/, templates/socialaccount/)."""

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assurance import roles, security
from assurance.adapters import SocialAccountAdapter, invited_account_for
from assurance.models import User
from tests.factories import NetworkFactory, UserFactory

PASSWORD = "correct horse battery staple"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
REQUIRED = override_settings(MFA_REQUIRED_ROLES=["coordinator", "commissioner"])
SSO_APP = {
    "provider_id": "entra",
    "name": "NHS mail",
    "client_id": "client-id",
    "secret": "client-secret",
    "settings": {"server_url": "https://login.example.org/tenant/v2.0"},
}
SSO = override_settings(
    SOCIALACCOUNT_PROVIDERS={"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": [SSO_APP]}}
)


@pytest.fixture(autouse=True)
def _forget_used_codes():
    # allauth remembers used codes in the cache for their 30 seconds; user ids come round again
    # from test to test, so a code from one test must not count as used in the next.
    cache.clear()


def code_for(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def verified(user: User) -> User:
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def sign_in(client, user: User):
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


# The requirement by role


@REQUIRED
def test_required_role_without_authenticator_is_sent_to_set_one_up(client, coordinator):
    client.force_login(coordinator)

    response = client.get("/", follow=True)

    assert response.redirect_chain[0] == ("/accounts/2fa/totp/activate/", 302)
    assert "Your role needs two-factor authentication" in response.content.decode()


@REQUIRED
def test_required_role_is_sent_to_set_up_from_any_page(client, commissioner):
    client.force_login(commissioner)

    response = client.get("/frameworks/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


@REQUIRED
def test_required_role_still_reaches_account_pages_and_sign_out(client, coordinator):
    client.force_login(coordinator)

    index = client.get("/accounts/2fa/")
    sign_out = client.get("/accounts/logout/")

    assert index.status_code == 200
    assert "Off. You sign in with your password only." in index.content.decode()
    assert sign_out.status_code == 200


@REQUIRED
def test_role_not_in_the_setting_is_not_asked(client, service_lead):
    client.force_login(service_lead)

    response = client.get("/")

    assert response.status_code == 200


@REQUIRED
def test_required_role_with_authenticator_goes_on(client, coordinator):
    TOTP.activate(coordinator, SECRET)
    client.force_login(coordinator)

    response = client.get("/")

    assert response.status_code == 200


@REQUIRED
def test_the_finding_is_kept_for_a_while_so_pages_do_not_look_it_up_every_time(client, coordinator):
    TOTP.activate(coordinator, SECRET)
    client.force_login(coordinator)
    client.get("/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")

    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "mfa_authenticator" in q["sql"]]


@REQUIRED
def test_a_role_given_meanwhile_takes_effect_once_the_finding_is_old(client, service_lead):
    client.force_login(service_lead)
    assert client.get("/").status_code == 200
    roles.appoint_coordinator(service_lead, NetworkFactory())

    kept = client.get("/")
    session = client.session
    session[security.MFA_CHECKED_AT] -= security.MFA_RECHECK_SECONDS
    session.save()
    rechecked = client.get("/")

    assert kept.status_code == 200
    assert rechecked["Location"] == "/accounts/2fa/totp/activate/"


@override_settings(MFA_REQUIRED_ROLES=["service_lead"])
def test_the_setting_can_require_a_service_role(client, service_lead, coordinator):
    client.force_login(service_lead)
    asked = client.get("/")
    client.force_login(coordinator)
    not_asked = client.get("/")

    assert asked["Location"] == "/accounts/2fa/totp/activate/"
    assert not_asked.status_code == 200


def test_an_unknown_role_name_stops_the_app_starting():
    from django.core.exceptions import ImproperlyConfigured

    from assurance.security import check_required_roles

    with pytest.raises(ImproperlyConfigured, match="unknown roles"):
        check_required_roles(["coordinator", "cordinator"])


# Setting up, signing in with a code, recovery codes


@REQUIRED
def test_setting_up_an_authenticator_app_turns_it_on_with_recovery_codes(client, coordinator):
    verified(coordinator)
    sign_in(client, coordinator)

    asked = client.get("/accounts/2fa/totp/activate/")
    confirm = client.get(asked["Location"])
    client.post(asked["Location"], {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    secret = client.session["mfa.totp.secret"]
    done = client.post("/accounts/2fa/totp/activate/", {"code": code_for(secret)}, follow=True)

    content = page.content.decode()
    assert asked["Location"].startswith("/accounts/reauthenticate/")
    assert "Confirm your password" in confirm.content.decode()
    assert "Set up an authenticator app" in content
    assert 'src="data:image/svg+xml;base64,' in content
    assert f'value="{secret}"' in content
    assert Authenticator.objects.filter(user=coordinator, type="totp").exists()
    today = timezone.localdate()
    assert "Your recovery codes" in done.content.decode()
    assert f"On. You set up your authenticator app on {today.day} {today:%B %Y}." in (
        client.get("/accounts/2fa/").content.decode()
    )
    assert client.get("/").status_code == 200


@REQUIRED
def test_a_wrong_code_when_setting_up_shows_an_error_linked_to_the_field(client, coordinator):
    verified(coordinator)
    sign_in(client, coordinator)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    client.get("/accounts/2fa/totp/activate/")

    response = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})

    content = response.content.decode()
    assert "<title>Error: Set up an authenticator app" in content
    assert 'href="#id_code"' in content
    assert not Authenticator.objects.filter(user=coordinator, type="totp").exists()


@pytest.fixture
def protected(db):
    user = verified(UserFactory(email="pat@example.org"))
    TOTP.activate(user, SECRET)
    RecoveryCodes.activate(user)
    return user


def test_sign_in_with_an_authenticator_asks_for_the_code(client, protected):
    response = sign_in(client, protected)
    page = client.get(response["Location"])

    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "Enter your security code" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_right_code_finishes_signing_in(client, protected):
    sign_in(client, protected)

    response = client.post("/accounts/2fa/authenticate/", {"code": code_for(SECRET)}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert client.session["_auth_user_id"] == str(protected.pk)


def test_a_wrong_code_is_refused_with_a_linked_error(client, protected):
    sign_in(client, protected)

    response = client.post("/accounts/2fa/authenticate/", {"code": "123456"})

    content = response.content.decode()
    assert 'href="#id_code"' in content
    assert "The code is not right" in content
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_signs_in_once(client, protected):
    code = RecoveryCodes(Authenticator.objects.get(user=protected, type="recovery_codes"))
    first = code.get_unused_codes()[0]
    sign_in(client, protected)
    client.post("/accounts/2fa/authenticate/", {"code": first})
    client.post("/accounts/logout/")
    sign_in(client, protected)
    again = client.post("/accounts/2fa/authenticate/", {"code": first})

    assert again.status_code == 200
    assert "_auth_user_id" not in client.session


@REQUIRED
def test_a_required_role_cannot_switch_two_factor_off(client, coordinator):
    verified(coordinator)
    TOTP.activate(coordinator, SECRET)
    sign_in(client, coordinator)
    client.post("/accounts/2fa/authenticate/", {"code": code_for(SECRET)})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})

    confirm = client.get("/accounts/2fa/totp/deactivate/")
    response = client.post("/accounts/2fa/totp/deactivate/")

    assert "Are you sure you want to switch off two-factor authentication?" in (
        confirm.content.decode()
    )
    assert "your role needs it" in response.content.decode()
    assert Authenticator.objects.filter(user=coordinator, type="totp").exists()


def test_anyone_else_can_switch_two_factor_off_after_confirming(client, protected):
    sign_in(client, protected)
    client.post("/accounts/2fa/authenticate/", {"code": code_for(SECRET)})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})

    response = client.post("/accounts/2fa/totp/deactivate/")

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=protected, type="totp").exists()


def test_the_account_area_links_to_two_factor_authentication(client, service_lead):
    client.force_login(service_lead)

    content = client.get("/").content.decode()

    assert 'href="/accounts/2fa/">Two-factor authentication</a>' in content


# The demo's codes


@override_settings(DEBUG=True)
def test_demo_code_prints_the_current_code_of_a_demo_account(db, capsys):
    TOTP.activate(UserFactory(email="coordinator@demo.example"), SECRET)

    call_command("demo_code", "coordinator@demo.example")

    assert capsys.readouterr().out.strip() in {
        format_hotp_value(hotp_value(SECRET, int(time.time()) // 30 + step)) for step in (-1, 0)
    }


@override_settings(DEBUG=True)
def test_demo_code_refuses_an_address_outside_the_demo(db):
    TOTP.activate(UserFactory(email="real.person@nhs.example"), SECRET)

    with pytest.raises(CommandError, match="only reads demo accounts"):
        call_command("demo_code", "real.person@nhs.example")


@override_settings(DEBUG=False)
def test_demo_code_refuses_without_debug(db):
    TOTP.activate(UserFactory(email="coordinator@demo.example"), SECRET)

    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        call_command("demo_code", "coordinator@demo.example")


# Single sign-on


def test_sign_in_page_has_no_single_sign_on_when_it_is_not_configured(client, db):
    content = client.get("/accounts/login/").content.decode()

    assert "Sign in with your organisation" not in content


@SSO
def test_sign_in_page_offers_the_configured_provider(client, db):
    content = client.get("/accounts/login/").content.decode()

    assert "Sign in with your organisation" in content
    assert "Sign in with NHS mail</button>" in content
    assert 'action="/accounts/oidc/entra/login/' in content


@SSO
def test_leaving_for_the_provider_is_a_button_not_a_link(client, db):
    response = client.get("/accounts/oidc/entra/login/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>Sign in with NHS mail – Relational Assurance</title>" in content
    assert '<button type="submit" class="govuk-button" data-module="govuk-button">Continue' in (
        content
    )


def social_login(email: str, *, verified_by_provider: bool = True) -> SocialLogin:
    return SocialLogin(
        user=User(email=email),
        account=SocialAccount(provider="entra", uid=f"uid-{email}"),
        email_addresses=[EmailAddress(email=email, verified=verified_by_provider)],
    )


def sso_request():
    request = RequestFactory().get("/accounts/oidc/entra/login/callback/")
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    return request


@SSO
def test_single_sign_on_for_someone_never_invited_is_refused(db):
    with pytest.raises(ImmediateHttpResponse) as refused:
        SocialAccountAdapter().pre_social_login(sso_request(), social_login("new@nhs.example"))

    assert refused.value.response.status_code == 403
    assert "There is no account for you yet" in refused.value.response.content.decode()
    assert not User.objects.filter(email="new@nhs.example").exists()
    assert not SocialAccountAdapter().is_open_for_signup(sso_request(), None)


@SSO
def test_single_sign_on_connects_to_the_invited_persons_account(db):
    person = verified(UserFactory(email="sam@nhs.example"))
    login = social_login("SAM@nhs.example")

    SocialAccountAdapter().pre_social_login(sso_request(), login)

    assert login.user == person
    assert SocialAccount.objects.get(uid="uid-SAM@nhs.example").user == person


@SSO
def test_single_sign_on_does_not_trust_an_unverified_address_by_default(db):
    verified(UserFactory(email="sam@nhs.example"))
    login = social_login("sam@nhs.example", verified_by_provider=False)

    assert invited_account_for(login) is None
    with override_settings(OIDC_EMAIL_IS_VERIFIED=True):
        assert invited_account_for(login).email == "sam@nhs.example"


def test_each_way_to_confirm_it_is_you_links_to_the_other(client, protected):
    client.force_login(protected)

    by_password = client.get("/accounts/reauthenticate/").content.decode()
    by_code = client.get("/accounts/2fa/reauthenticate/").content.decode()

    assert "Other ways to confirm" in by_password
    assert 'href="/accounts/2fa/reauthenticate/' in by_password
    assert "Other ways to confirm" in by_code
    assert 'href="/accounts/reauthenticate/' in by_code
