"""reviews/cycles.py: a cycle's default dates, opening a cycle, and enrolling a service."""

from datetime import date

import pytest

from assurance import permissions
from reviews.cycles import EnrolmentError, default_dates, enrol, open_cycle
from reviews.models import Cycle, Review, ReviewEvent
from standards.models import Standard
from tests.factories import NetworkFactory, ServiceFactory

# Dates -----------------------------------------------------------------------------------------


def test_default_dates_follow_the_networks_usual_timeline(network):
    dates = default_dates(network, date(2027, 1, 4))

    # 8 weeks of self-assessment, 8 weeks of visits, then 21 + 14 days to the report.
    assert dates == {
        "opens_on": date(2027, 1, 4),
        "self_assessment_due": date(2027, 3, 1),
        "visits_from": date(2027, 3, 2),
        "visits_until": date(2027, 4, 26),
        "report_due": date(2027, 5, 31),
    }


def test_default_dates_use_the_networks_own_timeline(db):
    network = NetworkFactory(
        self_assessment_weeks=4, visit_window_weeks=2, draft_report_days=7, accuracy_window_days=7
    )

    dates = default_dates(network, date(2027, 1, 4))

    assert dates["self_assessment_due"] == date(2027, 2, 1)
    assert dates["visits_until"] == date(2027, 2, 15)
    assert dates["report_due"] == date(2027, 3, 1)


def test_default_dates_run_in_order(network):
    dates = default_dates(network, date(2027, 1, 4))

    assert list(dates.values()) == sorted(dates.values())


# Opening a cycle ------------------------------------------------------------------------------


def test_open_cycle_offers_the_versions_given(network, version):
    cycle = open_cycle(
        network=network, name="2027", versions=[version], **default_dates(network, date(2027, 1, 4))
    )

    assert list(cycle.framework_versions.all()) == [version]
    assert cycle.status == Cycle.Status.OPEN
    assert cycle.self_assessment_due == date(2027, 3, 1)


def test_open_cycle_without_a_version_is_refused(network):
    with pytest.raises(EnrolmentError):
        open_cycle(
            network=network, name="2027", versions=[], **default_dates(network, date(2027, 1, 4))
        )

    assert not Cycle.objects.exists()


# Enrolling a service --------------------------------------------------------------------------


def test_enrol_starts_the_review_in_self_assessment_with_a_response_per_standard(
    cycle, service, version, coordinator
):
    review = enrol(cycle, service, version, by=coordinator)

    assert review.status == Review.Status.SELF_ASSESSMENT
    assert review.self_assessment_due == cycle.self_assessment_due
    assert review.version == 1
    assert set(review.responses.values_list("standard_id", flat=True)) == set(
        Standard.objects.filter(version=version).values_list("pk", flat=True)
    )
    assert all(not response.rating for response in review.responses.all())


def test_enrol_writes_the_first_history_event(cycle, service, version, coordinator):
    review = enrol(cycle, service, version, by=coordinator)

    event = ReviewEvent.objects.get(review=review)
    assert (event.from_status, event.to_status, event.actor) == (
        "",
        Review.Status.SELF_ASSESSMENT,
        coordinator,
    )
    assert "2027" in event.note


def test_enrol_gives_each_role_its_rights_on_the_review(
    cycle,
    service,
    version,
    service_lead,
    staff,
    lived_experience,
    coordinator,
    commissioner,
    outsider,
):
    review = enrol(cycle, service, version, by=coordinator)

    rights = {
        person.email: {
            perm
            for perm in ("view", "contribute", "change", "submit", "manage")
            if permissions.can(person, f"reviews.{perm}_review", review)
        }
        for person in (service_lead, staff, lived_experience, coordinator, commissioner, outsider)
    }
    assert rights == {
        service_lead.email: {"view", "contribute", "change", "submit"},
        staff.email: {"view", "contribute", "change"},
        lived_experience.email: {"view", "contribute"},
        coordinator.email: {"view", "manage"},
        commissioner.email: set(),
        outsider.email: set(),
    }


def test_enrol_links_the_services_latest_review_that_was_not_withdrawn(
    network, service, version, coordinator
):
    def cycle_opening(name: str, opens: date) -> Cycle:
        return open_cycle(
            network=network, name=name, versions=[version], **default_dates(network, opens)
        )

    older = enrol(cycle_opening("2025", date(2025, 1, 6)), service, version, by=coordinator)
    last = enrol(cycle_opening("2026", date(2026, 1, 5)), service, version, by=coordinator)
    Review.objects.filter(pk=last.pk).update(status=Review.Status.WITHDRAWN)

    review = enrol(cycle_opening("2027", date(2027, 1, 4)), service, version, by=coordinator)

    assert review.previous == older


def test_enrol_with_no_earlier_review_links_none(cycle, service, version, coordinator):
    assert enrol(cycle, service, version, by=coordinator).previous is None


def test_enrol_twice_is_refused(cycle, service, version, coordinator):
    enrol(cycle, service, version, by=coordinator)

    with pytest.raises(EnrolmentError, match="already enrolled"):
        enrol(cycle, service, version, by=coordinator)

    assert Review.objects.filter(cycle=cycle, service=service).count() == 1


def test_enrol_of_a_service_of_another_network_is_refused(
    cycle, other_network, version, coordinator
):
    elsewhere = ServiceFactory(network=other_network)

    with pytest.raises(EnrolmentError, match="not in this network"):
        enrol(cycle, elsewhere, version, by=coordinator)

    assert not Review.objects.exists()


def test_enrol_with_a_version_the_cycle_does_not_offer_is_refused(
    cycle, service, version, coordinator
):
    version.pk = None
    version.label = "2099.1"
    version.save()

    with pytest.raises(EnrolmentError, match="does not offer"):
        enrol(cycle, service, version, by=coordinator)

    assert not Review.objects.exists()
