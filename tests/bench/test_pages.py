"""The page benchmark (bench/pages.py) on the demo data: every page is found, answers with its
content, and is counted.

The demo is built and committed once for the module, as `make run` builds it, and the
database is emptied afterwards.
"""

import io
import json

import pytest
from django.core.management import call_command

from bench.pages import measure

PAGES = {
    "service_lead_dashboard",
    "self_assessment_domain",
    "coordinator_cycle_board",
    "reviewer_dashboard",
    "commissioner_dashboard",
    "network_learning_report",
    "api_reviews",
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        call_command("flush", interactive=False, verbosity=0)


def test_measure_demo_data_counts_every_page(db, demo):
    result = measure(repeats=1)

    assert set(result["pages"]) >= PAGES
    for key, page in result["pages"].items():
        assert page["queries"] > 0, key
        assert page["median_ms"] > 0, key
        assert page["path"].startswith("/"), key
    assert result["pages"]["coordinator_cycle_board"]["path"].startswith("/cycles/")
    assert result["dataset"]["services"] == 13


def test_bench_pages_prints_one_json_line(db, demo):
    printed = io.StringIO()

    call_command("bench_pages", "--repeats", "1", stdout=printed)

    lines = printed.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert set(json.loads(lines[0])["pages"]) >= PAGES


def test_the_service_lead_measured_is_not_also_a_peer_reviewer(db, demo):
    from assurance.models import Membership
    from bench.pages import pages
    from reviews.models import ReviewerProfile

    def measured_lead():
        return next(page.user for page in pages() if page.key == "service_lead_dashboard")

    first = measured_lead()
    # Make the lead a reviewer too: their dashboard would then show visits as well.
    ReviewerProfile.objects.create(
        user=first, home_service=Membership.objects.filter(user=first).first().service
    )

    second = measured_lead()

    assert second != first
    assert not ReviewerProfile.objects.filter(user=second).exists()
