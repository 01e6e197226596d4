"""axe-core, from npm, checks the pages people use most, as each of them sees the page.

On each page: no axe violation at any impact, exactly one h1, and a title no other page has
(tests/e2e/axe.py). The journeys check every page they visit the same way.
"""

from pathlib import Path

import pytest
from django.core.management import call_command

from reviews.models import Review
from tests.e2e.axe import PageChecker
from tests.e2e.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(transactional_db):
    call_command("import_framework", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.yaml")))
    call_command("seed_demo")
    return Review.objects.get(service__name="Larch Ward")


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
    checker = PageChecker()
    problems = {}
    for path in paths:
        page.goto(live_server.url + path.format(review=demo.pk, service=demo.service_id))
        found = checker.problems(page)
        if found:
            problems[path] = found

    assert problems == {}
    assert checker.pages == len(paths)
