"""End-to-end tests: Playwright drives Debian's Chromium against a live server."""

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True, scope="session")
def _allow_django_beside_playwright():
    # Playwright's sync API keeps an event loop running in this thread for the whole session,
    # which makes Django refuse database calls (including the test database's teardown). The
    # calls are still synchronous, so allow them while browser tests run.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # The machine's closed network refuses Chromium's background connections: switch them off.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under artifacts/ (gitignored) for people to look at."""

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def current_security_code(email: str) -> str:
    """The code `email`'s authenticator app would show now, worked out from its stored key.

    allauth refuses a code used once already in its 30 seconds, so that mark is cleared: a test
    may sign the same person in twice within a period.
    """
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
    from allauth.mfa.utils import decrypt
    from django.core.cache import cache

    authenticator = Authenticator.objects.get(
        user__email__iexact=email, type=Authenticator.Type.TOTP
    )
    counter = int(time.time()) // 30
    code = format_hotp_value(hotp_value(decrypt(authenticator.data["secret"]), counter))
    cache.delete(TOTP(authenticator)._get_used_cache_key(code))
    return code


def sign_in(page, live_server, email: str, password: str) -> None:
    """Sign in through the real pages; with the code from the authenticator app when asked."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/accounts/login/")
    if urlsplit(page.url).path == "/accounts/2fa/authenticate/":
        page.get_by_label("Security code").fill(current_security_code(email))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(lambda url: urlsplit(url).path != "/accounts/2fa/authenticate/")
