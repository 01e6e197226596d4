"""Thread pages (reviews/views/threads.py): the list, starting a thread, one thread and its reply
box, editing one's own comment, and the choice of comment e-mails. Who sees what, above all
that the host never learns a team-only thread exists, and the pages of a closed review."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from reviews.cycles import enrol
from reviews.models import Comment, Review, Thread
from reviews.peer_review import threads
from reviews.workflow import transition

TEAM = Thread.Visibility.TEAM
SHARED = Thread.Visibility.SHARED
TEAM_TITLE = "What did we each notice at handover?"
SHARED_TITLE = "How are new residents welcomed?"


def page(response) -> str:
    return response.content.decode()


def signed_in(client, person):
    client.force_login(person)
    return client


def list_url(review, **params) -> str:
    url = reverse("reviews:thread_list", args=[review.pk])
    if params:
        url += "?" + "&".join(f"{name}={value}" for name, value in params.items())
    return url


def add_url(review) -> str:
    return reverse("reviews:thread_add", args=[review.pk])


def detail_url(thread) -> str:
    return reverse("reviews:thread_detail", args=[thread.review_id, thread.pk])


def reply_url(thread) -> str:
    return reverse("reviews:thread_reply", args=[thread.review_id, thread.pk])


def edit_url(comment) -> str:
    return reverse("reviews:comment_edit", args=[comment.thread.review_id, comment.pk])


def first_standard(review):
    return review.responses.order_by("standard__order").first().standard


def withdraw(review, coordinator):
    transition(review, Review.Status.WITHDRAWN, by=coordinator, note="The service has closed.")
    review.refresh_from_db()


@pytest.fixture
def conversation(peer_review, reviewer, service_lead):
    """A team-only thread about the first standard and a shared one about the whole review."""
    team = threads.start_thread(
        peer_review,
        by=reviewer,
        visibility=TEAM,
        title=TEAM_TITLE,
        body="Staff spoke warmly about the buddy system.",
        standard=first_standard(peer_review),
    )
    shared = threads.start_thread(
        peer_review,
        by=reviewer,
        visibility=SHARED,
        title=SHARED_TITLE,
        body="Could you tell us about the first week?",
    )
    threads.add_comment(shared, by=service_lead, body="Each new resident has a buddy.")
    return {"team": team, "shared": shared}


# The list ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reviewer", "lead_reviewer", "coordinator"])
def test_thread_list_shows_the_team_both_kinds_with_their_tags(
    request, client, conversation, peer_review, role
):
    content = page(signed_in(client, request.getfixturevalue(role)).get(list_url(peer_review)))

    assert TEAM_TITLE in content
    assert SHARED_TITLE in content
    assert "2 threads" in content
    assert "app-visibility--team" in content
    assert "app-visibility--shared" in content
    standard = first_standard(peer_review)
    assert f"{standard.code}</span> {standard.title}" in content
    assert "The review as a whole" in content
    assert 'id="filter-visibility"' in content


@pytest.mark.parametrize("role", ["service_lead", "staff", "lived_experience"])
def test_thread_list_never_shows_the_host_a_team_only_thread(
    request, client, conversation, peer_review, role
):
    response = signed_in(client, request.getfixturevalue(role)).get(
        list_url(peer_review, visibility="team")
    )

    content = page(response)
    assert response.status_code == 200
    assert SHARED_TITLE in content
    assert TEAM_TITLE not in content
    assert "Review team only" not in content
    assert "1 thread" in content
    assert "2 threads" not in content
    assert 'id="filter-visibility"' not in content


def test_thread_list_shows_counts_and_last_activity(client, conversation, peer_review, reviewer):
    shared = conversation["shared"]
    shared.refresh_from_db()

    content = page(signed_in(client, reviewer).get(list_url(peer_review)))

    row = content[content.index(SHARED_TITLE) :]
    row = row[: row.index("</tr>")]
    assert 'govuk-table__cell--numeric">2</td>' in row
    assert f'datetime="{shared.last_comment_at.isoformat()}' in row


def test_thread_list_filters_by_visibility_for_the_team(
    client, conversation, peer_review, coordinator
):
    content = page(signed_in(client, coordinator).get(list_url(peer_review, visibility="team")))

    assert TEAM_TITLE in content
    assert SHARED_TITLE not in content
    assert "Show all threads" in content


def test_thread_list_filters_by_standard(client, conversation, peer_review, lead_reviewer):
    code = first_standard(peer_review).code
    client = signed_in(client, lead_reviewer)

    about_standard = page(client.get(list_url(peer_review, standard=code)))
    about_review = page(client.get(list_url(peer_review, standard="review")))

    assert TEAM_TITLE in about_standard
    assert SHARED_TITLE not in about_standard
    assert SHARED_TITLE in about_review
    assert TEAM_TITLE not in about_review
    assert f'value="{code}" selected' in about_standard


def test_thread_list_says_when_no_thread_matches(client, conversation, peer_review, staff):
    last_code = peer_review.framework_version.standards.order_by("-order").first().code

    content = page(signed_in(client, staff).get(list_url(peer_review, standard=last_code)))

    assert "No threads match what you chose." in content


def test_thread_list_has_an_empty_state_and_a_start_button(client, peer_review, staff):
    content = page(signed_in(client, staff).get(list_url(peer_review)))

    assert "There are no threads yet." in content
    assert f'href="{add_url(peer_review)}"' in content
    assert "Start a thread" in content


@pytest.mark.parametrize("role", ["commissioner", "outsider"])
def test_thread_list_is_not_found_for_people_outside_the_review(
    request, client, conversation, peer_review, role
):
    response = signed_in(client, request.getfixturevalue(role)).get(list_url(peer_review))

    assert response.status_code == 404


def test_thread_list_is_forbidden_to_someone_who_sees_the_review_but_no_threads(
    client, conversation, peer_review, outsider
):
    assign_perm("reviews.view_review", outsider, peer_review)

    response = signed_in(client, outsider).get(list_url(peer_review))

    assert response.status_code == 403
    assert TEAM_TITLE not in page(response)


def test_thread_list_of_a_withdrawn_review_says_why_nothing_can_be_started(
    client, conversation, peer_review, coordinator
):
    withdraw(peer_review, coordinator)

    content = page(signed_in(client, coordinator).get(list_url(peer_review)))

    assert TEAM_TITLE in content
    assert "withdrawn, so its threads are closed to new comments" in content
    assert f'href="{add_url(peer_review)}' not in content


def test_thread_list_of_a_submitted_review_says_threads_open_with_the_peer_review(
    client, answered_review, service_lead
):
    transition(answered_review, Review.Status.SUBMITTED, by=service_lead)

    content = page(signed_in(client, service_lead).get(list_url(answered_review)))

    assert "Threads open for comments when the peer review starts." in content
    assert f'href="{add_url(answered_review)}' not in content


def many_threads(review, by, count: int) -> None:
    for n in range(count):
        thread = threads.start_thread(
            review, by=by, visibility=SHARED, title=f"Question {n}", body="A question."
        )
        threads.add_comment(thread, by=by, body="And another.")


def queries_for(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_thread_list_makes_as_many_queries_for_30_threads_as_for_1(
    client, peer_review, reviewer, django_assert_num_queries
):
    many_threads(peer_review, reviewer, 1)
    client = signed_in(client, reviewer)
    url = list_url(peer_review)
    few = queries_for(client, url)

    many_threads(peer_review, reviewer, 29)

    with django_assert_num_queries(few):
        response = client.get(url)
    assert len(response.context["page_obj"]) == 30


# Starting a thread ------------------------------------------------------------------------------


def test_thread_add_offers_the_team_both_kinds_with_who_will_read_them(
    client, peer_review, reviewer
):
    content = page(signed_in(client, reviewer).get(add_url(peer_review)))

    assert 'type="radio" name="visibility" value="team"' in content
    assert 'type="radio" name="visibility" value="shared"' in content
    assert "The service never sees it" in content
    assert "everyone in the service&#x27;s team will read it" in content


def test_thread_add_states_to_the_host_that_the_thread_is_shared(
    client, peer_review, lived_experience
):
    content = page(signed_in(client, lived_experience).get(add_url(peer_review)))

    assert 'type="radio" name="visibility"' not in content
    assert "app-visibility--shared" in content
    assert "This thread will be read by the review team" in content
    assert "everyone in the team at Willow House" in content


def test_thread_add_preselects_the_standard_named_in_the_address(client, peer_review, reviewer):
    standard = first_standard(peer_review)

    content = page(
        signed_in(client, reviewer).get(f"{add_url(peer_review)}?standard={standard.code}")
    )

    assert f'<option value="{standard.pk}" selected>' in content


def test_thread_add_starts_the_thread_and_shows_it(client, peer_review, reviewer):
    standard = first_standard(peer_review)

    response = signed_in(client, reviewer).post(
        add_url(peer_review),
        {
            "visibility": "team",
            "standard": standard.pk,
            "title": TEAM_TITLE,
            "body": "Staff spoke warmly.",
        },
        follow=True,
    )

    thread = Thread.objects.get()
    assert (thread.visibility, thread.standard, thread.started_by) == (TEAM, standard, reviewer)
    assert response.redirect_chain == [(detail_url(thread), 302)]
    assert "Your thread was started." in page(response)


def test_thread_add_for_the_host_makes_a_shared_thread(client, peer_review, service_lead):
    signed_in(client, service_lead).post(
        add_url(peer_review), {"title": "A question for you", "body": "When do you arrive?"}
    )

    assert Thread.objects.get().visibility == SHARED


def test_thread_add_refuses_a_team_only_thread_posted_by_the_host(client, peer_review, staff):
    response = signed_in(client, staff).post(
        add_url(peer_review), {"visibility": "team", "title": "Sneaky", "body": "Hello."}
    )

    assert response.status_code == 400
    assert "Choose who can read this thread." in page(response)
    assert not Thread.objects.exists()


def test_thread_add_shows_errors_and_keeps_the_text(client, peer_review, reviewer):
    response = signed_in(client, reviewer).post(
        add_url(peer_review), {"title": "", "body": "What I noticed."}
    )

    content = page(response)
    assert response.status_code == 400
    assert "<title>Error:" in content
    assert 'href="#id_visibility_0"' in content
    assert "Enter a subject for the thread." in content
    assert "What I noticed." in content
    assert not Thread.objects.exists()


def test_thread_add_when_withdrawn_explains_and_keeps_the_text(
    client, peer_review, reviewer, coordinator
):
    withdraw(peer_review, coordinator)
    client = signed_in(client, reviewer)

    shown = page(client.get(add_url(peer_review)))
    response = client.post(
        add_url(peer_review), {"visibility": "team", "title": "Late", "body": "A late thought."}
    )

    assert "withdrawn" in shown
    assert 'name="body"' not in shown
    assert response.status_code == 409
    assert "A late thought." in page(response)
    assert not Thread.objects.exists()


def test_thread_add_at_submitted_is_closed(client, answered_review, service_lead):
    transition(answered_review, Review.Status.SUBMITTED, by=service_lead)

    response = signed_in(client, service_lead).post(
        add_url(answered_review), {"title": "Early", "body": "An early question."}
    )

    assert response.status_code == 409
    assert "Threads open for comments when the peer review starts." in page(response)
    assert not Thread.objects.exists()


# One thread -------------------------------------------------------------------------------------


def test_thread_detail_shows_the_visibility_at_the_top_and_beside_the_reply(
    client, conversation, reviewer
):
    content = page(signed_in(client, reviewer).get(detail_url(conversation["team"])))

    top = content.index("app-visibility--team")
    assert top < content.index("<h1")
    assert content.count("app-visibility--team") == 2
    assert "Your reply will be read only by the review team and the network&#x27;s" in content
    assert "The service never sees" in content


def test_thread_detail_shows_comments_in_order_with_author_and_time(
    client, conversation, reviewer, service_lead
):
    content = page(signed_in(client, service_lead).get(detail_url(conversation["shared"])))

    first = content.index("Could you tell us about the first week?")
    second = content.index("Each new resident has a buddy.")
    assert first < second
    assert str(reviewer) in content
    assert str(service_lead) in content
    assert "<time datetime=" in content
    assert "Your reply will be read by the review team, the network&#x27;s coordinators and " in (
        content
    )
    assert "everyone in the team at Willow House" in content


def test_thread_detail_escapes_comments_and_keeps_line_breaks(client, conversation, reviewer):
    threads.add_comment(conversation["team"], by=reviewer, body="<script>alert(1)</script>\nNext")

    content = page(signed_in(client, reviewer).get(detail_url(conversation["team"])))

    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Next" in content


def test_thread_detail_offers_edit_only_on_your_own_comments_and_marks_edits(
    client, conversation, reviewer, service_lead
):
    own, theirs = conversation["shared"].comments.all()
    threads.edit_comment(theirs, by=service_lead, body="Each new resident has a buddy, always.")

    content = page(signed_in(client, reviewer).get(detail_url(conversation["shared"])))

    assert f'href="{edit_url(own)}"' in content
    assert f'href="{edit_url(theirs)}"' not in content
    assert content.count(">edited</span>") == 1


@pytest.mark.parametrize("role", ["service_lead", "staff", "lived_experience"])
def test_a_team_only_thread_is_not_found_for_the_host(request, client, conversation, role):
    response = signed_in(client, request.getfixturevalue(role)).get(
        detail_url(conversation["team"])
    )

    assert response.status_code == 404
    assert TEAM_TITLE not in page(response)


@pytest.mark.parametrize("role", ["commissioner", "outsider"])
def test_threads_are_not_found_for_people_outside_the_review(request, client, conversation, role):
    client = signed_in(client, request.getfixturevalue(role))

    assert client.get(detail_url(conversation["shared"])).status_code == 404
    assert client.post(reply_url(conversation["shared"]), {"body": "Hi"}).status_code == 404


def test_a_thread_of_another_review_is_not_found(
    client, conversation, cycle, other_service, version, coordinator
):
    other = enrol(cycle, other_service, version, by=coordinator)
    url = reverse("reviews:thread_detail", args=[other.pk, conversation["shared"].pk])

    assert signed_in(client, coordinator).get(url).status_code == 404


def test_thread_detail_of_a_withdrawn_review_says_why_replies_are_closed(
    client, conversation, reviewer, coordinator
):
    withdraw(conversation["team"].review, coordinator)

    content = page(signed_in(client, reviewer).get(detail_url(conversation["team"])))

    assert "Replies are closed" in content
    assert "withdrawn, so its threads are closed to new comments" in content
    assert f'action="{reply_url(conversation["team"])}"' not in content
    assert "/edit/" not in content


def test_thread_detail_links_to_the_comment_email_choice(client, conversation, staff):
    content = page(signed_in(client, staff).get(detail_url(conversation["shared"])))

    assert f'href="{reverse("reviews:comment_emails")}?next=' in content
    assert "Change how we e-mail you about comments" in content


def test_thread_detail_makes_as_many_queries_for_200_comments_as_for_1(
    client, peer_review, reviewer, lead_reviewer, django_assert_num_queries
):
    thread = threads.start_thread(
        peer_review, by=reviewer, visibility=TEAM, title="Handover", body="The first."
    )
    client = signed_in(client, reviewer)
    url = detail_url(thread)
    few = queries_for(client, url)

    Comment.objects.bulk_create(
        Comment(thread=thread, author=(reviewer, lead_reviewer)[n % 2], body=f"Comment {n}")
        for n in range(199)
    )

    with django_assert_num_queries(few):
        response = client.get(url)
    assert len(response.context["comments"]) == 200


# Replying ---------------------------------------------------------------------------------------


def test_reply_posts_the_comment_and_returns_to_it(client, conversation, lived_experience):
    thread = conversation["shared"]

    response = signed_in(client, lived_experience).post(
        reply_url(thread), {"body": "I was welcomed by my buddy."}
    )

    comment = thread.comments.last()
    assert (comment.author, comment.body) == (lived_experience, "I was welcomed by my buddy.")
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(thread)}#comment-{comment.pk}"


def test_reply_with_no_text_shows_the_error_on_the_thread_page(client, conversation, reviewer):
    response = signed_in(client, reviewer).post(reply_url(conversation["team"]), {"body": " "})

    content = page(response)
    assert response.status_code == 400
    assert "Write your comment." in content
    assert TEAM_TITLE in content
    assert conversation["team"].comments.count() == 1


def test_reply_from_the_host_to_a_team_only_thread_is_not_found(client, conversation, service_lead):
    response = signed_in(client, service_lead).post(
        reply_url(conversation["team"]), {"body": "Hello?"}
    )

    assert response.status_code == 404
    assert conversation["team"].comments.count() == 1


def test_reply_to_a_withdrawn_review_is_refused_and_keeps_the_text(
    client, conversation, reviewer, coordinator
):
    withdraw(conversation["team"].review, coordinator)

    response = signed_in(client, reviewer).post(
        reply_url(conversation["team"]), {"body": "My late thought."}
    )

    content = page(response)
    assert response.status_code == 409
    assert "withdrawn, so its threads are closed to new comments" in content
    assert "My late thought." in content
    assert conversation["team"].comments.count() == 1


def test_reply_at_submitted_is_refused(client, answered_review, service_lead):
    transition(answered_review, Review.Status.SUBMITTED, by=service_lead)
    # Threads cannot be started yet; one stored directly stands for an early one.
    thread = Thread.objects.create(
        review=answered_review, visibility=SHARED, title="Early", started_by=service_lead
    )

    client = signed_in(client, service_lead)
    shown = page(client.get(detail_url(thread)))
    response = client.post(reply_url(thread), {"body": "Too early."})

    assert "Threads open for comments when the peer review starts." in shown
    assert response.status_code == 409
    assert not thread.comments.exists()


# Editing a comment ------------------------------------------------------------------------------


def test_comment_edit_shows_your_comment_and_saves_the_change(client, conversation, reviewer):
    comment = conversation["team"].comments.get()
    client = signed_in(client, reviewer)

    shown = page(client.get(edit_url(comment)))
    response = client.post(edit_url(comment), {"body": "Staff spoke warmly, all of them."})

    assert "Staff spoke warmly about the buddy system." in shown
    assert "app-visibility--team" in shown
    comment.refresh_from_db()
    assert comment.body == "Staff spoke warmly, all of them."
    assert comment.is_edited
    assert response["Location"] == f"{detail_url(conversation['team'])}#comment-{comment.pk}"


@pytest.mark.parametrize("role", ["lead_reviewer", "coordinator"])
def test_comment_edit_of_someone_elses_comment_is_forbidden(request, client, conversation, role):
    comment = conversation["team"].comments.get()
    client = signed_in(client, request.getfixturevalue(role))

    shown = client.get(edit_url(comment))
    posted = client.post(edit_url(comment), {"body": "Changed by someone else."})

    assert shown.status_code == posted.status_code == 403
    assert "You can change only your own comments." in page(shown)
    comment.refresh_from_db()
    assert not comment.is_edited


def test_comment_edit_of_a_team_only_comment_is_not_found_for_the_host(
    client, conversation, service_lead
):
    comment = conversation["team"].comments.get()

    response = signed_in(client, service_lead).get(edit_url(comment))

    assert response.status_code == 404


def test_comment_edit_when_withdrawn_explains_and_refuses(
    client, conversation, reviewer, coordinator
):
    comment = conversation["team"].comments.get()
    withdraw(conversation["team"].review, coordinator)
    client = signed_in(client, reviewer)

    shown = page(client.get(edit_url(comment)))
    response = client.post(edit_url(comment), {"body": "Changed late."})

    assert "comments can no longer be changed" in shown
    assert 'name="body"' not in shown
    assert response.status_code == 409
    assert "Changed late." in page(response)
    comment.refresh_from_db()
    assert not comment.is_edited


def test_comment_edit_with_no_text_shows_the_error(client, conversation, reviewer):
    comment = conversation["team"].comments.get()

    response = signed_in(client, reviewer).post(edit_url(comment), {"body": ""})

    assert response.status_code == 400
    assert "Write your comment." in page(response)


# E-mails about comments -------------------------------------------------------------------------


def test_comment_emails_offers_the_three_choices_with_hints(client, staff):
    content = page(signed_in(client, staff).get(reverse("reviews:comment_emails")))

    for value in ("each", "daily", "none"):
        assert f'name="comment_emails" value="{value}"' in content
    assert "An email for each new comment" in content
    assert "One e-mail a day listing the new comments" in content
    assert 'value="each" aria-describedby="id_comment_emails_0-hint"' in content
    assert 'id="id_comment_emails_0" required checked>' in content


def test_comment_emails_saves_the_choice_and_starts_the_digest_from_now(client, staff):
    response = signed_in(client, staff).post(
        reverse("reviews:comment_emails"), {"comment_emails": "daily"}, follow=True
    )

    staff.refresh_from_db()
    assert staff.comment_emails == "daily"
    assert staff.comment_digest_sent_at is not None
    assert "Your choice about e-mails was saved." in page(response)


def test_comment_emails_returns_to_the_thread_it_came_from(client, conversation, staff):
    thread_page = detail_url(conversation["shared"])

    response = signed_in(client, staff).post(
        reverse("reviews:comment_emails"), {"comment_emails": "none", "next": thread_page}
    )

    assert response["Location"] == thread_page
    staff.refresh_from_db()
    assert staff.comment_emails == "none"


def test_comment_emails_refuses_an_unknown_choice(client, staff):
    response = signed_in(client, staff).post(
        reverse("reviews:comment_emails"), {"comment_emails": "hourly"}
    )

    assert response.status_code == 400
    assert "Choose how we should e-mail you." in page(response)
    staff.refresh_from_db()
    assert staff.comment_emails == "each"
