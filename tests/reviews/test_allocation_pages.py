"""The coordinator's allocation pages (reviews/views/allocation.py): review teams, proposals,
changes by hand and the reciprocity ledger."""

from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance import roles
from reviews import allocation, workflow
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.models import Assignment, Conflict, Proposal, Review, ReviewerProfile
from tests.factories import OrganisationFactory, ServiceFactory, UserFactory

CAST = ("service_lead", "staff", "lived_experience", "commissioner", "outsider")


def page(response) -> str:
    """The page's HTML; every page (not the JSON) has exactly one h1."""
    text = response.content.decode()
    assert text.count("<h1") == 1
    return text


def make_reviewer(network, roles_, *, email, organisation=None, region="london", capacity=2):
    service = ServiceFactory(
        network=network, organisation=organisation or OrganisationFactory(), region=region
    )
    return ReviewerProfile.objects.create(
        user=UserFactory(email=email, name=email.split("@")[0].replace(".", " ").title()),
        home_service=service,
        roles=roles_,
        trained_on=date(2026, 1, 1),
        capacity=capacity,
    )


@pytest.fixture
def submitted(answered_review, service_lead):
    workflow.transition(answered_review, Review.Status.SUBMITTED, by=service_lead)
    return answered_review


@pytest.fixture
def pool(network):
    return {
        "lead": make_reviewer(network, ["lead", "peer"], email="lead.reviewer@example.org"),
        "peer1": make_reviewer(network, ["peer"], email="peer.one@example.org"),
        "peer2": make_reviewer(network, ["peer"], email="peer.two@example.org"),
        "expert": make_reviewer(network, ["expert"], email="expert@example.org"),
    }


@pytest.fixture
def other_coordinator(other_network):
    person = UserFactory(email="coordinator.elsewhere@example.org")
    roles.appoint_coordinator(person, other_network)
    return person


def teams_url(cycle) -> str:
    return reverse("reviews:cycle_teams", kwargs={"pk": cycle.pk})


def add_url(review, role) -> str:
    return reverse(
        "reviews:team_add", kwargs={"pk": review.cycle_id, "review_pk": review.pk, "role": role}
    )


def propose(client, cycle, capture) -> Proposal:
    with capture(execute=True):
        response = client.post(reverse("reviews:proposal_create", kwargs={"pk": cycle.pk}))
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response.url == reverse(
        "reviews:proposal_detail", kwargs={"pk": cycle.pk, "proposal_pk": proposal.pk}
    )
    return proposal


# Who may see the pages --------------------------------------------------------------------


@pytest.mark.parametrize("role", CAST)
def test_teams_and_ledger_are_not_found_for_anyone_but_coordinators(client, request, role, cycle):
    client.force_login(request.getfixturevalue(role))

    for name in ("reviews:cycle_teams", "reviews:ledger"):
        assert client.get(reverse(name, kwargs={"pk": cycle.pk})).status_code == 404


def test_another_networks_coordinator_finds_no_cycle_or_proposal(
    client, submitted, pool, coordinator, other_coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    proposal = propose(client, submitted.cycle, django_capture_on_commit_callbacks)
    client.force_login(other_coordinator)
    kwargs = {"pk": submitted.cycle_id, "proposal_pk": proposal.pk}

    assert client.get(teams_url(submitted.cycle)).status_code == 404
    assert client.get(reverse("reviews:proposal_detail", kwargs=kwargs)).status_code == 404
    assert client.get(reverse("reviews:proposal_status", kwargs=kwargs)).status_code == 404
    assert client.post(reverse("reviews:proposal_confirm", kwargs=kwargs)).status_code == 404
    assert client.get(add_url(submitted, "lead")).status_code == 404
    assert Assignment.objects.count() == 0


def test_a_proposal_of_another_cycle_is_not_found(
    client, submitted, pool, coordinator, network, version, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    proposal = propose(client, submitted.cycle, django_capture_on_commit_callbacks)
    later = open_cycle(
        network=network, name="2028", versions=[version], **default_dates(network, date(2028, 1, 3))
    )
    url = reverse("reviews:proposal_detail", kwargs={"pk": later.pk, "proposal_pk": proposal.pk})

    assert client.get(url).status_code == 404


# The teams page ---------------------------------------------------------------------------


def test_teams_page_is_empty_until_a_review_is_submitted(client, review, coordinator):
    client.force_login(coordinator)

    response = client.get(teams_url(review.cycle))

    assert response.status_code == 200
    assert "No review in this cycle has been submitted yet." in page(response)
    assert "Propose teams" not in page(response)


def test_teams_page_shows_roles_statuses_and_what_is_missing(
    client, submitted, pool, coordinator, django_capture_on_commit_callbacks
):
    _, created = _propose_and_confirm(
        submitted.cycle, coordinator, django_capture_on_commit_callbacks
    )
    lead = next(a for a in created if a.role == "lead")
    allocation.respond(lead, by=lead.reviewer.user, accept=True)
    client.force_login(coordinator)

    response = client.get(teams_url(submitted.cycle))

    text = page(response)
    assert response.status_code == 200
    assert submitted.service.name in text
    assert "Accepted" in text
    assert "Invited" in text
    assert "No lead reviewer has accepted yet." not in text
    assert "No peer reviewer has accepted yet." in text
    assert "No expert by experience has accepted yet." in text


# Proposals --------------------------------------------------------------------------------


def test_propose_then_confirm_sends_invitations(
    client, submitted, pool, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    proposal = propose(client, submitted.cycle, django_capture_on_commit_callbacks)
    detail = reverse(
        "reviews:proposal_detail", kwargs={"pk": submitted.cycle_id, "proposal_pk": proposal.pk}
    )

    response = client.get(detail)
    text = page(response)
    assert response.status_code == 200
    assert "Confirm and send invitations" in text
    for profile in pool.values():
        assert str(profile.user) in text
        assert profile.home_service.name in text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(
                "reviews:proposal_confirm",
                kwargs={"pk": submitted.cycle_id, "proposal_pk": proposal.pk},
            )
        )

    assert response.status_code == 302
    assert response.url == teams_url(submitted.cycle)
    assert Assignment.objects.filter(status=Assignment.Status.INVITED).count() == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.user.email for p in pool.values())


def test_a_stale_proposal_shows_what_changed_and_offers_a_new_one(
    client, submitted, pool, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    proposal = propose(client, submitted.cycle, django_capture_on_commit_callbacks)
    Conflict.objects.create(reviewer=pool["expert"], service=submitted.service, kind="personal")

    response = client.post(
        reverse(
            "reviews:proposal_confirm",
            kwargs={"pk": submitted.cycle_id, "proposal_pk": proposal.pk},
        )
    )

    text = page(response)
    assert response.status_code == 200
    assert "This proposal is out of date" in text
    assert "availability, training, conflicts" in text
    assert "Propose teams again" in text
    assert Assignment.objects.count() == 0


def test_the_status_json_says_where_the_proposal_is(client, submitted, coordinator):
    proposal = Proposal.objects.create(cycle=submitted.cycle, requested_by=coordinator)
    client.force_login(coordinator)
    url = reverse(
        "reviews:proposal_status", kwargs={"pk": submitted.cycle_id, "proposal_pk": proposal.pk}
    )

    assert client.get(url).json() == {"status": "queued", "label": "Queued"}
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.RUNNING)
    assert client.get(url).json() == {"status": "running", "label": "Working out teams…"}


def test_a_waiting_proposal_polls_and_a_failed_one_shows_its_error(client, submitted, coordinator):
    proposal = Proposal.objects.create(cycle=submitted.cycle, requested_by=coordinator)
    client.force_login(coordinator)
    url = reverse(
        "reviews:proposal_detail", kwargs={"pk": submitted.cycle_id, "proposal_pk": proposal.pk}
    )

    waiting = page(client.get(url))
    assert "data-progress-url" in waiting
    assert "js/progress.js" in waiting
    assert "Refresh" in waiting

    Proposal.objects.filter(pk=proposal.pk).update(
        status=Proposal.Status.FAILED, error="The solver ran out of memory."
    )
    failed = page(client.get(url))
    assert "The solver ran out of memory." in failed
    assert "js/progress.js" not in failed


# Changes by hand --------------------------------------------------------------------------


def test_adding_someone_from_the_hosts_organisation_is_refused(
    client, submitted, pool, coordinator, network, service
):
    same_org = make_reviewer(
        network, ["lead"], email="same.org@example.org", organisation=service.organisation
    )
    client.force_login(coordinator)

    response = client.post(add_url(submitted, "lead"), {"reviewer": same_org.pk})

    assert response.status_code == 200
    assert "which runs Willow House" in page(response)
    assert "There is a problem" in page(response)
    assert Assignment.objects.count() == 0


def test_a_declared_conflict_is_set_aside_only_with_a_reason(
    client, submitted, pool, coordinator, django_capture_on_commit_callbacks
):
    Conflict.objects.create(reviewer=pool["lead"], service=submitted.service, kind="personal")
    client.force_login(coordinator)

    refused = client.post(add_url(submitted, "lead"), {"reviewer": pool["lead"].pk})
    assert "declared a conflict" in page(refused)
    assert Assignment.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            add_url(submitted, "lead"),
            {"reviewer": pool["lead"].pk, "waiver": "They left that job ten years ago."},
        )

    assert response.status_code == 302
    (assignment,) = Assignment.objects.all()
    assert assignment.status == Assignment.Status.INVITED
    assert assignment.conflict_waiver == "They left that job ten years ago."
    assert mail.outbox[0].to == [pool["lead"].user.email]


def test_soft_issues_are_warnings_and_the_reviewer_is_added(
    client, submitted, pool, coordinator, network
):
    far_away = make_reviewer(network, ["peer"], email="far.away@example.org", region="scotland")
    far_away.home_service.setting_type = "ward"
    far_away.home_service.save()
    client.force_login(coordinator)

    response = client.post(add_url(submitted, "peer"), {"reviewer": far_away.pk}, follow=True)

    text = page(response)
    assert Assignment.objects.get().reviewer == far_away
    assert "does not usually travel to this region" in text
    assert "does not know this kind of setting" in text


def test_someone_without_the_role_cannot_be_chosen(client, submitted, pool, coordinator):
    client.force_login(coordinator)

    response = client.post(add_url(submitted, "lead"), {"reviewer": pool["expert"].pk})

    assert "Choose a reviewer from the list" in page(response)
    assert Assignment.objects.count() == 0


def test_withdrawing_asks_first_then_opens_the_place(
    client, submitted, pool, coordinator, django_capture_on_commit_callbacks
):
    _, created = _propose_and_confirm(
        submitted.cycle, coordinator, django_capture_on_commit_callbacks
    )
    place = created[0]
    client.force_login(coordinator)
    url = reverse(
        "reviews:assignment_withdraw", kwargs={"pk": submitted.cycle_id, "assignment_pk": place.pk}
    )

    question = client.get(url)
    assert "from this review?" in page(question)
    place.refresh_from_db()
    assert place.status == Assignment.Status.INVITED

    response = client.post(url, {"reason": "Clash with their own visit."})

    place.refresh_from_db()
    assert response.status_code == 302
    assert place.status == Assignment.Status.WITHDRAWN
    assert place.decline_reason == "Clash with their own visit."
    assert client.get(url).status_code == 404


# The ledger -------------------------------------------------------------------------------


def test_the_ledger_counts_places_given_and_received(
    client, submitted, pool, coordinator, django_capture_on_commit_callbacks
):
    _, created = _propose_and_confirm(
        submitted.cycle, coordinator, django_capture_on_commit_callbacks
    )
    for place in created:
        allocation.respond(place, by=place.reviewer.user, accept=True)
    client.force_login(coordinator)

    response = client.get(reverse("reviews:ledger", kwargs={"pk": submitted.cycle_id}))

    rows = {row["service"].pk: row for row in response.context["rows"]}
    host = rows[submitted.service_id]
    assert (host["received_now"], host["given_now"], host["balance"]) == (4, 0, -4)
    for profile in pool.values():
        row = rows[profile.home_service_id]
        assert (row["given_now"], row["received_now"], row["balance"]) == (1, 0, 1)


# Query counts -----------------------------------------------------------------------------


def queries_for(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(cycle, network, version, coordinator, n: int, start: int) -> None:
    """`n` more submitted reviews, each with an invited and an accepted place."""
    for i in range(start, start + n):
        host = ServiceFactory(network=network, name=f"Host {i}")
        lead = UserFactory(email=f"host.lead.{i}@example.org")
        roles.join_service(lead, host, "service_lead")
        review = enrol(cycle, host, version, by=coordinator)
        Review.objects.filter(pk=review.pk).update(status=Review.Status.SUBMITTED)
        for j, status in enumerate(("invited", "accepted")):
            profile = make_reviewer(network, ["peer"], email=f"r.{i}.{j}@example.org")
            Assignment.objects.create(review=review, reviewer=profile, role="peer", status=status)


def test_the_teams_page_and_ledger_make_the_same_queries_at_two_sizes(
    client, cycle, network, version, coordinator
):
    client.force_login(coordinator)
    urls = [teams_url(cycle), reverse("reviews:ledger", kwargs={"pk": cycle.pk})]
    _grow(cycle, network, version, coordinator, 2, 0)
    small = [queries_for(client, url) for url in urls]
    _grow(cycle, network, version, coordinator, 8, 2)

    assert [queries_for(client, url) for url in urls] == small


def _propose_and_confirm(cycle, coordinator, capture):
    with capture(execute=True):
        proposal = allocation.request_proposal(cycle, by=coordinator)
    proposal.refresh_from_db()
    with capture(execute=True):
        created = allocation.confirm(proposal, by=coordinator)
    return proposal, created


def test_proposal_page_warns_when_a_team_shares_an_organisation(
    client, submitted, network, coordinator, django_capture_on_commit_callbacks
):
    from reviews.models import ReviewerProfile
    from tests.factories import OrganisationFactory, ServiceFactory, UserFactory

    shared = OrganisationFactory(name="Shared Care Group")
    for email, can_take in (
        ("l@example.org", ["lead"]),
        ("p1@example.org", ["peer"]),
        ("p2@example.org", ["peer"]),
        ("e@example.org", ["expert"]),
    ):
        home = ServiceFactory(network=network, organisation=shared, region="london")
        ReviewerProfile.objects.create(
            user=UserFactory(email=email),
            home_service=home,
            roles=can_take,
            trained_on=date(2026, 1, 1),
        )
    with django_capture_on_commit_callbacks(execute=True):
        proposal = allocation.request_proposal(submitted.cycle, by=coordinator)
    client.force_login(coordinator)

    content = client.get(
        reverse("reviews:proposal_detail", args=[submitted.cycle_id, proposal.pk])
    ).content.decode()

    assert "More than one member works for Shared Care Group." in content
