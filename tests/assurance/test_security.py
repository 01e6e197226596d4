"""Login throttling (django-axes) and session expiry, idle and absolute (assurance/security.py)."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assurance.security import RENEWED_AT, SIGNED_IN_AT, login_email
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
LIMIT = 3
THROTTLE = override_settings(AXES_FAILURE_LIMIT=LIMIT, AXES_COOLOFF_TIME=timedelta(minutes=15))


@pytest.fixture
def person(db):
    user = UserFactory(email="sam@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def attempt(client: Client, email: str, password: str, ip: str = "10.0.0.1"):
    return client.post("/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


def fail(client: Client, email: str, times: int, ip: str = "10.0.0.1") -> None:
    for _ in range(times):
        attempt(client, email, "not the password", ip)


# Throttling


@THROTTLE
def test_failures_up_to_the_limit_lock_the_account(client, person):
    before = attempt(client, person.email, "not the password")
    fail(client, person.email, LIMIT - 2)
    last = attempt(client, person.email, "not the password")

    assert before.status_code == 200
    assert last.status_code == 429
    content = last.content.decode()
    assert '<h1 class="govuk-heading-l">Signing in is paused</h1>' in content
    assert "There were 3 wrong attempts to sign in." in content
    assert "paused for 15 minutes" in content


@THROTTLE
def test_the_right_password_is_refused_during_the_cool_off(client, person):
    fail(client, person.email, LIMIT)

    response = attempt(client, person.email, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@THROTTLE
def test_the_account_is_locked_from_another_address_too(client, person):
    fail(client, person.email, LIMIT, ip="10.0.0.1")

    response = attempt(Client(), person.email, PASSWORD, ip="192.0.2.77")

    assert response.status_code == 429


@THROTTLE
def test_an_address_with_many_failures_is_locked_for_every_account(client, person):
    for n in range(LIMIT):
        attempt(client, f"guess{n}@example.org", "not the password", ip="198.51.100.9")

    from_there = attempt(Client(), person.email, PASSWORD, ip="198.51.100.9")
    from_elsewhere = attempt(Client(), person.email, PASSWORD, ip="10.9.9.9")

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302


@THROTTLE
def test_the_lock_lifts_after_the_cool_off(client, person):
    fail(client, person.email, LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    response = attempt(client, person.email, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


@THROTTLE
def test_fewer_failures_than_the_limit_do_not_stop_the_right_password(client, person):
    fail(client, person.email, LIMIT - 1)

    response = attempt(client, person.email, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


def test_failures_are_counted_by_the_address_typed_whatever_its_case(rf):
    request = rf.post("/accounts/login/", {"login": " Sam@Example.org "})

    assert login_email(request, None) == "sam@example.org"
    assert login_email(request, {"email": "SAM@example.org"}) == "sam@example.org"


# Session expiry


def test_a_request_keeps_the_session_for_the_idle_limit_only(client, person, settings):
    client.force_login(person)

    client.get("/")

    row = Session.objects.get(session_key=client.session.session_key)
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert client.session.get_expiry_age() == 30 * 60
    assert timedelta(minutes=29) < row.expire_date - timezone.now() <= timedelta(minutes=30)


def session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"] and "SELECT" not in q["sql"]]


def test_requests_within_a_minute_do_not_write_the_session_again(client, person):
    client.force_login(person)
    client.get("/")

    with CaptureQueriesContext(connection) as queries:
        client.get("/")

    assert session_writes(queries.captured_queries) == []


def test_a_request_a_minute_after_the_last_renewal_renews_the_idle_limit(client, person):
    client.force_login(person)
    client.get("/")
    key = client.session.session_key
    session = client.session
    session[RENEWED_AT] -= 61
    session.save()
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=5)
    )

    with CaptureQueriesContext(connection) as queries:
        client.get("/")

    assert session_writes(queries.captured_queries)
    left = Session.objects.get(session_key=key).expire_date - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)


def test_an_idle_session_is_signed_out(client, person):
    client.force_login(person)
    client.get("/")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def signed_in_hours_ago(client: Client, hours: float) -> None:
    session = client.session
    session[SIGNED_IN_AT] = int((timezone.now() - timedelta(hours=hours)).timestamp())
    session.save()


def test_signing_in_records_the_time(client, person):
    client.post("/accounts/login/", {"login": person.email, "password": PASSWORD})

    stamped = client.session[SIGNED_IN_AT]

    assert abs(stamped - timezone.now().timestamp()) < 60


def test_a_session_within_the_absolute_limit_goes_on(client, person):
    client.force_login(person)
    signed_in_hours_ago(client, 11.5)

    response = client.get("/")

    assert response.status_code == 200


def test_a_session_past_the_absolute_limit_is_signed_out_with_a_message(client, person):
    client.force_login(person)
    signed_in_hours_ago(client, 12.1)

    response = client.get("/frameworks/", follow=True)

    assert response.redirect_chain[0] == ("/accounts/login/?next=%2Fframeworks%2F", 302)
    assert "_auth_user_id" not in client.session
    assert "because you signed in more than 12 hours ago" in response.content.decode()


@override_settings(SESSION_ABSOLUTE_HOURS=2)
def test_the_absolute_limit_is_configurable(client, person):
    client.force_login(person)
    signed_in_hours_ago(client, 2.5)

    response = client.get("/", follow=True)

    assert "_auth_user_id" not in client.session
    assert "because you signed in more than 2 hours ago" in response.content.decode()
