"""The review's history: every write kept with actor and time (django-simple-history), and the
coordinators' full history page that merges it with the stage moves and the access log."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews import history, self_assessment
from reviews.models import (
    AccessLog,
    Finding,
    Perspective,
    Rating,
    Reflection,
    Response,
    Review,
    SafeguardingNote,
    Thread,
)
from reviews.peer_review import findings, safeguarding, threads
from reviews.workflow import transition

NARRATIVE = "We hold a community meeting each morning."


def history_url(review, **params) -> str:
    url = reverse("reviews:review_history", args=[review.pk])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def page(client, person, url: str):
    client.force_login(person)
    return client.get(url)


def add_perspective(review, by, text="Residents said the meetings help."):
    response = review.responses.first()
    return self_assessment.add_perspective(
        response,
        by=by,
        voice=Perspective.Voice.PEOPLE_USING_SERVICE,
        text=text,
        method=Perspective.Method.GROUP,
        people_count=8,
    )


# What is kept ---------------------------------------------------------------------------------


def test_enrolment_keeps_a_created_record_of_every_response_naming_the_coordinator(
    review, coordinator
):
    records = Response.history.filter(review_id=review.pk)

    assert records.count() == review.responses.count() > 0
    assert {record.history_type for record in records} == {"+"}
    assert {record.history_user for record in records} == {coordinator}


def test_a_versioned_response_save_keeps_a_changed_record_with_the_new_values(
    answered_review, staff
):
    response = answered_review.responses.first()

    records = list(response.history.order_by("history_id"))

    assert [record.history_type for record in records] == ["+", "~"]
    assert records[-1].history_user == staff
    assert records[-1].rating == Rating.PARTLY_MET
    assert records[-1].narrative == NARRATIVE
    assert records[-1].version == 2


def test_a_stale_response_save_keeps_no_record(answered_review, staff):
    response = answered_review.responses.first()
    before = response.history.count()

    with pytest.raises(self_assessment.StaleWrite):
        self_assessment.save_response(
            response, by=staff, expected_version=1, rating=Rating.MET, narrative="Other words."
        )

    assert response.history.count() == before


def test_perspective_change_and_removal_are_kept(review, staff):
    perspective = add_perspective(review, staff)
    perspective = self_assessment.update_perspective(
        perspective, by=staff, expected_version=1, people_count=12
    )
    self_assessment.remove_perspective(perspective, by=staff, expected_version=2)

    records = list(Perspective.history.filter(id=perspective.pk).order_by("history_id"))

    assert [(record.history_type, record.people_count) for record in records] == [
        ("+", 8),
        ("~", 12),
        ("-", 12),
    ]
    assert {record.history_user for record in records} == {staff}


def test_moving_to_peer_review_keeps_the_new_reflections_naming_the_coordinator(
    peer_review, coordinator
):
    records = Reflection.history.filter(review_id=peer_review.pk)

    assert records.count() == peer_review.reflections.count() > 0
    assert {(record.history_type, record.history_user) for record in records} == {
        ("+", coordinator)
    }


def test_reordering_findings_keeps_a_record_of_each_finding_that_moved(peer_review, lead_reviewer):
    first, second = (
        findings.add_finding(peer_review, by=lead_reviewer, kind=Finding.Kind.STRENGTH, title=title)
        for title in ("Morning meetings", "Shared meals")
    )

    findings.move_finding(second, by=lead_reviewer, direction="up")

    changed = Finding.history.filter(review_id=peer_review.pk, history_type="~")
    assert sorted((record.id, record.order) for record in changed) == sorted(
        [(first.pk, 1), (second.pk, 0)]
    )
    assert {record.history_user for record in changed} == {lead_reviewer}


def test_a_page_write_names_the_signed_in_person(client, peer_review, reviewer):
    client.force_login(reviewer)

    response = client.post(
        reverse("reviews:thread_add", args=[peer_review.pk]),
        {"visibility": Thread.Visibility.TEAM, "title": "Night staff", "body": "Who covers?"},
    )

    assert response.status_code == 302
    thread = peer_review.threads.get(title="Night staff")
    assert thread.history.get().history_user == reviewer
    assert thread.comments.get().history.get().history_user == reviewer


def test_review_team_places_name_who_added_and_who_accepted(
    answered_review, service_lead, coordinator, reviewer
):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from reviews.allocation import add_to_team

    transition(answered_review, Review.Status.SUBMITTED, by=service_lead)
    assignment, check = add_to_team(
        answered_review, reviewer.reviewer_profile, "peer", by=coordinator
    )
    assert assignment is not None, check.refusals
    token = Token.objects.create(user=reviewer)

    response = Client().post(
        f"/api/v1/assignments/{assignment.pk}/accept/", HTTP_AUTHORIZATION=f"Token {token.key}"
    )

    assert response.status_code == 200, response.content
    records = list(assignment.history.order_by("history_id"))
    assert [(record.history_type, record.status, record.history_user) for record in records] == [
        ("+", "invited", coordinator),
        ("~", "accepted", reviewer),
    ]


def test_an_api_write_with_a_token_names_the_token_holder(service_lead, staff):
    """Ending a membership passes no actor to the history: the request's person is named."""
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from assurance.models import Membership

    membership = Membership.objects.get(user=staff)
    token = Token.objects.create(user=service_lead)

    response = Client().post(
        f"/api/v1/memberships/{membership.pk}/deactivate/",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )

    assert response.status_code == 200, response.content
    assert membership.history.latest().history_user == service_lead


def test_a_page_write_names_the_signed_in_person_where_the_row_names_nobody(
    client, coordinator, staff
):
    from assurance.models import Membership

    membership = Membership.objects.get(user=staff)
    client.force_login(coordinator)

    response = client.post(reverse("membership_deactivate", args=[membership.pk]))

    assert response.status_code == 302
    latest = membership.history.latest()
    assert (latest.history_type, latest.history_user) == ("~", coordinator)
    assert latest.ended_at is not None


def test_a_membership_change_is_kept(service, staff):
    from assurance import roles
    from assurance.models import Membership

    membership = Membership.objects.get(user=staff, service=service)
    roles.leave_service(membership)

    records = list(membership.history.order_by("history_id"))
    assert [record.history_type for record in records] == ["+", "~"]
    assert records[0].ended_at is None
    assert records[1].ended_at is not None


# Reading it: the merged history ---------------------------------------------------------------


def test_history_rows_merge_moves_records_and_reads_newest_first(
    answered_review, service_lead, coordinator
):
    transition(answered_review, Review.Status.SUBMITTED, by=service_lead)
    AccessLog.objects.create(
        user=coordinator, kind=AccessLog.Kind.EVIDENCE, object_id=1, review=answered_review
    )

    rows = list(history.history_rows(answered_review, include_safeguarding=True))

    kinds = [row["h_kind"] for row in rows]
    assert kinds[0] == history.READ
    assert kinds[1] == history.EVENT  # the submit
    assert kinds[-1] == "response"  # enrolment created the responses first of all
    assert history.EVENT in kinds[-(answered_review.responses.count() + 1) :]  # then its move
    assert kinds.count("response") == 2 * answered_review.responses.count()
    whens = [row["h_when"] for row in rows]
    assert whens == sorted(whens, reverse=True)


def test_history_rows_leave_out_safeguarding_notes_unless_the_reader_may_read_them(
    peer_review, reviewer
):
    safeguarding.raise_note(peer_review, by=reviewer, summary="A resident seemed frightened.")

    with_notes = history.history_rows(peer_review, include_safeguarding=True)
    without = history.history_rows(peer_review, include_safeguarding=False)
    only_notes = history.history_rows(peer_review, kind="safeguarding", include_safeguarding=False)

    assert "safeguarding" in [row["h_kind"] for row in with_notes]
    assert "safeguarding" not in [row["h_kind"] for row in without]
    assert list(only_notes) == []
    assert "safeguarding" not in dict(history.kind_choices(include_safeguarding=False))


def test_a_change_lists_short_fields_with_values_and_long_ones_by_name(answered_review):
    response = answered_review.responses.first()
    latest, first = response.history.order_by("-history_id")[:2]

    changes = {change.label: change for change in history.field_changes(latest, first)}

    assert changes["Your view"].old == "(blank)"
    assert changes["Your view"].new == "Partly met"
    assert changes["What we do"].shows_values is False
    assert "Version" not in changes


# The page ---------------------------------------------------------------------------------


def test_coordinator_sees_the_full_history(client, answered_review, coordinator, staff):
    content = page(client, coordinator, history_url(answered_review)).content.decode()

    assert "<title>Full history – Willow House, 2027" in content
    assert content.count("<h1") == 1
    assert "Self-assessment response" in content
    assert "Your view: (blank) → Partly met" in content
    assert "What we do changed" in content
    assert NARRATIVE not in content  # long texts are named, never repeated
    assert "Started at Self-assessment" in content
    assert str(staff) in content
    assert str(coordinator) in content


def test_the_page_shows_safeguarding_records_to_coordinators_without_the_note(
    client, peer_review, reviewer, coordinator
):
    safeguarding.raise_note(peer_review, by=reviewer, summary="A resident seemed frightened.")

    content = page(client, coordinator, history_url(peer_review, kind="safeguarding"))
    content = content.content.decode()

    note = SafeguardingNote.objects.get(review=peer_review)
    assert f"Safeguarding note {note.pk}" in content
    assert "A resident seemed frightened." not in content


def test_the_page_shows_reads_of_evidence_and_reports(client, review, coordinator, staff):
    AccessLog.objects.create(
        user=staff, kind=AccessLog.Kind.EVIDENCE, object_id=9999, review=review
    )

    content = page(client, coordinator, history_url(review, kind=history.READ)).content.decode()

    assert "Read or downloaded" in content
    assert "An evidence file" in content
    assert "Self-assessment response</span>" not in content


def test_the_kind_filter_shows_only_that_kind(client, answered_review, coordinator):
    content = page(client, coordinator, history_url(answered_review, kind=history.EVENT))
    content = content.content.decode()

    assert "Started at Self-assessment" in content
    assert "Self-assessment response</span>" not in content
    assert '<option value="stage" selected>' in content


def test_an_unknown_kind_shows_everything(client, answered_review, coordinator):
    content = page(client, coordinator, history_url(answered_review, kind="nonsense"))
    content = content.content.decode()

    assert "Started at Self-assessment" in content
    assert "Your view: (blank) → Partly met" in content


def test_a_kind_with_nothing_in_it_says_so(client, review, coordinator):
    content = page(client, coordinator, history_url(review, kind="finding")).content.decode()

    assert "Nothing of this kind has happened to this review yet." in content
    assert "<table" not in content


def test_a_long_history_is_paginated(client, answered_review, coordinator, staff):
    for rating in (Rating.MET, Rating.NOT_YET_MET):
        for response in answered_review.responses.all():
            self_assessment.save_response(
                response, by=staff, expected_version=response.version, rating=rating
            )
    total = len(list(history.history_rows(answered_review, include_safeguarding=True)))
    assert total > history.PAGE_SIZE

    first = page(client, coordinator, history_url(answered_review)).content.decode()
    last = client.get(history_url(answered_review, page=2)).content.decode()

    assert 'class="govuk-pagination"' in first
    assert f"{total} entries" in first
    assert first.count('<tr class="govuk-table__row">') == history.PAGE_SIZE + 1
    assert last.count('<tr class="govuk-table__row">') == total - history.PAGE_SIZE + 1
    # Newest first: the latest saves open the first page; enrolment's responses end the last.
    assert "Your view: Met → Not yet met" in first
    assert "Your view: Met → Not yet met" not in last
    assert "Created" in last


@pytest.mark.parametrize("role", ["service_lead", "staff", "lived_experience", "lead_reviewer"])
def test_people_who_see_the_review_but_do_not_coordinate_are_refused(
    client, peer_review, role, request
):
    person = request.getfixturevalue(role)

    assert page(client, person, history_url(peer_review)).status_code == 403


def test_an_outsider_learns_nothing(client, review, user):
    assert page(client, user, history_url(review)).status_code == 404


def test_a_coordinator_of_another_network_learns_nothing(client, review, other_network):
    from assurance import roles
    from tests.factories import UserFactory

    elsewhere = UserFactory(email="elsewhere@example.org")
    roles.appoint_coordinator(elsewhere, other_network)

    assert page(client, elsewhere, history_url(review)).status_code == 404


def test_the_review_page_links_the_history_for_coordinators_only(
    client, review, coordinator, staff
):
    link = f'href="{history_url(review)}"'
    detail = reverse("reviews:review_detail", args=[review.pk])

    assert link in page(client, coordinator, detail).content.decode()
    assert link not in page(client, staff, detail).content.decode()


def queries_for(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_page_makes_as_many_queries_for_a_long_history_as_for_a_short_one(
    client, peer_review, coordinator, reviewer, lead_reviewer, django_assert_num_queries
):
    def activity(n: int) -> None:
        for index in range(n):
            thread = threads.start_thread(
                peer_review,
                by=reviewer,
                visibility=Thread.Visibility.TEAM,
                title=f"Question {index}",
                body="A question.",
            )
            threads.add_comment(thread, by=lead_reviewer, body="An answer.")
            findings.add_finding(
                peer_review, by=lead_reviewer, kind=Finding.Kind.STRENGTH, title=f"Strength {index}"
            )
            safeguarding.raise_note(peer_review, by=reviewer, summary=f"Concern {index}")
            AccessLog.objects.create(
                user=reviewer, kind=AccessLog.Kind.REPORT, object_id=index, review=peer_review
            )

    # Twelve rounds fill the first page with every kind the rounds write, as forty more do.
    activity(12)
    client.force_login(coordinator)
    url = history_url(peer_review)
    few = queries_for(client, url)

    activity(40)

    with django_assert_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Strength 39" in content
    assert "Strength 11" not in content  # on a later page now
    assert "Safeguarding note" in content
