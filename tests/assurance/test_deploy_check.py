"""Headers and configuration: Django's deployment checks with production settings, the Content
Security Policy on responses, and no inline code in any template (the policy would block it).

(tests/assurance/test_settings.py runs the deployment check with the minimum production
variables; here it runs with single sign-on, a proxy and the hardening variables all set.)
"""

import re
import secrets
from pathlib import Path

import pytest

from tests.assurance.test_settings import run_deploy_check

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates"] + [
    ROOT / app / "templates" for app in ("assurance", "standards", "reviews", "bench")
]

COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.DOTALL)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)


def test_check_deploy_is_clean_with_every_security_variable_set():
    result = run_deploy_check(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        MFA_REQUIRED_ROLES="coordinator,commissioner,service_lead",
        OIDC_PROVIDER_ID="entra",
        OIDC_NAME="NHS mail",
        OIDC_SERVER_URL="https://login.microsoftonline.com/tenant-id/v2.0",
        OIDC_CLIENT_ID="client-id",
        OIDC_CLIENT_SECRET=secrets.token_urlsafe(32),
        AXES_FAILURE_LIMIT="5",
        AXES_COOLOFF_MINUTES="30",
        AXES_PROXY_COUNT="1",
        SESSION_IDLE_MINUTES="20",
        SESSION_ABSOLUTE_HOURS="8",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def template_files() -> list[Path]:
    return sorted(
        path for folder in TEMPLATE_DIRS if folder.is_dir() for path in folder.rglob("*.html")
    )


def inline_code(text: str) -> list[str]:
    """What in one template the Content Security Policy would refuse; comments do not count."""
    text = COMMENT.sub("", text)
    found = []
    for name, pattern in (
        ("inline <script>", INLINE_SCRIPT),
        ("inline event handler", EVENT_HANDLER),
        ("style attribute", STYLE_ATTRIBUTE),
        ("<style> element", STYLE_ELEMENT),
    ):
        found += [f"{name}: {match.group(0)[:80]}" for match in pattern.finditer(text)]
    return found


@pytest.mark.parametrize(
    ("snippet", "kind"),
    [
        ("<script>alert(1)</script>", "inline <script>"),
        ('<script type="module">go()</script>', "inline <script>"),
        ('<button onclick="go()">Go</button>', "inline event handler"),
        ('<p class="x" style="color: red">', "style attribute"),
        ("<style>p { color: red }</style>", "<style> element"),
    ],
)
def test_the_scan_finds_each_kind_of_inline_code(snippet, kind):
    assert [found.split(":")[0] for found in inline_code(snippet)] == [kind]


def test_the_scan_passes_scripts_from_files_and_text_in_comments():
    text = (
        '<script type="module" src="/static/js/app.js"></script>'
        '{% comment %}never style="..." or onclick="..."{% endcomment %}{# <script> #}'
        "<p>Say what is on your mind</p>"
    )

    assert inline_code(text) == []


def test_no_template_has_inline_code():
    files = template_files()
    problems = {
        str(path.relative_to(ROOT)): found
        for path in files
        if (found := inline_code(path.read_text(encoding="utf-8")))
    }

    assert len(files) > 100
    assert not problems, problems


@pytest.mark.parametrize("path", ["/accounts/login/", "/"])
def test_responses_carry_a_content_security_policy_without_unsafe_inline(client, db, path):
    response = client.get(path)

    policy = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
