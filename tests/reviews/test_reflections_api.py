"""The team's reflections in the API (reviews/api/reflections.py): who sees them (the review team
and coordinators, never the host), PATCH with a version like the responses, the stages that
refuse a change, no create or delete, and a list whose queries do not grow with its rows."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assurance import roles
from assurance.models import Membership
from reviews import workflow
from reviews.models import Rating, Reflection, Review, Visit
from reviews.peer_review.reflections import save_reflection
from tests.reviews.test_reviewing_pages import in_peer_review
from tests.reviews.test_self_assessment import framework_yaml, import_version

JSON = "application/json"
LIST = "/api/v1/reflections/"


def detail(reflection) -> str:
    return f"{LIST}{reflection.pk}/"


def first_reflection(review) -> Reflection:
    return review.reflections.select_related("standard").order_by("standard__order").first()


def signed_in(client, person):
    client.force_login(person)
    return client


def patch(client, reflection, data: dict, **headers):
    return client.patch(detail(reflection), data, content_type=JSON, headers=headers)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# Who sees them ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["lead_reviewer", "reviewer", "expert_reviewer", "coordinator"])
def test_the_team_and_coordinators_list_the_reviews_reflections(client, request, peer_review, who):
    response = signed_in(client, request.getfixturevalue(who)).get(LIST)

    expected = set(peer_review.reflections.values_list("pk", flat=True))
    assert set(ids(response)) == expected
    assert len(expected) == 16


@pytest.mark.parametrize(
    "who", ["service_lead", "staff", "lived_experience", "commissioner", "outsider"]
)
def test_the_list_is_empty_for_the_host_and_everyone_else(client, request, peer_review, who):
    response = signed_in(client, request.getfixturevalue(who)).get(LIST, {"review": peer_review.pk})

    assert ids(response) == []


@pytest.mark.parametrize("who", ["service_lead", "staff", "outsider"])
def test_one_reflection_is_not_found_for_the_host_or_anyone_else(client, request, peer_review, who):
    response = signed_in(client, request.getfixturevalue(who)).get(
        detail(first_reflection(peer_review))
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_list_refuses_unauthenticated_requests(client, peer_review):
    response = client.get(LIST)

    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"


def test_a_reflection_shows_the_services_view_beside_the_teams(client, peer_review, reviewer):
    reflection = first_reflection(peer_review)
    save_reflection(
        reflection,
        by=reviewer,
        expected_version=1,
        rating=Rating.NOT_YET_MET,
        agreement=Reflection.Agreement.DIFFERS,
        rationale="Handovers leave residents out.",
    )

    response = signed_in(client, reviewer).get(detail(reflection))

    body = response.json()
    assert response["ETag"] == '"2"'
    assert body["standard"]["code"] == reflection.standard.code
    assert body["service_rating"] == "partly_met"
    assert (body["rating"], body["agreement"], body["rationale"]) == (
        "not_yet_met",
        "differs",
        "Handovers leave residents out.",
    )
    assert body["recorded"] is True
    assert body["version"] == 2
    assert body["updated_by"]["id"] == reviewer.pk


def test_a_reflection_not_yet_written_reads_as_nulls(client, peer_review, reviewer):
    body = signed_in(client, reviewer).get(detail(first_reflection(peer_review))).json()

    assert (body["rating"], body["agreement"], body["recorded"]) == (None, None, False)


def test_the_list_filters_by_review(client, peer_review, reviewer):
    response = signed_in(client, reviewer).get(LIST, {"review": peer_review.pk + 1000})

    assert ids(response) == []


# PATCH ----------------------------------------------------------------------------------------


def test_a_reviewer_changes_a_reflection_with_if_match(client, peer_review, reviewer):
    reflection = first_reflection(peer_review)

    response = patch(
        signed_in(client, reviewer),
        reflection,
        {"rating": "met", "agreement": "agrees"},
        **{"If-Match": '"1"'},
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    stored = Reflection.objects.get(pk=reflection.pk)
    assert (stored.rating, stored.agreement, stored.updated_by) == ("met", "agrees", reviewer)


def test_the_expert_reviewer_can_reflect_through_the_api(client, peer_review, expert_reviewer):
    reflection = first_reflection(peer_review)

    response = patch(
        signed_in(client, expert_reviewer), reflection, {"rating": "met", "version": 1}
    )

    assert response.status_code == 200, response.content
    assert Reflection.objects.get(pk=reflection.pk).updated_by == expert_reviewer


def test_fields_not_sent_keep_their_stored_values_and_null_clears(client, peer_review, reviewer):
    reflection = first_reflection(peer_review)
    save_reflection(
        reflection, by=reviewer, expected_version=1, rating="met", agreement="agrees", rationale="A"
    )

    response = patch(
        signed_in(client, reviewer), reflection, {"rationale": "B", "rating": None, "version": 2}
    )

    assert response.status_code == 200, response.content
    stored = Reflection.objects.get(pk=reflection.pk)
    assert (stored.rating, stored.agreement, stored.rationale) == ("", "agrees", "B")


def test_a_change_without_a_version_is_428(client, peer_review, reviewer):
    response = patch(signed_in(client, reviewer), first_reflection(peer_review), {"rating": "met"})

    assert response.status_code == 428
    assert response.json()["code"] == "version_required"


def test_a_stale_change_is_409_with_what_is_stored(client, peer_review, reviewer, lead_reviewer):
    reflection = first_reflection(peer_review)
    save_reflection(
        reflection, by=lead_reviewer, expected_version=1, rating="met", agreement="", rationale="L"
    )

    response = patch(signed_in(client, reviewer), reflection, {"rationale": "Mine", "version": 1})

    body = response.json()
    assert response.status_code == 409
    assert body["code"] == "stale"
    assert (body["current"]["rationale"], body["current"]["version"]) == ("L", 2)
    assert Reflection.objects.get(pk=reflection.pk).rationale == "L"


def test_differs_without_a_reason_is_400_on_the_rationale(client, peer_review, reviewer):
    reflection = first_reflection(peer_review)

    response = patch(
        signed_in(client, reviewer), reflection, {"agreement": "differs", "version": 1}
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"rationale"}
    assert Reflection.objects.get(pk=reflection.pk).version == 1


def test_an_unknown_rating_is_400(client, peer_review, reviewer):
    response = patch(
        signed_in(client, reviewer),
        first_reflection(peer_review),
        {"rating": "excellent", "version": 1},
    )

    assert response.status_code == 400
    assert "rating" in response.json()["errors"]


def test_a_coordinator_reads_but_cannot_change_a_reflection(client, peer_review, coordinator):
    reflection = first_reflection(peer_review)

    response = patch(signed_in(client, coordinator), reflection, {"rating": "met", "version": 1})

    assert response.status_code == 403
    assert Reflection.objects.get(pk=reflection.pk).version == 1


@pytest.mark.parametrize("who", ["service_lead", "outsider"])
def test_the_host_and_others_cannot_change_a_reflection(client, request, peer_review, who):
    reflection = first_reflection(peer_review)

    response = patch(
        signed_in(client, request.getfixturevalue(who)), reflection, {"rating": "met", "version": 1}
    )

    assert response.status_code == 404
    assert Reflection.objects.get(pk=reflection.pk).version == 1


def test_a_change_while_drafting_still_goes_ahead(client, peer_review, reviewer, lead_reviewer):
    Visit.objects.create(review=peer_review, mode="virtual", starts_on=date(2027, 3, 2))
    for each in peer_review.reflections.all():
        save_reflection(
            each, by=lead_reviewer, expected_version=1, rating="met", agreement="", rationale=""
        )
    workflow.transition(peer_review, Review.Status.DRAFTING, by=lead_reviewer)

    response = patch(
        signed_in(client, reviewer), first_reflection(peer_review), {"rationale": "x", "version": 2}
    )

    assert response.status_code == 200, response.content


def test_a_change_after_the_review_is_withdrawn_is_409_not_editable(
    client, peer_review, reviewer, coordinator
):
    workflow.transition(peer_review, Review.Status.WITHDRAWN, by=coordinator, note="Closed.")
    reflection = first_reflection(peer_review)

    response = patch(signed_in(client, reviewer), reflection, {"rating": "met", "version": 1})

    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"
    assert Reflection.objects.get(pk=reflection.pk).version == 1


@pytest.mark.parametrize(
    ("method", "url_of"),
    [
        ("post", lambda r: LIST),
        ("put", detail),
        ("delete", detail),
    ],
)
def test_reflections_are_never_created_replaced_or_deleted(
    client, peer_review, reviewer, method, url_of
):
    reflection = first_reflection(peer_review)

    response = getattr(signed_in(client, reviewer), method)(
        url_of(reflection), {"rating": "met"}, content_type=JSON
    )

    assert response.status_code == 405
    assert Reflection.objects.filter(review=peer_review).count() == 16


# Queries do not grow with the rows ------------------------------------------------------------


def test_the_list_queries_are_the_same_for_1_and_40_reflections(
    client,
    service,
    other_service,
    service_lead,
    coordinator,
    lead_reviewer,
    reviewer,
    expert_reviewer,
    django_assert_num_queries,
):
    roles.join_service(service_lead, other_service, Membership.Role.SERVICE_LEAD)
    team = [(lead_reviewer, "lead"), (reviewer, "peer"), (expert_reviewer, "expert")]
    small = import_version(framework_yaml("1.0", ["S-1"], slug="small"))
    large = import_version(framework_yaml("1.0", [f"L-{n}" for n in range(1, 41)], slug="large"))
    one = in_peer_review(
        small, service, name="One", host_lead=service_lead, coordinator=coordinator, team=team
    )
    forty = in_peer_review(
        large,
        other_service,
        name="Forty",
        host_lead=service_lead,
        coordinator=coordinator,
        team=team,
    )
    for review in (one, forty):
        for reflection in review.reflections.all():
            save_reflection(
                reflection,
                by=reviewer,
                expected_version=1,
                rating="met",
                agreement="agrees",
                rationale="",
            )
    signed_in(client, reviewer)

    client.get(LIST, {"review": one.pk})  # warm up caches (content types, session)
    with CaptureQueriesContext(connection) as queries:
        small_page = client.get(LIST, {"review": one.pk})
    with django_assert_num_queries(len(queries)):
        large_page = client.get(LIST, {"review": forty.pk})

    assert len(small_page.json()["results"]) == 1
    assert len(large_page.json()["results"]) == 40
