"""Shared fixtures: a network and people with known roles in it."""

import pytest

from assurance import roles
from tests.factories import UserFactory


@pytest.fixture
def network(db):
    return roles.create_network(name="Test Collaborative")


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def coordinator(network):
    person = UserFactory(email="coordinator@example.org")
    roles.appoint_coordinator(person, network)
    return person


@pytest.fixture
def outsider(db):
    return UserFactory(email="outsider@example.org")
