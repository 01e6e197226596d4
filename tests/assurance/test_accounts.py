"""Signing in, signing out and resetting a password (django-allauth, our templates)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture
def person(db):
    user = UserFactory(email="sam@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_sign_in_with_email_and_password_lands_on_the_dashboard(client, person):
    response = client.post(
        "/accounts/login/", {"login": "sam@example.org", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/"
    assert "Your dashboard" in response.content.decode()


def test_sign_out_asks_then_signs_out(client, person):
    client.force_login(person)

    confirm = client.get("/accounts/logout/").content.decode()
    response = client.post("/accounts/logout/", follow=True)

    assert "Sign out" in confirm
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_password_reset_emails_a_link_that_sets_a_new_password(client, person):
    client.post("/accounts/password/reset/", {"email": "sam@example.org"})

    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else "/" + path,
        {"password1": "a brand new long password", "password2": "a brand new long password"},
    )

    person.refresh_from_db()
    assert person.check_password("a brand new long password")


def test_sign_up_is_closed(client, db):
    content = client.get("/accounts/signup/").content.decode()

    assert "closed" in content.lower()
    assert 'name="password1"' not in content


def test_api_schema_generates_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
