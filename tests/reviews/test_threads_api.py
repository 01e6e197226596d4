"""Threads and comments in the API (reviews/api/threads.py): who reads what, above all that the
host never gets a team-only thread or comment from any list, detail or filter; starting
threads, replying and editing through the same write path as the pages; no deletes; and equal
query counts at two sizes."""

from pathlib import Path

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews.models import Review, Thread
from reviews.peer_review import threads
from reviews.workflow import transition
from standards.yaml_format import import_framework

JSON = "application/json"
TEAM = Thread.Visibility.TEAM
SHARED = Thread.Visibility.SHARED
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
THREADS = reverse("thread-list")
COMMENTS = reverse("comment-list")


def signed_in(client, person):
    client.force_login(person)
    return client


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def thread_url(thread) -> str:
    return reverse("thread-detail", args=[thread.pk])


def comment_url(comment) -> str:
    return reverse("comment-detail", args=[comment.pk])


def first_standard(review):
    return review.responses.order_by("standard__order").first().standard


def withdraw(review, coordinator):
    transition(review, Review.Status.WITHDRAWN, by=coordinator, note="The service has closed.")


@pytest.fixture
def conversation(peer_review, reviewer, service_lead):
    team = threads.start_thread(
        peer_review,
        by=reviewer,
        visibility=TEAM,
        title="What did we each notice at handover?",
        body="Staff spoke warmly about the buddy system.",
        standard=first_standard(peer_review),
    )
    shared = threads.start_thread(
        peer_review,
        by=reviewer,
        visibility=SHARED,
        title="How are new residents welcomed?",
        body="Could you tell us about the first week?",
    )
    threads.add_comment(shared, by=service_lead, body="Each new resident has a buddy.")
    return {"team": team, "shared": shared}


# Reading threads ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reviewer", "lead_reviewer", "expert_reviewer", "coordinator"])
def test_thread_list_gives_the_team_both_kinds(request, client, conversation, role):
    response = signed_in(client, request.getfixturevalue(role)).get(THREADS)

    rows = {row["id"]: row for row in response.json()["results"]}
    assert set(rows) == {conversation["team"].pk, conversation["shared"].pk}
    team = rows[conversation["team"].pk]
    assert team["visibility"] == "team"
    assert team["standard"]["code"] == first_standard(conversation["team"].review).code
    assert team["comment_count"] == 1
    assert rows[conversation["shared"].pk]["standard"] is None
    assert rows[conversation["shared"].pk]["comment_count"] == 2


@pytest.mark.parametrize("role", ["service_lead", "staff", "lived_experience"])
def test_thread_list_never_gives_the_host_a_team_only_thread(request, client, conversation, role):
    client = signed_in(client, request.getfixturevalue(role))
    review = conversation["team"].review.pk
    standard = first_standard(conversation["team"].review).pk

    assert ids(client.get(THREADS)) == [conversation["shared"].pk]
    assert ids(client.get(THREADS, {"visibility": "team"})) == []
    assert ids(client.get(THREADS, {"review": review, "standard": standard})) == []
    assert "handover" not in client.get(THREADS).content.decode()


@pytest.mark.parametrize("role", ["commissioner", "outsider"])
def test_thread_list_is_empty_for_people_outside_the_review(request, client, conversation, role):
    assert ids(signed_in(client, request.getfixturevalue(role)).get(THREADS)) == []


def test_thread_list_filters_by_review_standard_and_visibility(client, conversation, coordinator):
    client = signed_in(client, coordinator)
    review = conversation["team"].review

    by_standard = client.get(THREADS, {"standard": first_standard(review).pk})
    by_visibility = client.get(THREADS, {"visibility": "shared"})
    by_review = client.get(THREADS, {"review": review.pk + 1000})

    assert ids(by_standard) == [conversation["team"].pk]
    assert ids(by_visibility) == [conversation["shared"].pk]
    assert ids(by_review) == []


def test_thread_detail_gives_the_host_the_shared_thread_and_not_the_team_one(
    client, conversation, staff
):
    client = signed_in(client, staff)

    shared = client.get(thread_url(conversation["shared"]))
    team = client.get(thread_url(conversation["team"]))

    assert shared.json()["title"] == "How are new residents welcomed?"
    assert team.status_code == 404
    assert team.json()["code"] == "not_found"
    assert "handover" not in team.content.decode()


@pytest.mark.parametrize("role", ["commissioner", "outsider"])
def test_thread_detail_is_not_found_outside_the_review(request, client, conversation, role):
    response = signed_in(client, request.getfixturevalue(role)).get(
        thread_url(conversation["shared"])
    )

    assert response.status_code == 404


# Starting threads -------------------------------------------------------------------------------


def new_thread(review, **overrides) -> dict:
    return {
        "review": review.pk,
        "visibility": "team",
        "title": "Handover",
        "body": "What did you notice?",
        **overrides,
    }


def test_thread_create_starts_a_thread_with_its_first_comment(client, peer_review, reviewer):
    standard = first_standard(peer_review)

    response = signed_in(client, reviewer).post(
        THREADS, new_thread(peer_review, standard=standard.pk), content_type=JSON
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["visibility"], body["standard"]["id"], body["comment_count"]) == (
        "team",
        standard.pk,
        1,
    )
    thread = Thread.objects.get(pk=body["id"])
    assert thread.comments.get().body == "What did you notice?"


def test_thread_create_by_the_host_may_only_be_shared(client, peer_review, service_lead):
    client = signed_in(client, service_lead)

    team = client.post(THREADS, new_thread(peer_review), content_type=JSON)
    shared = client.post(THREADS, new_thread(peer_review, visibility="shared"), content_type=JSON)

    assert team.status_code == 403
    assert team.json()["message"] == "You can start only threads shared with the service."
    assert shared.status_code == 201
    assert list(Thread.objects.values_list("visibility", flat=True)) == ["shared"]


@pytest.mark.parametrize("role", ["commissioner", "outsider"])
def test_thread_create_treats_a_review_you_cannot_see_as_unknown(
    request, client, peer_review, role
):
    response = signed_in(client, request.getfixturevalue(role)).post(
        THREADS, new_thread(peer_review, visibility="shared"), content_type=JSON
    )

    assert response.status_code == 400
    assert "review" in response.json()["errors"]
    assert not Thread.objects.exists()


def test_thread_create_refuses_a_standard_of_another_framework(client, peer_review, reviewer):
    fixture = FIXTURES / "relational-environment-standards.yaml"
    other = import_framework(fixture.read_bytes(), source=fixture.name).version

    response = signed_in(client, reviewer).post(
        THREADS, new_thread(peer_review, standard=other.standards.first().pk), content_type=JSON
    )

    assert response.status_code == 400
    assert response.json()["errors"]["standard"] == [
        "Choose a standard of the framework this review uses."
    ]


def test_thread_create_refuses_blank_text(client, peer_review, reviewer):
    response = signed_in(client, reviewer).post(
        THREADS, new_thread(peer_review, title=" ", body=" "), content_type=JSON
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"title", "body"}


def test_thread_create_is_closed_once_the_review_is_withdrawn(
    client, peer_review, reviewer, coordinator
):
    withdraw(peer_review, coordinator)

    response = signed_in(client, reviewer).post(THREADS, new_thread(peer_review), content_type=JSON)

    assert response.status_code == 409
    assert response.json()["code"] == "closed"
    assert not Thread.objects.exists()


def test_thread_create_is_closed_while_the_review_is_submitted(
    client, answered_review, service_lead
):
    transition(answered_review, Review.Status.SUBMITTED, by=service_lead)

    response = signed_in(client, service_lead).post(
        THREADS, new_thread(answered_review, visibility="shared"), content_type=JSON
    )

    assert response.status_code == 409
    assert response.json()["message"] == "Threads open for comments when the peer review starts."


# Comments -------------------------------------------------------------------------------------


def test_comment_list_gives_the_host_only_comments_of_shared_threads(
    client, conversation, service_lead
):
    client = signed_in(client, service_lead)
    team_thread = conversation["team"]

    everything = client.get(COMMENTS)
    of_team_thread = client.get(COMMENTS, {"thread": team_thread.pk})
    of_review = client.get(COMMENTS, {"review": team_thread.review_id})

    shared_ids = list(conversation["shared"].comments.values_list("pk", flat=True))
    assert ids(everything) == shared_ids
    assert ids(of_team_thread) == []
    assert ids(of_review) == shared_ids
    assert "buddy system" not in everything.content.decode()
    assert {row["visibility"] for row in everything.json()["results"]} == {"shared"}


def test_comment_list_of_a_thread_is_in_order_for_the_team(client, conversation, reviewer):
    response = signed_in(client, reviewer).get(COMMENTS, {"thread": conversation["shared"].pk})

    assert [row["body"] for row in response.json()["results"]] == [
        "Could you tell us about the first week?",
        "Each new resident has a buddy.",
    ]


def test_comment_detail_of_a_team_only_thread_is_not_found_for_the_host(
    client, conversation, lived_experience
):
    comment = conversation["team"].comments.get()

    response = signed_in(client, lived_experience).get(comment_url(comment))

    assert response.status_code == 404
    assert "buddy system" not in response.content.decode()


def test_comment_create_replies_and_emails_the_other_participants(
    client, conversation, lead_reviewer, reviewer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(client, lead_reviewer).post(
            COMMENTS,
            {"thread": conversation["team"].pk, "body": "  I saw the same.  "},
            content_type=JSON,
        )

    assert response.status_code == 201, response.content
    assert response.json()["body"] == "I saw the same."
    assert response.json()["author"]["id"] == lead_reviewer.pk
    assert [m.to for m in mail.outbox] == [[reviewer.email]]
    assert mail.outbox[0].subject.startswith("Review team only")


def test_comment_create_in_a_team_only_thread_is_unknown_to_the_host(
    client, conversation, service_lead
):
    response = signed_in(client, service_lead).post(
        COMMENTS, {"thread": conversation["team"].pk, "body": "Hello?"}, content_type=JSON
    )

    assert response.status_code == 400
    assert "thread" in response.json()["errors"]
    assert conversation["team"].comments.count() == 1


def test_comment_create_is_closed_once_the_review_is_withdrawn(
    client, conversation, reviewer, coordinator
):
    withdraw(conversation["team"].review, coordinator)

    response = signed_in(client, reviewer).post(
        COMMENTS, {"thread": conversation["team"].pk, "body": "Late."}, content_type=JSON
    )

    assert response.status_code == 409
    assert response.json()["code"] == "closed"


def test_comment_patch_by_its_author_marks_it_edited(client, conversation, reviewer):
    comment = conversation["team"].comments.get()

    response = signed_in(client, reviewer).patch(
        comment_url(comment), {"body": "Staff spoke warmly."}, content_type=JSON
    )

    assert response.status_code == 200
    assert (response.json()["body"], response.json()["edited"]) == ("Staff spoke warmly.", True)
    comment.refresh_from_db()
    assert comment.body == "Staff spoke warmly."


@pytest.mark.parametrize("role", ["lead_reviewer", "coordinator"])
def test_comment_patch_of_someone_elses_comment_is_forbidden(request, client, conversation, role):
    comment = conversation["team"].comments.get()

    response = signed_in(client, request.getfixturevalue(role)).patch(
        comment_url(comment), {"body": "Changed."}, content_type=JSON
    )

    assert response.status_code == 403
    assert response.json()["message"] == "You can change only your own comments."
    comment.refresh_from_db()
    assert not comment.is_edited


def test_comment_patch_of_a_team_only_comment_is_not_found_for_the_host(
    client, conversation, service_lead
):
    comment = conversation["team"].comments.get()

    response = signed_in(client, service_lead).patch(
        comment_url(comment), {"body": "Changed."}, content_type=JSON
    )

    assert response.status_code == 404


def test_comment_patch_is_closed_once_the_review_is_withdrawn(
    client, conversation, reviewer, coordinator
):
    comment = conversation["team"].comments.get()
    withdraw(conversation["team"].review, coordinator)

    response = signed_in(client, reviewer).patch(
        comment_url(comment), {"body": "Changed late."}, content_type=JSON
    )

    assert response.status_code == 409
    assert response.json()["code"] == "closed"


def test_nothing_is_ever_deleted_or_replaced(client, conversation, reviewer):
    comment = conversation["team"].comments.get()
    client = signed_in(client, reviewer)

    deleted = client.delete(comment_url(comment))
    replaced = client.put(comment_url(comment), {"body": "New."}, content_type=JSON)
    thread_deleted = client.delete(thread_url(conversation["team"]))

    assert (deleted.status_code, replaced.status_code, thread_deleted.status_code) == (
        405,
        405,
        405,
    )
    assert conversation["team"].comments.get().body == "Staff spoke warmly about the buddy system."


# Query counts ------------------------------------------------------------------------------------


def queries(client, url: str, **params) -> tuple[int, int]:
    client.get(url, params)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), len(response.json()["results"])


def add_threads(review, by, count: int) -> None:
    for n in range(count):
        thread = threads.start_thread(
            review,
            by=by,
            visibility=(TEAM, SHARED)[n % 2],
            title=f"Question {n}",
            body="A question.",
            standard=first_standard(review) if n % 3 else None,
        )
        threads.add_comment(thread, by=by, body="And another.")


def test_thread_list_makes_as_many_queries_for_20_threads_as_for_2(client, peer_review, reviewer):
    client = signed_in(client, reviewer)
    add_threads(peer_review, reviewer, 2)
    few = queries(client, THREADS)

    add_threads(peer_review, reviewer, 18)

    assert queries(client, THREADS) == (few[0], 20)


def test_comment_list_makes_as_many_queries_for_40_comments_as_for_2(
    client, peer_review, reviewer, lead_reviewer
):
    client = signed_in(client, reviewer)
    thread = threads.start_thread(
        peer_review, by=reviewer, visibility=TEAM, title="Handover", body="The first."
    )
    threads.add_comment(thread, by=lead_reviewer, body="The second.")
    few = queries(client, COMMENTS)

    for n in range(38):
        threads.add_comment(thread, by=(reviewer, lead_reviewer)[n % 2], body=f"Comment {n}")

    assert queries(client, COMMENTS) == (few[0], 40)


# The leak property -------------------------------------------------------------------------------

TEAM_ROLES = ("reviewer", "lead_reviewer", "expert_reviewer", "coordinator")
HOST_ROLES = ("service_lead", "staff", "lived_experience")
READERS = {
    **dict.fromkeys(TEAM_ROLES, frozenset({"team", "shared"})),
    **dict.fromkeys(HOST_ROLES, frozenset({"shared"})),
    "commissioner": frozenset(),
    "outsider": frozenset(),
}
# Threads as (who starts it, its visibility, who replies): the host only ever starts and
# answers shared threads, as the write path allows.
THREAD_PLANS = st.one_of(
    st.tuples(st.sampled_from(TEAM_ROLES), st.just("team"), st.sampled_from(TEAM_ROLES)),
    st.tuples(
        st.sampled_from(TEAM_ROLES + HOST_ROLES),
        st.just("shared"),
        st.sampled_from(TEAM_ROLES + HOST_ROLES),
    ),
)
# The function-scoped fixtures are the database and the cast; each example rolls back its own
# savepoint, so it starts from the same review with no threads.
PROPERTY_SETTINGS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(plans=st.lists(THREAD_PLANS, min_size=1, max_size=5))
def test_each_role_reads_exactly_the_threads_the_policy_allows(request, peer_review, plans):
    people = {role: request.getfixturevalue(role) for role in READERS}
    with transaction.atomic():
        made = []
        for n, (starter, visibility, replier) in enumerate(plans):
            thread = threads.start_thread(
                peer_review,
                by=people[starter],
                visibility=visibility,
                title=f"Plan {n} ({visibility})",
                body=f"Opening {n}",
            )
            threads.add_comment(thread, by=people[replier], body=f"Reply {n}")
            made.append(thread)
        for role, reads in READERS.items():
            client = Client()
            client.force_login(people[role])
            expected = {t.pk for t in made if t.visibility in reads}
            hidden = [t for t in made if t.visibility not in reads]

            assert set(ids(client.get(THREADS, {"page_size": 50}))) == expected, role
            comments = client.get(COMMENTS, {"page_size": 200}).json()["results"]
            assert {row["thread"] for row in comments} == expected, role
            page = client.get(reverse("reviews:thread_list", args=[peer_review.pk]))
            if reads:
                content = page.content.decode()
                assert all(f"Plan {made.index(t)} (" in content for t in made if t.pk in expected)
                assert not any(f"Plan {made.index(t)} (" in content for t in hidden), role
            else:
                assert page.status_code == 404, role
            for thread in hidden:
                detail = reverse("reviews:thread_detail", args=[peer_review.pk, thread.pk])
                assert client.get(detail).status_code == 404, role
                assert client.get(thread_url(thread)).status_code == 404, role
        transaction.set_rollback(True)
