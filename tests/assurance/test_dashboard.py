"""The dashboard: each role's section, several roles at once, the empty state, query counts."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assurance import roles
from assurance.models import Membership
from tests.factories import ServiceFactory


def dashboard(client, person) -> str:
    client.force_login(person)
    return client.get("/").content.decode()


def test_service_lead_sees_their_service_team_size_and_invitations(
    client, service, service_lead, staff
):
    content = dashboard(client, service_lead)

    assert "Your services" in content
    assert f'href="/services/{service.pk}/"' in content
    assert "Service lead" in content
    assert "Network coordination" not in content
    assert "Commissioning" not in content


def test_coordinator_sees_their_network_with_counts(
    client, coordinator, service, other_service, body
):
    content = dashboard(client, coordinator)

    assert "Network coordination" in content
    assert "Test Collaborative" in content
    assert "Your services" not in content


def test_commissioner_sees_their_body(client, commissioner, body):
    content = dashboard(client, commissioner)

    assert "Commissioning" in content
    assert "North Shore ICB" in content
    assert "Your services" not in content


def test_person_with_several_roles_sees_each_section(client, coordinator, service, body):
    roles.join_service(coordinator, service, Membership.Role.STAFF)
    roles.join_commissioning_body(coordinator, body)

    content = dashboard(client, coordinator)

    assert "Network coordination" in content
    assert "Your services" in content
    assert "Commissioning" in content


def test_person_with_no_role_is_told_how_to_join(client, outsider):
    content = dashboard(client, outsider)

    assert "You do not have a role" in content
    assert outsider.email in content


def test_left_service_is_no_longer_on_the_dashboard(client, service, staff):
    roles.leave_service(Membership.objects.get(user=staff))

    content = dashboard(client, staff)

    assert "Willow House" not in content


def test_dashboard_query_count_does_not_grow_with_roles(client, network, staff):
    client.force_login(staff)
    client.get("/")
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for _ in range(5):
        roles.join_service(staff, ServiceFactory(network=network), Membership.Role.STAFF)
    with CaptureQueriesContext(connection) as six:
        response = client.get("/")

    assert response.content.decode().count('href="/services/') == 6
    assert len(one.captured_queries) == len(six.captured_queries)
