"""axe-core, from npm, checks the pages people use most, as each of them sees the page.

Issue 8 extends this to every page the journeys visit; any violation, at any impact, fails.
"""

from pathlib import Path

import pytest
from django.core.management import call_command

from reviews.models import Review
from tests.e2e.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def browser_context_args(browser_context_args):
    # axe is injected as a script; the app's CSP rightly refuses scripts it did not serve.
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def demo(transactional_db):
    call_command("import_framework", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.yaml")))
    call_command("seed_demo")
    return Review.objects.get(service__name="Larch Ward")


def violations(page) -> list[str]:
    page.add_script_tag(content=AXE.read_text())
    found = page.evaluate(
        "async () => (await axe.run()).violations"
        ".map(v => `${v.id} (${v.impact}): ${v.nodes[0].target.join(' ')}`)"
    )
    return found


@pytest.mark.parametrize(
    ("email", "paths"),
    [
        (
            "lead.larch-ward@demo.example",
            [
                "/",
                "/reviews/{review}/",
                "/reviews/{review}/self-assessment/",
                "/reviews/{review}/self-assessment/BEL/",
                "/reviews/{review}/evidence/",
                "/reviews/{review}/evidence/add/",
                "/services/{service}/",
                "/frameworks/",
            ],
        ),
        ("voice.larch-ward@demo.example", ["/", "/reviews/{review}/your-voice/"]),
        (
            "coordinator@demo.example",
            ["/", "/cycles/", "/network/services/", "/network/reviewers/", "/frameworks/upload/"],
        ),
    ],
    ids=["service lead", "lived experience", "coordinator"],
)
def test_main_pages_have_no_axe_violations(demo, live_server, page, email, paths):
    sign_in(page, live_server, email, "relational-demo-2027")
    problems = {}
    for path in paths:
        page.goto(live_server.url + path.format(review=demo.pk, service=demo.service_id))
        found = violations(page)
        if found:
            problems[path] = found

    assert problems == {}
