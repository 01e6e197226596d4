"""Concurrent writes on PostgreSQL: two people save the same thing at the same moment.

Each test starts two real threads, each with its own database connection, released together by
a barrier. The write paths use a conditional UPDATE (responses) and a row lock (transitions),
so exactly one save wins and the other is told, with nothing lost.
"""

import threading
from pathlib import Path

import pytest
from django.db import connection, connections

from assurance import roles
from assurance.models import Membership
from reviews import self_assessment, workflow
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.models import Response, Review, ReviewEvent
from standards.yaml_format import import_framework
from tests.factories import UserFactory

FIXTURE = (
    Path(__file__).resolve().parents[2] / "fixtures" / "developmental-relational-framework.yaml"
)
RUNS = 10

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
    ),
]


def run_together(*jobs):
    """Run each job in its own thread, released at the same instant; return their results."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def runner(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def review(service, coordinator):
    version = import_framework(FIXTURE.read_bytes(), source=FIXTURE.name).version
    cycle = open_cycle(
        network=service.network,
        name="2027",
        versions=[version],
        **default_dates(service.network, __import__("datetime").date(2027, 1, 4)),
    )
    return enrol(cycle, service, version, by=coordinator)


def test_two_saves_from_the_same_version_one_wins_one_is_told(review, service):
    first, second = UserFactory(), UserFactory()
    roles.join_service(first, service, Membership.Role.STAFF)
    roles.join_service(second, service, Membership.Role.STAFF)
    for run in range(RUNS):
        response = Response.objects.filter(review=review).order_by("pk")[run]

        outcomes = run_together(
            lambda r=response, n=run: self_assessment.save_response(
                r, by=first, expected_version=r.version, narrative=f"first writer, run {n}"
            ),
            lambda r=response, n=run: self_assessment.save_response(
                r, by=second, expected_version=r.version, narrative=f"second writer, run {n}"
            ),
        )

        wins = [o for o in outcomes if isinstance(o, Response)]
        conflicts = [o for o in outcomes if isinstance(o, self_assessment.StaleWrite)]
        assert len(wins) == 1, outcomes
        assert len(conflicts) == 1, outcomes
        stored = Response.objects.get(pk=response.pk)
        assert stored.version == response.version + 1
        assert stored.narrative == wins[0].narrative
        # The loser is shown what won, and still holds their own text to merge.
        assert conflicts[0].current.narrative == stored.narrative


def test_two_simultaneous_moves_of_one_review_happen_once(review, service, coordinator):
    lead = UserFactory()
    roles.join_service(lead, service, Membership.Role.SERVICE_LEAD)
    for response in Response.objects.filter(review=review):
        self_assessment.save_response(
            response, by=lead, expected_version=response.version, rating="met", narrative="Yes."
        )
    second_coordinator = UserFactory()
    roles.appoint_coordinator(second_coordinator, service.network)
    workflow.transition(review, Review.Status.SUBMITTED, by=lead)
    start = review.version

    outcomes = run_together(
        lambda: workflow.transition(
            review,
            Review.Status.SELF_ASSESSMENT,
            by=coordinator,
            note="Please add voices.",
            expected_version=start,
        ),
        lambda: workflow.transition(
            review,
            Review.Status.WITHDRAWN,
            by=second_coordinator,
            note="Service closing.",
            expected_version=start,
        ),
    )

    errors = [o for o in outcomes if isinstance(o, workflow.TransitionError)]
    assert len(errors) == 1, outcomes
    assert errors[0].code in {"stale", "invalid_move"}
    assert ReviewEvent.objects.filter(review=review).count() == 3  # enrol, submit, one move
