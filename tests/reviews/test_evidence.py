"""The evidence write path (reviews/evidence.py): what a file must be to be kept, links, notes,
the attestation, attaching to standards, removing, and read-only after submission.

Every refusal is checked twice over: the message says why, and nothing was stored (no row, no
new file in the media folder).
"""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied

from reviews import evidence, workflow
from reviews.cycles import enrol
from reviews.models import Evidence, Response, Review
from reviews.self_assessment import Invalid, NotEditable
from tests.reviews.data.evidence_files import (
    VALID,
    WEB_PAGE,
    docx_bytes,
    docx_members,
    encrypted,
    jpeg_bytes,
    odt_bytes,
    pdf_bytes,
    png_bytes,
    png_chunk,
    png_header,
    stored_files,
    text_bytes,
    upload,
    zip_bomb_docx,
    zip_bytes,
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    return zip_bomb_docx(200)


def first_response(review: Review) -> Response:
    return review.responses.order_by("standard__order").first()


def add_file(review, person, filename, content, **overrides) -> Evidence:
    values = {
        "by": person,
        "kind": Evidence.Kind.FILE,
        "title": "Community meeting minutes",
        "responses": [first_response(review)],
        "attested": True,
        "upload": upload(filename, content),
    }
    return evidence.add_evidence(review, **(values | overrides))


def refusal(review, person, filename, content, **overrides) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        add_file(review, person, filename, content, **overrides)
    return caught.value.errors


def submit(review: Review, lead) -> Review:
    """Submit a review whose standards are all answered (the `answered_review` fixture)."""
    return workflow.transition(review, Review.Status.SUBMITTED, by=lead)


# Accepted files -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VALID))
def test_add_file_accepts_each_allowed_type_checked_by_content(name, review, staff, media):
    make, content_type = VALID[name]
    content = make()

    item = add_file(review, staff, name, content)

    item.refresh_from_db()
    assert item.kind == Evidence.Kind.FILE
    assert item.content_type == content_type
    assert item.size == len(content)
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.original_name == name
    assert item.no_identifiers_attested is True
    assert item.uploaded_by == staff
    assert list(item.responses.all()) == [first_response(review)]
    with item.file.open("rb") as stored:
        assert stored.read() == content
    assert stored_files(media) == {item.file.name}


def test_add_file_stores_under_a_random_name_not_the_original(review, staff, media):
    item = add_file(review, staff, "Safeguarding minutes.pdf", pdf_bytes())

    assert item.file.name.startswith(f"evidence/{review.pk}/")
    assert "minutes" not in item.file.name
    assert not item.file.name.endswith(".pdf")


def test_add_file_accepts_capitals_in_the_ending(review, staff, media):
    item = add_file(review, staff, "SCAN.JPEG", jpeg_bytes())

    assert item.content_type == "image/jpeg"


def test_add_file_cleans_hidden_characters_from_the_name(review, staff, media):
    # A right-to-left override makes "report\u202efdp.txt" look like "reporttxt.pdf".
    item = add_file(review, staff, "report\u202efdp.txt", text_bytes())

    assert item.original_name == "reportfdp.txt"


def test_add_file_accepts_text_with_a_byte_order_mark(review, staff, media):
    item = add_file(review, staff, "notes.txt", b"\xef\xbb\xbfMinutes\n")

    assert item.content_type == "text/plain; charset=utf-8"


# Hostile and unusable files: refused, with nothing stored -----------------------------------


HOSTILE = {
    "web page renamed .pdf": (
        "report.pdf",
        WEB_PAGE,
        "The file looks like a web page, not a PDF. Upload a PDF, Word, Excel, OpenDocument, "
        "image or text file.",
    ),
    "PDF header followed by a web page": (
        "report.pdf",
        b"%PDF-1.4\n" + WEB_PAGE + b"%%EOF\n",
        "The file looks like a web page, not a PDF.",
    ),
    "PNG header followed by HTML": (
        "photo.png",
        png_header() + WEB_PAGE,
        "The image contains web page code (HTML or script), so it cannot be accepted.",
    ),
    "PNG header followed by script": (
        "photo.png",
        png_header() + b"<script src=https://evil.example/x.js></script>",
        "The image contains web page code (HTML or script), so it cannot be accepted.",
    ),
    "PNG with script in a text chunk": (
        "photo.png",
        png_bytes(png_chunk(b"tEXt", b"Comment\x00<svg onload=alert(1)>")),
        "The image contains web page code (HTML or script), so it cannot be accepted.",
    ),
    "PNG with a web page after its end": (
        "photo.png",
        png_bytes() + b"<iframe src=https://evil.example>",
        "The image contains web page code (HTML or script), so it cannot be accepted.",
    ),
    "JPEG with a web page inside": (
        "photo.jpg",
        jpeg_bytes() + WEB_PAGE,
        "The image contains web page code (HTML or script), so it cannot be accepted.",
    ),
    "web page renamed .txt": (
        "notes.txt",
        WEB_PAGE,
        "The file looks like a web page, not a plain text file.",
    ),
    "web page with a Word document glued after it": (
        "policy.docx",
        WEB_PAGE + docx_bytes(),
        "The file looks like a web page, not a Word document (.docx).",
    ),
    "PNG renamed .pdf": (
        "report.pdf",
        png_bytes(),
        "The file is a PNG image, not a PDF. If that is right, rename it to end “.png”",
    ),
    "PNG with a damaged header": (
        "photo.png",
        png_header()[:-1] + b"\x00" + png_chunk(b"IEND", b""),
        "The file is not a PNG image that can be opened.",
    ),
    "PDF cut short": (
        "report.pdf",
        pdf_bytes()[:-40],
        "The file is not a PDF that can be opened. It looks incomplete",
    ),
    "password-protected Word document": (
        "policy.docx",
        encrypted(docx_bytes()),
        "The document is protected with a password. Remove the password and upload it again.",
    ),
    "Word document without its document": (
        "policy.docx",
        zip_bytes({"[Content_Types].xml": b"<Types/>"}),
        "The file is not a Word document (.docx) that can be opened.",
    ),
    "Word document named as a spreadsheet": (
        "rota.xlsx",
        docx_bytes(),
        "The file is not an Excel spreadsheet (.xlsx) that can be opened.",
    ),
    "OpenDocument with the wrong mimetype": (
        "handbook.odt",
        odt_bytes(b"application/vnd.oasis.opendocument.spreadsheet"),
        "The file is not an OpenDocument text file (.odt) that can be opened.",
    ),
    "archive of thousands of parts": (
        "policy.docx",
        zip_bytes(docx_members() | {f"word/media/{n}.xml": b"" for n in range(2001)}),
        "The file holds more than 2,000 parts",
    ),
    "document that unpacks 100 times its size": (
        "policy.docx",
        zip_bomb_docx(20),
        "The file would unpack to far more than its own size",
    ),
    "text that is not UTF-8": (
        "notes.txt",
        "Café meeting".encode("latin-1"),
        "The file is not plain text in UTF-8.",
    ),
    "text with NUL bytes (UTF-16)": (
        "notes.txt",
        "Minutes".encode("utf-16"),
        "The file is not plain text in UTF-8.",
    ),
    "a program": ("setup.exe", b"MZ\x90\x00", "Files ending “.exe” cannot be uploaded."),
    "a web page by its own name": ("page.html", WEB_PAGE, "Files ending “.html” cannot be"),
    "an SVG image": ("logo.svg", b"<svg onload=alert(1)>", "Files ending “.svg” cannot be"),
    "a name with no ending": ("README", text_bytes(), "The file name has no ending"),
    "an empty file": ("minutes.pdf", b"", "The selected file is empty."),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_add_file_refuses_hostile_or_unusable_file_and_stores_nothing(case, review, staff, media):
    name, content, message = HOSTILE[case]

    errors = refusal(review, staff, name, content)

    assert message in errors["file"]
    assert Evidence.objects.count() == 0
    assert stored_files(media) == set()


def test_add_file_refuses_zip_bomb_disguised_as_docx(review, staff, media, zip_bomb):
    errors = refusal(review, staff, "policy.docx", zip_bomb)

    assert errors["file"].startswith(
        "The file would unpack to far more than its own size, which is how harmful files are "
        "built, so it cannot be accepted."
    )
    assert Evidence.objects.count() == 0
    assert stored_files(media) == set()


def test_add_file_refuses_file_over_the_limit_before_reading_it(review, staff, media, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 100
    big = upload("minutes.pdf", pdf_bytes())
    big.file.close()  # reading it would fail: its size alone decides

    errors = refusal(review, staff, "minutes.pdf", b"", upload=big)

    assert errors["file"] == "The file must be smaller than 100\xa0bytes."
    assert Evidence.objects.count() == 0
    assert stored_files(media) == set()


@pytest.mark.parametrize(
    "name",
    [
        "../../settings.pdf",
        "..\\..\\minutes.pdf",
        "folder/minutes.pdf",
        "a\x00.pdf",
        "a..pdf",
    ],
)
def test_add_file_refuses_name_with_path_separators(name, review, staff, media):
    errors = refusal(review, staff, "minutes.pdf", pdf_bytes(), name=name)

    assert errors["file"] == (
        "The file name must not contain “/”, “\\”, “..” or hidden characters. Rename the file "
        "and upload it again."
    )
    assert Evidence.objects.count() == 0
    assert stored_files(media) == set()


def test_add_file_without_a_file_is_refused(review, staff, media):
    errors = refusal(review, staff, "x.pdf", b"", upload=None)

    assert errors == {"file": "Choose a file to upload."}


def test_add_file_refusal_lists_every_problem_at_once(review, staff, media):
    errors = refusal(review, staff, "report.pdf", WEB_PAGE, title=" ", responses=[], attested=False)

    assert set(errors) == {"title", "responses", "attested", "file"}
    assert errors["attested"] == (
        "Confirm that this contains no names or other details that identify people who use the "
        "service."
    )


# Links and notes ----------------------------------------------------------------------------


def test_add_link_keeps_an_https_address(review, lived_experience, media):
    item = evidence.add_evidence(
        review,
        by=lived_experience,
        kind=Evidence.Kind.LINK,
        title="Our published visiting policy",
        responses=[first_response(review)],
        attested=True,
        url=" https://www.example.org/visiting-policy ",
    )

    item.refresh_from_db()
    assert item.url == "https://www.example.org/visiting-policy"
    assert item.file.name == ""
    assert stored_files(media) == set()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example.org/report.pdf",
        "file:///etc/passwd",
        "www.example.org",
        "",
    ],
)
def test_add_link_refuses_anything_but_http_and_https(url, review, staff):
    with pytest.raises(Invalid) as caught:
        evidence.add_evidence(
            review,
            by=staff,
            kind=Evidence.Kind.LINK,
            title="Policy",
            responses=[first_response(review)],
            attested=True,
            url=url,
        )

    assert caught.value.errors["url"].startswith("Enter")
    assert Evidence.objects.count() == 0


def test_add_link_refuses_an_address_with_a_password(review, staff):
    with pytest.raises(Invalid) as caught:
        evidence.add_evidence(
            review,
            by=staff,
            kind=Evidence.Kind.LINK,
            title="Shared drive",
            responses=[first_response(review)],
            attested=True,
            url="https://team:secret@drive.example.org/minutes",
        )

    assert caught.value.errors == {
        "url": "Remove the user name or password from the web address; share only a public address."
    }


def test_add_note_keeps_the_text(review, staff):
    item = evidence.add_evidence(
        review,
        by=staff,
        kind=Evidence.Kind.NOTE,
        title="What we saw at handover",
        responses=[first_response(review)],
        attested=True,
        note="  Handover was calm and unhurried.  ",
    )

    item.refresh_from_db()
    assert item.note == "Handover was calm and unhurried."
    assert item.kind == Evidence.Kind.NOTE


def test_add_note_without_text_is_refused(review, staff):
    with pytest.raises(Invalid) as caught:
        evidence.add_evidence(
            review,
            by=staff,
            kind=Evidence.Kind.NOTE,
            title="Handover",
            responses=[first_response(review)],
            attested=True,
            note="   ",
        )

    assert caught.value.errors == {"note": "Write the note."}


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        (Evidence.Kind.FILE, {"upload": upload("minutes.pdf", pdf_bytes())}),
        (Evidence.Kind.LINK, {"url": "https://www.example.org/"}),
        (Evidence.Kind.NOTE, {"note": "Calm."}),
    ],
)
def test_add_evidence_without_attestation_is_refused_for_every_kind(
    kind, values, review, staff, media
):
    with pytest.raises(Invalid) as caught:
        evidence.add_evidence(
            review,
            by=staff,
            kind=kind,
            title="Anything",
            responses=[first_response(review)],
            attested=False,
            **values,
        )

    assert set(caught.value.errors) == {"attested"}
    assert Evidence.objects.count() == 0
    assert stored_files(media) == set()


def test_add_evidence_of_unknown_kind_is_refused(review, staff):
    with pytest.raises(Invalid) as caught:
        evidence.add_evidence(
            review,
            by=staff,
            kind="video",
            title="Film",
            responses=[first_response(review)],
            attested=True,
        )

    assert caught.value.errors == {
        "kind": "Choose whether you are adding a file, a link or a note."
    }


# Attaching to standards ---------------------------------------------------------------------


def test_add_evidence_supports_several_standards(review, staff):
    chosen = list(review.responses.order_by("standard__order")[:3])

    item = evidence.add_evidence(
        review,
        by=staff,
        kind=Evidence.Kind.NOTE,
        title="Community meeting",
        responses=chosen,
        attested=True,
        note="Everyone spoke.",
    )

    assert set(item.responses.all()) == set(chosen)
    assert list(chosen[0].evidence.all()) == [item]


def test_add_evidence_to_a_standard_of_another_review_is_refused(
    review, staff, other_service, coordinator
):
    elsewhere = enrol(review.cycle, other_service, review.framework_version, by=coordinator)

    with pytest.raises(Invalid) as caught:
        evidence.add_evidence(
            review,
            by=staff,
            kind=Evidence.Kind.NOTE,
            title="Meeting",
            responses=[first_response(review), first_response(elsewhere)],
            attested=True,
            note="Yes.",
        )

    assert caught.value.errors == {"responses": "Choose standards of this review only."}
    assert Evidence.objects.count() == 0


# Read-only after submission -----------------------------------------------------------------


def test_add_evidence_after_submission_is_refused(answered_review, service_lead, staff, media):
    submitted = submit(answered_review, service_lead)

    with pytest.raises(NotEditable):
        add_file(submitted, staff, "minutes.pdf", pdf_bytes())

    assert Evidence.objects.count() == 0
    assert stored_files(media) == set()


def test_add_evidence_while_being_submitted_is_refused(answered_review, service_lead, staff, media):
    # The page was loaded before the submission: the check under the review's lock refuses it.
    loaded = Review.objects.get(pk=answered_review.pk)
    submit(answered_review, service_lead)

    with pytest.raises(NotEditable):
        add_file(loaded, staff, "minutes.pdf", pdf_bytes())

    assert Evidence.objects.count() == 0
    assert stored_files(media) == set()


def test_remove_evidence_after_submission_is_refused(answered_review, service_lead, staff, media):
    item = add_file(answered_review, staff, "minutes.pdf", pdf_bytes())
    submit(answered_review, service_lead)

    with pytest.raises(NotEditable):
        evidence.remove_evidence(item, by=staff)

    assert Evidence.objects.filter(pk=item.pk).exists()
    assert stored_files(media) == {item.file.name}


# Removing -----------------------------------------------------------------------------------


def test_remove_evidence_deletes_the_row_and_the_file(
    review, staff, media, django_capture_on_commit_callbacks
):
    item = add_file(review, staff, "minutes.pdf", pdf_bytes())

    with django_capture_on_commit_callbacks(execute=True):
        evidence.remove_evidence(item, by=staff)

    assert Evidence.objects.count() == 0
    assert stored_files(media) == set()


def test_remove_evidence_by_a_service_lead_of_someone_elses(
    review, staff, service_lead, media, django_capture_on_commit_callbacks
):
    item = add_file(review, staff, "minutes.pdf", pdf_bytes())

    with django_capture_on_commit_callbacks(execute=True):
        evidence.remove_evidence(item, by=service_lead)

    assert Evidence.objects.count() == 0


def test_remove_evidence_by_lived_experience_contributor_of_their_own(
    review, lived_experience, media
):
    item = add_file(review, lived_experience, "our-words.txt", text_bytes())

    evidence.remove_evidence(item, by=lived_experience)

    assert Evidence.objects.count() == 0


def test_remove_evidence_by_lived_experience_contributor_of_someone_elses_is_forbidden(
    review, staff, lived_experience, media
):
    item = add_file(review, staff, "minutes.pdf", pdf_bytes())

    with pytest.raises(PermissionDenied):
        evidence.remove_evidence(item, by=lived_experience)

    assert Evidence.objects.filter(pk=item.pk).exists()
    assert stored_files(media) == {item.file.name}


def test_remove_evidence_by_coordinator_is_forbidden(review, staff, coordinator, media):
    item = add_file(review, staff, "minutes.pdf", pdf_bytes())

    with pytest.raises(PermissionDenied):
        evidence.remove_evidence(item, by=coordinator)

    assert Evidence.objects.filter(pk=item.pk).exists()


def test_removable_lists_what_each_role_may_remove(review, staff, lived_experience, coordinator):
    mine = add_file(review, lived_experience, "our-words.txt", text_bytes())
    theirs = add_file(review, staff, "minutes.pdf", pdf_bytes())
    items = [mine, theirs]

    assert evidence.removable(staff, review, items) == {mine.pk, theirs.pk}
    assert evidence.removable(lived_experience, review, items) == {mine.pk}
    assert evidence.removable(coordinator, review, items) == set()
