"""reviews/allocation/: from the reviewer pool to a confirmed, accepted team."""

from datetime import date

import pytest
from django.core import mail

from assurance import permissions
from reviews import allocation, workflow
from reviews.models import Assignment, Conflict, Proposal, Review, ReviewerProfile
from tests.factories import OrganisationFactory, ServiceFactory, UserFactory


@pytest.fixture
def submitted(answered_review, service_lead):
    workflow.transition(answered_review, Review.Status.SUBMITTED, by=service_lead)
    return answered_review


def reviewer(network, roles, *, email, organisation=None, capacity=2):
    service = ServiceFactory(
        network=network, organisation=organisation or OrganisationFactory(), region="london"
    )
    user = UserFactory(email=email)
    return ReviewerProfile.objects.create(
        user=user,
        home_service=service,
        roles=roles,
        trained_on=date(2026, 1, 1),
        capacity=capacity,
    )


@pytest.fixture
def pool(network):
    return {
        "lead": reviewer(network, ["lead", "peer"], email="lead.reviewer@example.org"),
        "peer1": reviewer(network, ["peer"], email="peer.one@example.org"),
        "peer2": reviewer(network, ["peer"], email="peer.two@example.org"),
        "expert": reviewer(network, ["expert"], email="expert@example.org"),
    }


def propose_and_confirm(cycle, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = allocation.request_proposal(cycle, by=coordinator)
    proposal.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        created = allocation.confirm(proposal, by=coordinator)
    return proposal, created


def test_a_proposal_runs_as_a_task_and_fills_every_slot(
    submitted, pool, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = allocation.request_proposal(submitted.cycle, by=coordinator)

    proposal.refresh_from_db()
    roles = sorted(item["role"] for item in proposal.result["assignments"])
    assert proposal.status == Proposal.Status.READY
    assert roles == ["expert", "lead", "peer", "peer"]
    assert all(item["explanation"] for item in proposal.result["assignments"])
    assert proposal.result["unfilled"] == []


def test_confirming_sends_invitations(
    submitted, pool, coordinator, django_capture_on_commit_callbacks
):
    _, created = propose_and_confirm(
        submitted.cycle, coordinator, django_capture_on_commit_callbacks
    )

    assert len(created) == 4
    assert {a.status for a in created} == {Assignment.Status.INVITED}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        p.user.email for p in pool.values()
    )


def test_a_stale_proposal_is_refused_with_what_changed(
    submitted, pool, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = allocation.request_proposal(submitted.cycle, by=coordinator)
    proposal.refresh_from_db()
    Conflict.objects.create(
        reviewer=pool["expert"], service=submitted.service, kind="personal", declared_by=coordinator
    )

    with pytest.raises(allocation.StaleProposal) as refused:
        allocation.confirm(proposal, by=coordinator)

    assert "availability, training, conflicts" in " ".join(refused.value.differences)
    assert Assignment.objects.count() == 0


def test_too_few_leads_gives_clear_unfilled_reasons(
    submitted, network, coordinator, django_capture_on_commit_callbacks
):
    reviewer(network, ["peer"], email="p1@example.org")
    reviewer(network, ["peer"], email="p2@example.org")
    reviewer(network, ["expert"], email="e@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        proposal = allocation.request_proposal(submitted.cycle, by=coordinator)

    proposal.refresh_from_db()
    (unfilled,) = proposal.result["unfilled"]
    assert unfilled["role"] == "lead"
    assert unfilled["reasons"]


def test_own_organisation_and_declared_conflicts_are_never_proposed(
    submitted, network, coordinator, service, django_capture_on_commit_callbacks
):
    same_org = reviewer(
        network, ["lead"], email="same.org@example.org", organisation=service.organisation
    )
    conflicted = reviewer(network, ["lead"], email="conflicted@example.org")
    Conflict.objects.create(reviewer=conflicted, service=service, kind="employment")
    with django_capture_on_commit_callbacks(execute=True):
        proposal = allocation.request_proposal(submitted.cycle, by=coordinator)

    proposal.refresh_from_db()
    chosen = {item["reviewer_id"] for item in proposal.result["assignments"]}
    assert same_org.pk not in chosen
    assert conflicted.pk not in chosen
    assert allocation.derived_conflicts(same_org, service, submitted.cycle) == [
        f"It is run by their own organisation, {service.organisation}."
    ]


def test_accepting_gives_the_review_and_the_full_team_unlocks_peer_review(
    submitted, pool, coordinator, django_capture_on_commit_callbacks
):
    _, created = propose_and_confirm(
        submitted.cycle, coordinator, django_capture_on_commit_callbacks
    )
    lead = next(a for a in created if a.role == "lead")
    assert not permissions.can(lead.reviewer.user, "reviews.view_review", submitted)

    for assignment in created:
        allocation.respond(assignment, by=assignment.reviewer.user, accept=True)

    assert permissions.can(lead.reviewer.user, "reviews.view_review", submitted)
    assert permissions.can(lead.reviewer.user, "reviews.lead_review", submitted)
    workflow.transition(submitted, Review.Status.PEER_REVIEW, by=coordinator)
    submitted.refresh_from_db()
    assert submitted.status == Review.Status.PEER_REVIEW


def test_declining_needs_a_reason_and_tells_the_coordinators(
    submitted, pool, coordinator, django_capture_on_commit_callbacks
):
    _, created = propose_and_confirm(
        submitted.cycle, coordinator, django_capture_on_commit_callbacks
    )
    mail.outbox.clear()
    assignment = created[0]
    with pytest.raises(allocation.AllocationError, match="why"):
        allocation.respond(assignment, by=assignment.reviewer.user, accept=False)

    with django_capture_on_commit_callbacks(execute=True):
        allocation.respond(
            assignment, by=assignment.reviewer.user, accept=False, reason="On leave that week."
        )

    assert mail.outbox[0].to == [coordinator.email]
    assert "On leave that week." in mail.outbox[0].body


def test_a_declined_slot_is_refilled_without_moving_accepted_reviewers(
    submitted, pool, network, coordinator, django_capture_on_commit_callbacks
):
    _, created = propose_and_confirm(
        submitted.cycle, coordinator, django_capture_on_commit_callbacks
    )
    spare = reviewer(network, ["peer"], email="spare@example.org")
    decliner = next(a for a in created if a.role == "peer")
    for assignment in created:
        if assignment is decliner:
            allocation.respond(assignment, by=assignment.reviewer.user, accept=False, reason="Ill.")
        else:
            allocation.respond(assignment, by=assignment.reviewer.user, accept=True)

    _, refill = propose_and_confirm(
        submitted.cycle, coordinator, django_capture_on_commit_callbacks
    )

    assert [(a.reviewer_id, a.role) for a in refill] == [(spare.pk, "peer")]
    assert Assignment.objects.filter(status=Assignment.Status.ACCEPTED).count() == 3


def test_answering_someone_elses_or_a_withdrawn_invitation_is_refused(
    submitted, pool, coordinator, outsider, django_capture_on_commit_callbacks
):
    _, created = propose_and_confirm(
        submitted.cycle, coordinator, django_capture_on_commit_callbacks
    )
    assignment = created[0]
    with pytest.raises(allocation.AllocationError, match="someone else"):
        allocation.respond(assignment, by=outsider, accept=True)
    allocation.withdraw(assignment, by=coordinator)

    with pytest.raises(allocation.AllocationError, match="withdrawn"):
        allocation.respond(assignment, by=assignment.reviewer.user, accept=True)


def test_withdrawing_an_accepted_reviewer_takes_the_review_away(
    submitted, pool, coordinator, django_capture_on_commit_callbacks
):
    _, created = propose_and_confirm(
        submitted.cycle, coordinator, django_capture_on_commit_callbacks
    )
    assignment = created[0]
    allocation.respond(assignment, by=assignment.reviewer.user, accept=True)

    allocation.withdraw(assignment, by=coordinator, reason="Conflict found.")

    assert not permissions.can(assignment.reviewer.user, "reviews.view_review", submitted)


def test_no_proposal_without_submitted_reviews(review, coordinator):
    with pytest.raises(allocation.AllocationError, match="No submitted review"):
        allocation.request_proposal(review.cycle, by=coordinator)


def test_a_proposal_task_delivered_again_changes_nothing(
    submitted, pool, coordinator, django_capture_on_commit_callbacks
):
    proposal, _ = propose_and_confirm(
        submitted.cycle, coordinator, django_capture_on_commit_callbacks
    )

    allocation.run_proposal.call(proposal.pk)

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.CONFIRMED
