"""Reviewer pages (reviews/views/reviewers.py): own profile, conflicts and invitations, the
coordinator's pool, and the dashboard's "Reviewing" section."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance import roles
from assurance.models import Membership
from reviews import allocation
from reviews.models import Assignment, Conflict, ReviewerProfile
from tests.factories import NetworkFactory, ServiceFactory, UserFactory


def make_profile(user, service, roles_=("peer",), **kwargs) -> ReviewerProfile:
    return ReviewerProfile.objects.create(
        user=user, home_service=service, roles=list(roles_), trained_on=date(2026, 1, 1), **kwargs
    )


def invite(review, profile, role="peer") -> Assignment:
    return Assignment.objects.create(
        review=review,
        reviewer=profile,
        role=role,
        explanation="Knows hostels; travels to London.",
        respond_by=date(2027, 2, 1),
    )


@pytest.fixture
def reviewer(other_service):
    """The cast's `reviewer`: a staff member of another service of the network, in the pool."""
    person = UserFactory(email="reviewer@example.org", name="Rita Reviewer")
    roles.join_service(person, other_service, Membership.Role.STAFF)
    make_profile(person, other_service)
    return person


@pytest.fixture
def invitation(review, reviewer):
    return invite(review, reviewer.reviewer_profile)


def page(client, person, name, *args):
    client.force_login(person)
    return client.get(reverse(name, args=args))


# My profile --------------------------------------------------------------------------------------


def test_reviewer_sees_their_training_and_saves_availability(client, reviewer):
    response = page(client, reviewer, "reviews:my_profile")
    assert response.status_code == 200
    assert "recorded by your network coordinator" in response.content.decode().lower()

    response = client.post(
        reverse("reviews:my_profile"),
        {"capacity": "3", "regions": ["london", "wales"], "setting_types": ["ward"]},
    )

    assert response.status_code == 302
    profile = ReviewerProfile.objects.get(user=reviewer)
    assert (profile.capacity, profile.regions, profile.setting_types, profile.active) == (
        3,
        ["london", "wales"],
        ["ward"],
        False,
    )


def test_my_profile_refuses_bad_input(client, reviewer):
    client.force_login(reviewer)

    response = client.post(reverse("reviews:my_profile"), {"capacity": "-1", "regions": ["mars"]})

    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert content.count("<h1") == 1
    assert ReviewerProfile.objects.get(user=reviewer).capacity == 2


@pytest.mark.parametrize(
    "role", ["service_lead", "staff", "lived_experience", "coordinator", "commissioner", "outsider"]
)
def test_people_without_a_profile_are_told_how_to_become_a_reviewer(client, request, role):
    person = request.getfixturevalue(role)

    for name in ("reviews:my_profile", "reviews:my_conflicts"):
        response = page(client, person, name)
        assert response.status_code == 200
        assert "ask your network coordinator" in response.content.decode()


# My conflicts ------------------------------------------------------------------------------------


def test_reviewer_declares_and_removes_a_conflict(client, reviewer, service):
    response = page(client, reviewer, "reviews:my_conflicts")
    content = response.content.decode()
    assert "Automatic conflicts" in content
    assert "Oak Ward" in content  # their own service, automatic

    response = client.post(
        reverse("reviews:my_conflicts"),
        {"service": service.pk, "kind": "personal", "blocking": "on", "note": "My cousin."},
    )
    assert response.status_code == 302
    conflict = Conflict.objects.get(reviewer__user=reviewer)
    assert (conflict.service, conflict.declared_by, conflict.blocking) == (service, reviewer, True)

    url = reverse("reviews:my_conflict_remove", args=[conflict.pk])
    assert "Remove the conflict with Willow House?" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not Conflict.objects.exists()


def test_a_conflict_names_a_service_or_an_organisation_not_both_nor_neither(
    client, reviewer, service, organisation
):
    client.force_login(reviewer)
    url = reverse("reviews:my_conflicts")

    neither = client.post(url, {"kind": "personal"})
    both = client.post(url, {"service": service.pk, "organisation": organisation.pk, "kind": "x"})

    assert "Choose the service or the organisation" in neither.content.decode()
    assert "not both" in both.content.decode()
    assert not Conflict.objects.exists()


def test_someone_elses_conflict_is_not_found(client, reviewer, service, staff, other_service):
    other = make_profile(staff, service)
    conflict = Conflict.objects.create(
        reviewer=other, service=other_service, kind="personal", declared_by=staff
    )
    client.force_login(reviewer)

    response = client.post(reverse("reviews:my_conflict_remove", args=[conflict.pk]))

    assert response.status_code == 404
    assert Conflict.objects.exists()


def test_a_conflict_the_coordinator_recorded_cannot_be_removed_by_the_reviewer(
    client, reviewer, service, coordinator
):
    conflict = Conflict.objects.create(
        reviewer=reviewer.reviewer_profile, service=service, kind="other", declared_by=coordinator
    )

    response = page(client, reviewer, "reviews:my_conflict_remove", conflict.pk)

    assert response.status_code == 404


# Invitations -------------------------------------------------------------------------------------


def test_invitation_shows_the_review_and_why(client, invitation, reviewer):
    response = page(client, reviewer, "reviews:assignment_respond", invitation.pk)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Invitation to review Willow House" in content
    assert "Knows hostels; travels to London." in content
    assert "1 February 2027" in content


def test_accepting_gives_the_reviewer_the_review(client, invitation, reviewer):
    client.force_login(reviewer)

    response = client.post(
        reverse("reviews:assignment_respond", args=[invitation.pk]), {"answer": "accept"}
    )

    assert response.status_code == 302
    assert response.url == reverse("reviews:review_detail", args=[invitation.review_id])
    assert client.get(response.url).status_code == 200
    invitation.refresh_from_db()
    assert invitation.status == Assignment.Status.ACCEPTED


def test_declining_needs_a_reason(client, invitation, reviewer):
    client.force_login(reviewer)
    url = reverse("reviews:assignment_respond", args=[invitation.pk])

    refused = client.post(url, {"answer": "decline", "reason": "  "})
    invitation.refresh_from_db()
    assert refused.status_code == 200
    assert "Say briefly why you cannot take part" in refused.content.decode()
    assert invitation.status == Assignment.Status.INVITED

    declined = client.post(url, {"answer": "decline", "reason": "On leave that week."})
    invitation.refresh_from_db()
    assert declined.status_code == 302
    assert (invitation.status, invitation.decline_reason) == (
        Assignment.Status.DECLINED,
        "On leave that week.",
    )
    assert (
        client.get(reverse("reviews:review_detail", args=[invitation.review_id])).status_code == 404
    )


def test_withdrawn_invitation_says_so_and_cannot_be_answered(
    client, invitation, reviewer, coordinator
):
    allocation.withdraw(invitation, by=coordinator)
    client.force_login(reviewer)
    url = reverse("reviews:assignment_respond", args=[invitation.pk])

    shown = client.get(url)
    posted = client.post(url, {"answer": "accept"})

    assert shown.status_code == 200
    assert "withdrawn by the network coordinator" in shown.content.decode()
    assert posted.status_code == 200
    invitation.refresh_from_db()
    assert invitation.status == Assignment.Status.WITHDRAWN


def test_answered_invitation_cannot_be_answered_again(client, invitation, reviewer):
    allocation.respond(invitation, by=reviewer, accept=False, reason="Ill.")
    client.force_login(reviewer)

    response = client.post(
        reverse("reviews:assignment_respond", args=[invitation.pk]), {"answer": "accept"}
    )

    assert response.status_code == 200
    assert "You declined this invitation" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == Assignment.Status.DECLINED


@pytest.mark.parametrize(
    "role", ["service_lead", "staff", "lived_experience", "coordinator", "commissioner", "outsider"]
)
def test_someone_elses_invitation_is_not_found(client, request, invitation, role):
    person = request.getfixturevalue(role)
    client.force_login(person)
    url = reverse("reviews:assignment_respond", args=[invitation.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "accept"}).status_code == 404


# The coordinator's pool -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    ["service_lead", "staff", "lived_experience", "reviewer", "commissioner", "outsider"],
)
def test_pool_pages_are_for_coordinators_only(client, request, role, reviewer):
    person = request.getfixturevalue(role)
    profile = reviewer.reviewer_profile

    assert page(client, person, "reviews:reviewer_list").status_code == 403
    assert page(client, person, "reviews:reviewer_add").status_code == 403
    assert page(client, person, "reviews:reviewer_edit", profile.pk).status_code == 404


def test_coordinator_lists_searches_and_filters_the_pool(client, coordinator, reviewer, service):
    lead = UserFactory(email="lena@example.org", name="Lena Lead")
    make_profile(lead, service, roles_=("lead",), active=False)
    elsewhere = ServiceFactory(network=NetworkFactory(), name="Far Away")
    make_profile(UserFactory(email="far@example.org", name="Fay Far"), elsewhere)
    client.force_login(coordinator)
    url = reverse("reviews:reviewer_list")

    def names(params=None) -> set[str]:
        content = client.get(url, params or {}).content.decode()
        return {name for name in ("Rita Reviewer", "Lena Lead", "Fay Far") if name in content}

    assert names() == {"Rita Reviewer", "Lena Lead"}
    assert names({"q": "rita"}) == {"Rita Reviewer"}
    assert names({"q": "LENA@example"}) == {"Lena Lead"}
    assert names({"role": "lead"}) == {"Lena Lead"}
    assert names({"status": "inactive"}) == {"Lena Lead"}
    assert names({"region": "wales"}) == set()
    wales = client.get(url, {"region": "wales"}).content.decode()
    assert "No reviewers match these filters." in wales


def test_coordinator_adds_a_network_member_to_the_pool(client, coordinator, staff, service):
    client.force_login(coordinator)
    url = reverse("reviews:reviewer_add")
    membership = Membership.objects.get(user=staff)
    assert staff.email in client.get(url).content.decode()

    response = client.post(
        url,
        {
            "membership": membership.pk,
            "roles": ["peer", "lead"],
            "trained_on_day": "3",
            "trained_on_month": "3",
            "trained_on_year": "2026",
            "capacity": "2",
            "active": "on",
        },
    )

    profile = ReviewerProfile.objects.get(user=staff)
    assert response.status_code == 302
    assert (profile.home_service, profile.roles, profile.trained_on) == (
        service,
        ["peer", "lead"],
        date(2026, 3, 3),
    )


def test_add_refuses_people_outside_the_network_and_empty_roles(client, coordinator):
    elsewhere = ServiceFactory(network=NetworkFactory())
    person = UserFactory(email="far@example.org")
    membership = roles.join_service(person, elsewhere, Membership.Role.STAFF)
    client.force_login(coordinator)

    response = client.post(
        reverse("reviews:reviewer_add"), {"membership": membership.pk, "capacity": "2"}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in content
    assert "Select at least one role" in content
    assert not ReviewerProfile.objects.exists()


def test_coordinator_records_training_and_conflicts(client, coordinator, reviewer, service):
    profile = reviewer.reviewer_profile
    client.force_login(coordinator)
    url = reverse("reviews:reviewer_edit", args=[profile.pk])
    assert client.get(url).status_code == 200

    saved = client.post(
        url,
        {
            "roles": ["expert"],
            "trained_on_day": "1",
            "trained_on_month": "6",
            "trained_on_year": "2026",
            "training_expires_day": "1",
            "training_expires_month": "6",
            "training_expires_year": "2028",
            "capacity": "4",
            "regions": ["london"],
        },
    )
    added = client.post(
        reverse("reviews:reviewer_conflict_add", args=[profile.pk]),
        {"service": service.pk, "kind": "commissioning", "blocking": "on"},
    )

    profile.refresh_from_db()
    assert (saved.status_code, added.status_code) == (302, 302)
    assert (profile.roles, profile.training_expires, profile.capacity, profile.active) == (
        ["expert"],
        date(2028, 6, 1),
        4,
        False,
    )
    conflict = Conflict.objects.get(reviewer=profile)
    assert conflict.declared_by == coordinator
    remove = reverse("reviews:reviewer_conflict_remove", args=[profile.pk, conflict.pk])
    assert client.get(remove).status_code == 200
    assert client.post(remove).status_code == 302
    assert not Conflict.objects.exists()


def test_training_cannot_expire_before_it_happened(client, coordinator, reviewer):
    client.force_login(coordinator)
    url = reverse("reviews:reviewer_edit", args=[reviewer.reviewer_profile.pk])

    response = client.post(
        url,
        {
            "roles": ["peer"],
            "trained_on_day": "1",
            "trained_on_month": "6",
            "trained_on_year": "2026",
            "training_expires_day": "1",
            "training_expires_month": "1",
            "training_expires_year": "2026",
            "capacity": "2",
        },
    )
    unreal = client.post(url, {"roles": ["peer"], "capacity": "2", "trained_on_day": "31",
                               "trained_on_month": "2", "trained_on_year": "2026"})  # fmt: skip

    assert response.status_code == 200
    assert "must be after the date they were trained" in response.content.decode()
    assert "must be a real date" in unreal.content.decode()


def test_bad_conflict_shows_the_edit_page_with_errors(client, coordinator, reviewer):
    client.force_login(coordinator)

    response = client.post(
        reverse("reviews:reviewer_conflict_add", args=[reviewer.reviewer_profile.pk]),
        {"kind": "personal"},
    )

    assert response.status_code == 200
    assert "Choose the service or the organisation" in response.content.decode()


def test_coordinator_of_another_network_cannot_see_the_profile(client, reviewer):
    other = UserFactory(email="coordinator.m@example.org")
    roles.appoint_coordinator(other, NetworkFactory())
    profile = reviewer.reviewer_profile

    assert page(client, other, "reviews:reviewer_edit", profile.pk).status_code == 404
    client.force_login(other)
    response = client.post(reverse("reviews:reviewer_conflict_add", args=[profile.pk]))
    assert response.status_code == 404
    assert "Rita Reviewer" not in page(client, other, "reviews:reviewer_list").content.decode()


def test_reviewer_list_query_count_does_not_grow(client, coordinator, network):
    def add_reviewers(n):
        for _ in range(n):
            make_profile(UserFactory(), ServiceFactory(network=network), roles_=("peer", "lead"))

    client.force_login(coordinator)
    url = reverse("reviews:reviewer_list")
    add_reviewers(2)
    client.get(url)
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    add_reviewers(10)
    with CaptureQueriesContext(connection) as twelve:
        response = client.get(url)

    assert "12 reviewers" in response.content.decode()
    assert len(two) == len(twelve)


# The dashboard's Reviewing section -----------------------------------------------------------


def test_dashboard_lists_invitations_and_accepted_reviews(client, invitation, reviewer, cycle):
    client.force_login(reviewer)

    waiting = client.get("/").content.decode()
    allocation.respond(invitation, by=reviewer, accept=True)
    accepted = client.get("/").content.decode()

    assert "Reviewing" in waiting
    assert "Please answer by 1 February 2027" in waiting
    assert reverse("reviews:assignment_respond", args=[invitation.pk]) in waiting
    assert "Reviews you are taking part in" in accepted
    assert reverse("reviews:review_detail", args=[invitation.review_id]) in accepted
    assert "You do not have a role" not in accepted


def test_dashboard_reviewing_section_query_count_does_not_grow(
    client, reviewer, cycle, version, coordinator, network
):
    from reviews.cycles import enrol

    profile = reviewer.reviewer_profile

    def invite_to_new_reviews(n):
        for _ in range(n):
            review = enrol(cycle, ServiceFactory(network=network), version, by=coordinator)
            invite(review, profile)

    client.force_login(reviewer)
    invite_to_new_reviews(1)
    client.get("/")
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    invite_to_new_reviews(4)
    for assignment in Assignment.objects.all()[:2]:
        allocation.respond(assignment, by=reviewer, accept=True)
    with CaptureQueriesContext(connection) as five:
        response = client.get("/")

    assert response.content.decode().count("Accept or decline") == 3
    assert len(one) == len(five)


def test_each_page_has_one_h1_and_its_own_title(client, invitation, reviewer, coordinator, service):
    profile = reviewer.reviewer_profile
    conflict = Conflict.objects.create(
        reviewer=profile, service=service, kind="personal", declared_by=reviewer
    )
    pages = [
        (reviewer, "reviews:my_profile", []),
        (reviewer, "reviews:my_conflicts", []),
        (reviewer, "reviews:my_conflict_remove", [conflict.pk]),
        (reviewer, "reviews:assignment_respond", [invitation.pk]),
        (coordinator, "reviews:my_profile", []),
        (coordinator, "reviews:reviewer_list", []),
        (coordinator, "reviews:reviewer_add", []),
        (coordinator, "reviews:reviewer_edit", [profile.pk]),
        (coordinator, "reviews:reviewer_conflict_remove", [profile.pk, conflict.pk]),
    ]
    titles = []
    for person, name, args in pages:
        content = page(client, person, name, *args).content.decode()
        assert content.count("<h1") == 1, name
        titles.append(content.split("<title>")[1].split("</title>")[0].strip())

    assert len(set(titles)) == len(titles)
