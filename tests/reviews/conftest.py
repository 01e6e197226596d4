"""Shared fixtures of the review cycle's tests, on top of the fixed cast (tests/conftest.py).

`version` is the Developmental Relational Framework imported from fixtures/; `cycle` is a cycle
of the cast's network offering it; `review` is the cast's `service` enrolled in that cycle (in
self-assessment, every response empty); `answered_review` is the same review with every
standard answered through the self-assessment write path, ready to submit.
"""

from datetime import date
from pathlib import Path

import pytest

from reviews import self_assessment
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.models import Rating
from standards.yaml_format import import_framework

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def version(db):
    fixture = FIXTURES / "developmental-relational-framework.yaml"
    return import_framework(fixture.read_bytes(), source=fixture.name).version


@pytest.fixture
def cycle(network, version):
    return open_cycle(
        network=network,
        name="2027",
        versions=[version],
        **default_dates(network, date(2027, 1, 4)),
    )


@pytest.fixture
def review(cycle, service, version, coordinator):
    return enrol(cycle, service, version, by=coordinator)


@pytest.fixture
def answered_review(review, staff):
    for response in review.responses.select_related("review"):
        self_assessment.save_response(
            response,
            by=staff,
            expected_version=response.version,
            rating=Rating.PARTLY_MET,
            narrative="We hold a community meeting each morning.",
        )
    return review
