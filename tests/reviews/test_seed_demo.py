"""The demo network: built through the role functions, complete, and safe to build twice."""

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


def test_seed_demo_builds_the_network_the_readme_describes(db, capsys):
    call_command("seed_demo")

    assert Organisation.objects.count() >= 5
    assert Service.objects.count() >= 12
    assert Service.objects.values("setting_type").distinct().count() >= 6
    for service in Service.objects.all():
        assert set(service.memberships.active().values_list("role", flat=True)) == set(
            Membership.Role.values
        )
    assert CommissioningBody.objects.count() == 2
    assert CommissionerMembership.objects.active().count() == 2
    output = capsys.readouterr().out
    assert "coordinator@demo.example" in output
    assert DEMO_PASSWORD in output


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo")
    counts = (Service.objects.count(), Membership.objects.count(), Organisation.objects.count())

    call_command("seed_demo")

    assert (
        Service.objects.count(),
        Membership.objects.count(),
        Organisation.objects.count(),
    ) == counts


def test_demo_logins_work_and_carry_their_roles(db):
    call_command("seed_demo")

    coordinator = authenticate(email="coordinator@demo.example", password=DEMO_PASSWORD)
    lead = authenticate(email="lead.larch-ward@demo.example", password=DEMO_PASSWORD)

    larch = Service.objects.get(name="Larch Ward")
    assert permissions.is_coordinator(coordinator)
    assert permissions.can(lead, "assurance.manage_team", larch)
    assert not permissions.can(
        lead, "assurance.view_service", Service.objects.get(name="Anchor House")
    )


def test_seed_demo_has_a_current_cycle_with_services_at_different_points(db):
    from reviews.models import Perspective, Review

    call_command("seed_demo")

    statuses = sorted(Review.objects.values_list("status", flat=True))
    assert statuses.count("submitted") == 1
    assert statuses.count("peer_review") == 1
    assert statuses.count("drafting") == 1
    assert statuses.count("self_assessment") == 6
    returned = Review.objects.get(service__name="Holme Wing PIPE")
    assert returned.events.filter(from_status="submitted", to_status="self_assessment").exists()
    part_done = Review.objects.get(service__name="Larch Ward")
    voices = set(
        Perspective.objects.filter(response__review=part_done).values_list("voice", flat=True)
    )
    assert len(voices) >= 3
    assert 0 < part_done.responses.exclude(rating="").count() < part_done.responses.count()


def test_seed_demo_reviews_in_progress_have_evidence_of_each_kind(db):
    from reviews.models import Evidence

    call_command("seed_demo")

    kinds = set(
        Evidence.objects.filter(review__service__name="Larch Ward").values_list("kind", flat=True)
    )
    assert kinds == {"file", "link", "note"}
    assert Evidence.objects.filter(review__service__name="Kestrel Court").count() == 0


def test_seed_demo_has_a_reviewer_pool_and_teams_partly_accepted(db, capsys):
    from reviews.models import Assignment, Conflict, Proposal, ReviewerProfile

    call_command("seed_demo")
    output = capsys.readouterr().out
    counts = (ReviewerProfile.objects.count(), Conflict.objects.count(), Assignment.objects.count())
    call_command("seed_demo")

    assert counts == (15, 3, 12)
    assert (
        ReviewerProfile.objects.count(),
        Conflict.objects.count(),
        Assignment.objects.count(),
    ) == counts
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


def test_seed_demo_plays_the_peer_review_through_visit_threads_reflections_and_findings(db, capsys):
    from reviews.models import Finding, Review, SafeguardingNote, Thread

    call_command("seed_demo")
    output = capsys.readouterr().out

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
