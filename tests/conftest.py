"""Shared fixtures: users with known roles and a logged-in client for each."""

import pytest
from django.contrib.auth.models import Group, Permission

from tests.factories import UserFactory


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def coordinator(db):
    person = UserFactory(email="coordinator@example.org")
    group, _ = Group.objects.get_or_create(name="Coordinators")
    group.permissions.add(Permission.objects.get(codename="import_framework"))
    person.groups.add(group)
    return person


@pytest.fixture
def outsider(db):
    return UserFactory(email="outsider@example.org")
