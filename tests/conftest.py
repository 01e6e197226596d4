"""The fixed cast (STYLE.md 16): people with known roles in one network.

`service` is the cast's own service; `other_service` belongs to someone else in the same network,
and `other_network` is a network none of the cast belongs to.
"""

import pytest

from assurance import roles
from assurance.models import Membership
from tests.factories import (
    CommissioningBodyFactory,
    NetworkFactory,
    OrganisationFactory,
    ServiceFactory,
    UserFactory,
)


@pytest.fixture
def network(db):
    return NetworkFactory(name="Test Collaborative")


@pytest.fixture
def other_network(db):
    return NetworkFactory(name="Elsewhere Network")


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Riverside Care Trust")


@pytest.fixture
def service(network, organisation):
    return ServiceFactory(network=network, organisation=organisation, name="Willow House")


@pytest.fixture
def other_service(network):
    return ServiceFactory(network=network, name="Oak Ward")


@pytest.fixture
def body(network):
    return CommissioningBodyFactory(network=network, name="North Shore ICB")


@pytest.fixture
def user(db):
    return UserFactory()


def _member(email: str, service, role: str):
    person = UserFactory(email=email)
    roles.join_service(person, service, role)
    return person


@pytest.fixture
def service_lead(service):
    return _member("lead@example.org", service, Membership.Role.SERVICE_LEAD)


@pytest.fixture
def staff(service):
    return _member("staff@example.org", service, Membership.Role.STAFF)


@pytest.fixture
def lived_experience(service):
    return _member("voice@example.org", service, Membership.Role.LIVED_EXPERIENCE)


@pytest.fixture
def coordinator(network):
    person = UserFactory(email="coordinator@example.org")
    roles.appoint_coordinator(person, network)
    return person


@pytest.fixture
def commissioner(body):
    person = UserFactory(email="commissioner@example.org")
    roles.join_commissioning_body(person, body)
    return person


@pytest.fixture
def outsider(db):
    return UserFactory(email="outsider@example.org")
