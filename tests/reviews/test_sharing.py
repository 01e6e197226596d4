"""Sharing a published report with commissioning bodies (reviews/report/sharing.py and
reviews/views/sharing.py): who may share, what commissioners then read, revoking, corrections
and the e-mail; the sharing page and its confirmation."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from assurance import permissions, roles
from reviews.models import ReportShare, Review
from reviews.report import issuing, sharing
from reviews.self_assessment import Invalid
from tests.factories import CommissioningBodyFactory, UserFactory
from tests.reviews.test_actions import PAST, add, publish, to_drafting

Status = Review.Status


@pytest.fixture
def drafting(peer_review, lead_reviewer, reviewer):
    return to_drafting(peer_review, lead_reviewer, reviewer)


@pytest.fixture
def published(drafting, lead_reviewer, service_lead, coordinator):
    add(drafting, lead_reviewer, title="Hold a night-staff meeting", due_on=PAST)
    return publish(drafting, lead_reviewer, service_lead, coordinator)


@pytest.fixture
def other_body(network):
    return CommissioningBodyFactory(network=network, name="South Shore ICB")


@pytest.fixture
def other_commissioner(other_body):
    person = UserFactory(email="south@example.org")
    roles.join_commissioning_body(person, other_body)
    return person


def reads(person, review) -> bool:
    return permissions.can(person, "reviews.view_report", issuing.current_final(review))


# The write path -------------------------------------------------------------------------------


def test_sharing_lets_the_bodys_commissioners_read_the_final_report(
    published, body, service_lead, commissioner, other_commissioner
):
    assert not reads(commissioner, published)

    share = sharing.share_report(published, body, by=service_lead)

    assert (share.body, share.granted_by, share.is_live) == (body, service_lead, True)
    assert reads(commissioner, published)
    assert not reads(other_commissioner, published)
    assert list(sharing.shared_reviews(commissioner)) == [published]
    assert not sharing.shared_reviews(other_commissioner).exists()
    # The draft stays the host's and the team's.
    assert not permissions.can(commissioner, "reviews.view_report", issuing.latest_draft(published))


def test_commissioners_are_told_by_email_once_the_share_is_committed(
    published, body, service_lead, commissioner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sharing.share_report(published, body, by=service_lead)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [commissioner.email]
    assert message.subject == "Willow House has shared its improvement report with North Shore ICB"
    final = issuing.current_final(published)
    assert reverse("reviews:report_detail", args=[published.pk, final.pk]) in message.body


@pytest.mark.parametrize("who", ["staff", "lived_experience", "coordinator", "lead_reviewer"])
def test_only_the_service_lead_shares(request, published, body, who):
    with pytest.raises(PermissionDenied):
        sharing.share_report(published, body, by=request.getfixturevalue(who))

    assert not ReportShare.objects.exists()


def test_a_report_is_shared_only_once_published(drafting, body, service_lead):
    with pytest.raises(sharing.SharingClosed):
        sharing.share_report(drafting, body, by=service_lead)


def test_only_a_body_of_the_network_and_one_live_share_each(
    published, body, service_lead, other_network
):
    foreign = CommissioningBodyFactory(network=other_network, name="Far Away ICB")

    with pytest.raises(Invalid) as refused:
        sharing.share_report(published, foreign, by=service_lead)
    assert set(refused.value.errors) == {"body"}
    sharing.share_report(published, body, by=service_lead)
    with pytest.raises(Invalid):
        sharing.share_report(published, body, by=service_lead)

    assert ReportShare.objects.count() == 1


def test_revoking_takes_access_away_and_keeps_the_record(
    published, body, service_lead, commissioner
):
    share = sharing.share_report(published, body, by=service_lead)

    sharing.revoke_share(share, by=service_lead)

    share.refresh_from_db()
    assert (share.revoked_by, share.is_live) == (service_lead, False)
    assert not reads(commissioner, published)
    assert not sharing.shared_reviews(commissioner).exists()
    with pytest.raises(Invalid):
        sharing.revoke_share(share, by=service_lead)
    again = sharing.share_report(published, body, by=service_lead)
    assert reads(commissioner, published)
    assert list(published.shares.all()) == [again, share]


def test_revoking_is_for_the_service_lead(published, body, service_lead, staff, commissioner):
    share = sharing.share_report(published, body, by=service_lead)

    for person in (staff, commissioner):
        with pytest.raises(PermissionDenied):
            sharing.revoke_share(share, by=person)

    assert ReportShare.objects.get().is_live


def test_a_correction_is_readable_under_a_live_share_only(
    published, body, other_body, service_lead, coordinator, commissioner, other_commissioner
):
    sharing.share_report(published, body, by=service_lead)
    revoked = sharing.share_report(published, other_body, by=service_lead)
    sharing.revoke_share(revoked, by=service_lead)

    corrected = issuing.correct_report(published, by=coordinator, note="A name was misspelt.")

    assert permissions.can(commissioner, "reviews.view_report", corrected)
    assert not permissions.can(other_commissioner, "reviews.view_report", corrected)


def test_a_closed_review_can_still_be_shared(published, body, service_lead):
    from reviews.workflow import transition

    transition(published, Status.CLOSED, by=service_lead)

    assert sharing.share_report(published, body, by=service_lead).is_live


# The pages ---------------------------------------------------------------------------------------


def share_url(review) -> str:
    return reverse("reviews:share_list", args=[review.pk])


def test_the_service_lead_sees_the_networks_bodies_and_shares(
    client, published, body, other_body, service_lead, django_capture_on_commit_callbacks
):
    client.force_login(service_lead)
    content = client.get(share_url(published)).content.decode()
    assert "North Shore ICB" in content
    assert "South Shore ICB" in content
    assert "The report has not been shared with anyone." in content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(share_url(published), {"body": body.pk})

    assert response.status_code == 302
    content = client.get(share_url(published)).content.decode()
    assert "The report is now shared with North Shore ICB." in content
    assert "Still shared" in content
    assert "Stop sharing" in content
    assert ReportShare.objects.get().body == body


def test_sharing_without_choosing_a_body_shows_the_error(client, published, body, service_lead):
    client.force_login(service_lead)

    response = client.post(share_url(published), {})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in content
    assert "Choose a commissioning body to share the report with." in content
    assert not ReportShare.objects.exists()


def test_before_publication_the_page_says_when_sharing_opens(client, drafting, service_lead):
    client.force_login(service_lead)

    content = client.get(share_url(drafting)).content.decode()

    assert "The report can be shared once it is published." in content
    assert 'name="body"' not in content


def test_the_coordinator_reads_the_list_but_does_not_share(client, published, body, coordinator):
    client.force_login(coordinator)

    content = client.get(share_url(published)).content.decode()
    refused = client.post(share_url(published), {"body": body.pk})

    assert "North Shore ICB" in content
    assert 'name="body"' not in content
    assert refused.status_code == 403
    assert not ReportShare.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff", 403),
        ("lived_experience", 403),
        ("reviewer", 403),
        ("commissioner", 404),
        ("outsider", 404),
    ],
)
def test_others_cannot_open_the_sharing_page(client, request, published, who, status):
    client.force_login(request.getfixturevalue(who))

    assert client.get(share_url(published)).status_code == status


def test_stopping_a_share_asks_first_then_keeps_the_history(
    client, published, body, service_lead, staff
):
    share = sharing.share_report(published, body, by=service_lead)
    url = reverse("reviews:share_revoke", args=[published.pk, share.pk])
    client.force_login(staff)
    assert client.post(url).status_code == 403
    client.force_login(service_lead)

    confirm = client.get(url).content.decode()
    response = client.post(url)

    assert "Stop sharing the report with North Shore ICB?" in confirm
    assert response.status_code == 302
    content = client.get(share_url(published)).content.decode()
    assert "The report is no longer shared with North Shore ICB." in content
    assert "Still shared" not in content
    share.refresh_from_db()
    assert not share.is_live
    again = client.get(url)
    assert again.status_code == 302


def test_the_sharing_page_makes_the_same_queries_at_two_sizes(
    client, published, network, service_lead, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Body 6 is never shared, so the form to share shows both times.
    bodies = [CommissioningBodyFactory(network=network, name=f"Body {n}") for n in range(7)]
    sharing.share_report(published, bodies[0], by=service_lead)
    client.force_login(service_lead)
    client.get(share_url(published))
    with CaptureQueriesContext(connection) as few:
        client.get(share_url(published))
    for body in bodies[1:6]:
        share = sharing.share_report(published, body, by=service_lead)
        sharing.revoke_share(share, by=service_lead)
        sharing.share_report(published, body, by=service_lead)

    with django_assert_num_queries(len(few)):
        response = client.get(share_url(published))

    assert response.content.decode().count("Still shared") == 6
    assert len(few) <= 20
