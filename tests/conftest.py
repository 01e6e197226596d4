"""Shared fixtures: users with known roles and a logged-in client for each."""

import pytest

from assurance.permissions import grant_coordinator
from tests.factories import UserFactory


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def coordinator(db):
    person = UserFactory(email="coordinator@example.org")
    grant_coordinator(person)
    return person


@pytest.fixture
def outsider(db):
    return UserFactory(email="outsider@example.org")
