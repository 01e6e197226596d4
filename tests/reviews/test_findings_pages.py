"""Findings pages (reviews/views/findings.py): the list with the reviewers' summary, adding (from
scratch and from a comment), editing, moving, removing, and the summary with its stale saves;
who sees what."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.cycles import enrol
from reviews.models import Comment, Finding, Review, ReviewersSummary, Thread
from reviews.peer_review import findings
from reviews.workflow import transition
from standards.models import Standard


def page(response) -> str:
    """The page's HTML with entities decoded, so text reads as the person sees it."""
    return unescape(response.content.decode())


def signed_in(client, person):
    client.force_login(person)
    return client


def list_url(review) -> str:
    return reverse("reviews:finding_list", args=[review.pk])


def add(review, by, kind=Finding.Kind.STRENGTH, title="A warm welcome", **values) -> Finding:
    return findings.add_finding(review, by=by, kind=kind, title=title, **values)


def first_standard(review) -> Standard:
    return Standard.objects.filter(version=review.framework_version).order_by(
        "domain__order", "order"
    )[0]


def comment_on(review, by, visibility=Thread.Visibility.TEAM, body="Staff knew every name."):
    thread = Thread.objects.create(
        review=review,
        standard=first_standard(review),
        visibility=visibility,
        title="What we noticed at handover",
        started_by=by,
    )
    return Comment.objects.create(thread=thread, author=by, body=body)


# The list -----------------------------------------------------------------------------------


def test_finding_list_shows_summary_findings_by_kind_with_standards(
    client, peer_review, lead_reviewer
):
    standard = first_standard(peer_review)
    findings.save_summary(
        peer_review, by=lead_reviewer, expected_version=None, text="A community that listens."
    )
    add(peer_review, lead_reviewer, title="A warm welcome", body="Buddies.", standards=[standard])
    add(peer_review, lead_reviewer, kind=Finding.Kind.DEVELOPMENT, title="Night handovers")

    html = page(signed_in(client, lead_reviewer).get(list_url(peer_review)))

    assert "A community that listens." in html
    assert "Edit the reviewers' summary" in html
    assert html.index("Strengths") < html.index("A warm welcome") < html.index("Even better if")
    assert html.index("Areas for development") < html.index("Night handovers")
    assert f"{standard.code} {standard.title}" in html
    assert "Add a finding" in html
    assert html.count("No findings of this kind yet.") == 2  # even better if, learning


def test_finding_list_offers_moves_without_javascript_only_to_the_lead(
    client, peer_review, lead_reviewer, reviewer
):
    add(peer_review, lead_reviewer, title="A")
    add(peer_review, lead_reviewer, title="B")

    lead_html = page(signed_in(client, lead_reviewer).get(list_url(peer_review)))
    peer_html = page(signed_in(client, reviewer).get(list_url(peer_review)))

    # The first goes only down, the last only up: one of each, each a small POST form.
    assert lead_html.count("Move up") == lead_html.count("Move down") == 1
    assert 'name="direction" value="down"' in lead_html
    assert "Move up" not in peer_html
    assert "Add a finding" not in peer_html
    assert "A" in peer_html
    assert "B" in peer_html


def test_finding_list_when_empty_says_so(client, peer_review, coordinator):
    html = page(signed_in(client, coordinator).get(list_url(peer_review)))

    assert html.count("No findings of this kind yet.") == 4
    assert "The reviewers' summary has not been written yet." in html
    assert "Add a finding" not in html


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("service_lead", 403),
        ("staff", 403),
        ("lived_experience", 403),
        ("commissioner", 404),
        ("outsider", 404),
    ],
)
def test_finding_list_is_closed_to_the_host_and_hidden_from_others(
    client, peer_review, lead_reviewer, request, role, status
):
    add(peer_review, lead_reviewer, title="A secret strength")

    response = signed_in(client, request.getfixturevalue(role)).get(list_url(peer_review))

    assert response.status_code == status
    assert "A secret strength" not in page(response)


def test_finding_list_queries_do_not_grow_with_findings(client, peer_review, lead_reviewer):
    standards = list(Standard.objects.filter(version=peer_review.framework_version)[:3])
    client = signed_in(client, lead_reviewer)

    def count() -> int:
        client.get(list_url(peer_review))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(list_url(peer_review))
        assert response.status_code == 200
        return len(captured.captured_queries)

    add(peer_review, lead_reviewer, standards=standards[:1])
    small = count()
    for n in range(12):
        kind = Finding.Kind.values[n % 4]
        add(peer_review, lead_reviewer, kind=kind, title=f"F{n}", standards=standards)
    large = count()

    assert small == large


def test_finding_list_after_withdrawal_explains_to_the_lead(
    client, peer_review, lead_reviewer, coordinator
):
    add(peer_review, lead_reviewer)
    transition(peer_review, Review.Status.WITHDRAWN, by=coordinator, note="The service closed.")

    html = page(signed_in(client, lead_reviewer).get(list_url(peer_review)))

    assert "This review was withdrawn, so its findings can no longer be changed." in html
    assert "Add a finding" not in html
    assert "Move down" not in html


# Adding -------------------------------------------------------------------------------------


def test_finding_add_preselects_the_kind_and_groups_standards_by_domain(
    client, peer_review, lead_reviewer
):
    url = reverse("reviews:finding_add", args=[peer_review.pk]) + "?kind=learning"

    html = page(signed_in(client, lead_reviewer).get(url))

    assert re.search(r'name="kind" value="learning"[^>]*checked', html)
    assert not re.search(r'name="kind" value="strength"[^>]*checked', html)
    domain = peer_review.framework_version.domains.order_by("order").first()
    standard = domain.standards.order_by("order").first()
    assert html.index(f"{domain.code} {domain.name}") < html.index(
        f"{standard.code} {standard.title}"
    )
    assert 'type="checkbox" name="standards"' in html


def test_finding_add_stores_it_and_returns_to_the_list(client, peer_review, lead_reviewer):
    standard = first_standard(peer_review)

    response = signed_in(client, lead_reviewer).post(
        reverse("reviews:finding_add", args=[peer_review.pk]),
        {
            "kind": "even_better_if",
            "title": "Written plans",
            "body": "Care plans could say more about relationships.",
            "standards": [standard.pk],
            "domains": [standard.domain_id],
        },
    )

    finding = peer_review.findings.get()
    assert response.status_code == 302
    assert response.url.endswith(f"#finding-{finding.pk}")
    assert (finding.kind, finding.title, finding.created_by) == (
        "even_better_if",
        "Written plans",
        lead_reviewer,
    )
    assert list(finding.standards.all()) == [standard]


def test_finding_add_with_errors_shows_the_error_summary(client, peer_review, lead_reviewer):
    response = signed_in(client, lead_reviewer).post(
        reverse("reviews:finding_add", args=[peer_review.pk]), {"title": ""}
    )

    html = page(response)
    assert response.status_code == 200
    assert "<title>Error:" in html
    assert 'href="#id_kind_0"' in html
    assert "Choose what kind of finding this is." in html
    assert 'href="#id_title"' in html
    assert "Give the finding a title." in html
    assert not peer_review.findings.exists()


def test_finding_add_from_a_team_only_comment_quotes_it_and_starts_from_it(
    client, peer_review, lead_reviewer, reviewer
):
    comment = comment_on(peer_review, reviewer, body="Staff knew every resident's name.")
    url = reverse("reviews:finding_add", args=[peer_review.pk]) + f"?comment={comment.pk}"
    client = signed_in(client, lead_reviewer)

    html = page(client.get(url))
    response = client.post(
        url,
        {"kind": "strength", "title": "Known by name", "body": "Staff knew every name."},
    )

    assert "Review team only" in html
    assert "<blockquote" in html
    assert "Staff knew every resident's name." in html
    assert 'value="What we noticed at handover"' in html  # the title starts from the thread
    standard = comment.thread.standard
    assert re.search(rf'name="standards" value="{standard.pk}"[^>]*checked', html)
    assert response.status_code == 302
    assert peer_review.findings.get().started_from == comment


def test_finding_add_from_a_comment_on_another_review_is_not_found(
    client, peer_review, lead_reviewer, other_service, coordinator
):
    other = enrol(peer_review.cycle, other_service, peer_review.framework_version, by=coordinator)
    comment = comment_on(other, coordinator, Thread.Visibility.SHARED, body="Elsewhere.")
    url = reverse("reviews:finding_add", args=[peer_review.pk]) + f"?comment={comment.pk}"
    client = signed_in(client, lead_reviewer)

    assert client.get(url).status_code == 404
    assert client.post(url, {"kind": "strength", "title": "T"}).status_code == 404
    assert not peer_review.findings.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("reviewer", 403),
        ("coordinator", 403),
        ("service_lead", 403),
        ("outsider", 404),
    ],
)
def test_finding_add_is_the_leads_alone(client, peer_review, request, role, status):
    response = signed_in(client, request.getfixturevalue(role)).post(
        reverse("reviews:finding_add", args=[peer_review.pk]),
        {"kind": "strength", "title": "Not mine to add"},
    )

    assert response.status_code == status
    assert not peer_review.findings.exists()


def test_finding_add_after_withdrawal_explains_and_stores_nothing(
    client, peer_review, lead_reviewer, coordinator
):
    transition(peer_review, Review.Status.WITHDRAWN, by=coordinator, note="The service closed.")

    response = signed_in(client, lead_reviewer).post(
        reverse("reviews:finding_add", args=[peer_review.pk]),
        {"kind": "strength", "title": "Too late"},
        follow=True,
    )

    assert "This review was withdrawn" in page(response)
    assert not peer_review.findings.exists()


# Editing, moving, removing --------------------------------------------------------------------


def test_finding_edit_starts_from_the_finding_and_saves(client, peer_review, lead_reviewer):
    standard = first_standard(peer_review)
    finding = add(peer_review, lead_reviewer, body="Buddies.", standards=[standard])
    url = reverse("reviews:finding_edit", args=[peer_review.pk, finding.pk])
    client = signed_in(client, lead_reviewer)

    html = page(client.get(url))
    response = client.post(
        url, {"kind": "strength", "title": "A steady welcome", "body": "Buddies, always."}
    )

    assert 'value="A warm welcome"' in html
    assert "Buddies." in html
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.title, finding.body) == ("A steady welcome", "Buddies, always.")
    assert not finding.standards.exists()  # the form sent none ticked


def test_finding_edit_of_another_reviews_finding_is_not_found(
    client, peer_review, lead_reviewer, other_service, coordinator
):
    other = enrol(peer_review.cycle, other_service, peer_review.framework_version, by=coordinator)
    elsewhere = Finding.objects.create(review=other, kind="strength", title="Elsewhere")

    response = signed_in(client, lead_reviewer).get(
        reverse("reviews:finding_edit", args=[peer_review.pk, elsewhere.pk])
    )

    assert response.status_code == 404


def test_finding_move_down_swaps_and_returns_to_it(client, peer_review, lead_reviewer):
    a = add(peer_review, lead_reviewer, title="A")
    add(peer_review, lead_reviewer, title="B")

    response = signed_in(client, lead_reviewer).post(
        reverse("reviews:finding_move", args=[peer_review.pk, a.pk]), {"direction": "down"}
    )

    assert response.status_code == 302
    assert response.url.endswith(f"#finding-{a.pk}")
    assert list(peer_review.findings.order_by("order").values_list("title", flat=True)) == [
        "B",
        "A",
    ]


def test_finding_move_is_refused_to_a_peer_reviewer(client, peer_review, lead_reviewer, reviewer):
    a = add(peer_review, lead_reviewer, title="A")
    add(peer_review, lead_reviewer, title="B")

    response = signed_in(client, reviewer).post(
        reverse("reviews:finding_move", args=[peer_review.pk, a.pk]), {"direction": "down"}
    )

    assert response.status_code == 403
    a.refresh_from_db()
    assert a.order == 0


def test_finding_move_only_by_post(client, peer_review, lead_reviewer):
    a = add(peer_review, lead_reviewer, title="A")

    response = signed_in(client, lead_reviewer).get(
        reverse("reviews:finding_move", args=[peer_review.pk, a.pk])
    )

    assert response.status_code == 405


def test_finding_remove_asks_first_then_removes(client, peer_review, lead_reviewer):
    finding = add(peer_review, lead_reviewer, body="Buddies.")
    url = reverse("reviews:finding_remove", args=[peer_review.pk, finding.pk])
    client = signed_in(client, lead_reviewer)

    html = page(client.get(url))
    assert "Remove the finding “A warm welcome”?" in html
    assert Finding.objects.filter(pk=finding.pk).exists()

    response = client.post(url)

    assert response.status_code == 302
    assert not Finding.objects.filter(pk=finding.pk).exists()


# The reviewers' summary ---------------------------------------------------------------------


def test_summary_edit_first_save_creates_it(client, peer_review, lead_reviewer):
    url = reverse("reviews:summary_edit", args=[peer_review.pk])
    client = signed_in(client, lead_reviewer)

    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "A community that listens.", "version": ""})

    assert response.status_code == 302
    assert response.url.endswith("#summary")
    summary = ReviewersSummary.objects.get(review=peer_review)
    assert (summary.text, summary.version, summary.updated_by) == (
        "A community that listens.",
        1,
        lead_reviewer,
    )


def test_summary_edit_stale_save_shows_both_texts_and_keeps_mine(
    client, peer_review, lead_reviewer
):
    findings.save_summary(peer_review, by=lead_reviewer, expected_version=None, text="One.")
    findings.save_summary(
        peer_review, by=lead_reviewer, expected_version=1, text="Saved in another tab."
    )
    url = reverse("reviews:summary_edit", args=[peer_review.pk])

    response = signed_in(client, lead_reviewer).post(
        url, {"text": "Typed in this tab.", "version": "1"}
    )

    html = page(response)
    assert response.status_code == 409
    assert "Not saved: someone else changed this" in html
    assert "Saved in another tab." in html
    assert "Typed in this tab.</textarea>" in html
    assert 'name="version" value="2"' in html
    assert ReviewersSummary.objects.get(review=peer_review).text == "Saved in another tab."


def test_summary_edit_is_the_leads_alone(client, peer_review, reviewer, service_lead, outsider):
    url = reverse("reviews:summary_edit", args=[peer_review.pk])

    assert signed_in(client, reviewer).post(url, {"text": "Mine."}).status_code == 403
    assert signed_in(client, service_lead).get(url).status_code == 403
    assert signed_in(client, outsider).get(url).status_code == 404
    assert not ReviewersSummary.objects.filter(review=peer_review).exists()
