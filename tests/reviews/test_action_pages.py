"""The agreed actions' pages (reviews/views/actions.py): the list with progress and overdue
actions, drafting (the lead reviewer), recording progress (the host, once published), the CSV
of a service's actions, who may open what, and query counts."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance import roles
from reviews.cycles import enrol
from reviews.models import Action, ActionProgress, Review
from reviews.report import actions as writing
from reviews.report import sharing
from reviews.workflow import transition
from tests.factories import CommissioningBodyFactory, UserFactory
from tests.reviews.test_actions import PAST, add, first_standard, publish, to_drafting

Status = Review.Status


@pytest.fixture
def drafting(peer_review, lead_reviewer, reviewer):
    return to_drafting(peer_review, lead_reviewer, reviewer)


@pytest.fixture
def published(drafting, lead_reviewer, service_lead, coordinator):
    add(drafting, lead_reviewer, title="Hold a night-staff meeting", due_on=PAST)
    add(drafting, lead_reviewer, title="Review the welcome pack", owner_role="Service lead")
    return publish(drafting, lead_reviewer, service_lead, coordinator)


def page(client, person, name: str, *args, **kwargs):
    client.force_login(person)
    return client.get(reverse(name, args=args), **kwargs)


def post(client, person, name: str, *args, data=None):
    client.force_login(person)
    return client.post(reverse(name, args=args), data or {})


def list_url(review) -> str:
    return reverse("reviews:action_list", args=[review.pk])


# The list ---------------------------------------------------------------------------------------


def test_the_list_shows_each_action_with_its_progress_in_date_order(
    client, published, staff, service_lead
):
    action = published.actions.get(title="Review the welcome pack")
    writing.record_progress(action, by=staff, status="in_progress", note="First draft written.")
    writing.record_progress(action, by=service_lead, status="done", note="Printed and in use.")

    content = page(client, staff, "reviews:action_list", published.pk).content.decode()

    assert '<h1 class="govuk-heading-xl">Agreed actions</h1>' in content
    assert "Review the welcome pack" in content
    assert "Service lead" in content
    assert content.index("First draft written.") < content.index("Printed and in use.")
    assert staff.name in content
    assert "Record progress" in content
    assert "Add an action" not in content
    assert reverse("reviews:action_csv", args=[published.service_id]) in content


def test_overdue_actions_are_marked_in_words(client, published, staff):
    content = page(client, staff, "reviews:action_list", published.pk).content.decode()

    assert "1 overdue" in content
    assert "Overdue" in content
    assert "The due date has passed and the action is still open." in content


def test_the_lead_reviewer_sees_add_while_drafting_and_not_after_publication(
    client, drafting, lead_reviewer, service_lead, coordinator
):
    content = page(client, lead_reviewer, "reviews:action_list", drafting.pk).content.decode()
    assert "Add an action" in content
    assert "No actions yet." in content

    publish(drafting, lead_reviewer, service_lead, coordinator)
    content = page(client, lead_reviewer, "reviews:action_list", drafting.pk).content.decode()
    assert "Add an action" not in content
    assert "can no longer be changed" in content
    assert "No actions have been agreed in this review yet." in content


def test_during_the_accuracy_check_the_list_links_to_the_draft_to_comment(
    client, drafting, lead_reviewer, service_lead
):
    add(drafting, lead_reviewer)
    transition(drafting, Status.ACCURACY_CHECK, by=lead_reviewer)
    draft = drafting.reports.get()

    content = page(client, service_lead, "reviews:action_list", drafting.pk).content.decode()

    assert reverse("reviews:report_detail", args=[drafting.pk, draft.pk]) in content
    assert "comment on its actions" in content


@pytest.mark.parametrize("who", ["staff", "lived_experience", "reviewer", "coordinator"])
def test_everyone_who_sees_the_review_reads_its_actions(client, request, published, who):
    response = page(client, request.getfixturevalue(who), "reviews:action_list", published.pk)

    assert response.status_code == 200
    assert "Hold a night-staff meeting" in response.content.decode()


def test_outsider_and_unshared_commissioner_cannot_find_the_actions(
    client, published, outsider, commissioner
):
    assert page(client, outsider, "reviews:action_list", published.pk).status_code == 404
    assert page(client, commissioner, "reviews:action_list", published.pk).status_code == 404


def test_commissioner_of_a_shared_body_reads_the_actions_without_names(
    client, published, body, commissioner, service_lead, staff
):
    writing.record_progress(
        published.actions.first(), by=staff, status="in_progress", note="Started."
    )
    sharing.share_report(published, body, by=service_lead)

    content = page(client, commissioner, "reviews:action_list", published.pk).content.decode()

    assert "Started." in content
    assert staff.name not in content
    assert "Record progress" not in content
    assert "shared its report with your commissioning body" in content
    action = published.actions.first()
    assert (
        page(client, commissioner, "reviews:action_progress", published.pk, action.pk).status_code
        == 403
    )


def test_the_list_makes_the_same_queries_for_one_action_or_many(
    client, drafting, lead_reviewer, staff, django_assert_num_queries
):
    add(
        drafting,
        lead_reviewer,
        findings=[drafting.findings.get()],
        standards=[first_standard(drafting)],
    )
    client.force_login(staff)
    client.get(list_url(drafting))
    with CaptureQueriesContext(connection) as one:
        client.get(list_url(drafting))
    for n in range(6):
        action = add(
            drafting,
            lead_reviewer,
            title=f"Action {n}",
            findings=[drafting.findings.get()],
            standards=[first_standard(drafting)],
        )
        ActionProgress.objects.create(
            action=action, review=drafting, note="Noted.", status="planned", by=staff
        )

    with django_assert_num_queries(len(one)):
        response = client.get(list_url(drafting))

    assert response.content.decode().count('class="govuk-summary-card"') == 7
    assert len(one) <= 20


# Drafting ------------------------------------------------------------------------------------


def test_lead_adds_an_action_with_a_due_date(client, drafting, lead_reviewer):
    finding = drafting.findings.get()
    response = post(
        client,
        lead_reviewer,
        "reviews:action_add",
        drafting.pk,
        data={
            "title": "Ask night staff what would help",
            "owner_role": "Night shift lead",
            "due_on_day": "31",
            "due_on_month": "3",
            "due_on_year": "2028",
            "findings": [finding.pk],
        },
    )

    action = Action.objects.get()
    assert response.status_code == 302
    assert response["Location"] == list_url(drafting) + f"#action-{action.pk}"
    assert (action.title, action.due_on) == ("Ask night staff what would help", date(2028, 3, 31))
    assert list(action.findings.all()) == [finding]


def test_adding_without_a_title_shows_the_error_summary(client, drafting, lead_reviewer):
    response = post(
        client,
        lead_reviewer,
        "reviews:action_add",
        drafting.pk,
        data={"title": "", "due_on_day": "31", "due_on_month": "2", "due_on_year": "2028"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in content
    assert "There is a problem" in content
    assert 'href="#id_title"' in content
    assert "Say what the action is." in content
    assert "must be a real date" in content
    assert not Action.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "service_lead", "coordinator"])
def test_only_the_lead_opens_the_drafting_pages(client, request, drafting, lead_reviewer, who):
    action = add(drafting, lead_reviewer)
    person = request.getfixturevalue(who)

    assert page(client, person, "reviews:action_add", drafting.pk).status_code == 403
    assert page(client, person, "reviews:action_edit", drafting.pk, action.pk).status_code == 403
    assert post(client, person, "reviews:action_remove", drafting.pk, action.pk).status_code == 403
    assert Action.objects.count() == 1


def test_editing_from_an_old_version_shows_what_is_stored(client, drafting, lead_reviewer):
    action = add(drafting, lead_reviewer)
    writing.update_action(action, by=lead_reviewer, expected_version=1, title="Listen at night")

    response = post(
        client,
        lead_reviewer,
        "reviews:action_edit",
        drafting.pk,
        action.pk,
        data={"title": "My change", "version": "1"},
    )

    content = response.content.decode()
    assert response.status_code == 409
    assert "Not saved: someone else changed this action" in content
    assert "Listen at night" in content
    assert 'value="My change"' in content
    assert 'name="version" value="2"' in content
    assert Action.objects.get().title == "Listen at night"


def test_lead_edits_and_removes_after_confirming(client, drafting, lead_reviewer):
    action = add(drafting, lead_reviewer)

    edited = post(
        client,
        lead_reviewer,
        "reviews:action_edit",
        drafting.pk,
        action.pk,
        data={"title": "Listen at night", "version": "1"},
    )
    confirm = page(client, lead_reviewer, "reviews:action_remove", drafting.pk, action.pk)
    removed = post(client, lead_reviewer, "reviews:action_remove", drafting.pk, action.pk)

    assert edited.status_code == 302
    assert "Remove the action “Listen at night”?" in confirm.content.decode()
    assert removed.status_code == 302
    assert not Action.objects.exists()


def test_after_publication_the_lead_is_sent_back_with_the_reason(client, published, lead_reviewer):
    action = published.actions.first()

    response = post(
        client,
        lead_reviewer,
        "reviews:action_edit",
        published.pk,
        action.pk,
        data={"title": "Later", "version": "1"},
    )

    assert response.status_code == 302
    followed = client.get(response["Location"]).content.decode()
    assert "The report is published, so its actions can no longer be changed." in followed
    assert Action.objects.get(pk=action.pk).title == action.title


def test_an_action_of_another_review_is_not_found(
    client, drafting, lead_reviewer, other_service, version, coordinator
):
    elsewhere = enrol(drafting.cycle, other_service, version, by=coordinator)
    other = Action.objects.create(review=elsewhere, title="Elsewhere")

    response = page(client, lead_reviewer, "reviews:action_edit", drafting.pk, other.pk)

    assert response.status_code == 404


# Progress ------------------------------------------------------------------------------------


def test_staff_record_progress(client, published, staff):
    action = published.actions.get(title="Hold a night-staff meeting")

    form = page(client, staff, "reviews:action_progress", published.pk, action.pk)
    response = post(
        client,
        staff,
        "reviews:action_progress",
        published.pk,
        action.pk,
        data={"status": "in_progress", "note": "Two meetings held."},
    )

    assert "Record progress" in form.content.decode()
    assert response.status_code == 302
    progress = ActionProgress.objects.get()
    assert (progress.note, progress.by, progress.review_id) == (
        "Two meetings held.",
        staff,
        published.pk,
    )


def test_dropping_without_a_reason_shows_the_error(client, published, service_lead):
    action = published.actions.first()

    response = post(
        client,
        service_lead,
        "reviews:action_progress",
        published.pk,
        action.pk,
        data={"status": "dropped", "note": "Stopped."},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "Say why the action was dropped." in content
    assert 'href="#id_dropped_reason"' in content
    assert not ActionProgress.objects.exists()


def test_progress_is_refused_to_lived_experience_contributors(client, published, lived_experience):
    action = published.actions.first()

    response = post(
        client,
        lived_experience,
        "reviews:action_progress",
        published.pk,
        action.pk,
        data={"status": "done", "note": "Done."},
    )

    assert response.status_code == 403
    assert not ActionProgress.objects.exists()


def test_progress_before_publication_returns_to_the_list_with_the_reason(
    client, drafting, lead_reviewer, staff
):
    action = add(drafting, lead_reviewer)

    response = post(
        client,
        staff,
        "reviews:action_progress",
        drafting.pk,
        action.pk,
        data={"status": "done", "note": "Done."},
    )

    assert response.status_code == 302
    assert (
        "Progress is recorded once the report is published."
        in client.get(response["Location"]).content.decode()
    )
    assert not ActionProgress.objects.exists()


# The CSV --------------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_lists_every_action_with_its_latest_progress(client, published, staff):
    action = published.actions.get(title="Review the welcome pack")
    writing.record_progress(action, by=staff, status="in_progress", note="Drafted.")
    writing.record_progress(action, by=staff, status="done", note="Printed.")

    response = page(client, staff, "reviews:action_csv", published.service_id)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="willow-house-actions.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = read_csv(response)
    assert rows[0] == [
        "Review",
        "Action",
        "Who leads it",
        "Due",
        "Where it stands",
        "Latest progress",
        "Date of latest progress",
    ]
    assert rows[1][:5] == ["2027", "Hold a night-staff meeting", "", "2020-01-31", "Planned"]
    assert rows[2][:6] == [
        "2027",
        "Review the welcome pack",
        "Service lead",
        "",
        "Done",
        "Printed.",
    ]
    assert len(rows[2][6]) == 10


def test_the_csv_defuses_formulas(client, drafting, lead_reviewer, staff):
    for title in ('=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "Plain"):
        add(drafting, lead_reviewer, title=title, owner_role="=cmd|' /C calc'!A0")

    rows = read_csv(page(client, staff, "reviews:action_csv", drafting.service_id))

    titles = sorted(row[1] for row in rows[1:])
    assert titles == sorted(['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "Plain"])
    assert {row[2] for row in rows[1:]} == {"'=cmd|' /C calc'!A0"}


def test_the_csv_is_for_people_who_read_the_services_actions(
    client, published, outsider, commissioner, body, service_lead, network
):
    assert page(client, outsider, "reviews:action_csv", published.service_id).status_code == 404
    assert page(client, commissioner, "reviews:action_csv", published.service_id).status_code == 404

    sharing.share_report(published, body, by=service_lead)
    rows = read_csv(page(client, commissioner, "reviews:action_csv", published.service_id))
    assert len(rows) == 3

    elsewhere = CommissioningBodyFactory(network=network, name="South Shore ICB")
    other_commissioner = UserFactory(email="south@example.org")
    roles.join_commissioning_body(other_commissioner, elsewhere)
    response = page(client, other_commissioner, "reviews:action_csv", published.service_id)
    assert response.status_code == 404


def test_the_csv_makes_the_same_queries_at_two_sizes(
    client, published, lead_reviewer, staff, django_assert_num_queries
):
    url = reverse("reviews:action_csv", args=[published.service_id])
    client.force_login(staff)
    client.get(url)
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    for action in published.actions.all():
        writing.record_progress(action, by=staff, status="in_progress", note="Going.")
    for n in range(5):
        Action.objects.create(review=published, title=f"More {n}")

    with django_assert_num_queries(len(two)):
        response = client.get(url)

    assert len(read_csv(response)) == 8
