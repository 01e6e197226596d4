"""The dashboard: each role's section, several roles at once, the empty state, query counts."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance import roles
from assurance.models import Membership
from reviews.allocation import add_to_team, respond
from reviews.models import Visit
from reviews.workflow import transition
from tests.factories import CommissioningBodyFactory, ServiceFactory, UserFactory


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
    assert f"using the email address you signed in with: {outsider.email}." in " ".join(
        content.split()
    )


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


# Reports and actions: what commissioners read, and the host's overdue actions ---------------


@pytest.fixture
def published(peer_review, lead_reviewer, reviewer, service_lead, coordinator):
    from tests.reviews.test_actions import PAST, add, publish, to_drafting

    review = to_drafting(peer_review, lead_reviewer, reviewer)
    add(review, lead_reviewer, title="Hold a night-staff meeting", due_on=PAST)
    add(review, lead_reviewer, title="Review the welcome pack")
    return publish(review, lead_reviewer, service_lead, coordinator)


def test_commissioner_with_nothing_shared_is_told_so(client, commissioner, body):
    content = dashboard(client, commissioner)

    assert "No service has shared a report with North Shore ICB yet." in content


def test_commissioner_sees_exactly_the_reports_shared_with_their_body(
    client, published, body, network, service_lead, staff, commissioner
):
    from reviews.report import actions, issuing, sharing

    other_body = CommissioningBodyFactory(network=network, name="South Shore ICB")
    other_commissioner = UserFactory(email="south@example.org")
    roles.join_commissioning_body(other_commissioner, other_body)
    actions.record_progress(
        published.actions.get(title="Review the welcome pack"),
        by=staff,
        status="done",
        note="Printed.",
    )
    share = sharing.share_report(published, body, by=service_lead)
    final = issuing.current_final(published)

    content = dashboard(client, commissioner)

    assert "Willow House" in content
    assert "Review 2027" in content
    assert reverse("reviews:report_detail", args=[published.pk, final.pk]) in content
    assert reverse("reviews:action_list", args=[published.pk]) in content
    assert "2 actions" in content
    assert "1 planned, 0 in progress, 1 done, 0 dropped" in content
    assert "1 overdue" in content
    # Nothing rendered yet in tests: the downloads wait for their files.
    assert "The PDF files are still being prepared." in content
    assert "Willow House" not in dashboard(client, other_commissioner)

    sharing.revoke_share(share, by=service_lead)
    content = dashboard(client, commissioner)
    assert "Willow House" not in content
    assert "No service has shared a report with North Shore ICB yet." in content


def test_commissioner_sees_the_download_links_once_rendered(
    client, published, body, service_lead, commissioner
):
    from reviews.report import issuing, sharing

    sharing.share_report(published, body, by=service_lead)
    final = issuing.current_final(published)
    final.__class__.objects.filter(pk=final.pk).update(sha256="a" * 64, summary_sha256="b" * 64)

    content = dashboard(client, commissioner)

    assert reverse("reviews:report_pdf", args=[published.pk, final.pk]) in content
    assert reverse("reviews:report_summary_pdf", args=[published.pk, final.pk]) in content


def test_commissioner_dashboard_makes_the_same_queries_for_one_share_or_several(
    client, published, body, network, service_lead, commissioner, django_assert_num_queries
):
    from reviews.report import sharing

    sharing.share_report(published, body, by=service_lead)
    client.force_login(commissioner)
    client.get("/")
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for n in range(3):
        extra = CommissioningBodyFactory(network=network, name=f"Body {n}")
        roles.join_commissioning_body(commissioner, extra)
        sharing.share_report(published, extra, by=service_lead)

    with django_assert_num_queries(len(one)):
        response = client.get("/")

    assert response.content.decode().count("See the actions") == 4


def test_the_host_sees_its_overdue_actions(client, published, staff, lived_experience):
    for person in (staff, lived_experience):
        content = dashboard(client, person)

        assert "1 agreed action is overdue" in content
        assert "Hold a night-staff meeting" in content
        assert "Review the welcome pack" not in content
        action = published.actions.get(title="Hold a night-staff meeting")
        assert (
            f"{reverse('reviews:action_list', args=[published.pk])}#action-{action.pk}" in content
        )


def test_actions_in_draft_are_not_overdue_yet(client, peer_review, lead_reviewer, reviewer, staff):
    from tests.reviews.test_actions import PAST, add, to_drafting

    review = to_drafting(peer_review, lead_reviewer, reviewer)
    add(review, lead_reviewer, title="Hold a night-staff meeting", due_on=PAST)

    assert "overdue" not in dashboard(client, staff)


def test_overdue_actions_do_not_add_queries_per_action(
    client, published, staff, django_assert_num_queries
):
    from reviews.models import Action
    from tests.reviews.test_actions import PAST

    client.force_login(staff)
    client.get("/")
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for n in range(4):
        Action.objects.create(review=published, title=f"Late {n}", due_on=PAST)

    with django_assert_num_queries(len(one)):
        response = client.get("/")

    assert "5 agreed actions are overdue" in response.content.decode()
