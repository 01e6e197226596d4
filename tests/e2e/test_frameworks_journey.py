"""A coordinator signs in, reads the fixture frameworks and uploads a third."""

from pathlib import Path

import pytest
from django.core.management import call_command

from tests.e2e.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]
OUTSIDER = ROOT / "tests" / "standards" / "data" / "outsider-framework.yaml"


@pytest.fixture
def demo_network(transactional_db):
    call_command("import_framework", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.yaml")))
    call_command("seed_demo")


def test_coordinator_uploads_a_framework(demo_network, live_server, page, screenshot, tmp_path):
    sign_in(page, live_server, "coordinator@demo.example", "relational-demo-2027")

    page.get_by_role("link", name="Frameworks").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Frameworks"
    assert page.get_by_role("heading", name="Relational Environment Standards").is_visible()
    assert page.get_by_role("heading", name="Developmental Relational Framework").is_visible()
    screenshot("frameworks-list")

    page.get_by_role("button", name="Upload a framework").click()
    broken = tmp_path / "broken.yaml"
    broken.write_text(OUTSIDER.read_text().replace("type: essential", "type: vital", 1))
    page.get_by_label("Framework file").set_input_files(str(broken))
    page.get_by_role("button", name="Upload and import").click()
    summary = page.locator(".govuk-error-summary")
    assert "expected one of essential, expected, desirable" in summary.inner_text()
    assert page.title().startswith("Error:")
    screenshot("framework-upload-error")

    page.get_by_label("Framework file").set_input_files(str(OUTSIDER))
    page.get_by_role("button", name="Upload and import").click()
    assert "was imported" in page.locator(".govuk-notification-banner").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Hostel Relational Charter"
    screenshot("framework-version")
