"""The long fuzzing run is opt-in: `pytest -m fuzz_long tests/api` or FUZZ_LONG=1. The review
cycle's fixtures (a review, a peer review and its reviewers) are the review tests' own."""

import os

import pytest

from tests.reviews.conftest import (  # noqa: F401 - fixtures, shared with tests/reviews
    answered_review,
    cycle,
    expert_reviewer,
    lead_reviewer,
    peer_review,
    review,
    reviewer,
    version,
)


def long_run_requested(config) -> bool:
    return bool(os.environ.get("FUZZ_LONG")) or "fuzz_long" in (config.option.markexpr or "")


def pytest_collection_modifyitems(config, items):
    if long_run_requested(config):
        return
    skip = pytest.mark.skip(reason="the long fuzzing run is opt-in: -m fuzz_long or FUZZ_LONG=1")
    for item in items:
        if item.get_closest_marker("fuzz_long"):
            item.add_marker(skip)
