"""Writing findings and the reviewers' summary (reviews/peer_review/findings.py): who may, when,
what is checked, and how each kind keeps its order."""

import pytest
from django.core.exceptions import PermissionDenied

from reviews.cycles import enrol
from reviews.models import Comment, Finding, Review, ReviewersSummary, Thread
from reviews.peer_review import findings
from reviews.self_assessment import Invalid, StaleWrite
from reviews.workflow import transition
from standards.models import Standard
from standards.yaml_format import import_framework
from tests.reviews.conftest import FIXTURES


def standards_of(review: Review, count: int) -> list[Standard]:
    return list(Standard.objects.filter(version=review.framework_version)[:count])


def add(review, by, kind=Finding.Kind.STRENGTH, title="A warm welcome", **values) -> Finding:
    return findings.add_finding(review, by=by, kind=kind, title=title, **values)


def orders(review: Review, kind: str = Finding.Kind.STRENGTH) -> list[tuple[str, int]]:
    return list(review.findings.filter(kind=kind).order_by("order").values_list("title", "order"))


def comment_on(review: Review, by, visibility=Thread.Visibility.TEAM, body="Staff knew names."):
    standard = review.responses.order_by("standard__order").first().standard
    thread = Thread.objects.create(
        review=review,
        standard=standard,
        visibility=visibility,
        title="What we noticed at handover",
        started_by=by,
    )
    return Comment.objects.create(thread=thread, author=by, body=body)


# Adding -------------------------------------------------------------------------------------


def test_add_finding_goes_last_within_its_kind(peer_review, lead_reviewer):
    add(peer_review, lead_reviewer, title="First strength")
    add(peer_review, lead_reviewer, kind=Finding.Kind.DEVELOPMENT, title="First development")
    add(peer_review, lead_reviewer, title="Second strength")

    assert orders(peer_review) == [("First strength", 0), ("Second strength", 1)]
    assert orders(peer_review, Finding.Kind.DEVELOPMENT) == [("First development", 0)]


def test_add_finding_stores_text_links_and_author(peer_review, lead_reviewer):
    chosen = standards_of(peer_review, 2)
    domain = chosen[0].domain

    finding = add(
        peer_review,
        lead_reviewer,
        title="  A warm welcome  ",
        body="Each new resident has a buddy.",
        standards=chosen,
        domains=[domain.pk],
    )

    finding.refresh_from_db()
    assert (finding.title, finding.body, finding.created_by) == (
        "A warm welcome",
        "Each new resident has a buddy.",
        lead_reviewer,
    )
    assert set(finding.standards.all()) == set(chosen)
    assert list(finding.domains.all()) == [domain]


def test_add_finding_refuses_a_standard_of_another_framework(peer_review, lead_reviewer):
    other = FIXTURES / "relational-environment-standards.yaml"
    elsewhere = import_framework(other.read_bytes(), source=other.name).version

    with pytest.raises(Invalid) as refused:
        add(peer_review, lead_reviewer, standards=[elsewhere.standards.first()])

    assert "standards" in refused.value.errors
    assert not peer_review.findings.exists()


def test_add_finding_needs_a_title_and_a_kind(peer_review, lead_reviewer):
    with pytest.raises(Invalid) as refused:
        findings.add_finding(peer_review, by=lead_reviewer, kind="grade", title="  ")

    assert set(refused.value.errors) == {"kind", "title"}


@pytest.mark.parametrize(
    "role", ["reviewer", "expert_reviewer", "coordinator", "service_lead", "staff", "outsider"]
)
def test_add_finding_is_refused_to_anyone_but_the_lead(request, peer_review, role):
    with pytest.raises(PermissionDenied):
        add(peer_review, request.getfixturevalue(role))

    assert not peer_review.findings.exists()


def test_findings_are_refused_after_the_review_is_withdrawn(
    peer_review, lead_reviewer, coordinator
):
    finding = add(peer_review, lead_reviewer)
    transition(peer_review, Review.Status.WITHDRAWN, by=coordinator, note="The service closed.")

    with pytest.raises(findings.FindingsClosed, match="withdrawn"):
        add(peer_review, lead_reviewer, title="Too late")
    with pytest.raises(findings.FindingsClosed):
        findings.update_finding(finding, by=lead_reviewer, title="Too late")
    with pytest.raises(findings.FindingsClosed):
        findings.remove_finding(finding, by=lead_reviewer)
    with pytest.raises(findings.FindingsClosed):
        findings.save_summary(peer_review, by=lead_reviewer, expected_version=None, text="Late.")
    assert list(peer_review.findings.values_list("title", flat=True)) == ["A warm welcome"]


def test_findings_are_refused_before_the_peer_review_starts(answered_review, service_lead):
    # Nobody leads a review in self-assessment: refused as not the lead.
    with pytest.raises(PermissionDenied):
        add(answered_review, service_lead)


# Starting from a comment ----------------------------------------------------------------------


def test_add_finding_from_a_team_only_comment_by_the_lead(peer_review, lead_reviewer, reviewer):
    comment = comment_on(peer_review, reviewer, Thread.Visibility.TEAM)

    finding = add(peer_review, lead_reviewer, started_from=comment)

    assert finding.started_from == comment


def test_add_finding_from_a_comment_on_another_review_is_refused(
    peer_review, lead_reviewer, other_service, coordinator
):
    other = enrol(peer_review.cycle, other_service, peer_review.framework_version, by=coordinator)
    comment = comment_on(other, coordinator, Thread.Visibility.SHARED)

    with pytest.raises(Invalid) as refused:
        add(peer_review, lead_reviewer, started_from=comment.pk)

    assert "started_from" in refused.value.errors
    assert not peer_review.findings.exists()


def test_add_finding_from_a_comment_that_does_not_exist_is_refused(peer_review, lead_reviewer):
    with pytest.raises(Invalid):
        add(peer_review, lead_reviewer, started_from=999_999)


def test_draft_from_comment_offers_its_words_and_standard(peer_review, reviewer):
    comment = comment_on(peer_review, reviewer, body="Staff knew every resident's name.")

    draft = findings.draft_from_comment(comment)

    assert draft == {
        "title": "What we noticed at handover",
        "body": "Staff knew every resident's name.",
        "standards": [comment.thread.standard_id],
    }


# Changing, moving, removing ---------------------------------------------------------------------


def test_update_finding_changes_only_what_is_given(peer_review, lead_reviewer):
    chosen = standards_of(peer_review, 1)
    finding = add(peer_review, lead_reviewer, body="Buddies.", standards=chosen)

    findings.update_finding(finding, by=lead_reviewer, title="A steady welcome")

    finding.refresh_from_db()
    assert (finding.title, finding.body) == ("A steady welcome", "Buddies.")
    assert list(finding.standards.all()) == chosen


def test_update_finding_refuses_fields_it_does_not_own(peer_review, lead_reviewer):
    finding = add(peer_review, lead_reviewer)

    with pytest.raises(Invalid) as refused:
        findings.update_finding(finding, by=lead_reviewer, review=None)

    assert "review" in refused.value.errors


def test_update_finding_to_another_kind_goes_last_there_and_closes_the_gap(
    peer_review, lead_reviewer
):
    first = add(peer_review, lead_reviewer, title="A")
    add(peer_review, lead_reviewer, title="B")
    add(peer_review, lead_reviewer, title="C")
    add(peer_review, lead_reviewer, kind=Finding.Kind.LEARNING, title="L")

    findings.update_finding(first, by=lead_reviewer, kind=Finding.Kind.LEARNING)

    assert orders(peer_review) == [("B", 0), ("C", 1)]
    assert orders(peer_review, Finding.Kind.LEARNING) == [("L", 0), ("A", 1)]


def test_move_finding_swaps_it_with_its_neighbour(peer_review, lead_reviewer):
    for title in ("A", "B", "C"):
        add(peer_review, lead_reviewer, title=title)
    c = peer_review.findings.get(title="C")

    moved = findings.move_finding(c, by=lead_reviewer, direction="up")

    assert moved.order == 1
    assert orders(peer_review) == [("A", 0), ("C", 1), ("B", 2)]


def test_move_finding_at_the_edge_stays_where_it_is(peer_review, lead_reviewer):
    a = add(peer_review, lead_reviewer, title="A")
    add(peer_review, lead_reviewer, title="B")

    findings.move_finding(a, by=lead_reviewer, direction="up")

    assert orders(peer_review) == [("A", 0), ("B", 1)]


def test_two_moves_from_the_same_page_keep_the_order_a_permutation(peer_review, lead_reviewer):
    for title in ("A", "B", "C", "D"):
        add(peer_review, lead_reviewer, title=title)
    # Both moves start from the same stale objects, as two tabs open on the same list would.
    b, c = peer_review.findings.get(title="B"), peer_review.findings.get(title="C")

    findings.move_finding(b, by=lead_reviewer, direction="down")
    findings.move_finding(c, by=lead_reviewer, direction="up")

    numbers = sorted(order for _title, order in orders(peer_review))
    assert numbers == [0, 1, 2, 3]
    assert [title for title, _order in orders(peer_review)] == ["C", "A", "B", "D"]


def test_move_finding_needs_a_direction(peer_review, lead_reviewer):
    finding = add(peer_review, lead_reviewer)

    with pytest.raises(Invalid):
        findings.move_finding(finding, by=lead_reviewer, direction="sideways")


def test_move_finding_is_refused_to_a_peer_reviewer(peer_review, lead_reviewer, reviewer):
    finding = add(peer_review, lead_reviewer)

    with pytest.raises(PermissionDenied):
        findings.move_finding(finding, by=reviewer, direction="down")


def test_remove_finding_closes_the_gap(peer_review, lead_reviewer):
    for title in ("A", "B", "C"):
        add(peer_review, lead_reviewer, title=title)

    findings.remove_finding(peer_review.findings.get(title="A"), by=lead_reviewer)

    assert orders(peer_review) == [("B", 0), ("C", 1)]


def test_remove_finding_is_refused_to_the_coordinator(peer_review, lead_reviewer, coordinator):
    finding = add(peer_review, lead_reviewer)

    with pytest.raises(PermissionDenied):
        findings.remove_finding(finding, by=coordinator)

    assert Finding.objects.filter(pk=finding.pk).exists()


# The reviewers' summary -------------------------------------------------------------------------


def test_save_summary_creates_it_then_counts_versions(peer_review, lead_reviewer):
    first = findings.save_summary(
        peer_review, by=lead_reviewer, expected_version=None, text="  A community that listens. "
    )
    second = findings.save_summary(
        peer_review, by=lead_reviewer, expected_version=first.version, text="It listens well."
    )

    assert (first.version, first.text) == (1, "A community that listens.")
    assert (second.version, second.text, second.updated_by) == (
        2,
        "It listens well.",
        lead_reviewer,
    )
    assert ReviewersSummary.objects.filter(review=peer_review).count() == 1


def test_save_summary_from_a_stale_version_is_refused_with_what_is_stored(
    peer_review, lead_reviewer
):
    findings.save_summary(peer_review, by=lead_reviewer, expected_version=None, text="One.")
    findings.save_summary(peer_review, by=lead_reviewer, expected_version=1, text="Two.")

    with pytest.raises(StaleWrite) as stale:
        findings.save_summary(peer_review, by=lead_reviewer, expected_version=1, text="Three.")

    assert (stale.value.current.version, stale.value.current.text) == (2, "Two.")
    assert ReviewersSummary.objects.get(review=peer_review).text == "Two."


def test_save_summary_a_second_first_save_is_stale(peer_review, lead_reviewer):
    findings.save_summary(peer_review, by=lead_reviewer, expected_version=None, text="One.")

    with pytest.raises(StaleWrite):
        findings.save_summary(peer_review, by=lead_reviewer, expected_version=None, text="Other.")


def test_save_summary_again_with_the_same_text_is_no_conflict(peer_review, lead_reviewer):
    findings.save_summary(peer_review, by=lead_reviewer, expected_version=None, text="One.")

    again = findings.save_summary(peer_review, by=lead_reviewer, expected_version=None, text="One.")

    assert again.version == 1


def test_save_summary_is_refused_to_a_peer_reviewer(peer_review, reviewer):
    with pytest.raises(PermissionDenied):
        findings.save_summary(peer_review, by=reviewer, expected_version=None, text="Mine.")

    assert not ReviewersSummary.objects.filter(review=peer_review).exists()


def test_save_summary_refuses_text_over_the_limit(peer_review, lead_reviewer):
    with pytest.raises(Invalid) as refused:
        findings.save_summary(
            peer_review,
            by=lead_reviewer,
            expected_version=None,
            text="x" * (findings.SUMMARY_MAX + 1),
        )

    assert "text" in refused.value.errors


def test_changing_a_finding_someone_removed_meanwhile_is_refused(peer_review, lead_reviewer):
    finding = add(peer_review, lead_reviewer)
    findings.remove_finding(finding, by=lead_reviewer)

    with pytest.raises(Invalid) as refused:
        findings.update_finding(finding, by=lead_reviewer, title="Still here?")
    with pytest.raises(Invalid):
        findings.move_finding(finding, by=lead_reviewer, direction="up")
    findings.remove_finding(finding, by=lead_reviewer)  # removing it again changes nothing

    assert refused.value.errors == {"finding": "This finding has been removed."}
