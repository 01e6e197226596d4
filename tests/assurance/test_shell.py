"""The project shell: base layout, sign-in, error pages, the API token page and form markup."""

import re
from pathlib import Path

import pytest
from django import forms
from django.template.loader import render_to_string
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from assurance.views.shell import server_error

ROOT = Path(__file__).resolve().parents[2]
SUFFIX = " \N{EN DASH} Relational Assurance"


def first_focusable(html: str) -> str:
    """The first link, button or form control in the body: what Tab reaches first."""
    body = html[html.index("<body") :]
    return re.search(r"<(a|button|input|select|textarea)\b[^>]*>", body).group(0)


@pytest.mark.django_db
def test_login_page_has_the_product_shell_and_a_labelled_email_field(client):
    response = client.get("/accounts/login/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Relational Assurance" in content
    assert f"<title>Sign in{SUFFIX}</title>" in content
    assert 'href="#main-content"' in first_focusable(content)
    assert '<main class="govuk-main-wrapper" id="main-content">' in content
    assert content.count("<h1") == 1
    assert '<label class="govuk-label" for="id_login">Email</label>' in content
    assert re.search(r'<input type="email" name="login"[^>]*id="id_login"', content)
    assert "Forgot your password?" in content


@pytest.mark.django_db
def test_login_page_has_no_sign_up_link_and_nothing_of_gov_uk(client):
    response = client.get("/accounts/login/")

    content = response.content.decode()
    assert "/accounts/signup/" not in content
    assert "sign up" not in content.lower()
    for branding in ("GDS Transport", "crown", "GOV.UK"):
        assert branding not in content
    assert "GDS Transport" not in (ROOT / "static" / "build" / "app.css").read_text()


@pytest.mark.django_db
def test_failed_login_shows_an_error_summary_linking_to_the_field(client, user):
    response = client.post("/accounts/login/", {"login": user.email, "password": "not it"})

    content = response.content.decode()
    assert response.status_code == 200
    assert f"<title>Error: Sign in{SUFFIX}</title>" in content
    assert '<div class="govuk-error-summary" data-module="govuk-error-summary">' in content
    assert "There is a problem" in content
    assert '<a href="#id_login">' in content


@pytest.mark.django_db
def test_home_when_signed_in_shows_navigation_and_sign_out(client, user):
    client.force_login(user)

    response = client.get("/")

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert "Your dashboard" in content
    assert 'href="/" aria-current="page"' in content
    assert 'href="/frameworks/"' in content
    assert user.email in content
    assert 'href="/accounts/logout/">Sign out</a>' in content
    assert "Sign in</a>" not in content


@pytest.mark.django_db
def test_home_when_anonymous_redirects_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


@pytest.mark.django_db
def test_missing_page_is_a_kind_404_that_reveals_nothing(client, user):
    client.force_login(user)

    response = client.get("/no/such/page/")

    content = response.content.decode()
    assert response.status_code == 404
    assert f"<title>Page not found{SUFFIX}</title>" in content
    assert content.count("<h1") == 1
    assert "If you typed the web address, check it is correct." in content
    assert "you may not have access" in content
    assert 'href="/"' in content


@pytest.mark.django_db
def test_missing_api_route_is_a_json_problem(client, user):
    client.force_login(user)

    response = client.get("/api/v1/nope/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
    assert response.json()["message"]


@pytest.mark.django_db
def test_page_without_permission_is_a_403_page(client, outsider):
    client.force_login(outsider)

    response = client.get("/frameworks/upload/")

    content = response.content.decode()
    assert response.status_code == 403
    assert "You do not have permission to see this page" in content
    assert content.count("<h1") == 1
    assert outsider.email in content


def test_server_error_page_renders_without_request_context():
    request = RequestFactory().get("/anything/")

    response = server_error(request)

    content = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in content
    assert 'href="#main-content"' in first_focusable(content)
    assert "/static/build/app.css" in content
    assert content.count("<h1") == 1
    assert "Sign out" not in content
    assert "Sign in" not in content


@pytest.mark.django_db
def test_pages_send_a_csp_without_unsafe_inline(client):
    response = client.get("/accounts/login/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/account/api-token/", "/no/such/page/", "/accounts/logout/"]
)
def test_pages_have_no_inline_script_or_style(client, user, path):
    client.force_login(user)

    content = client.get(path).content.decode()

    scripts = re.findall(r"<script\b[^>]*>", content)
    assert scripts
    assert all(" src=" in script for script in scripts)
    assert "style=" not in content
    assert "<style" not in content


@pytest.mark.django_db
def test_api_token_is_created_shown_once_and_revoked(client, user):
    client.force_login(user)
    assert "You do not have an API token." in client.get("/account/api-token/").content.decode()

    created = client.post("/account/api-token/", {"action": "create"}, follow=True)

    token = Token.objects.get(user=user)
    assert created.redirect_chain == [("/account/api-token/", 302)]
    assert f'value="{token.key}"' in created.content.decode()
    assert "Copy your token now" in created.content.decode()
    second_visit = client.get("/account/api-token/").content.decode()
    assert token.key not in second_visit
    assert "You have an API token." in second_visit
    assert 'value="revoke"' in second_visit

    revoked = client.post("/account/api-token/", {"action": "revoke"}, follow=True)

    assert not Token.objects.filter(user=user).exists()
    assert "Your API token has been revoked." in revoked.content.decode()
    assert "You do not have an API token." in revoked.content.decode()


class TinyForm(forms.Form):
    name = forms.CharField(label="Service name", help_text="As its residents would say it.")
    kind = forms.ChoiceField(
        label="Kind of service",
        widget=forms.RadioSelect,
        choices=[("tc", "Therapeutic community"), ("pipe", "PIPE")],
    )
    consent = forms.BooleanField(label="I agree")


def test_form_with_errors_renders_gov_uk_error_markup():
    form = TinyForm(data={})

    html = str(form)

    assert html.count("govuk-form-group--error") == 3
    assert '<p class="govuk-error-message" id="id_name_error">' in html
    assert '<span class="govuk-visually-hidden">Error:</span> This field is required.' in html
    assert 'class="govuk-input govuk-input--error"' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert '<div class="govuk-hint" id="id_name_helptext">' in html
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_kind_error">' in html
    assert '<legend class="govuk-fieldset__legend">Kind of service</legend>' in html
    assert 'class="govuk-radios__input" type="radio" name="kind" value="tc" id="id_kind_0"' in html
    assert 'aria-describedby="id_consent_error"' in html
    assert 'class="govuk-checkboxes__input"' in html


class TinyFormWithAWholeFormCheck(TinyForm):
    def clean(self):
        raise forms.ValidationError("These answers do not fit together.")


def test_error_summary_links_each_error_to_its_field():
    form = TinyFormWithAWholeFormCheck(data={})
    form.is_valid()

    html = render_to_string("components/_error_summary.html", {"form": form})

    assert '<div class="govuk-error-summary" data-module="govuk-error-summary">' in html
    assert '<a href="#id_name">These answers do not fit together.</a>' in html
    assert '<a href="#id_name">This field is required.</a>' in html
    assert '<a href="#id_kind_0">This field is required.</a>' in html
    assert '<a href="#id_consent">This field is required.</a>' in html


def test_error_summary_is_empty_without_errors():
    html = render_to_string("components/_error_summary.html", {"form": TinyForm()})

    assert html.strip() == ""


@pytest.mark.django_db
def test_api_docs_page_loads_everything_from_our_own_static_files(client, user):
    client.force_login(user)

    content = client.get("/api/v1/docs/").content.decode()

    assert "<style" not in content
    assert "cdn" not in content.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in content
    assert "/static/css/api-docs.css" in content
