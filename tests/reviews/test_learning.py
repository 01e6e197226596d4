"""The network learning report: what a cycle's final reports say together, with small numbers
protected, no service or organisation named, nothing ranked, and drafts never counted."""

import io
import itertools
import json
import re
from datetime import time

import pytest
from django.core.files.base import ContentFile
from django.http import Http404
from django.utils import timezone

from assurance import roles
from assurance.models import Membership
from reviews.cycles import enrol
from reviews.models import (
    AgendaItem,
    Finding,
    Rating,
    Reflection,
    RenderJob,
    Report,
    Review,
    Visit,
)
from reviews.peer_review import findings, reflections, visit
from reviews.report import accuracy, issuing, learning
from reviews.report.context import build_report_context
from reviews.workflow import transition
from tests.factories import NetworkFactory, OrganisationFactory, ServiceFactory, UserFactory

Status = Review.Status
MET, PARTLY, NOT_YET, NA = (
    Rating.MET,
    Rating.PARTLY_MET,
    Rating.NOT_YET_MET,
    Rating.NOT_APPLICABLE,
)
# Words that would rank or grade services; none may appear in the learning report.
RANKING = re.compile(
    r"\b(rank\w*|league|best|worst|top|bottom|score\w*|grade\w*|pass\w*|fail\w*|outstanding|"
    r"good|inadequate|requires improvement|better than|worse than)\b",
    re.IGNORECASE,
)


def published(
    cycle,
    coordinator,
    *,
    name: str,
    organisation=None,
    views: dict | None = None,
    default: str = MET,
    found: tuple = (),
    status: str = Status.PUBLISHED,
) -> Review:
    """A review of a new service, with a final report frozen from it.

    Made with the ORM rather than the workflow so that a test can hold a dozen of them; the
    snapshot is the real report context. `found` holds (kind, title, standard code or None);
    each finding's text names the service and its organisation, which the learning report
    must take out. test_only_final_reports_count walks the real workflow.
    """
    version = cycle.framework_versions.get()
    organisation = organisation or OrganisationFactory(name=f"{name} Trust")
    service = ServiceFactory(network=cycle.network, organisation=organisation, name=name)
    review = enrol(cycle, service, version, by=coordinator)
    standards = {s.code: s for s in version.standards.all()}
    Reflection.objects.bulk_create(
        Reflection(review=review, standard=s, rating=(views or {}).get(code, default))
        for code, s in standards.items()
    )
    for kind, title, code in found:
        finding = Finding.objects.create(
            review=review,
            kind=kind,
            title=f"{title} at {name}",
            body=f"{name}, run by {organisation.name}, told us about this.",
        )
        if code:
            finding.standards.add(standards[code])
    Review.objects.filter(pk=review.pk).update(status=status)
    Report.objects.create(
        review=review,
        number=1,
        kind=Report.Kind.FINAL,
        snapshot=build_report_context(
            review, kind=Report.Kind.FINAL, number=1, issued_at=timezone.now()
        ),
    )
    return review


def row(context: dict, code: str) -> dict:
    return next(
        r
        for v in context["versions"]
        for d in v["domains"]
        for r in d["standards"]
        if r["code"] == code
    )


def cells(context: dict, code: str) -> dict[str, str]:
    return {c["rating"]: c["display"] for c in row(context, code)["counts"]}


# Counting and protecting ------------------------------------------------------------------------


def test_a_standard_seen_by_three_services_shows_fewer_than_five(cycle, coordinator):
    for n in range(10):
        published(
            cycle,
            coordinator,
            name=f"Home {n}",
            views={
                "ATT-1": MET if n < 3 else PARTLY if n < 8 else NOT_YET,
                "ATT-2": MET if n < 7 else PARTLY,
                "ATT-3": MET if n < 9 else NOT_YET,
            },
        )

    context = learning.build_learning_context(cycle)

    assert context["reviews"]["display"] == "10"
    assert cells(context, "ATT-1") == {
        MET: "fewer than 5",
        PARTLY: "5",
        NOT_YET: "fewer than 5",
        NA: "0",
    }
    # Every service met ATT-4: nothing is hidden, and 0 points to no service.
    assert cells(context, "ATT-4") == {MET: "10", PARTLY: "0", NOT_YET: "0", NA: "0"}
    # 7 met and the one hidden count would be 10 - 7 = 3, so every count is withheld; the same
    # for 9 met and a hidden 1.
    for code in ("ATT-2", "ATT-3"):
        assert row(context, code)["withheld"] is True
        assert set(cells(context, code).values()) == {"–"}


@pytest.mark.parametrize("threshold", [2, 3, 5])
def test_no_hidden_count_can_be_worked_out_by_subtraction(threshold):
    """Every way of splitting up to 12 reports among the four views: whatever a row shows, and
    knowing the number of reports, each hidden count could still take more than one value."""
    columns = list(learning.RATINGS)
    shown_with_hidden = 0
    for reports in range(threshold, 13):
        for split in itertools.product(range(reports + 1), repeat=len(columns)):
            if sum(split) != reports:
                continue
            shown_row = learning.protect_row(
                dict(zip(columns, split, strict=True)), columns, threshold
            )
            if shown_row["withheld"]:
                continue
            hidden = [i for i, c in enumerate(shown_row["counts"]) if c["suppressed"]]
            rest = reports - sum(c["count"] for c in shown_row["counts"] if not c["suppressed"])
            # A hidden count is "fewer than N" and not 0 (zero is shown).
            possible = [
                values
                for values in itertools.product(range(1, threshold), repeat=len(hidden))
                if sum(values) == rest
            ]
            for position in range(len(hidden)):
                assert len({values[position] for values in possible}) > 1, (reports, split)
            shown_with_hidden += bool(hidden)
    # The rule is not simply "withhold everything": at 3 and 5, many rows show small counts.
    assert shown_with_hidden > 0 or threshold == 2


def test_a_framework_used_by_too_few_services_is_not_counted(cycle, coordinator, network, version):
    from standards.yaml_format import import_framework
    from tests.reviews.conftest import FIXTURES

    fixture = FIXTURES / "relational-environment-standards.yaml"
    other = import_framework(fixture.read_bytes(), source=fixture.name).version
    for n in range(5):
        published(cycle, coordinator, name=f"Home {n}")
    cycle.framework_versions.add(other)
    service = ServiceFactory(network=network, name="Lonely Lodge")
    small = enrol(cycle, service, other, by=coordinator)
    Review.objects.filter(pk=small.pk).update(status=Status.PUBLISHED)
    Report.objects.create(
        review=small, number=1, kind="final", snapshot=build_report_context(small, kind="final")
    )

    context = learning.build_learning_context(cycle)

    by_name = {v["framework"]: v for v in context["versions"]}
    assert by_name[version.framework.name]["counted"] is True
    small_section = by_name[other.framework.name]
    assert small_section["counted"] is False
    assert small_section["domains"] == []
    assert small_section["reviews"]["display"] == "fewer than 5"
    # 6 reports in all, but an exact 6 would give the small framework's 1 by subtraction.
    assert context["reviews"]["display"] == "5 or more"


def test_too_few_reviews_show_no_counts_but_still_the_learning_to_share(cycle, coordinator):
    published(
        cycle,
        coordinator,
        name="Alder House",
        found=[(Finding.Kind.LEARNING, "Residents check the notes", "ATT-1")],
    )

    context = learning.build_learning_context(cycle)

    assert context["reviews"]["display"] == "fewer than 5"
    assert [v["counted"] for v in context["versions"]] == [False]
    assert [item["title"] for item in context["learning"]] == [
        "Residents check the notes at [a service]"
    ]


def test_a_threshold_of_one_hides_nothing(cycle, coordinator, network):
    network.suppression_threshold = 1
    network.save()
    published(cycle, coordinator, name="Alder House", views={"ATT-1": PARTLY})

    context = learning.build_learning_context(cycle)

    assert cells(context, "ATT-1") == {MET: "0", PARTLY: "1", NOT_YET: "0", NA: "0"}


# Themes and learning ----------------------------------------------------------------------------


def test_themes_are_grouped_by_standard_and_domain_once_each_in_alphabetical_order(
    cycle, coordinator
):
    dev, ebi = Finding.Kind.DEVELOPMENT, Finding.Kind.EVEN_BETTER_IF
    for n in range(6):
        published(
            cycle,
            coordinator,
            name=f"Home {n}",
            found=[
                (dev, "Plain words in letters", "ATT-1"),
                (ebi, "Night staff at reflective practice" if n % 2 else "Agency staff", "ATT-1"),
                (dev, "Welcome packs", None),
                (Finding.Kind.STRENGTH, "Warm welcome", "ATT-1"),
            ],
        )

    version_section = learning.build_learning_context(cycle)["versions"][0]

    attachment = version_section["domains"][0]
    theme = attachment["themes"][0]
    assert theme["code"] == "ATT-1"
    assert theme["services"]["display"] == "6"
    assert theme["development"] == ["Plain words in letters at [a service]"]
    assert theme["even_better_if"] == [
        "Agency staff at [a service]",
        "Night staff at reflective practice at [a service]",
    ]
    general = version_section["general_themes"]
    assert general["development"] == ["Welcome packs at [a service]"]
    assert "Warm welcome" not in json.dumps(version_section)


def test_only_learning_findings_of_final_reports_are_shared(cycle, coordinator):
    published(
        cycle,
        coordinator,
        name="Alder House",
        found=[(Finding.Kind.LEARNING, "Buddies for new residents", None)],
    )
    published(
        cycle,
        coordinator,
        name="Birch Court",
        found=[(Finding.Kind.LEARNING, "Not published yet", None)],
        status=Status.ACCURACY_CHECK,
    )

    items = learning.build_learning_context(cycle)["learning"]

    assert [item["title"] for item in items] == ["Buddies for new residents at [a service]"]
    assert items[0]["body"] == "[a service], run by [an organisation], told us about this."


# Nothing that names or ranks --------------------------------------------------------------------


DISTINCT = ["Zanzibar Lodge", "Quillfeather Trust", "Marzipan Wing", "Obsidian Care Group"]


@pytest.fixture
def named_cycle(cycle, coordinator):
    """Seven published reviews; two of them by services with distinctive names, which their
    findings mention (and which the learning report must never show)."""
    zanzibar = OrganisationFactory(name="Quillfeather Trust")
    obsidian = OrganisationFactory(name="Obsidian Care Group")
    found = [
        (Finding.Kind.DEVELOPMENT, "Plain words", "ATT-1"),
        (Finding.Kind.EVEN_BETTER_IF, "Night staff", "CON-1"),
        (Finding.Kind.LEARNING, "Residents chair the meeting", "ATT-2"),
    ]
    published(cycle, coordinator, name="Zanzibar Lodge", organisation=zanzibar, found=found)
    published(cycle, coordinator, name="Marzipan Wing", organisation=obsidian, found=found)
    for n in range(5):
        published(cycle, coordinator, name=f"Home {n}", found=found, views={"CON-2": PARTLY})
    return cycle


def test_no_service_or_organisation_name_in_the_context(named_cycle):
    text = json.dumps(learning.build_learning_context(named_cycle), ensure_ascii=False)

    for name in DISTINCT:
        assert name.lower() not in text.lower()
    assert "[a service]" in text


def test_the_context_uses_no_ranking_or_grading_words(named_cycle):
    text = json.dumps(learning.build_learning_context(named_cycle), ensure_ascii=False)

    assert RANKING.findall(text) == []


def test_names_are_taken_out_whatever_their_case_or_apostrophe():
    redact = learning._Redactor(["Rowan Children's Home", "Rowan"], ["Rowan Trust"])

    assert redact("At ROWAN CHILDREN’S HOME and Rowan Trust; Rowanberry stays.") == (
        "At [a service] and [an organisation]; Rowanberry stays."
    )


# Only what the hosts agreed: final reports -------------------------------------------------------


@pytest.fixture
def drafting(peer_review, lead_reviewer, reviewer):
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
            rating=NOT_YET,
            agreement="differs",
            rationale="We did not see it on the day.",
        )
    transition(peer_review, Status.DRAFTING, by=lead_reviewer)
    findings.add_finding(
        peer_review, by=lead_reviewer, kind=Finding.Kind.LEARNING, title="Draft learning"
    )
    findings.save_summary(peer_review, by=lead_reviewer, expected_version=None, text="Warm.")
    return peer_review


def test_only_final_reports_count(
    drafting, network, lead_reviewer, reviewer, service_lead, coordinator
):
    network.suppression_threshold = 1
    network.save()
    transition(drafting, Status.ACCURACY_CHECK, by=lead_reviewer)
    assert (
        Report.objects.get().snapshot["findings"]["domains"][0]["standards"][0]["team_rating"]
        == NOT_YET
    )
    # The draft is in the accuracy check: nothing is counted yet.
    assert learning.build_learning_context(drafting.cycle)["versions"] == []

    transition(drafting, Status.DRAFTING, by=lead_reviewer)
    for reflection in drafting.reflections.all():
        reflections.save_reflection(
            reflection,
            by=reviewer,
            expected_version=reflection.version,
            rating=MET,
            agreement="differs",
            rationale="On a second look, yes.",
        )
    learned = drafting.findings.get()
    findings.update_finding(learned, by=lead_reviewer, title="Agreed learning")
    transition(drafting, Status.ACCURACY_CHECK, by=lead_reviewer)
    accuracy.agree_draft(issuing.latest_draft(drafting), by=service_lead)
    transition(drafting, Status.PUBLISHED, by=coordinator)
    # After publishing, the team changes nothing the report counts: its snapshot is frozen.
    Reflection.objects.filter(review=drafting).update(rating=NOT_YET)

    context = learning.build_learning_context(drafting.cycle)

    assert cells(context, "ATT-1") == {MET: "1", PARTLY: "0", NOT_YET: "0", NA: "0"}
    assert [item["title"] for item in context["learning"]] == ["Agreed learning"]


# Who reads it -----------------------------------------------------------------------------------


def test_coordinators_and_members_of_the_networks_services_may_read(
    cycle, service_lead, staff, lived_experience, coordinator, commissioner, outsider
):
    other = NetworkFactory(name="Elsewhere")
    elsewhere_lead = UserFactory()
    roles.join_service(elsewhere_lead, ServiceFactory(network=other), Membership.Role.SERVICE_LEAD)
    elsewhere_coordinator = UserFactory()
    roles.appoint_coordinator(elsewhere_coordinator, other)

    readers = [service_lead, staff, lived_experience, coordinator]
    others = [commissioner, outsider, elsewhere_lead, elsewhere_coordinator]

    assert all(learning.may_read(person, cycle) for person in readers)
    assert not any(learning.may_read(person, cycle) for person in others)
    with pytest.raises(Http404):
        learning.get_cycle_for_learning(commissioner, cycle.pk)


def test_a_member_who_left_no_longer_reads_it(cycle, staff, service_lead):
    membership = Membership.objects.get(user=staff)
    roles.remove_member(membership, by=service_lead)

    assert not learning.may_read(staff, cycle)


# The PDF ----------------------------------------------------------------------------------------


def test_asking_twice_while_one_is_waiting_makes_one_job(cycle, staff, coordinator):
    first = learning.request_pdf(cycle, by=staff)
    second = learning.request_pdf(cycle, by=coordinator)

    assert first == second
    assert first.status == RenderJob.Status.QUEUED
    RenderJob.objects.filter(pk=first.pk).update(
        status=RenderJob.Status.RENDERING, started_at=timezone.now() - timezone.timedelta(hours=1)
    )
    assert learning.request_pdf(cycle, by=staff) != first  # that render stalled


def test_a_ready_pdf_is_made_again_only_after_a_later_publication(cycle, staff, coordinator):
    ready = RenderJob.objects.create(what="learning", cycle=cycle, status="ready")

    assert learning.request_pdf(cycle, by=staff) == ready
    RenderJob.objects.filter(pk=ready.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=1)
    )
    published(cycle, coordinator, name="Late Lodge")
    again = learning.request_pdf(cycle, by=staff)
    assert again != ready
    assert again.status == RenderJob.Status.QUEUED


def test_an_outsider_cannot_ask_for_the_pdf(cycle, outsider):
    with pytest.raises(Http404):
        learning.request_pdf(cycle, by=outsider)

    assert not RenderJob.objects.exists()


def test_stored_bytes_that_do_not_match_their_hash_are_never_served(cycle, staff):
    job = RenderJob.objects.create(what="learning", cycle=cycle, status="ready", sha256="0" * 64)
    job.pdf.save("learning.pdf", ContentFile(b"%PDF-1.7 not what was stored"))

    with pytest.raises(issuing.ReportError):
        learning.read_pdf(job)


def test_a_render_that_fails_says_why_on_its_job(cycle, staff, monkeypatch):
    def broken(context):
        raise RuntimeError("the printer is on fire")

    monkeypatch.setattr(learning, "render_learning_pdf", broken)
    job = RenderJob.objects.create(what="learning", cycle=cycle, requested_by=staff)

    learning.render_learning.call(job.pk)

    job.refresh_from_db()
    assert job.status == RenderJob.Status.FAILED
    assert "RuntimeError" in job.error
    assert "fire" not in job.error


@pytest.mark.pdf
def test_the_pdf_is_tagged_names_no_service_and_protects_small_numbers(
    named_cycle, staff, django_capture_on_commit_callbacks
):
    from pypdf import PdfReader

    with django_capture_on_commit_callbacks(execute=True):
        job = learning.request_pdf(named_cycle, by=staff)

    job.refresh_from_db()
    assert job.status == RenderJob.Status.READY, job.error
    data = learning.read_pdf(job)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.trailer["/Root"]["/Lang"]
    assert reader.metadata.title.startswith("Network learning report")
    text = " ".join(page.extract_text() for page in reader.pages)
    for name in DISTINCT:
        assert name.lower() not in text.lower()
    assert "fewer than 5" in text
    assert "Residents chair the meeting" in text
    assert RANKING.findall(text) == []
    in_order = named_cycle.framework_versions.get().standards.order_by("domain__order", "order")
    found_codes = dict.fromkeys(re.findall(r"\b[A-Z]{3}-\d\b", text))
    assert list(found_codes) == [s.code for s in in_order]
