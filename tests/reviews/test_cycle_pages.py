"""The coordinator's cycle pages: the list, opening and changing a cycle, the board, enrolling."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance import roles
from reviews import self_assessment
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.models import Cycle, Rating, Review
from reviews.views import cycles as cycle_views
from reviews.workflow import transition
from standards.yaml_format import import_framework
from tests.factories import ServiceFactory, UserFactory
from tests.reviews.conftest import FIXTURES

CAST = (
    "service_lead",
    "staff",
    "lived_experience",
    "coordinator",
    "commissioner",
    "outsider",
)


def page(response) -> str:
    return response.content.decode()


def date_data(**dates: date) -> dict[str, str]:
    """POST data for GOV.UK date inputs: each date as its day, month and year boxes."""
    data = {}
    for name, value in dates.items():
        data |= {
            f"{name}_day": str(value.day),
            f"{name}_month": str(value.month),
            f"{name}_year": str(value.year),
        }
    return data


def cycle_data(network, versions, name: str = "2028", opens: date = date(2028, 1, 3)) -> dict:
    return {
        "name": name,
        "framework_versions": [str(v.pk) for v in versions],
        **date_data(**default_dates(network, opens)),
    }


def queries_for(client, url: str) -> int:
    """The number of queries one view of `url` makes, after a warm-up view."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def other_version(db):
    fixture = FIXTURES / "relational-environment-standards.yaml"
    return import_framework(fixture.read_bytes(), source=fixture.name).version


@pytest.fixture
def elsewhere_coordinator(other_network):
    person = UserFactory(email="elsewhere@example.org")
    roles.appoint_coordinator(person, other_network)
    return person


@pytest.fixture
def elsewhere_cycle(other_network, version):
    return open_cycle(
        network=other_network,
        name="Elsewhere 2027",
        versions=[version],
        **default_dates(other_network, date(2027, 1, 4)),
    )


# Who may use the pages ------------------------------------------------------------------------


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("name", ["reviews:cycle_list", "reviews:cycle_create"])
def test_only_coordinators_use_the_list_and_open_a_cycle(client, who, name, request, service):
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse(name))

    assert response.status_code == (200 if who == "coordinator" else 403)


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize(
    "name", ["reviews:cycle_board", "reviews:cycle_edit", "reviews:cycle_enrol"]
)
def test_a_cycles_pages_are_its_coordinators_alone(client, who, name, request, review):
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse(name, args=[review.cycle.pk]))

    # Nobody else can see the network, so for them the cycle does not exist.
    assert response.status_code == (200 if who == "coordinator" else 404)


@pytest.mark.parametrize(
    "name", ["reviews:cycle_board", "reviews:cycle_edit", "reviews:cycle_enrol"]
)
def test_a_cycle_of_another_network_does_not_exist_for_a_coordinator(
    client, coordinator, elsewhere_cycle, name
):
    client.force_login(coordinator)

    assert client.get(reverse(name, args=[elsewhere_cycle.pk])).status_code == 404
    assert client.post(reverse(name, args=[elsewhere_cycle.pk])).status_code in (404, 405)


def test_a_cycle_that_does_not_exist_is_404(client, coordinator):
    client.force_login(coordinator)

    assert client.get(reverse("reviews:cycle_board", args=[999999])).status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, cycle):
    response = client.get(reverse("reviews:cycle_board", args=[cycle.pk]))

    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_the_navigation_offers_cycles_to_coordinators_only(client, coordinator, service_lead):
    client.force_login(coordinator)
    as_coordinator = page(client.get(reverse("home")))
    client.force_login(service_lead)
    as_lead = page(client.get(reverse("home")))

    assert f'href="{reverse("reviews:cycle_list")}"' in as_coordinator
    assert f'href="{reverse("reviews:cycle_list")}"' not in as_lead


def test_every_cycle_page_has_one_h1_and_a_title_of_its_own(client, coordinator, review):
    client.force_login(coordinator)
    urls = [
        reverse("reviews:cycle_list"),
        reverse("reviews:cycle_create"),
        reverse("reviews:cycle_board", args=[review.cycle.pk]),
        reverse("reviews:cycle_edit", args=[review.cycle.pk]),
        reverse("reviews:cycle_enrol", args=[review.cycle.pk]),
    ]

    pages = [page(client.get(url)) for url in urls]

    titles = [content.split("<title>")[1].split("</title>")[0] for content in pages]
    assert [content.count("<h1") for content in pages] == [1] * len(urls)
    assert len(set(titles)) == len(titles)


# The list -------------------------------------------------------------------------------------


def test_the_list_shows_my_networks_cycles_newest_first(
    client, coordinator, network, version, elsewhere_cycle
):
    for name, opens in (("2026", date(2026, 1, 5)), ("2027", date(2027, 1, 4))):
        open_cycle(network=network, name=name, versions=[version], **default_dates(network, opens))
    client.force_login(coordinator)

    content = page(client.get(reverse("reviews:cycle_list")))

    assert content.index(">2027<") < content.index(">2026<")
    assert "Elsewhere 2027" not in content
    assert "4 January 2027" in content


def test_the_list_counts_reviews_at_each_stage(
    client, coordinator, review, other_service, service_lead, version
):
    enrol(review.cycle, other_service, version, by=coordinator)
    transition(review, Review.Status.WITHDRAWN, by=coordinator, note="Closed.")
    client.force_login(coordinator)

    content = page(client.get(reverse("reviews:cycle_list")))

    assert "Self-assessment: 1" in content
    assert "Withdrawn: 1" in content
    assert "Submitted:" not in content


def test_the_list_with_no_cycles_invites_the_coordinator_to_open_one(client, coordinator):
    client.force_login(coordinator)

    content = page(client.get(reverse("reviews:cycle_list")))

    assert "has not opened a review cycle yet" in content
    assert f'href="{reverse("reviews:cycle_create")}"' in content


def test_the_list_makes_as_many_queries_for_many_cycles_as_for_few(
    client, coordinator, network, version, service
):
    client.force_login(coordinator)
    url = reverse("reviews:cycle_list")

    def add_cycles(count: int, start: int):
        for year in range(start, start + count):
            cycle = open_cycle(
                network=network,
                name=str(year),
                versions=[version],
                **default_dates(network, date(year, 1, 4)),
            )
            enrol(cycle, service, version, by=coordinator)

    add_cycles(2, 2000)
    few = queries_for(client, url)
    add_cycles(20, 2010)
    many = queries_for(client, url)

    assert few == many


# Opening a cycle ------------------------------------------------------------------------------


def test_opening_a_cycle_proposes_next_monday_and_the_usual_timeline(
    client, coordinator, network, version
):
    client.force_login(coordinator)

    form = client.get(reverse("reviews:cycle_create")).context["form"]

    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    assert monday.weekday() == 0
    assert monday > today
    assert {name: form[name].value() for name in default_dates(network, monday)} == default_dates(
        network, monday
    )


def test_opening_a_cycle_offers_only_frameworks_in_use(client, coordinator, version, other_version):
    other_version.retire()
    client.force_login(coordinator)

    content = page(client.get(reverse("reviews:cycle_create")))

    assert f'value="{version.pk}"' in content
    assert f'value="{other_version.pk}"' not in content


def test_the_network_is_asked_only_of_a_coordinator_of_several(
    client, coordinator, other_network, version
):
    client.force_login(coordinator)
    assert 'name="network"' not in page(client.get(reverse("reviews:cycle_create")))

    roles.appoint_coordinator(coordinator, other_network)

    assert 'name="network"' in page(client.get(reverse("reviews:cycle_create")))


def test_opening_a_cycle_saves_it_and_goes_to_its_board(client, coordinator, network, version):
    client.force_login(coordinator)

    response = client.post(
        reverse("reviews:cycle_create"), cycle_data(network, [version], name="Spring 2028")
    )

    cycle = Cycle.objects.get(name="Spring 2028")
    assert response.status_code == 302
    assert response.url == reverse("reviews:cycle_board", args=[cycle.pk])
    assert cycle.network == network
    assert list(cycle.framework_versions.all()) == [version]
    assert (cycle.opens_on, cycle.report_due) == (date(2028, 1, 3), date(2028, 5, 29))


def test_every_date_can_be_changed_from_the_default(client, coordinator, network, version):
    client.force_login(coordinator)
    data = cycle_data(network, [version])
    data |= date_data(visits_until=date(2028, 6, 1), report_due=date(2028, 7, 1))

    client.post(reverse("reviews:cycle_create"), data)

    cycle = Cycle.objects.get()
    assert (cycle.visits_until, cycle.report_due) == (date(2028, 6, 1), date(2028, 7, 1))


def test_opening_a_cycle_with_nothing_filled_in_says_what_is_missing(client, coordinator, version):
    client.force_login(coordinator)

    response = client.post(reverse("reviews:cycle_create"), {})

    content = page(response)
    assert response.status_code == 200
    assert "<title>Error:" in content
    assert "govuk-error-summary" in content
    for message in (
        "Enter a name for the cycle.",
        "Choose at least one framework to offer.",
        "Enter the date the self-assessment opens.",
        "Enter the date reports are due.",
    ):
        assert message in content
    assert 'href="#id_opens_on"' in content
    assert not Cycle.objects.exists()


def test_dates_out_of_order_are_refused_with_a_message_on_each_later_date(
    client, coordinator, network, version
):
    client.force_login(coordinator)
    data = cycle_data(network, [version]) | date_data(
        opens_on=date(2028, 3, 1),
        self_assessment_due=date(2028, 2, 1),
        visits_from=date(2028, 1, 1),
        visits_until=date(2027, 12, 1),
        report_due=date(2027, 11, 1),
    )

    form = client.post(reverse("reviews:cycle_create"), data).context["form"]

    assert form.errors == {
        "self_assessment_due": ["The self-assessment must be due on or after the day it opens."],
        "visits_from": ["Visits must start on or after the day the self-assessment is due."],
        "visits_until": ["The last day of visits must be on or after the first."],
        "report_due": ["Reports must be due on or after the last day of visits."],
    }
    assert not Cycle.objects.exists()


def test_dates_on_the_same_day_are_in_order(client, coordinator, network, version):
    client.force_login(coordinator)
    same_day = date(2028, 1, 3)
    data = cycle_data(network, [version]) | date_data(
        opens_on=same_day,
        self_assessment_due=same_day,
        visits_from=same_day,
        visits_until=same_day,
        report_due=same_day,
    )

    assert client.post(reverse("reviews:cycle_create"), data).status_code == 302


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("31", "2", "2028"), "The date the self-assessment opens must be a real date."),
        (("3", "", "2028"), "The date the self-assessment opens must include a month."),
        (("", "1", "2028"), "The date the self-assessment opens must include a day."),
        (("3", "1", "28"), "The date the self-assessment opens must have a year with 4 numbers"),
        (
            ("3", "Jan", "2028"),
            "The date the self-assessment opens must be a real date, in numbers",
        ),
    ],
)
def test_a_date_that_is_not_a_real_one_says_what_is_wrong(
    client, coordinator, network, version, parts, message
):
    client.force_login(coordinator)
    data = cycle_data(network, [version])
    data["opens_on_day"], data["opens_on_month"], data["opens_on_year"] = parts

    response = client.post(reverse("reviews:cycle_create"), data)

    content = page(response)
    assert message in content
    # What was typed stays in the boxes, so nothing is lost.
    assert f'name="opens_on_year" type="text" inputmode="numeric" value="{parts[2]}"' in content
    assert "govuk-input--error" in content
    assert not Cycle.objects.exists()


def test_a_cycle_name_is_unique_in_its_network_only(
    client, coordinator, network, version, cycle, elsewhere_cycle
):
    client.force_login(coordinator)

    taken = client.post(reverse("reviews:cycle_create"), cycle_data(network, [version], "2027"))
    other = client.post(
        reverse("reviews:cycle_create"), cycle_data(network, [version], "Elsewhere 2027")
    )

    assert "This network already has a cycle with this name." in page(taken)
    assert other.status_code == 302
    assert Cycle.objects.filter(network=network).count() == 2


def test_a_retired_framework_cannot_be_offered_by_a_forged_form(
    client, coordinator, network, version, other_version
):
    other_version.retire()
    client.force_login(coordinator)

    response = client.post(
        reverse("reviews:cycle_create"), cycle_data(network, [version, other_version])
    )

    assert "Choose frameworks from the list." in page(response)
    assert not Cycle.objects.exists()


def test_a_coordinator_of_several_networks_chooses_one_of_theirs(
    client, coordinator, network, other_network, version
):
    roles.appoint_coordinator(coordinator, other_network)
    client.force_login(coordinator)

    client.post(
        reverse("reviews:cycle_create"),
        cycle_data(network, [version]) | {"network": str(other_network.pk)},
    )

    assert Cycle.objects.get().network == other_network


# Changing a cycle -----------------------------------------------------------------------------


def test_changing_a_cycle_shows_its_current_values(client, coordinator, cycle):
    client.force_login(coordinator)

    content = page(client.get(reverse("reviews:cycle_edit", args=[cycle.pk])))

    assert 'value="2027"' in content
    assert 'name="opens_on_day" type="text" inputmode="numeric" value="4"' in content
    assert 'name="network"' not in content


def test_changing_a_cycles_name_dates_and_frameworks(
    client, coordinator, network, cycle, version, other_version
):
    client.force_login(coordinator)
    data = cycle_data(network, [version, other_version], name="2027 (spring)")

    response = client.post(reverse("reviews:cycle_edit", args=[cycle.pk]), data)

    cycle.refresh_from_db()
    assert response.status_code == 302
    assert cycle.name == "2027 (spring)"
    assert cycle.opens_on == date(2028, 1, 3)
    assert set(cycle.framework_versions.all()) == {version, other_version}


def test_a_cycle_keeps_its_name_when_saved_unchanged(client, coordinator, network, cycle, version):
    client.force_login(coordinator)

    response = client.post(
        reverse("reviews:cycle_edit", args=[cycle.pk]), cycle_data(network, [version], "2027")
    )

    assert response.status_code == 302


def test_a_framework_that_reviews_use_cannot_stop_being_offered(
    client, coordinator, network, review, version, other_version
):
    cycle = review.cycle
    cycle.framework_versions.add(other_version)
    client.force_login(coordinator)

    response = client.post(
        reverse("reviews:cycle_edit", args=[cycle.pk]),
        cycle_data(network, [other_version], name="Renamed"),
    )

    assert "An enrolled review uses Developmental Relational Framework" in page(response)
    cycle.refresh_from_db()
    assert cycle.name == "2027"
    assert set(cycle.framework_versions.all()) == {version, other_version}


def test_a_framework_no_review_uses_can_stop_being_offered(
    client, coordinator, network, review, version, other_version
):
    cycle = review.cycle
    cycle.framework_versions.add(other_version)
    client.force_login(coordinator)

    client.post(reverse("reviews:cycle_edit", args=[cycle.pk]), cycle_data(network, [version]))

    assert list(cycle.framework_versions.all()) == [version]


def test_a_retired_framework_already_offered_stays_listed(
    client, coordinator, cycle, version, other_version
):
    version.retire()
    client.force_login(coordinator)

    content = page(client.get(reverse("reviews:cycle_edit", args=[cycle.pk])))

    assert re.search(rf'value="{version.pk}" id="[^"]+" checked', content)


def test_changing_a_cycle_with_bad_dates_saves_nothing(
    client, coordinator, network, cycle, version
):
    client.force_login(coordinator)
    data = cycle_data(network, [version], name="New name") | date_data(report_due=date(2020, 1, 1))

    response = client.post(reverse("reviews:cycle_edit", args=[cycle.pk]), data)

    assert "Reports must be due on or after the last day of visits." in page(response)
    cycle.refresh_from_db()
    assert cycle.name == "2027"


# The board ------------------------------------------------------------------------------------


def test_the_board_shows_each_review_with_its_stage_and_progress(
    client, coordinator, review, staff, other_service, version
):
    other = enrol(review.cycle, other_service, version, by=coordinator)
    first = review.responses.order_by("standard__order").first()
    self_assessment.save_response(
        first, by=staff, expected_version=first.version, rating=Rating.MET
    )
    transition(other, Review.Status.WITHDRAWN, by=coordinator, note="Closed.")
    client.force_login(coordinator)

    response = client.get(reverse("reviews:cycle_board", args=[review.cycle.pk]))

    content = page(response)
    total = review.responses.count()
    assert f'href="{reverse("reviews:review_detail", args=[review.pk])}"' in content
    assert "Willow House" in content
    assert "Riverside Care Trust" in content
    assert "Oak Ward" in content
    assert f"Developmental Relational Framework {version.label}" in content
    assert f"1 of {total}" in content
    assert f"0 of {total}" in content
    # The stage is named in words, not shown by colour alone.
    assert ">Self-assessment</strong>" in content
    assert ">Withdrawn</strong>" in content
    assert timezone.localdate().strftime("%-d %B %Y") in content
    stages = {s["value"]: s["count"] for s in response.context["stages"]}
    assert stages[Review.Status.SELF_ASSESSMENT] == 1
    assert stages[Review.Status.WITHDRAWN] == 1
    assert stages[Review.Status.SUBMITTED] == 0


def test_the_board_filters_by_stage_and_by_service_name(
    client, coordinator, review, other_service, version
):
    other = enrol(review.cycle, other_service, version, by=coordinator)
    transition(other, Review.Status.WITHDRAWN, by=coordinator, note="Closed.")
    client.force_login(coordinator)
    url = reverse("reviews:cycle_board", args=[review.cycle.pk])

    by_stage = list(client.get(url, {"stage": "withdrawn"}).context["page_obj"])
    by_name = list(client.get(url, {"q": "willow"}).context["page_obj"])
    nothing = client.get(url, {"q": "nowhere"})

    assert by_stage == [other]
    assert by_name == [review]
    assert "No reviews match these filters." in page(nothing)


def test_the_board_ignores_a_stage_that_does_not_exist(client, coordinator, review):
    client.force_login(coordinator)

    response = client.get(
        reverse("reviews:cycle_board", args=[review.cycle.pk]), {"stage": "graded"}
    )

    assert list(response.context["page_obj"]) == [review]


def test_the_board_is_paginated(client, coordinator, review, other_service, version, monkeypatch):
    enrol(review.cycle, other_service, version, by=coordinator)
    monkeypatch.setattr(cycle_views, "BOARD_PAGE_SIZE", 1)
    client.force_login(coordinator)
    url = reverse("reviews:cycle_board", args=[review.cycle.pk])

    first, second = client.get(url), client.get(url, {"page": 2})

    assert [r.service.name for r in first.context["page_obj"]] == ["Oak Ward"]
    assert [r.service.name for r in second.context["page_obj"]] == ["Willow House"]
    assert "govuk-pagination" in page(first)


def test_an_empty_board_offers_to_enrol_services(client, coordinator, cycle):
    client.force_login(coordinator)

    content = page(client.get(reverse("reviews:cycle_board", args=[cycle.pk])))

    assert "No services are enrolled in this cycle yet." in content
    assert f'href="{reverse("reviews:cycle_enrol", args=[cycle.pk])}"' in content


def test_the_board_makes_as_many_queries_for_50_reviews_as_for_2(
    client, coordinator, network, cycle, version, django_assert_num_queries
):
    services = [ServiceFactory(network=network, name=f"Service {n:02}") for n in range(50)]
    for service in services[:2]:
        enrol(cycle, service, version, by=coordinator)
    client.force_login(coordinator)
    url = reverse("reviews:cycle_board", args=[cycle.pk])
    few = queries_for(client, url)

    for service in services[2:]:
        enrol(cycle, service, version, by=coordinator)

    with django_assert_num_queries(few):
        response = client.get(url)
    assert len(response.context["page_obj"]) == 50


# Enrolling services ---------------------------------------------------------------------------


def test_enrolling_lists_the_networks_active_services_not_yet_enrolled(
    client, coordinator, network, review, other_service, elsewhere_cycle
):
    closed = ServiceFactory(network=network, name="Closed Hostel", active=False)
    elsewhere = ServiceFactory(network=elsewhere_cycle.network, name="Distant Hostel")
    client.force_login(coordinator)

    content = page(client.get(reverse("reviews:cycle_enrol", args=[review.cycle.pk])))

    assert f'value="{other_service.pk}"' in content
    assert "Oak Ward" in content
    assert "Hostel" in content  # its setting type
    assert other_service.organisation.name in content
    for absent in (review.service, closed, elsewhere):
        assert f'value="{absent.pk}"' not in content


def test_enrolling_services_creates_their_reviews_and_says_so(
    client, coordinator, cycle, service, other_service, version
):
    client.force_login(coordinator)

    response = client.post(
        reverse("reviews:cycle_enrol", args=[cycle.pk]),
        {"services": [service.pk, other_service.pk]},
        follow=True,
    )

    assert set(Review.objects.filter(cycle=cycle).values_list("service__name", flat=True)) == {
        "Willow House",
        "Oak Ward",
    }
    assert all(r.framework_version == version for r in Review.objects.all())
    assert "2 services enrolled: Oak Ward, Willow House." in page(response)
    assert response.redirect_chain[-1][0] == reverse("reviews:cycle_board", args=[cycle.pk])


def test_enrolling_with_two_frameworks_offered_asks_which_defaulting_to_the_first(
    client, coordinator, cycle, service, version, other_version
):
    cycle.framework_versions.add(other_version)
    client.force_login(coordinator)
    url = reverse("reviews:cycle_enrol", args=[cycle.pk])

    form = client.get(url).context["form"]
    client.post(url, {"services": [service.pk], "version": other_version.pk})

    assert form["version"].value() == version.pk  # Developmental comes before Relational
    assert Review.objects.get().framework_version == other_version


def test_enrolling_with_a_framework_the_cycle_does_not_offer_is_refused(
    client, coordinator, cycle, service, version, other_version
):
    third = import_framework(
        (FIXTURES / "relational-environment-standards.yaml")
        .read_text()
        .replace('version: "2027.1"', 'version: "2099.1"'),
        source="test",
    ).version
    cycle.framework_versions.add(other_version)
    client.force_login(coordinator)

    response = client.post(
        reverse("reviews:cycle_enrol", args=[cycle.pk]),
        {"services": [service.pk], "version": third.pk},
    )

    assert "Choose a framework this cycle offers." in page(response)
    assert not Review.objects.exists()


def test_enrolling_nobody_says_to_choose_and_saves_nothing(client, coordinator, cycle, service):
    client.force_login(coordinator)

    response = client.post(reverse("reviews:cycle_enrol", args=[cycle.pk]), {})

    content = page(response)
    assert "<title>Error:" in content
    assert "Choose at least one service to enrol." in content
    assert 'href="#id_services_0"' in content
    assert 'id="id_services_0"' in content
    assert not Review.objects.exists()


def test_a_service_of_another_network_cannot_be_enrolled_by_a_forged_form(
    client, coordinator, cycle, service, other_network
):
    elsewhere = ServiceFactory(network=other_network, name="Distant Hostel")
    client.force_login(coordinator)

    response = client.post(
        reverse("reviews:cycle_enrol", args=[cycle.pk]), {"services": [service.pk, elsewhere.pk]}
    )

    content = page(response)
    assert "Choose services from the list." in content
    # The choice that was valid is still ticked, so nothing is lost.
    assert f'value="{service.pk}" aria-describedby="service-{service.pk}-hint" checked' in content
    assert not Review.objects.exists()


def test_enrolling_a_service_twice_is_refused_and_the_others_still_enrol(
    client, coordinator, review, other_service
):
    client.force_login(coordinator)

    response = client.post(
        reverse("reviews:cycle_enrol", args=[review.cycle.pk]),
        {"services": [review.service.pk, other_service.pk]},
        follow=True,
    )

    content = page(response)
    assert "1 service enrolled: Oak Ward." in content
    assert "Willow House is already enrolled in 2027." in content
    assert Review.objects.filter(cycle=review.cycle).count() == 2


def test_enrolling_when_every_service_is_enrolled_says_so(client, coordinator, review):
    client.force_login(coordinator)

    content = page(client.get(reverse("reviews:cycle_enrol", args=[review.cycle.pk])))

    assert "is enrolled in this cycle" in content
    assert "<form" not in content.split('id="main-content"')[1]


def test_an_enrolled_review_is_open_to_its_team(client, coordinator, cycle, service, staff):
    client.force_login(coordinator)
    client.post(reverse("reviews:cycle_enrol", args=[cycle.pk]), {"services": [service.pk]})
    client.force_login(staff)

    review = Review.objects.get()
    assert client.get(reverse("reviews:review_detail", args=[review.pk])).status_code == 200
