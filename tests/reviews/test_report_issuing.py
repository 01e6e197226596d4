"""Issuing reports through the workflow: the draft for the accuracy check, the accuracy comments
and the host's agreement, publication (rendered once, stored with its sha256), corrections, and
who reads each kind of report."""

from datetime import time

import pytest
from django.core.exceptions import PermissionDenied

from assurance import permissions
from reviews.models import AccuracyComment, AgendaItem, Finding, RenderJob, Report, Review, Visit
from reviews.peer_review import findings, reflections, visit
from reviews.report import accuracy, issuing
from reviews.self_assessment import Invalid
from reviews.workflow import TransitionError, transition

Status = Review.Status


@pytest.fixture
def drafting(peer_review, lead_reviewer, reviewer, service_lead):
    planned = visit.save_visit(
        peer_review,
        by=lead_reviewer,
        expected_version=None,
        mode=Visit.Mode.IN_PERSON,
        starts_on=peer_review.cycle.visits_from,
        ends_on=peer_review.cycle.visits_from,
    )
    visit.add_agenda_item(
        planned,
        by=lead_reviewer,
        day=planned.starts_on,
        starts_at=time(10, 0),
        title="Community meeting",
        meets=AgendaItem.Meets.COMMUNITY,
    )
    for reflection in peer_review.reflections.all():
        reflections.save_reflection(
            reflection,
            by=reviewer,
            expected_version=reflection.version,
            rating="partly_met",
            agreement="agrees",
            rationale="",
        )
    transition(peer_review, Status.DRAFTING, by=lead_reviewer)
    standard = peer_review.responses.order_by("standard__order").first().standard
    findings.add_finding(
        peer_review,
        by=lead_reviewer,
        kind=Finding.Kind.STRENGTH,
        title="Residents lead the community meeting",
        standards=[standard],
    )
    findings.save_summary(
        peer_review, by=lead_reviewer, expected_version=None, text="A warm, thoughtful place."
    )
    return peer_review


def test_issue_draft_needs_a_summary_and_a_finding(peer_review, lead_reviewer, reviewer):
    for reflection in peer_review.reflections.all():
        reflections.save_reflection(
            reflection,
            by=reviewer,
            expected_version=reflection.version,
            rating="met",
            agreement="agrees",
            rationale="",
        )
    visit.save_visit(
        peer_review,
        by=lead_reviewer,
        expected_version=None,
        mode=Visit.Mode.VIRTUAL,
        starts_on=peer_review.cycle.visits_from,
        ends_on=peer_review.cycle.visits_from,
    )
    transition(peer_review, Status.DRAFTING, by=lead_reviewer)

    with pytest.raises(TransitionError) as refused:
        transition(peer_review, Status.ACCURACY_CHECK, by=lead_reviewer)

    assert [p.message for p in refused.value.problems] == [
        "Write the reviewers' summary.",
        "Write at least one finding.",
    ]
    assert not Report.objects.exists()


@pytest.mark.pdf
def test_issuing_the_draft_freezes_a_snapshot_and_renders_it(
    drafting,
    lead_reviewer,
    staff,
    reviewer,
    coordinator,
    commissioner,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        transition(drafting, Status.ACCURACY_CHECK, by=lead_reviewer)

    report = Report.objects.get()
    job = report.render_jobs.get()
    assert (report.kind, report.number) == (Report.Kind.DRAFT, 1)
    assert report.snapshot["reviewers_summary"]["text"] == "A warm, thoughtful place."
    assert job.status == RenderJob.Status.READY
    assert issuing.read_pdf(report).startswith(b"%PDF-")
    readers = (staff, reviewer, coordinator, lead_reviewer)
    assert all(permissions.can(p, "reviews.view_report", report) for p in readers)
    assert not permissions.can(commissioner, "reviews.view_report", report)


def test_accuracy_comments_and_agreement_open_the_way_to_publishing(
    drafting, lead_reviewer, service_lead, staff, coordinator
):
    transition(drafting, Status.ACCURACY_CHECK, by=lead_reviewer)
    draft = issuing.latest_draft(drafting)
    anchor = next(a for a in accuracy.anchors(draft) if a.startswith("finding:"))

    with pytest.raises(PermissionDenied):
        accuracy.add_accuracy_comment(draft, by=staff, anchor=anchor, kind="factual", body="x")
    comment = accuracy.add_accuracy_comment(
        draft, by=service_lead, anchor=anchor, kind="factual", body="It is chaired weekly."
    )
    with pytest.raises(TransitionError) as refused:
        transition(drafting, Status.PUBLISHED, by=coordinator)
    assert len(refused.value.problems) == 2

    with pytest.raises(Invalid):
        accuracy.answer_accuracy_comment(comment, by=lead_reviewer, answer="partly")
    accuracy.answer_accuracy_comment(
        comment, by=lead_reviewer, answer="partly", reason="Daily in term, weekly in summer."
    )
    accuracy.agree_draft(draft, by=service_lead, note="Thank you.")
    transition(drafting, Status.PUBLISHED, by=coordinator)

    final = issuing.current_final(drafting)
    assert (final.kind, final.number) == (Report.Kind.FINAL, 2)
    assert AccuracyComment.objects.get().answer == "partly"
    assert final.snapshot["appendix"]["accuracy_log"]


def test_a_comment_on_a_replaced_draft_is_refused(drafting, lead_reviewer, service_lead):
    transition(drafting, Status.ACCURACY_CHECK, by=lead_reviewer)
    first = issuing.latest_draft(drafting)
    transition(drafting, Status.DRAFTING, by=lead_reviewer)
    transition(drafting, Status.ACCURACY_CHECK, by=lead_reviewer)

    with pytest.raises(accuracy.AccuracyClosed):
        accuracy.add_accuracy_comment(
            first, by=service_lead, anchor="section:about", kind="context", body="More."
        )
    assert issuing.latest_draft(drafting).number == 2


@pytest.fixture
def published(
    drafting, lead_reviewer, service_lead, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        transition(drafting, Status.ACCURACY_CHECK, by=lead_reviewer)
        accuracy.agree_draft(issuing.latest_draft(drafting), by=service_lead)
        transition(drafting, Status.PUBLISHED, by=coordinator)
    return drafting


@pytest.mark.pdf
def test_publishing_renders_the_final_and_its_summary_once_with_their_hashes(
    published, reviewer, lead_reviewer
):
    final = issuing.current_final(published)
    jobs = {job.what: job.status for job in final.render_jobs.all()}

    assert jobs == {"report": "ready", "summary": "ready"}
    assert issuing.read_pdf(final).startswith(b"%PDF-")
    assert issuing.read_pdf(final, summary=True).startswith(b"%PDF-")
    assert len(final.sha256) == 64
    assert final.sha256 != final.summary_sha256
    # A final report is read by the lead reviewer, not by the other reviewers.
    assert permissions.can(lead_reviewer, "reviews.view_report", final)
    assert not permissions.can(reviewer, "reviews.view_report", final)
    # Delivering the render task again changes nothing.
    job = final.render_jobs.get(what="report")
    assert issuing.render_report.call(job.pk) == RenderJob.Status.READY
    final.refresh_from_db()
    assert issuing.read_pdf(final).startswith(b"%PDF-")


@pytest.mark.pdf
def test_stored_bytes_that_do_not_match_their_hash_are_never_served(published):
    final = issuing.current_final(published)
    with final.pdf.open("wb") as stored:
        stored.write(b"%PDF-1.7 tampered")

    with pytest.raises(issuing.ReportError):
        issuing.read_pdf(final)


@pytest.mark.pdf
def test_a_correction_supersedes_the_final_and_both_stay(published, coordinator, service_lead):
    first = issuing.current_final(published)

    with pytest.raises(issuing.ReportError):
        issuing.correct_report(published, by=service_lead, note="Typo.")
    corrected = issuing.correct_report(published, by=coordinator, note="A name was misspelt.")

    assert corrected.supersedes == first
    assert issuing.current_final(published) == corrected
    assert list(published.reports.values_list("number", "kind")) == [
        (3, "final"),
        (2, "final"),
        (1, "draft"),
    ]
    first.refresh_from_db()
    assert issuing.read_pdf(first).startswith(b"%PDF-")


def test_close_is_for_the_service_lead_or_a_coordinator(published, staff, service_lead):
    with pytest.raises(TransitionError):
        transition(published, Status.CLOSED, by=staff)

    transition(published, Status.CLOSED, by=service_lead)

    assert Review.objects.get(pk=published.pk).status == Status.CLOSED


def test_nobody_comments_or_edits_a_comment_once_the_report_is_published(
    drafting, lead_reviewer, reviewer, service_lead, coordinator
):
    from reviews.models import Thread
    from reviews.peer_review import threads

    thread = threads.start_thread(
        drafting,
        by=reviewer,
        visibility=Thread.Visibility.SHARED,
        title="Night staff",
        body="How do night staff join in?",
    )
    comment = thread.comments.get()
    transition(drafting, Status.ACCURACY_CHECK, by=lead_reviewer)
    accuracy.agree_draft(issuing.latest_draft(drafting), by=service_lead)
    transition(drafting, Status.PUBLISHED, by=coordinator)

    with pytest.raises(threads.ThreadsClosed, match="published"):
        threads.add_comment(thread, by=reviewer, body="One more thought.")
    with pytest.raises(threads.ThreadsClosed):
        threads.edit_comment(comment, by=reviewer, body="Changed after publication.")
    assert list(thread.comments.values_list("body", "edited_at")) == [
        ("How do night staff join in?", None)
    ]


def test_the_review_page_links_to_the_actions_and_to_sharing_once_published(
    client, published, service_lead, staff
):
    from django.urls import reverse

    actions = reverse("reviews:action_list", args=[published.pk])
    sharing = reverse("reviews:share_list", args=[published.pk])
    page = reverse("reviews:review_detail", args=[published.pk])

    client.force_login(service_lead)
    lead_sees = client.get(page).content.decode()
    client.force_login(staff)
    staff_sees = client.get(page).content.decode()

    assert actions in lead_sees
    assert sharing in lead_sees
    assert actions in staff_sees
    assert sharing not in staff_sees
