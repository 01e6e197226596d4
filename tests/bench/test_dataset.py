"""The benchmark's dataset generator (bench/dataset.py): a tiny scale builds what it says, and
the permission rows it bulk-writes are exactly those the product's grant code writes.

The tiny dataset is built and committed once for the module (its own 8-standard framework is
imported through the product's import, since no fixture framework has 8 standards), and the
database is emptied afterwards.
"""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from guardian.models import GroupObjectPermission
from guardian.shortcuts import assign_perm

from assurance import permissions, roles
from assurance.models import (
    CommissionerMembership,
    CommissioningBody,
    Coordinator,
    Membership,
    Network,
    Service,
    ServiceGroupObjectPermission,
    User,
)
from bench.dataset import Scale, build
from reviews.allocation import teams
from reviews.models import (
    Assignment,
    Cycle,
    Report,
    ReportGroupObjectPermission,
    ReportShare,
    Response,
    Review,
    ReviewGroupObjectPermission,
)
from reviews.permissions import setup_review_permissions
from reviews.report import learning
from reviews.report.issuing import readers
from reviews.views import dashboard

TINY = Scale(
    services=6,
    organisations=3,
    users=80,
    networks=2,
    standards=8,
    bodies_per_network=2,
    coordinators_per_network=2,
    reviewer_share=0.6,
    expert_share=0.6,
)


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        progress = io.StringIO()
        counts = build(TINY, out=progress)
        yield counts, progress.getvalue()
        call_command("flush", interactive=False, verbosity=0)


def permission_rows() -> set[tuple]:
    """Every object permission, group membership and group model permission, by names."""
    rows: set[tuple] = set()
    for model in (
        ServiceGroupObjectPermission,
        ReviewGroupObjectPermission,
        ReportGroupObjectPermission,
    ):
        rows |= {
            (model.__name__, group, codename, str(pk))
            for group, codename, pk in model.objects.values_list(
                "group__name", "permission__codename", "content_object_id"
            )
        }
    rows |= {
        ("generic", group, codename, f"{model}:{pk}")
        for group, codename, model, pk in GroupObjectPermission.objects.values_list(
            "group__name", "permission__codename", "content_type__model", "object_pk"
        )
    }
    rows |= {
        ("member", group, str(user), "")
        for user, group in User.groups.through.objects.values_list("user_id", "group__name")
    }
    rows |= {
        ("model permission", group, codename, "")
        for group, codename in Group.permissions.through.objects.values_list(
            "group__name", "permission__codename"
        )
    }
    return rows


def replay_product_grants() -> None:
    """Give every permission again through the product's own grant code, from the role rows."""
    for network in Network.objects.order_by("pk"):
        permissions.setup_network_permissions(network)
    for service in Service.objects.select_related("network").order_by("pk"):
        permissions.setup_service_permissions(service)
    for body in CommissioningBody.objects.select_related("network").order_by("pk"):
        permissions.setup_body_permissions(body)
    for membership in Membership.objects.active().select_related("user", "service"):
        roles.join_service(membership.user, membership.service, membership.role)
    for role in Coordinator.objects.active().select_related("user", "network"):
        roles.appoint_coordinator(role.user, role.network)
    for role in CommissionerMembership.objects.active().select_related("user", "body"):
        roles.join_commissioning_body(role.user, role.body)
    for review in Review.objects.select_related("service__network").order_by("pk"):
        setup_review_permissions(review)
    for assignment in Assignment.objects.filter(status=Assignment.Status.ACCEPTED).order_by("pk"):
        teams._grant(assignment)
    for report in Report.objects.select_related("review__service__network").order_by("pk"):
        for group in readers(report):
            assign_perm("reviews.view_report", group, report)


def test_build_tiny_scale_counts_match_the_scale(db, built):
    counts, progress = built

    assert Network.objects.count() == TINY.networks == counts["networks"]
    assert Service.objects.count() == TINY.services
    assert User.objects.count() == TINY.users
    assert Cycle.objects.count() == TINY.networks * TINY.cycles
    assert Review.objects.count() == TINY.services * TINY.cycles == counts["reviews"]
    assert Response.objects.count() == TINY.services * TINY.cycles * TINY.standards
    assert CommissioningBody.objects.count() == TINY.networks * TINY.bodies_per_network
    assert Membership.objects.filter(role=Membership.Role.SERVICE_LEAD).count() == TINY.services
    assert "self-assessments: responses" in progress


def test_build_tiny_scale_spreads_latest_cycle_and_publishes_earlier_ones(db, built):
    latest = Cycle.objects.order_by("-opens_on").first()
    earlier = Review.objects.exclude(cycle__opens_on=latest.opens_on)

    assert set(earlier.values_list("status", flat=True)) <= {
        Review.Status.PUBLISHED,
        Review.Status.CLOSED,
        Review.Status.WITHDRAWN,
    }
    published = earlier.exclude(status=Review.Status.WITHDRAWN)
    assert Report.objects.filter(review__in=published, kind=Report.Kind.FINAL).count() == (
        published.count()
    )
    assert Cycle.objects.filter(status=Cycle.Status.OPEN).count() == TINY.networks


def test_build_tiny_scale_permission_rows_equal_the_products(db, built):
    generated = permission_rows()
    Group.objects.all().delete()  # takes every object permission and group membership with it
    assert permission_rows() == set()

    replay_product_grants()

    assert permission_rows() == generated


def test_build_tiny_scale_service_lead_sees_own_review_only(db, built):
    lead = Membership.objects.filter(role=Membership.Role.SERVICE_LEAD).order_by("pk").first()
    own = Review.objects.filter(service=lead.service).first()
    other = Review.objects.exclude(service__memberships__user=lead.user).first()
    client = Client()
    client.force_login(lead.user)

    seen = client.get(reverse("reviews:review_detail", args=[own.pk]))
    hidden = client.get(reverse("reviews:review_detail", args=[other.pk]))

    assert seen.status_code == 200
    assert lead.service.name in seen.content.decode()
    assert hidden.status_code == 404


def test_build_tiny_scale_coordinator_sees_own_network_board_only(db, built):
    role = Coordinator.objects.order_by("pk").first()
    own = Cycle.objects.filter(network=role.network).first()
    other = Cycle.objects.exclude(network=role.network).first()
    client = Client()
    client.force_login(role.user)

    board = client.get(reverse("reviews:cycle_board", args=[own.pk]))
    hidden = client.get(reverse("reviews:cycle_board", args=[other.pk]))

    assert board.status_code == 200
    assert role.network.name in board.content.decode()
    assert hidden.status_code == 404


def test_build_tiny_scale_accepted_reviewer_reads_the_review_they_review(db, built):
    place = Assignment.objects.filter(status=Assignment.Status.ACCEPTED).order_by("pk").first()
    user = place.reviewer.user

    assert permissions.can(user, "reviews.team_review", place.review)
    assert not permissions.can(user, "reviews.change_review", place.review)


def test_build_refuses_a_database_that_holds_a_network(db, built):
    with pytest.raises(ValueError, match="already holds a network"):
        build(TINY)


# The product fixes the benchmark found, checked on the tiny dataset -----------------------


def test_cycle_board_page_shows_each_reviews_answers(db, built):
    role = Coordinator.objects.order_by("pk").first()
    cycle = Cycle.objects.filter(network=role.network).order_by("-opens_on").first()
    first = cycle.reviews.order_by("service__name", "service__organisation__name", "pk").first()
    answered = sum(r.is_answered for r in first.responses.all())
    client = Client()
    client.force_login(role.user)

    page = client.get(reverse("reviews:cycle_board", args=[cycle.pk])).content.decode()

    row = page[page.index(escape(first.service.name)) :]
    row = row[: row.index("</tr>")]
    assert f"{answered} of {TINY.standards}" in row


def test_learning_context_follows_a_new_final_report(db, built):
    report = (
        Report.objects.filter(kind=Report.Kind.FINAL, review__status=Review.Status.PUBLISHED)
        .order_by("pk")
        .first()
    )
    cycle = report.review.cycle
    # Nothing is withheld, so that a changed view shows (the tiny network has few services).
    Network.objects.filter(pk=cycle.network_id).update(suppression_threshold=1)
    cycle = Cycle.objects.select_related("network").get(pk=cycle.pk)
    before = learning.learning_context(cycle)
    assert before == learning.build_learning_context(cycle)
    snapshot = report.snapshot
    for domain in snapshot["findings"]["domains"]:
        for row in domain["standards"]:
            row["team_rating"] = "not_yet_met"

    Report.objects.create(review=report.review, number=3, kind=Report.Kind.FINAL, snapshot=snapshot)
    after = learning.learning_context(cycle)

    assert after == learning.build_learning_context(cycle)
    assert after != before


def test_dashboard_shows_newest_shares_and_links_to_all(db, built, monkeypatch):
    share = ReportShare.objects.order_by("pk").first()
    body = share.body
    others = Review.objects.filter(
        service__network=body.network, status=Review.Status.PUBLISHED
    ).exclude(shares__body=body)
    ReportShare.objects.bulk_create(ReportShare(review=r, body=body) for r in others)
    total = ReportShare.objects.filter(body=body).count()
    commissioner = CommissionerMembership.objects.filter(body=body).first().user
    monkeypatch.setattr(dashboard, "DASHBOARD_SHARES", 1)
    client = Client()
    client.force_login(commissioner)

    home = client.get(reverse("home")).content.decode()
    listed = client.get(reverse("reviews:shared_reports", args=[body.pk])).content.decode()

    assert total > 1
    assert home.count("Read the report<span") == 1
    assert f"See all {total} reports shared with" in home
    assert listed.count("Read the report<span") == total
    assert f"{total} reports are shared with you." in listed


def test_shared_reports_page_is_for_the_bodys_commissioners(db, built):
    body = ReportShare.objects.order_by("pk").first().body
    coordinator = Coordinator.objects.filter(network=body.network).first().user
    outsider = Coordinator.objects.exclude(network=body.network).first().user
    client = Client()
    url = reverse("reviews:shared_reports", args=[body.pk])

    client.force_login(coordinator)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
