"""The demo network: built through the role functions and the workflow, complete, and safe to
build twice.

The demo is built and committed once for the module, as `make run` builds it, and the database
is emptied at the end; each test runs in a savepoint of its own. The demo queues its PDFs for
`make run`'s task worker, so none is drawn here.
"""

import io
import json

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from assurance import permissions
from assurance.models import (
    CommissionerMembership,
    CommissioningBody,
    Membership,
    Organisation,
    Service,
)
from reviews.management.commands.seed_demo import DEMO_PASSWORD
from reviews.models import (
    AccuracyComment,
    Action,
    ActionProgress,
    Assignment,
    Conflict,
    Evidence,
    Finding,
    Perspective,
    Proposal,
    RenderJob,
    Report,
    ReportShare,
    Review,
    ReviewerProfile,
    SafeguardingNote,
    Thread,
)
from reviews.report import issuing, learning


@pytest.fixture(scope="module")
def output(django_db_setup, django_db_blocker):
    """The demo, built and committed once for the module, as `make run` does; its printed
    logins. The database is emptied again afterwards, as after any transactional test."""
    with django_db_blocker.unblock():
        printed = io.StringIO()
        call_command("seed_demo", stdout=printed)
        yield printed.getvalue()
        call_command("flush", interactive=False, verbosity=0)


def review_of(service: str, cycle: str = "2027") -> Review:
    return Review.objects.get(service__name=service, cycle__name=cycle)


def test_seed_demo_builds_the_network_the_readme_describes(db, output):
    assert Organisation.objects.count() >= 5
    assert Service.objects.count() >= 12
    assert Service.objects.values("setting_type").distinct().count() >= 6
    for service in Service.objects.all():
        assert set(service.memberships.active().values_list("role", flat=True)) == set(
            Membership.Role.values
        )
    assert CommissioningBody.objects.count() == 2
    assert CommissionerMembership.objects.active().count() == 2
    assert "coordinator@demo.example" in output
    assert DEMO_PASSWORD in output


def test_seed_demo_twice_changes_nothing(db, output):
    models = (
        Service,
        Membership,
        Organisation,
        Review,
        Report,
        RenderJob,
        Action,
        ActionProgress,
        AccuracyComment,
        ReportShare,
        Assignment,
        Finding,
        Thread,
    )
    counts = [model.objects.count() for model in models]

    call_command("seed_demo", stdout=io.StringIO())

    assert [model.objects.count() for model in models] == counts


def test_demo_logins_work_and_carry_their_roles(db, output):
    coordinator = authenticate(email="coordinator@demo.example", password=DEMO_PASSWORD)
    lead = authenticate(email="lead.larch-ward@demo.example", password=DEMO_PASSWORD)

    larch = Service.objects.get(name="Larch Ward")
    assert permissions.is_coordinator(coordinator)
    assert permissions.can(lead, "assurance.manage_team", larch)
    assert not permissions.can(
        lead, "assurance.view_service", Service.objects.get(name="Anchor House")
    )


def test_seed_demo_has_cycles_with_services_at_different_points(db, output):
    statuses = sorted(Review.objects.filter(cycle__name="2027").values_list("status", flat=True))
    assert statuses.count("self_assessment") == 6
    assert statuses.count("submitted") == 1
    assert statuses.count("peer_review") == 1
    assert statuses.count("drafting") == 1
    assert statuses.count("accuracy_check") == 1
    assert statuses.count("published") == 2
    assert list(Review.objects.filter(cycle__name="2026").values_list("status", flat=True)) == [
        "closed"
    ]
    returned = review_of("Holme Wing PIPE")
    assert returned.events.filter(from_status="submitted", to_status="self_assessment").exists()
    part_done = review_of("Larch Ward")
    voices = set(
        Perspective.objects.filter(response__review=part_done).values_list("voice", flat=True)
    )
    assert len(voices) >= 3
    assert 0 < part_done.responses.exclude(rating="").count() < part_done.responses.count()


def test_seed_demo_reviews_in_progress_have_evidence_of_each_kind(db, output):
    kinds = set(
        Evidence.objects.filter(review__service__name="Larch Ward").values_list("kind", flat=True)
    )
    assert kinds == {"file", "link", "note"}
    assert Evidence.objects.filter(review__service__name="Kestrel Court").count() == 0


def test_seed_demo_has_a_reviewer_pool_and_teams_partly_accepted(db, output):
    assert (ReviewerProfile.objects.count(), Conflict.objects.count()) == (15, 3)
    assert Proposal.objects.get().status == Proposal.Status.CONFIRMED
    teams = {
        service: sorted(
            Assignment.objects.filter(review__service__name=service).values_list("role", "status")
        )
        for service in ("Quayside Hostel", "The Willows Community", "Tyne Bridge Wing")
    }
    full_team = [
        ("expert", "accepted"),
        ("lead", "accepted"),
        ("peer", "accepted"),
        ("peer", "accepted"),
    ]
    assert teams["Quayside Hostel"] == full_team
    assert teams["The Willows Community"] == full_team
    assert teams["Tyne Bridge Wing"] == [
        ("expert", "accepted"),
        ("lead", "invited"),
        ("peer", "accepted"),
        ("peer", "declined"),
    ]
    assert Assignment.objects.get(status="declined").decline_reason
    waiting = Assignment.objects.get(role="lead", status="invited").reviewer.user
    assert waiting.email in output
    assert authenticate(email=waiting.email, password=DEMO_PASSWORD) == waiting


def test_seed_demo_plays_the_peer_review_through_visit_threads_reflections_and_findings(db, output):
    drafting = Review.objects.get(status="drafting")
    in_peer_review = Review.objects.get(status="peer_review")
    for review in (drafting, in_peer_review):
        assert review.visit.starts_on is not None
        assert review.visit.agenda.count() == 7
        assert set(review.threads.values_list("visibility", flat=True)) == {
            Thread.Visibility.TEAM,
            Thread.Visibility.SHARED,
        }
        host_replies = review.threads.filter(
            visibility=Thread.Visibility.SHARED,
            comments__author__email=f"lead.{review.service.name.lower().replace(' ', '-')}"
            "@demo.example",
        )
        assert host_replies.exists()
        assert f"leads {review.service}" in output
    assert all(r.is_recorded for r in drafting.reflections.all())
    assert drafting.reflections.filter(agreement="differs").exists()
    assert (
        0
        < sum(r.is_recorded for r in in_peer_review.reflections.all())
        < (in_peer_review.reflections.count())
    )
    assert set(drafting.findings.values_list("kind", flat=True)) == set(Finding.Kind.values)
    assert drafting.reviewers_summary.text
    assert in_peer_review.findings.count() == 0
    assert SafeguardingNote.objects.get().review == drafting
    assert drafting.events.filter(to_status="drafting").exists()


def test_two_services_have_published_reports_one_in_its_second_cycle(db, output):
    published = Review.objects.filter(status__in=["published", "closed"])
    services = set(published.values_list("service__name", flat=True))
    assert {"Riverside Family Centre", "Willows Learning Centre"} <= services
    for review in published:
        final = issuing.current_final(review)
        assert final is not None
        assert final.snapshot["actions"]
        assert issuing.latest_draft(review).host_agreed_at is not None
        assert not AccuracyComment.objects.filter(report__review=review, answer="").exists()

    earlier = review_of("Riverside Family Centre", "2026")
    later = review_of("Riverside Family Centre")
    assert later.previous == earlier
    assert set(earlier.actions.values_list("status", flat=True)) == {"done", "in_progress"}
    previous = issuing.current_final(later).snapshot["previous"]
    assert previous["has_previous"]
    assert previous["cycle"] == "2026"
    assert sum(len(action["progress"]) for action in previous["actions"]) == 2


def test_one_review_waits_in_the_accuracy_check_with_a_comment_to_answer(db, output):
    checking = Review.objects.get(status="accuracy_check")
    draft = issuing.latest_draft(checking)

    assert checking.service.name == "Harbour Day Centre"
    comment = draft.accuracy_comments.get()
    assert comment.author.email == "lead.harbour-day-centre@demo.example"
    assert comment.answer == ""
    lead = checking.assignments.get(role="lead", status="accepted").reviewer.user
    line = next(line for line in output.splitlines() if "answer Harbour" in line)
    assert lead.email in line


def test_a_commissioner_reads_the_shared_report(db, output):
    share = ReportShare.objects.get()
    reader = authenticate(email="commissioner1@demo.example", password=DEMO_PASSWORD)
    final = issuing.current_final(share.review)

    assert share.body.name == "North West Integrated Care Board"
    assert share.review == review_of("Riverside Family Centre")
    assert permissions.can(reader, "reviews.view_report", final)
    other = issuing.current_final(review_of("Willows Learning Centre"))
    assert not permissions.can(reader, "reviews.view_report", other)
    assert "commissioner1@demo.example" in output
    assert "lead.riverside-family-centre@demo.example" in output


def test_the_demo_learning_report_names_no_service(db, output):
    context = learning.build_learning_context(review_of("Larch Ward").cycle)
    text = json.dumps(context, ensure_ascii=False)

    assert context["learning"]
    for name in Service.objects.values_list("name", flat=True):
        assert name not in text


def test_the_demo_leaves_its_pdfs_queued_for_the_worker(db, output):
    """Committed, the render tasks wait in the database queue that `make run`'s worker reads,
    whatever the configured backend (the tests' runs tasks at once): seeding draws no PDF."""
    from django_tasks_db.models import DBTaskResult

    jobs = RenderJob.objects.all()
    # Drafts 1 each, finals 2 each (report and summary): 2026, and 2027's two and one draft.
    assert jobs.count() == 10
    assert set(jobs.values_list("status", flat=True)) == {"queued"}
    waiting = DBTaskResult.objects.filter(task_path="reviews.report.issuing.render_report")
    assert sorted(task.args_kwargs["args"][0] for task in waiting) == sorted(
        jobs.values_list("pk", flat=True)
    )
