"""Shared fixtures of the review cycle's tests, on top of the fixed cast (tests/conftest.py).

`version` is the Developmental Relational Framework imported from fixtures/; `cycle` is a cycle
of the cast's network offering it; `review` is the cast's `service` enrolled in that cycle (in
self-assessment, every response empty); `answered_review` is the same review with every
standard answered through the self-assessment write path, ready to submit.

For the peer review: `lead_reviewer`, `reviewer` (peer) and `expert_reviewer` are reviewers from
services of their own in the network; `peer_review` is `answered_review` submitted, with those
three accepted onto its team and the peer review started (a reflection waits on every standard).
"""

from datetime import date
from pathlib import Path

import pytest

from reviews import self_assessment
from reviews.allocation import add_to_team, respond
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.models import Rating, Review, ReviewerProfile
from reviews.workflow import transition
from standards.yaml_format import import_framework
from tests.factories import OrganisationFactory, ServiceFactory, UserFactory

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


def reviewer_profile(network, roles: list[str], *, email: str) -> ReviewerProfile:
    """A trained reviewer from a service of their own, in an organisation of their own."""
    home = ServiceFactory(network=network, organisation=OrganisationFactory())
    return ReviewerProfile.objects.create(
        user=UserFactory(email=email), home_service=home, roles=roles, trained_on=date(2026, 1, 1)
    )


@pytest.fixture
def lead_reviewer(network):
    return reviewer_profile(network, ["lead", "peer"], email="lead.reviewer@example.org").user


@pytest.fixture
def reviewer(network):
    return reviewer_profile(network, ["peer"], email="reviewer@example.org").user


@pytest.fixture
def expert_reviewer(network):
    return reviewer_profile(network, ["expert"], email="expert.reviewer@example.org").user


@pytest.fixture
def peer_review(
    answered_review, service_lead, coordinator, lead_reviewer, reviewer, expert_reviewer
):
    transition(answered_review, Review.Status.SUBMITTED, by=service_lead)
    for user, role in ((lead_reviewer, "lead"), (reviewer, "peer"), (expert_reviewer, "expert")):
        assignment, check = add_to_team(
            answered_review, user.reviewer_profile, role, by=coordinator
        )
        assert assignment is not None, check.refusals
        respond(assignment, by=user, accept=True)
    transition(answered_review, Review.Status.PEER_REVIEW, by=coordinator)
    answered_review.refresh_from_db()
    return answered_review


def as_published(review: Review) -> Review:
    """Mark an earlier review as published, for tests about its agreed actions in a later
    review that do not need a whole peer review played first (tests only: the product moves a
    review only through reviews.workflow.transition)."""
    Review.objects.filter(pk=review.pk).update(status=Review.Status.PUBLISHED)
    review.status = Review.Status.PUBLISHED
    return review
