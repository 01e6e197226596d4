"""The dashboard: each role's section, several roles at once, the empty state, query counts."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance import roles
from assurance.models import Membership
from reviews.allocation import add_to_team, respond
from reviews.models import Visit
from reviews.workflow import transition
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


def _enrolled(service, coordinator):
    from datetime import date
    from pathlib import Path

    from reviews.cycles import default_dates, enrol, open_cycle
    from standards.yaml_format import import_framework

    path = (
        Path(__file__).resolve().parents[2] / "fixtures" / "developmental-relational-framework.yaml"
    )
    version = import_framework(path.read_bytes(), source=path.name).version
    cycle = open_cycle(
        network=service.network,
        name="2027",
        versions=[version],
        **default_dates(service.network, date(2027, 1, 4)),
    )
    return enrol(cycle, service, version, by=coordinator)


def test_team_member_sees_their_review_stage_and_progress(client, service, staff, coordinator):
    review = _enrolled(service, coordinator)

    content = dashboard(client, staff)

    assert f'href="/reviews/{review.pk}/"' in content
    assert "Self-assessment" in content
    assert "0 of 16 standards answered" in content


def test_coordinator_sees_open_cycles_with_counts(client, service, other_service, coordinator):
    _enrolled(service, coordinator)

    content = dashboard(client, coordinator)

    assert "Open cycles" in content
    assert "2027" in content


def test_dashboard_query_count_does_not_grow_with_reviews(
    client, network, service, staff, coordinator
):
    review = _enrolled(service, coordinator)
    client.force_login(staff)
    client.get("/")
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for _ in range(4):
        other = ServiceFactory(network=network)
        roles.join_service(staff, other, Membership.Role.STAFF)
        from reviews.cycles import enrol

        enrol(review.cycle, other, review.framework_version, by=coordinator)
    with CaptureQueriesContext(connection) as five:
        response = client.get("/")

    assert response.content.decode().count("Open the review") == 5
    assert len(one.captured_queries) == len(five.captured_queries)


# The Reviewing section: the peer review's pages once it has started ---------------------------


def test_reviewer_in_a_peer_review_is_linked_to_its_reviewing_pages(client, peer_review, reviewer):
    content = dashboard(client, reviewer)

    assert f'href="{reverse("reviews:reviewing", args=[peer_review.pk])}"' in content
    assert "Reviewing and reflections" in content


def test_reviewer_sees_the_visit_dates_once_they_are_known(client, peer_review, reviewer):
    before = dashboard(client, reviewer)
    Visit.objects.create(
        review=peer_review, mode="in_person", starts_on=date(2027, 3, 2), ends_on=date(2027, 3, 3)
    )
    after = dashboard(client, reviewer)

    assert "Visits from" in before
    assert "Visit from 2 March 2027 to 3 March 2027" in after


def test_reviewer_of_a_review_not_yet_in_peer_review_has_no_reviewing_link(
    client, answered_review, service_lead, coordinator, reviewer
):
    transition(answered_review, "submitted", by=service_lead)
    assignment, _check = add_to_team(
        answered_review, reviewer.reviewer_profile, "peer", by=coordinator
    )
    respond(assignment, by=reviewer, accept=True)

    content = dashboard(client, reviewer)

    assert "Reviews you are taking part in" in content
    assert reverse("reviews:reviewing", args=[answered_review.pk]) not in content


def test_dashboard_reviewing_links_do_not_add_queries_per_review(
    client, peer_review, reviewer, django_assert_num_queries
):
    client.force_login(reviewer)
    client.get("/")
    with CaptureQueriesContext(connection) as without_visit:
        client.get("/")
    Visit.objects.create(
        review=peer_review, mode="virtual", starts_on=peer_review.self_assessment_due
    )

    with django_assert_num_queries(len(without_visit)):
        response = client.get("/")

    assert "Visit on" in response.content.decode()
