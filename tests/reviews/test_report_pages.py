"""The report pages (reviews/views/reports.py): the list of versions with their render state, the
preview with the accuracy check beside it, the downloads (sha256 checked, every read logged),
who read what, corrections; who sees which version."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import AccessLog, AccuracyComment, RenderJob, Report, Review
from reviews.report import accuracy, issuing
from reviews.workflow import transition
from tests.reviews import report_data
from tests.reviews.report_pages_data import (
    PDF_BYTES,
    SUMMARY_BYTES,
    draft_for_accuracy_check,
    publish,
    share,
    store_pdf,
)

Status = Review.Status


def page(response) -> str:
    """The page's HTML with entities decoded, so text reads as the person sees it."""
    return unescape(response.content.decode())


def text(response) -> str:
    """The page's words, without markup, on one line."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page(response)))


def signed_in(client, person):
    client.force_login(person)
    return client


def list_url(review) -> str:
    return reverse("reviews:report_list", args=[review.pk])


def detail_url(report) -> str:
    return reverse("reviews:report_detail", args=[report.review_id, report.pk])


def pdf_url(report, *, summary=False) -> str:
    name = "reviews:report_summary_pdf" if summary else "reviews:report_pdf"
    return reverse(name, args=[report.review_id, report.pk])


@pytest.fixture
def draft(peer_review, lead_reviewer, reviewer):
    return draft_for_accuracy_check(peer_review, lead_reviewer=lead_reviewer, reviewer=reviewer)


@pytest.fixture
def final(draft, service_lead, coordinator):
    return publish(draft.review, host_lead=service_lead, coordinator=coordinator)


@pytest.fixture
def shared(final, body, service_lead):
    share(final.review, body, by=service_lead)
    return final


def finding_anchor(report) -> str:
    return next(a for a in accuracy.anchors(report) if a.startswith("finding:"))


# The list of versions -------------------------------------------------------------------------


def test_report_list_shows_each_version_newest_first_with_its_state(
    client, final, draft, service_lead
):
    html = text(signed_in(client, service_lead).get(list_url(final.review)))

    assert html.index("Version 2: Final") < html.index("Version 1: Draft")
    assert "Issued" in html
    assert "Improvement report: Ready" in html
    assert "Commissioner summary: Ready" in html
    assert "Download the commissioner summary (PDF, version 2)" in html
    # Draft 1 was never rendered here: its job waits, and the page says how to see more.
    assert "Improvement report: Queued" in html
    assert "Refresh the page to see the latest state" in html
    assert "Agreed on" in html


def test_report_list_loads_its_script_only_while_a_render_waits(client, draft, service_lead):
    client = signed_in(client, service_lead)

    waiting = page(client.get(list_url(draft.review)))
    store_pdf(draft)
    done = page(client.get(list_url(draft.review)))

    assert "js/render-status.js" in waiting
    assert 'data-render-status="queued"' in waiting
    assert "js/render-status.js" not in done


def test_peer_reviewer_sees_drafts_but_not_the_final(client, final, reviewer):
    client = signed_in(client, reviewer)
    html = text(client.get(list_url(final.review)))

    assert "Version 1: Draft" in html
    assert "Version 2: Final" not in html
    assert client.get(detail_url(final)).status_code == 403
    assert client.get(pdf_url(final)).status_code == 403


def test_commissioner_sees_only_the_shared_final(client, shared, draft, commissioner):
    client = signed_in(client, commissioner)
    response = client.get(list_url(shared.review))
    html = text(response)

    assert response.status_code == 200
    assert "Version 2: Final" in html
    assert "Version 1: Draft" not in html
    # No way into the review, which commissioners never see.
    review_link = reverse("reviews:review_detail", args=[shared.review_id])
    assert f'href="{review_link}"' not in page(response)
    assert client.get(detail_url(draft)).status_code == 404
    assert client.get(detail_url(shared)).status_code == 200
    assert client.get(pdf_url(shared, summary=True)).status_code == 200


def test_commissioner_of_an_unshared_report_and_outsider_see_nothing(
    client, final, commissioner, outsider
):
    for person in (commissioner, outsider):
        client = signed_in(client, person)
        assert client.get(list_url(final.review)).status_code == 404
        assert client.get(detail_url(final)).status_code == 404
        assert client.get(pdf_url(final)).status_code == 404


def test_report_list_is_403_for_someone_who_sees_the_review_but_no_version(
    client, peer_review, reviewer, coordinator
):
    # A final issued straight away is not for peer reviewers (only the lead reviewer reads it).
    issuing.issue_report(peer_review, kind=Report.Kind.FINAL, by=coordinator)

    assert signed_in(client, reviewer).get(list_url(peer_review)).status_code == 403


def test_report_list_before_any_report_says_so(client, peer_review, staff):
    response = signed_in(client, staff).get(list_url(peer_review))

    assert response.status_code == 200
    assert "No report has been issued for this review yet." in text(response)


def test_review_page_links_to_the_report(client, final, staff):
    url = reverse("reviews:review_detail", args=[final.review_id])
    html = text(signed_in(client, staff).get(url))

    assert "Final, version 2" in html
    assert "Draft, version 1" in html
    assert "Every version of the report (2)" in html


def test_report_list_queries_do_not_grow_with_versions(client, draft, service_lead, lead_reviewer):
    client = signed_in(client, service_lead)
    url = list_url(draft.review)

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries)

    one = count()
    for _n in range(5):
        issuing.issue_report(draft.review, kind=Report.Kind.DRAFT, by=lead_reviewer)
    assert draft.review.reports.count() == 6
    six = count()

    assert one == six
    assert six <= 20


# Render state -----------------------------------------------------------------------------------


def test_render_status_gives_the_state_and_where_to_download(client, final, draft, staff):
    client = signed_in(client, staff)
    job = final.render_jobs.get(what=RenderJob.What.SUMMARY)
    waiting = draft.render_jobs.get()

    ready = client.get(reverse("reviews:render_status", args=[final.review_id, job.pk])).json()
    queued = client.get(reverse("reviews:render_status", args=[draft.review_id, waiting.pk]))

    assert ready == {
        "status": "ready",
        "label": "Ready",
        "error": "",
        "ready_url": pdf_url(final, summary=True),
    }
    assert queued.json() == {"status": "queued", "label": "Queued", "error": "", "ready_url": None}


def test_render_status_of_a_version_you_cannot_read(client, final, reviewer, outsider):
    job = final.render_jobs.first()
    url = reverse("reviews:render_status", args=[final.review_id, job.pk])

    assert signed_in(client, reviewer).get(url).status_code == 403
    assert signed_in(client, outsider).get(url).status_code == 404


def test_a_failed_render_shows_why_and_the_lead_can_try_again(client, draft, lead_reviewer, staff):
    job = draft.render_jobs.get()
    RenderJob.objects.filter(pk=job.pk).update(
        status=RenderJob.Status.FAILED, error="It took longer than 60 seconds."
    )
    retry = reverse("reviews:render_retry", args=[draft.review_id, job.pk])

    staff_view = text(signed_in(client, staff).get(list_url(draft.review)))
    refused = client.post(retry)
    lead_view = text(signed_in(client, lead_reviewer).get(list_url(draft.review)))
    response = client.post(retry, follow=True)

    assert "Failed The reason given: It took longer than 60 seconds." in staff_view
    assert "Try again" not in staff_view
    assert refused.status_code == 403
    assert "Try again" in lead_view
    assert "is being prepared again" in text(response)
    statuses = list(draft.render_jobs.order_by("pk").values_list("status", flat=True))
    # The failure stays on record; the new job runs at commit (here, never).
    assert statuses == ["failed", "queued"]
    assert "Improvement report: Queued" in text(response)


def test_trying_again_a_render_that_did_not_fail_is_refused(client, final, coordinator):
    job = final.render_jobs.first()
    response = signed_in(client, coordinator).post(
        reverse("reviews:render_retry", args=[final.review_id, job.pk]), follow=True
    )

    assert "Only a render that failed can be tried again." in text(response)
    assert final.render_jobs.count() == 2


# Downloads --------------------------------------------------------------------------------------


def test_download_serves_the_stored_bytes_and_logs_each_read(client, final, staff):
    client = signed_in(client, staff)

    response = client.get(pdf_url(final))
    summary = client.get(pdf_url(final, summary=True))

    assert response.status_code == 200
    assert response.content == PDF_BYTES
    assert summary.content == SUMMARY_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert "improvement-report-final-v2.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    reads = set(AccessLog.objects.values_list("user", "kind", "object_id", "review"))
    assert reads == {
        (staff.pk, "report", final.pk, final.review_id),
        (staff.pk, "summary", final.pk, final.review_id),
    }


def test_tampered_bytes_are_never_served(client, final, staff):
    with final.pdf.open("wb") as stored:
        stored.write(b"%PDF-1.7 tampered")

    response = signed_in(client, staff).get(pdf_url(final))

    assert response.status_code == 409
    assert b"tampered" not in response.content
    assert response["Content-Type"].startswith("text/html")
    assert "does not match its fingerprint" in text(response)
    assert not AccessLog.objects.exists()


def test_a_pdf_not_rendered_yet_gets_a_clear_page(client, draft, staff):
    response = signed_in(client, staff).get(pdf_url(draft))

    assert response.status_code == 409
    assert "The report cannot be downloaded" in text(response)
    assert "This PDF is not ready yet." in text(response)
    assert not AccessLog.objects.exists()


def test_drafts_have_no_commissioner_summary(client, draft, staff):
    store_pdf(draft)

    assert signed_in(client, staff).get(pdf_url(draft, summary=True)).status_code == 404


# The preview ------------------------------------------------------------------------------------


def test_preview_shows_the_draft_with_its_banner_and_sections(client, draft, lived_experience):
    response = signed_in(client, lived_experience).get(detail_url(draft))
    html = text(response)

    assert response.status_code == 200
    assert "Draft This is draft version 1, for the accuracy check." in html
    assert page(response).count("<h1") == 1
    for heading in (
        "About this review",
        "Who took part",
        "Findings by domain",
        "Agreed actions",
        "Appendix",
    ):
        assert heading in html
    assert "A warm, thoughtful place." in html
    assert "Residents lead the community meeting" in html
    # Reading the preview is a read of the report.
    assert AccessLog.objects.filter(object_id=draft.pk, user=lived_experience).count() == 1


def test_preview_of_a_final_has_no_draft_banner_or_accuracy_forms(client, final, service_lead):
    html = text(signed_in(client, service_lead).get(detail_url(final)))

    assert "Improvement report: final, version 2" in html
    assert "This is draft version" not in html
    assert "Add your comment" not in html


def test_preview_of_a_final_logs_each_accuracy_comment_with_its_kind(
    client, draft, service_lead, lead_reviewer, coordinator
):
    comment = accuracy.add_accuracy_comment(
        draft,
        by=service_lead,
        anchor=finding_anchor(draft),
        kind="update",
        body="The garden group started in May.",
    )
    accuracy.answer_accuracy_comment(comment, by=lead_reviewer, answer="accepted", reason="Added.")
    final = publish(draft.review, host_lead=service_lead, coordinator=coordinator)

    html = text(signed_in(client, service_lead).get(detail_url(final)))

    assert re.search(r"Draft 1, Finding: .+ \(update since the visit\)", html)


def test_host_lead_sees_comment_forms_and_the_agreement_panel(client, draft, service_lead):
    html = page(signed_in(client, service_lead).get(detail_url(draft)))

    assert html.count('name="anchor"') == len(accuracy.anchors(draft))
    assert "What kind of comment is this?" in html
    assert "Agree the draft and its actions" in html


def test_staff_read_the_draft_but_cannot_comment(client, draft, staff):
    client = signed_in(client, staff)
    html = page(client.get(detail_url(draft)))
    response = client.post(
        reverse("reviews:accuracy_comment_add", args=[draft.review_id, draft.pk]),
        {"anchor": "section:about", "comment-section-about-kind": "factual"},
    )

    assert "Add your comment" not in html
    assert "The service lead has not agreed this draft." in html
    assert response.status_code == 403
    assert not AccuracyComment.objects.exists()


def test_host_lead_comments_on_a_finding(client, draft, service_lead):
    anchor = finding_anchor(draft)
    prefix = "comment-" + anchor.replace(":", "-")

    response = signed_in(client, service_lead).post(
        reverse("reviews:accuracy_comment_add", args=[draft.review_id, draft.pk]),
        {"anchor": anchor, f"{prefix}-kind": "factual", f"{prefix}-body": "It is weekly."},
    )

    comment = AccuracyComment.objects.get()
    assert (comment.anchor, comment.kind, comment.body) == (anchor, "factual", "It is weekly.")
    assert response.status_code == 302
    assert response["Location"].endswith("#" + anchor.replace(":", "-"))
    html = text(client.get(response["Location"]))
    assert "1 accuracy comment on this part" in html
    assert "It is weekly." in html
    assert "Waiting for the lead reviewer's answer." in html


def test_a_comment_with_errors_keeps_what_was_typed(client, draft, service_lead):
    response = signed_in(client, service_lead).post(
        reverse("reviews:accuracy_comment_add", args=[draft.review_id, draft.pk]),
        {"anchor": "section:about", "comment-section-about-body": "The purpose is wrong."},
    )
    html = page(response)

    assert response.status_code == 200
    assert "<title>Error:" in html
    assert "There is a problem" in html
    assert (
        '<a href="#id_comment-section-about-kind_0">Choose what kind of comment this is.</a>'
        in html
    )
    assert "The purpose is wrong.</textarea>" in html
    assert '<details class="govuk-details" open>' in html
    assert not AccuracyComment.objects.exists()


def test_a_comment_after_the_check_closed_is_refused_with_the_reason(
    client, draft, service_lead, lead_reviewer
):
    transition(draft.review, Status.DRAFTING, by=lead_reviewer)

    response = signed_in(client, service_lead).post(
        reverse("reviews:accuracy_comment_add", args=[draft.review_id, draft.pk]),
        {
            "anchor": "section:about",
            "comment-section-about-kind": "factual",
            "comment-section-about-body": "Please keep this.",
        },
    )
    html = text(response)

    assert response.status_code == 409
    assert "Nothing was saved" in html
    assert (
        "The accuracy check is not open: the review is at the stage “Drafting the report”." in html
    )
    assert "Please keep this." in html
    assert not AccuracyComment.objects.exists()


def test_a_comment_on_a_replaced_draft_points_to_the_latest(
    client, draft, service_lead, lead_reviewer
):
    transition(draft.review, Status.DRAFTING, by=lead_reviewer)
    transition(draft.review, Status.ACCURACY_CHECK, by=lead_reviewer)
    client = signed_in(client, service_lead)

    old = text(client.get(detail_url(draft)))
    response = client.post(
        reverse("reviews:accuracy_comment_add", args=[draft.review_id, draft.pk]),
        {"anchor": "section:about", "comment-section-about-kind": "factual"},
    )

    assert "A newer draft replaces it: read version 2" in old
    assert "Add your comment" not in old
    assert response.status_code == 409
    assert "This draft has been replaced by version 2. Comment on the latest draft." in text(
        response
    )


def test_lead_reviewer_answers_a_comment(client, draft, service_lead, lead_reviewer, staff):
    comment = accuracy.add_accuracy_comment(
        draft, by=service_lead, anchor="section:about", kind="context", body="Say we are new."
    )
    url = reverse("reviews:accuracy_comment_answer", args=[draft.review_id, comment.pk])
    client = signed_in(client, lead_reviewer)

    form = page(client.get(detail_url(draft)))
    missing = client.post(
        url, {f"answer-{comment.pk}-answer": "partly", f"answer-{comment.pk}-answer_reason": ""}
    )
    done = client.post(
        url,
        {
            f"answer-{comment.pk}-answer": "partly",
            f"answer-{comment.pk}-answer_reason": "We added a line.",
        },
    )
    refused = signed_in(client, staff).post(url, {f"answer-{comment.pk}-answer": "accepted"})

    assert "Save your answer" in form
    assert missing.status_code == 200
    assert "Say why, so the service understands your answer." in text(missing)
    assert re.search(r'value="partly"[^>]*checked', page(missing))
    assert done.status_code == 302
    assert done["Location"].endswith(f"#accuracy-comment-{comment.pk}")
    comment.refresh_from_db()
    assert (comment.answer, comment.answer_reason) == ("partly", "We added a line.")
    html = text(client.get(detail_url(draft)))
    assert "Answer: Partly accepted" in html
    assert "We added a line." in html
    assert refused.status_code == 403


def test_host_lead_agrees_and_the_page_says_who_and_when(client, draft, service_lead, staff):
    url = reverse("reviews:report_agree", args=[draft.review_id, draft.pk])

    assert signed_in(client, staff).post(url, {"agree-note": "Yes."}).status_code == 403
    response = signed_in(client, service_lead).post(url, {"agree-note": "Thank you all."})

    assert response.status_code == 302
    html = text(client.get(detail_url(draft)))
    assert f"Agreed by {service_lead} on" in html
    assert "Thank you all." in html
    assert "Agree the draft and its actions" not in html


def test_coordinator_sees_what_stops_publishing_then_the_publish_move(
    client, draft, service_lead, coordinator
):
    client = signed_in(client, coordinator)
    comment = accuracy.add_accuracy_comment(
        draft, by=service_lead, anchor="section:about", kind="context", body="Say we are new."
    )

    before = text(client.get(detail_url(draft)))
    AccuracyComment.objects.filter(pk=comment.pk).update(answer="accepted")
    accuracy.agree_draft(draft, by=service_lead)
    after = page(client.get(detail_url(draft)))

    assert "What still stops publishing:" in before
    assert "Answer the accuracy comment on “About this review”." in before
    assert "The service lead has not yet agreed the draft and its actions." in before
    assert "Publish the final report" not in before
    assert 'name="to" value="published"' in after
    assert f'name="version" value="{draft.review.version}"' in after
    response = client.post(
        reverse("reviews:review_transition", args=[draft.review_id]),
        {"to": "published", "version": draft.review.version},
    )
    assert response.status_code == 302
    assert Review.objects.get(pk=draft.review_id).status == Status.PUBLISHED


# The same for 16 standards and for 40 (each with a comment waiting), per person: the host's
# service lead (comment forms everywhere, the agreement form), the lead reviewer (answer forms)
# and a coordinator (what stops publishing).
PREVIEW_QUERIES = {"host": 11, "lead": 11, "coordinator": 13}


@pytest.mark.parametrize(
    "framework",
    [report_data.developmental_relational_framework, report_data.relational_environment_standards],
    ids=["16 standards", "40 standards"],
)
def test_preview_queries_do_not_grow_with_the_report(client, db, framework):
    review = report_data.build_world_review(framework())
    lead = review.assignments.get(role="lead").reviewer.user
    transition(review, Status.ACCURACY_CHECK, by=lead)
    draft = issuing.latest_draft(review)
    host_lead = review.service.memberships.get(role="service_lead").user
    accuracy.add_accuracy_comment(
        draft, by=host_lead, anchor=finding_anchor(draft), kind="factual", body="Weekly."
    )
    coordinator = review.cycle.network.coordinators.get().user
    counts = {}
    for role, person in (("host", host_lead), ("lead", lead), ("coordinator", coordinator)):
        client.force_login(person)
        client.get(detail_url(draft))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(detail_url(draft))
        assert response.status_code == 200
        counts[role] = len(captured.captured_queries)

    assert counts == PREVIEW_QUERIES
    assert max(counts.values()) <= 20


# Who read it, and corrections ---------------------------------------------------------------


def test_service_lead_sees_who_read_which_version(client, shared, service_lead, commissioner):
    signed_in(client, commissioner).get(pdf_url(shared, summary=True))

    response = signed_in(client, service_lead).get(
        reverse("reviews:report_readers", args=[shared.review_id])
    )
    html = text(response)

    assert response.status_code == 200
    assert str(commissioner) in html
    assert "Version 2 (final)" in html


def test_readers_page_queries_do_not_grow_with_reads(client, shared, service_lead, commissioner):
    url = reverse("reviews:report_readers", args=[shared.review_id])
    client = signed_in(client, service_lead)

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries)

    signed_in(Client(), commissioner).get(pdf_url(shared))
    one = count()
    reader = signed_in(Client(), commissioner)
    for _n in range(5):
        reader.get(pdf_url(shared, summary=True))
    six = count()

    assert one == six
    assert six <= 20


def test_readers_page_is_for_the_service_lead_and_coordinators(
    client, final, staff, coordinator, commissioner, outsider
):
    url = reverse("reviews:report_readers", args=[final.review_id])

    assert signed_in(client, coordinator).get(url).status_code == 200
    assert signed_in(client, staff).get(url).status_code == 403
    assert signed_in(client, commissioner).get(url).status_code == 404
    assert signed_in(client, outsider).get(url).status_code == 404


def test_readers_page_before_anyone_read_says_so(client, final, service_lead):
    url = reverse("reviews:report_readers", args=[final.review_id])

    assert "Nobody has read the report yet." in text(signed_in(client, service_lead).get(url))


def test_coordinator_issues_a_correction_that_supersedes_the_final(
    client, final, coordinator, staff
):
    url = reverse("reviews:report_correct", args=[final.review_id])
    client = signed_in(client, coordinator)

    form = text(client.get(url))
    empty = client.post(url, {"note": "  "})
    done = client.post(url, {"note": "Corrects the visit date."}, follow=True)

    assert "It supersedes version 2" in form
    assert empty.status_code == 200
    assert "Say what the correction changes." in text(empty)
    corrected = issuing.current_final(final.review)
    assert (corrected.number, corrected.supersedes_id) == (3, final.pk)
    html = text(done)
    assert "Version 3 was issued." in html
    assert "Supersedes version 2" in html
    assert "Superseded by version 3" in html
    assert "Corrects the visit date." in html
    assert signed_in(client, staff).get(url).status_code == 403


def test_a_correction_before_publication_is_refused(client, draft, coordinator):
    url = reverse("reviews:report_correct", args=[draft.review_id])

    response = signed_in(client, coordinator).post(url, {"note": "Too early."})

    assert response.status_code == 409
    assert "Only a published report can be corrected." in text(response)
    assert draft.review.reports.count() == 1


@pytest.mark.pdf
def test_a_rendered_final_downloads_as_rendered(
    client,
    peer_review,
    lead_reviewer,
    reviewer,
    service_lead,
    coordinator,
    django_capture_on_commit_callbacks,
):
    """The real thing once: WeasyPrint renders at commit, and the page serves those bytes."""
    with django_capture_on_commit_callbacks(execute=True):
        draft = draft_for_accuracy_check(
            peer_review, lead_reviewer=lead_reviewer, reviewer=reviewer
        )
        accuracy.agree_draft(draft, by=service_lead)
        transition(peer_review, Status.PUBLISHED, by=coordinator)
    final = issuing.current_final(peer_review)
    client = signed_in(client, service_lead)

    html = text(client.get(list_url(peer_review)))
    report = client.get(pdf_url(final))
    summary = client.get(pdf_url(final, summary=True))

    assert "Improvement report: Ready" in html
    assert "Commissioner summary: Ready" in html
    assert report.content.startswith(b"%PDF-")
    assert summary.content.startswith(b"%PDF-")
    assert report.content == issuing.read_pdf(final)
