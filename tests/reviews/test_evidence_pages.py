"""Evidence pages (reviews/views/evidence.py): the list, adding, one item, the download and
removing; who sees what, hostile uploads through the form, and read-only after submission."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance import roles
from assurance.models import Membership
from reviews import evidence, workflow
from reviews.cycles import enrol
from reviews.models import AccessLog, Evidence, Review
from tests.factories import UserFactory
from tests.reviews.data.evidence_files import (
    WEB_PAGE,
    pdf_bytes,
    png_header,
    stored_files,
    text_bytes,
    upload,
    zip_bomb_docx,
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def other_review(review, other_service, coordinator):
    return enrol(review.cycle, other_service, review.framework_version, by=coordinator)


def page(response) -> str:
    return response.content.decode()


def responses_of(review: Review, count: int = 1) -> list:
    return list(review.responses.order_by("standard__order")[:count])


def add_pdf(review, person, title="Community meeting minutes", name="minutes.pdf") -> Evidence:
    return evidence.add_evidence(
        review,
        by=person,
        kind=Evidence.Kind.FILE,
        title=title,
        responses=responses_of(review, 2),
        attested=True,
        upload=upload(name, pdf_bytes()),
    )


def add_note(review, person, title="What we saw at handover") -> Evidence:
    return evidence.add_evidence(
        review,
        by=person,
        kind=Evidence.Kind.NOTE,
        title=title,
        responses=responses_of(review),
        attested=True,
        note="Handover was calm and unhurried.",
    )


def list_url(review) -> str:
    return reverse("reviews:evidence_list", args=[review.pk])


def add_url(review) -> str:
    return reverse("reviews:evidence_add", args=[review.pk])


def detail_url(item) -> str:
    return reverse("reviews:evidence_detail", args=[item.review_id, item.pk])


def download_url(item) -> str:
    return reverse("reviews:evidence_download", args=[item.review_id, item.pk])


def remove_url(item) -> str:
    return reverse("reviews:evidence_remove", args=[item.review_id, item.pk])


def file_form(review, name: str, content: bytes, **overrides) -> dict:
    return {
        "kind": "file",
        "title": "Community meeting minutes",
        "file": upload(name, content),
        "responses": [response.pk for response in responses_of(review)],
        "attested": "on",
    } | overrides


def submit(review: Review, lead) -> Review:
    """Submit a review whose standards are all answered (the `answered_review` fixture)."""
    return workflow.transition(review, Review.Status.SUBMITTED, by=lead)


# The list -----------------------------------------------------------------------------------


def test_evidence_list_shows_each_item_with_its_standards_author_and_download(
    client, review, staff, lived_experience, coordinator, media
):
    minutes = add_pdf(review, staff)
    note = add_note(review, lived_experience)
    first, second = responses_of(review, 2)
    client.force_login(coordinator)

    response = client.get(list_url(review))

    content = page(response)
    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert "Community meeting minutes" in content
    assert "What we saw at handover" in content
    assert f"{first.standard.code}, {second.standard.code}" in content
    assert str(staff) in content
    assert str(lived_experience) in content
    assert download_url(minutes) in content
    assert download_url(note) not in content
    assert detail_url(note) in content
    # Coordinators read; they do not add or remove.
    assert 'enctype="multipart/form-data"' not in content
    assert remove_url(minutes) not in content


def test_evidence_list_empty_shows_the_form_to_a_contributor(client, review, lived_experience):
    client.force_login(lived_experience)

    response = client.get(list_url(review))

    content = page(response)
    assert "No evidence has been added yet." in content
    assert f'action="{add_url(review)}" enctype="multipart/form-data"' in content
    assert (
        "This contains no names or other details that identify people who use the service"
        in content
    )


def test_evidence_list_offers_removal_of_only_their_own_to_a_contributor(
    client, review, staff, lived_experience, media
):
    theirs = add_pdf(review, staff)
    mine = add_note(review, lived_experience)
    client.force_login(lived_experience)

    response = client.get(list_url(review))

    assert remove_url(mine) in page(response)
    assert remove_url(theirs) not in page(response)


def test_evidence_list_after_submission_is_read_only(
    client, answered_review, service_lead, staff, media
):
    item = add_pdf(answered_review, staff)
    submit(answered_review, service_lead)
    client.force_login(staff)

    response = client.get(list_url(answered_review))

    content = page(response)
    assert "evidence can no longer be added or removed" in content
    assert 'enctype="multipart/form-data"' not in content
    assert remove_url(item) not in content
    assert download_url(item) in content


def test_evidence_list_query_count_is_the_same_for_2_and_20_items(client, review, staff, media):
    for number in range(2):
        add_note(review, staff, title=f"Note {number}")
    client.force_login(staff)
    client.get(list_url(review))  # warm the session and caches

    with CaptureQueriesContext(connection) as small:
        assert client.get(list_url(review)).status_code == 200
    for number in range(2, 20):
        add_note(review, staff, title=f"Note {number}")
    with CaptureQueriesContext(connection) as large:
        response = client.get(list_url(review))

    assert page(response).count(">Note 19</a>") == 1
    assert len(large) == len(small)


# Adding -------------------------------------------------------------------------------------


def test_evidence_add_page_ticks_the_standard_it_came_from(client, review, staff):
    chosen = responses_of(review, 3)[2]
    client.force_login(staff)

    response = client.get(add_url(review), {"standard": chosen.pk})

    content = page(response)
    assert response.status_code == 200
    assert f'value="{chosen.pk}" id="id_responses_2" checked' in content
    assert content.count("checked") == 2  # the standard, and the kind "File"


def test_evidence_add_page_ignores_a_standard_of_another_review(
    client, review, other_review, staff
):
    client.force_login(staff)

    response = client.get(add_url(review), {"standard": responses_of(other_review)[0].pk})

    assert response.status_code == 200
    assert page(response).count("checked") == 1


def test_evidence_add_file_stores_it_and_returns_to_the_list(client, review, staff, media):
    client.force_login(staff)

    response = client.post(add_url(review), file_form(review, "minutes.pdf", pdf_bytes()))

    assert response.status_code == 302
    assert response.url == list_url(review)
    item = Evidence.objects.get()
    assert item.original_name == "minutes.pdf"
    assert item.content_type == "application/pdf"
    assert item.uploaded_by == staff
    assert stored_files(media) == {item.file.name}
    assert "“Community meeting minutes” was added as evidence." in page(client.get(response.url))


def test_evidence_add_by_lived_experience_contributor(client, review, lived_experience, media):
    client.force_login(lived_experience)

    response = client.post(
        add_url(review),
        {
            "kind": "note",
            "title": "What residents said at the house meeting",
            "note": "People feel listened to.",
            "responses": [responses_of(review)[0].pk],
            "attested": "on",
        },
    )

    assert response.status_code == 302
    assert Evidence.objects.get().uploaded_by == lived_experience


def test_evidence_add_link_returns_to_a_safe_next_page(client, review, staff):
    client.force_login(staff)
    back = reverse("reviews:review_detail", args=[review.pk])

    response = client.post(
        add_url(review),
        {
            "kind": "link",
            "title": "Visiting policy",
            "url": "https://www.example.org/visiting",
            "responses": [responses_of(review)[0].pk],
            "attested": "on",
            "next": back,
        },
    )

    assert response.status_code == 302
    assert response.url == back
    assert Evidence.objects.get().url == "https://www.example.org/visiting"


def test_evidence_add_ignores_a_next_page_on_another_site(client, review, staff):
    client.force_login(staff)

    response = client.post(
        add_url(review),
        {
            "kind": "note",
            "title": "Handover",
            "note": "Calm.",
            "responses": [responses_of(review)[0].pk],
            "attested": "on",
            "next": "https://evil.example/",
        },
    )

    assert response.url == list_url(review)


HOSTILE = {
    "web page renamed .pdf": (
        "report.pdf",
        WEB_PAGE,
        "The file looks like a web page, not a PDF. Upload a PDF, Word, Excel, OpenDocument, "
        "image or text file.",
    ),
    "PNG header followed by HTML": (
        "photo.png",
        png_header() + WEB_PAGE,
        "The image contains web page code (HTML or script), so it cannot be accepted.",
    ),
    "PNG header followed by script": (
        "photo.png",
        png_header() + b"<script>alert(1)</script>",
        "The image contains web page code (HTML or script), so it cannot be accepted.",
    ),
    "empty file": ("minutes.pdf", b"", "The selected file is empty."),
    "program": ("setup.exe", b"MZ\x90\x00", "Files ending “.exe” cannot be uploaded."),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_evidence_add_refuses_hostile_upload_with_a_message_and_stores_nothing(
    case, client, review, staff, media
):
    name, content, message = HOSTILE[case]
    client.force_login(staff)

    response = client.post(add_url(review), file_form(review, name, content))

    assert response.status_code == 200
    assert message in page(response)
    assert "<title>Error:" in page(response)
    assert Evidence.objects.count() == 0
    assert stored_files(media) == set()


def test_evidence_add_refuses_zip_bomb_disguised_as_docx(client, review, staff, media):
    client.force_login(staff)

    response = client.post(add_url(review), file_form(review, "policy.docx", zip_bomb_docx(200)))

    assert response.status_code == 200
    assert "The file would unpack to far more than its own size" in page(response)
    assert Evidence.objects.count() == 0
    assert stored_files(media) == set()


def test_evidence_add_refuses_file_over_the_limit(client, review, staff, media, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 200
    client.force_login(staff)

    response = client.post(add_url(review), file_form(review, "minutes.pdf", pdf_bytes()))

    assert "The file must be smaller than 200\xa0bytes." in page(response)
    assert Evidence.objects.count() == 0
    assert stored_files(media) == set()


def test_evidence_add_keeps_no_path_from_a_name_with_separators(client, review, staff, media):
    # Django's upload parser already cuts a posted name down to its last part; the write path
    # refuses such a name outright when it is given one (tests/reviews/test_evidence.py).
    client.force_login(staff)

    client.post(add_url(review), file_form(review, "..\\..\\minutes.txt", text_bytes()))

    item = Evidence.objects.get()
    assert item.original_name == "minutes.txt"
    assert item.file.name.startswith(f"evidence/{review.pk}/")


def test_evidence_add_refuses_a_standard_of_another_review(
    client, review, other_review, staff, media
):
    client.force_login(staff)
    forged = [responses_of(review)[0].pk, responses_of(other_review)[0].pk]

    response = client.post(
        add_url(review), file_form(review, "minutes.pdf", pdf_bytes(), responses=forged)
    )

    assert response.status_code == 200
    assert "Choose standards of this review only." in page(response)
    assert Evidence.objects.count() == 0
    assert stored_files(media) == set()


def test_evidence_add_without_attestation_or_title_says_what_is_missing(
    client, review, staff, media
):
    client.force_login(staff)
    form = file_form(review, "minutes.pdf", pdf_bytes(), title="")
    del form["attested"]

    response = client.post(add_url(review), form)

    content = page(response)
    assert "Give the evidence a title." in content
    assert (
        "Confirm that this contains no names or other details that identify people who use "
        "the service." in content
    )
    assert Evidence.objects.count() == 0


def test_evidence_add_link_kind_without_an_address_says_so(client, review, staff):
    client.force_login(staff)

    response = client.post(
        add_url(review),
        {
            "kind": "link",
            "title": "Policy",
            "url": "",
            "responses": [responses_of(review)[0].pk],
            "attested": "on",
        },
    )

    assert "Enter the web address of the evidence." in page(response)
    assert Evidence.objects.count() == 0


def test_evidence_add_refuses_a_script_address_beside_the_other_problems(client, review, staff):
    client.force_login(staff)

    response = client.post(
        add_url(review), {"kind": "link", "title": "", "url": "javascript:alert(1)"}
    )

    content = page(response)
    assert "Enter a web address that starts with https:// or http://" in content
    assert "Give the evidence a title." in content
    assert "Choose at least one standard this evidence supports." in content
    assert Evidence.objects.count() == 0


def test_evidence_add_by_coordinator_is_forbidden(client, review, coordinator, media):
    client.force_login(coordinator)

    response = client.post(add_url(review), file_form(review, "minutes.pdf", pdf_bytes()))

    assert response.status_code == 403
    assert Evidence.objects.count() == 0


def test_evidence_add_after_submission_is_refused(
    client, answered_review, service_lead, staff, media
):
    review = submit(answered_review, service_lead)
    client.force_login(staff)

    shown = client.get(add_url(review))
    posted = client.post(add_url(review), file_form(review, "minutes.pdf", pdf_bytes()))

    assert shown.status_code == 302
    assert posted.status_code == 302
    assert "This self-assessment was submitted, so it can no longer be changed here." in page(
        client.get(list_url(review))
    )
    assert Evidence.objects.count() == 0
    assert stored_files(media) == set()


# One item and its download ------------------------------------------------------------------


def test_evidence_detail_shows_its_standards_and_download(client, review, staff, media):
    item = add_pdf(review, staff)
    first, second = responses_of(review, 2)
    client.force_login(staff)

    response = client.get(detail_url(item))

    content = page(response)
    assert response.status_code == 200
    assert f"{first.standard.code} {first.standard.title}" in content
    assert f"{second.standard.code} {second.standard.title}" in content
    assert download_url(item) in content
    assert remove_url(item) in content


def test_evidence_detail_shows_a_link_that_does_not_pass_on_the_page(client, review, staff):
    item = evidence.add_evidence(
        review,
        by=staff,
        kind=Evidence.Kind.LINK,
        title="Policy",
        responses=responses_of(review),
        attested=True,
        url="https://www.example.org/policy",
    )
    client.force_login(staff)

    response = client.get(detail_url(item))

    assert 'href="https://www.example.org/policy" rel="noopener noreferrer nofollow"' in page(
        response
    )


def test_evidence_download_is_an_attachment_that_cannot_run_and_is_logged(
    client, review, staff, coordinator, media
):
    item = add_pdf(review, staff, name='Minutes "March".pdf')
    client.force_login(coordinator)

    response = client.get(download_url(item))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment; filename=\"Minutes 'March'.pdf\""
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    log = AccessLog.objects.get()
    assert (log.user, log.kind, log.object_id, log.review) == (
        coordinator,
        AccessLog.Kind.EVIDENCE,
        item.pk,
        review,
    )


def test_evidence_download_of_a_note_is_not_found(client, review, staff):
    item = add_note(review, staff)
    client.force_login(staff)

    response = client.get(download_url(item))

    assert response.status_code == 404
    assert AccessLog.objects.count() == 0


# Who sees it --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["commissioner", "outsider", "other_team"])
@pytest.mark.parametrize("url", [list_url, add_url, detail_url, download_url, remove_url])
def test_evidence_pages_are_not_found_for_people_outside_the_review(
    who, url, request, client, review, other_service, staff, media
):
    item = add_pdf(review, staff)
    if who == "other_team":
        person = UserFactory(email="oak@example.org")
        roles.join_service(person, other_service, Membership.Role.SERVICE_LEAD)
    else:
        person = request.getfixturevalue(who)
    client.force_login(person)

    response = client.get(url(review if url in (list_url, add_url) else item))

    assert response.status_code == 404
    assert AccessLog.objects.count() == 0


@pytest.mark.parametrize("url", [detail_url, download_url, remove_url])
def test_evidence_of_another_review_is_not_found_through_this_one(
    url, client, review, other_review, staff, media
):
    theirs = add_pdf(other_review, UserFactory())
    client.force_login(staff)  # on this review's team
    path = url(theirs).replace(f"/reviews/{other_review.pk}/", f"/reviews/{review.pk}/")

    response = client.get(path)

    assert response.status_code == 404


# Removing -----------------------------------------------------------------------------------


def test_evidence_remove_asks_then_deletes_the_file(
    client, review, staff, media, django_capture_on_commit_callbacks
):
    item = add_pdf(review, staff)
    client.force_login(staff)

    question = client.get(remove_url(item))
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(remove_url(item))

    assert "Remove “Community meeting minutes”?" in page(question)
    assert answer.status_code == 302
    assert answer.url == list_url(review)
    assert Evidence.objects.count() == 0
    assert stored_files(media) == set()


def test_evidence_remove_by_lived_experience_contributor_of_someone_elses_is_forbidden(
    client, review, staff, lived_experience, media
):
    item = add_pdf(review, staff)
    client.force_login(lived_experience)

    response = client.post(remove_url(item))

    assert response.status_code == 403
    assert "Only the person who added this evidence" in page(response)
    assert Evidence.objects.filter(pk=item.pk).exists()
    assert stored_files(media) == {item.file.name}


def test_evidence_remove_by_lived_experience_contributor_of_their_own(
    client, review, lived_experience
):
    item = add_note(review, lived_experience)
    client.force_login(lived_experience)

    response = client.post(remove_url(item))

    assert response.status_code == 302
    assert Evidence.objects.count() == 0


def test_evidence_remove_after_submission_is_refused(
    client, answered_review, service_lead, staff, media
):
    item = add_pdf(answered_review, staff)
    submit(answered_review, service_lead)
    client.force_login(staff)

    shown = client.get(remove_url(item))
    posted = client.post(remove_url(item))

    assert shown.status_code == 302
    assert posted.status_code == 302
    assert Evidence.objects.filter(pk=item.pk).exists()
    assert stored_files(media) == {item.file.name}
