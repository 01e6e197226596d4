"""The network learning report's page, its PDF and its API: who may read them, what they show,
and the same queries however many reviews are published."""

import hashlib
import json
import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance import roles
from assurance.models import Membership
from reviews.models import Finding, Rating, RenderJob
from reviews.report import learning
from tests.factories import NetworkFactory, OrganisationFactory, ServiceFactory, UserFactory
from tests.reviews.test_learning import DISTINCT, RANKING, published


def page_url(cycle) -> str:
    return reverse("reviews:learning_report", kwargs={"pk": cycle.pk})


def api_url(cycle) -> str:
    return reverse("learning-report-detail", kwargs={"pk": cycle.pk})


def main_text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"<[^>]+>", " ", main)


def ready_job(cycle, data: bytes = b"%PDF-1.7 the learning report", *, sha256: str | None = None):
    job = RenderJob.objects.create(
        what=RenderJob.What.LEARNING,
        cycle=cycle,
        status=RenderJob.Status.READY,
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
        finished_at=timezone.now(),
    )
    job.pdf.save("learning.pdf", ContentFile(data))
    return job


@pytest.fixture
def many(cycle, coordinator):
    """Seven published reviews, two by services with distinctive names their findings repeat."""
    found = [
        (Finding.Kind.DEVELOPMENT, "Plain words", "ATT-1"),
        (Finding.Kind.EVEN_BETTER_IF, "Night staff", "CON-1"),
        (Finding.Kind.LEARNING, "Residents chair the meeting", "ATT-2"),
    ]
    published(
        cycle,
        coordinator,
        name="Zanzibar Lodge",
        organisation=OrganisationFactory(name="Quillfeather Trust"),
        found=found,
    )
    published(
        cycle,
        coordinator,
        name="Marzipan Wing",
        organisation=OrganisationFactory(name="Obsidian Care Group"),
        found=found,
    )
    for n in range(5):
        published(cycle, coordinator, name=f"Home {n}", views={"ATT-1": Rating.PARTLY_MET})
    return cycle


@pytest.fixture
def elsewhere(db):
    """A member and a coordinator of another network."""
    other = NetworkFactory(name="Elsewhere")
    member = UserFactory(email="member@elsewhere.example")
    roles.join_service(member, ServiceFactory(network=other), Membership.Role.SERVICE_LEAD)
    coordinator = UserFactory(email="coordinator@elsewhere.example")
    roles.appoint_coordinator(coordinator, other)
    return [member, coordinator]


# Who reads it -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["service_lead", "staff", "lived_experience", "coordinator"])
def test_members_and_coordinators_read_the_report(client, many, who, request):
    client.force_login(request.getfixturevalue(who))

    response = client.get(page_url(many))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "<title>Network learning report, 2027 – Test Collaborative" in html
    text = main_text(response)
    assert "Network learning report" in text
    assert "Residents chair the meeting" in text
    assert "fewer than 5" in text


def test_commissioners_outsiders_and_other_networks_get_404_everywhere(
    client, many, commissioner, outsider, elsewhere, staff
):
    job = ready_job(many)
    urls = [
        ("get", page_url(many)),
        ("post", reverse("reviews:learning_pdf_request", kwargs={"pk": many.pk})),
        ("get", reverse("reviews:learning_pdf", kwargs={"pk": many.pk, "job_pk": job.pk})),
        (
            "get",
            reverse("reviews:learning_pdf_status", kwargs={"pk": many.pk, "job_pk": job.pk}),
        ),
        ("get", api_url(many)),
    ]
    for person in [commissioner, outsider, *elsewhere]:
        client.force_login(person)
        for method, url in urls:
            assert getattr(client, method)(url).status_code == 404, (person.email, url)
    assert RenderJob.objects.count() == 1


def test_the_api_answers_outsiders_with_the_problem_shape(client, many, outsider):
    client.force_login(outsider)

    response = client.get(api_url(many))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# What it shows ----------------------------------------------------------------------------------


def test_the_page_names_no_service_or_organisation_and_ranks_nothing(client, many, staff):
    client.force_login(staff)

    text = main_text(client.get(page_url(many)))

    for name in DISTINCT:
        assert name.lower() not in text.lower()
    assert RANKING.findall(text) == []
    assert "Plain words at [a service]" in text


def test_the_api_gives_the_same_report_with_no_names(client, many, staff):
    client.force_login(staff)

    response = client.get(api_url(many))

    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(learning.build_learning_context(many)))
    for name in DISTINCT:
        assert name.lower() not in response.content.decode().lower()
    assert RANKING.findall(response.content.decode()) == []


def test_a_cycle_with_nothing_published_says_so(client, cycle, staff):
    client.force_login(staff)

    text = main_text(client.get(page_url(cycle)))

    assert "No review in this cycle has been published yet." in text
    assert "None shared yet." in text
    assert "Make a PDF" in text


def test_the_cycle_board_links_to_the_learning_report(client, cycle, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("reviews:cycle_board", kwargs={"pk": cycle.pk}))

    assert page_url(cycle) in response.content.decode()


def test_the_page_makes_the_same_queries_for_2_and_12_published_reviews(
    client, cycle, coordinator, staff
):
    client.force_login(staff)
    found = [(Finding.Kind.DEVELOPMENT, "Plain words", "ATT-1")]
    for n in range(2):
        published(cycle, coordinator, name=f"Small {n}", found=found)
    ready_job(cycle)
    client.get("/")  # the first page after signing in also renews the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(page_url(cycle)).status_code == 200
    with CaptureQueriesContext(connection) as small_api:
        assert client.get(api_url(cycle)).status_code == 200
    for n in range(10):
        published(cycle, coordinator, name=f"Large {n}", found=found)

    with CaptureQueriesContext(connection) as large:
        assert client.get(page_url(cycle)).status_code == 200
    with CaptureQueriesContext(connection) as large_api:
        assert client.get(api_url(cycle)).status_code == 200

    assert len(large) == len(small) <= 20
    assert len(large_api) == len(small_api) <= 12


# The PDF ----------------------------------------------------------------------------------------


def test_asking_for_the_pdf_queues_one_render_and_shows_its_state(client, many, staff):
    client.force_login(staff)

    response = client.post(reverse("reviews:learning_pdf_request", kwargs={"pk": many.pk}))

    assert response.status_code == 302
    assert response.url == page_url(many) + "#pdf"
    job = RenderJob.objects.get()
    assert (job.what, job.status, job.cycle, job.requested_by) == (
        "learning",
        "queued",
        many,
        staff,
    )
    page = client.get(page_url(many)).content.decode()
    assert "Queued" in page
    assert "js/render-status" in page
    status_url = reverse("reviews:learning_pdf_status", kwargs={"pk": many.pk, "job_pk": job.pk})
    assert client.get(status_url).json() == {
        "status": "queued",
        "label": "Queued",
        "error": "",
        "ready_url": None,
    }
    client.post(reverse("reviews:learning_pdf_request", kwargs={"pk": many.pk}))
    assert RenderJob.objects.count() == 1


def test_a_ready_pdf_downloads_after_its_hash_is_checked(client, many, lived_experience):
    job = ready_job(many)
    client.force_login(lived_experience)
    url = reverse("reviews:learning_pdf", kwargs={"pk": many.pk, "job_pk": job.pk})

    response = client.get(url)

    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 the learning report"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "learning-report.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    status_url = reverse("reviews:learning_pdf_status", kwargs={"pk": many.pk, "job_pk": job.pk})
    assert client.get(status_url).json()["ready_url"] == url
    assert url in client.get(page_url(many)).content.decode()


def test_a_pdf_that_no_longer_matches_its_hash_is_not_sent(client, many, staff):
    job = ready_job(many, sha256="0" * 64)
    client.force_login(staff)

    response = client.get(reverse("reviews:learning_pdf", kwargs={"pk": many.pk, "job_pk": job.pk}))

    assert response.status_code == 409
    assert b"PDF-1.7" not in response.content
    assert "does not match its fingerprint" in response.content.decode()


def test_a_pdf_not_made_yet_cannot_be_downloaded(client, many, staff):
    job = learning.request_pdf(many, by=staff)
    client.force_login(staff)

    response = client.get(reverse("reviews:learning_pdf", kwargs={"pk": many.pk, "job_pk": job.pk}))

    assert response.status_code == 409
    assert "has not been made yet" in response.content.decode()


def test_a_pdf_of_another_cycle_is_not_found(client, many, cycle, staff, network, version):
    from reviews.cycles import default_dates, open_cycle

    other = open_cycle(
        network=network,
        name="2028",
        versions=[version],
        **default_dates(network, timezone.localdate()),
    )
    job = ready_job(other)
    client.force_login(staff)

    response = client.get(reverse("reviews:learning_pdf", kwargs={"pk": many.pk, "job_pk": job.pk}))

    assert response.status_code == 404


def test_a_failed_render_shows_its_reason_and_can_be_tried_again(client, many, staff):
    RenderJob.objects.create(
        what="learning", cycle=many, status="failed", error="The document was too large to draw."
    )
    client.force_login(staff)

    text = main_text(client.get(page_url(many)))

    assert "The document was too large to draw." in text
    assert "Try again" in text


def test_a_pdf_made_before_a_later_publication_offers_a_new_one(client, many, coordinator, staff):
    job = ready_job(many)
    job.created_at = timezone.now() - timezone.timedelta(days=1)
    job.save()
    published(many, coordinator, name="Late Lodge")
    client.force_login(staff)

    text = main_text(client.get(page_url(many)))

    assert "A report has been published since then" in text
    assert "Make a new PDF" in text
