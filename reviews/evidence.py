"""Evidence: the files, links and notes a service attaches to the standards of its
self-assessment. This module owns the write path (add, remove) and the checks a file passes
before anything is stored; the web pages and the API both call `add_evidence` and
`remove_evidence`.

Evidence is sensitive: a file may come from a prison wing or a children's home. So:

- **A file is checked by its content, not trusted by its name.** The name's ending picks the
  type it claims to be (`FILE_TYPES`); the bytes must then be that type (`check_file`). A web
  page renamed `.pdf` does not start with `%PDF-`; a PNG or JPEG must not carry HTML or script;
  Word, Excel and OpenDocument files are ZIP archives, opened in memory (never extracted) and
  refused when they would unpack to far more than they weigh (`ZIP_*` limits), are
  password-protected, or lack the parts that make them that kind of document.
- **The name is kept only for display**, cleaned of hidden characters; a name with `/`, `\\`,
  a NUL or `..` is refused rather than silently changed. Stored files get random names
  (`evidence_path`), and a download is always an attachment (reviews/views/evidence.py).
- **Every kind needs the attestation** that it holds nothing that identifies people who use the
  service.
- **Nothing is stored on refusal**: every check runs before the file is written, and a failed
  database write removes the file again.

Who may add (`contribute_review`) is checked by the caller; who may remove is `may_remove`. The
review must be in `self_assessment` (`ensure_editable`); the review row is locked while writing
so that evidence cannot slip in beside a submission.
"""

import hashlib
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assurance import permissions
from assurance.models import User
from reviews.models import AccessLog, Evidence, Response, Review
from reviews.self_assessment import Invalid, ensure_editable

# Limits on what an Office or OpenDocument file (a ZIP archive) may unpack to. Real documents
# unpack to a few times their size; a "zip bomb" unpacks to hundreds or thousands of times.
ZIP_MAX_TOTAL_BYTES = 100 * 1024 * 1024
ZIP_MAX_RATIO = 100  # per member, for members bigger than ZIP_RATIO_FLOOR_BYTES
ZIP_RATIO_FLOOR_BYTES = 1024 * 1024  # a small member may compress as well as it likes
ZIP_MAX_MEMBERS = 2000
# Whatever a browser would sniff as a web page sits in a file's first bytes.
HEAD_BYTES = 1024
# Beyond this many pixels an image is built to exhaust the viewer's memory (Pillow warns at 89M).
PNG_MAX_PIXELS = 100_000_000

# Markers of HTML or script: a file carrying them could turn into a web page in a browser.
MARKUP = re.compile(rb"<(?:script|html|!doctype|iframe|svg[\s/>])", re.IGNORECASE)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Valid (colour type: bit depths) pairs of a PNG header.
PNG_BIT_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
# What reading a damaged, doctored or unsupported archive can raise (RuntimeError: encrypted).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    ValueError,
    EOFError,
    OSError,
    zlib.error,
)

MESSAGES = {
    "kind": gettext_lazy("Choose whether you are adding a file, a link or a note."),
    "title": gettext_lazy("Give the evidence a title."),
    "title_long": gettext_lazy("The title must be 200 characters or fewer."),
    "file": gettext_lazy("Choose a file to upload."),
    "empty": gettext_lazy("The selected file is empty."),
    "url": gettext_lazy("Enter the web address of the evidence."),
    "url_invalid": gettext_lazy(
        "Enter a web address that starts with https:// or http://, like "
        "https://www.example.org/report."
    ),
    "url_credentials": gettext_lazy(
        "Remove the user name or password from the web address; share only a public address."
    ),
    "note": gettext_lazy("Write the note."),
    "note_long": gettext_lazy("The note must be 20,000 characters or fewer."),
    "responses": gettext_lazy("Choose at least one standard this evidence supports."),
    "responses_other": gettext_lazy("Choose standards of this review only."),
    "attested": gettext_lazy(
        "Confirm that this contains no names or other details that identify people who use "
        "the service."
    ),
}
NOT_YOURS = gettext_lazy(
    "Only the person who added this evidence, a staff contributor or a service lead can remove it."
)
ACCEPTED = gettext_lazy("Upload a PDF, Word, Excel, OpenDocument, image or text file.")


class Refused(Exception):
    """The file is not what its name says, or not safe to keep. The message says why."""


@dataclass(frozen=True)
class FileType:
    label: str  # "a PDF", as in "The file looks like a web page, not a PDF." (lazy)
    content_type: str
    check: Callable[[bytes, "FileType"], None]  # raises Refused


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check: what will be stored, and what is recorded about it."""

    name: str  # cleaned, for display and for the download's file name
    content: bytes
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


# Checks of content, one per type ------------------------------------------------------------


def _looks_like_web_page(file_type: FileType) -> Refused:
    return Refused(
        _("The file looks like a web page, not %(type)s. %(accepted)s")
        % {"type": file_type.label, "accepted": ACCEPTED}
    )


def _not_this_type(file_type: FileType, advice: str = "") -> Refused:
    return Refused(
        " ".join(
            [
                _("The file is not %(type)s that can be opened.") % {"type": file_type.label},
                advice or _("Check it is the right file, or save it again and upload the copy."),
            ]
        )
    )


def _wrong_start(data: bytes, file_type: FileType) -> Refused:
    """The refusal for a file that does not start as `file_type` does: say what it looks like
    instead, when that is plain from its first bytes."""
    if MARKUP.search(data[:HEAD_BYTES]):
        return _looks_like_web_page(file_type)
    for signature, actual, ending in (
        (b"%PDF-", PDF, ".pdf"),
        (PNG_SIGNATURE, PNG, ".png"),
        (b"\xff\xd8\xff", JPEG, ".jpg"),
    ):
        if data.startswith(signature):
            return Refused(
                _(
                    "The file is %(actual)s, not %(type)s. If that is right, rename it to end "
                    "“%(ending)s” and upload it again."
                )
                % {"actual": actual.label, "type": file_type.label, "ending": ending}
            )
    return _not_this_type(file_type)


def _check_pdf(data: bytes, file_type: FileType) -> None:
    if not data.startswith(b"%PDF-"):
        raise _wrong_start(data, file_type)
    # A PDF that is mostly a web page: markup straight after the header, or markup and none of
    # the objects every real PDF is made of.
    if MARKUP.search(data[:HEAD_BYTES]) or (MARKUP.search(data) and b" obj" not in data):
        raise _looks_like_web_page(file_type)
    if b"%%EOF" not in data[-HEAD_BYTES:]:
        raise _not_this_type(
            file_type, _("It looks incomplete: save it again as a PDF and upload the new copy.")
        )


def _refuse_markup_in_image(data: bytes, file_type: FileType) -> None:
    if MARKUP.search(data):
        raise Refused(
            _(
                "The image contains web page code (HTML or script), so it cannot be accepted. "
                "Open it in an image editor, save it again and upload the new copy."
            )
        )


def _check_png(data: bytes, file_type: FileType) -> None:
    if not data.startswith(PNG_SIGNATURE):
        raise _wrong_start(data, file_type)
    _refuse_markup_in_image(data[len(PNG_SIGNATURE) :], file_type)
    # Walk the chunks: each is length, type, data and a CRC; the first is a valid IHDR and the
    # image ends with IEND.
    position, first, ended = len(PNG_SIGNATURE), True, False
    while position + 12 <= len(data):
        length, chunk_type = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        crc_at = position + 8 + length
        if crc_at + 4 > len(data):
            break
        (crc,) = struct.unpack(">I", data[crc_at : crc_at + 4])
        if zlib.crc32(chunk_type + body) != crc or (first and not _valid_ihdr(chunk_type, body)):
            break
        if first:
            width, height = struct.unpack(">II", body[:8])
            if width * height > PNG_MAX_PIXELS:
                raise Refused(
                    _("The image is too large: over %(pixels)s million pixels.")
                    % {"pixels": PNG_MAX_PIXELS // 1_000_000}
                )
        first = False
        position = crc_at + 4
        if chunk_type == b"IEND":
            ended = True
            break
    if not ended:
        raise _not_this_type(file_type)


def _valid_ihdr(chunk_type: bytes, body: bytes) -> bool:
    if chunk_type != b"IHDR" or len(body) != 13:
        return False
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", body
    )
    return (
        0 < width < 2**31
        and 0 < height < 2**31
        and depth in PNG_BIT_DEPTHS.get(colour, ())
        and compression == 0
        and filtering == 0
        and interlace in (0, 1)
    )


def _check_jpeg(data: bytes, file_type: FileType) -> None:
    if not data.startswith(b"\xff\xd8\xff"):
        raise _wrong_start(data, file_type)
    _refuse_markup_in_image(data[3:], file_type)


def _check_text(data: bytes, file_type: FileType) -> None:
    not_text = Refused(
        _(
            "The file is not plain text in UTF-8. Save it again as plain text with the "
            "encoding UTF-8, and upload the new copy."
        )
    )
    if b"\x00" in data:
        raise not_text
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise not_text from None
    if MARKUP.search(data[:HEAD_BYTES]):
        raise _looks_like_web_page(file_type)


def _zip_checker(required: tuple[str, ...], mimetype: bytes = b"") -> Callable:
    """A check for a document that is a ZIP archive holding `required` members (and, for
    OpenDocument, a `mimetype` member with exactly this content)."""

    def check(data: bytes, file_type: FileType) -> None:
        # ZIP readers look from the end, so a web page with an archive glued after it would
        # still open: the file must start with the archive's first member.
        if not data.startswith(b"PK\x03\x04"):
            raise _wrong_start(data, file_type)
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = archive.infolist()
        except ZIP_ERRORS:
            raise _not_this_type(file_type) from None
        _check_zip_sizes(members, file_type)
        names = {member.filename for member in members}
        if not set(required) <= names:
            raise _not_this_type(file_type)
        try:
            if mimetype and archive.read("mimetype").strip() != mimetype:
                raise _not_this_type(file_type)
            # Read every member through (in memory, bounded by the sizes checked above): this
            # checks each one's CRC, so a damaged or doctored archive is refused here.
            for member in members:
                with archive.open(member) as stream:
                    while stream.read(1024 * 1024):
                        pass
        except ZIP_ERRORS:
            raise _not_this_type(file_type) from None

    return check


def _check_zip_sizes(members: list[zipfile.ZipInfo], file_type: FileType) -> None:
    if len(members) > ZIP_MAX_MEMBERS:
        raise Refused(
            _("The file holds more than %(count)s parts, far more than %(type)s has.")
            % {"count": f"{ZIP_MAX_MEMBERS:,}", "type": file_type.label}
        )
    if any(member.flag_bits & 0x1 for member in members):
        raise Refused(
            _("The document is protected with a password. Remove the password and upload it again.")
        )
    too_big = Refused(
        _(
            "The file would unpack to far more than its own size, which is how harmful files "
            "are built, so it cannot be accepted. If it is a real document, save it again or "
            "split it into smaller files."
        )
    )
    if sum(member.file_size for member in members) > ZIP_MAX_TOTAL_BYTES:
        raise too_big
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > ZIP_RATIO_FLOOR_BYTES and ratio > ZIP_MAX_RATIO:
            raise too_big


PDF = FileType(gettext_lazy("a PDF"), "application/pdf", _check_pdf)
PNG = FileType(gettext_lazy("a PNG image"), "image/png", _check_png)
JPEG = FileType(gettext_lazy("a JPEG image"), "image/jpeg", _check_jpeg)
DOCX = FileType(
    gettext_lazy("a Word document (.docx)"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    _zip_checker(("[Content_Types].xml", "word/document.xml")),
)
XLSX = FileType(
    gettext_lazy("an Excel spreadsheet (.xlsx)"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    _zip_checker(("[Content_Types].xml", "xl/workbook.xml")),
)
ODT = FileType(
    gettext_lazy("an OpenDocument text file (.odt)"),
    "application/vnd.oasis.opendocument.text",
    _zip_checker(("mimetype", "content.xml"), mimetype=b"application/vnd.oasis.opendocument.text"),
)
TXT = FileType(gettext_lazy("a plain text file"), "text/plain; charset=utf-8", _check_text)

# The type each name ending claims; the content must then be that type.
FILE_TYPES: dict[str, FileType] = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".docx": DOCX,
    ".xlsx": XLSX,
    ".odt": ODT,
    ".txt": TXT,
}


# Names and whole files ----------------------------------------------------------------------


def clean_name(name: str) -> str:
    """The name to show and offer on download, or Refused.

    Separators and `..` are refused, not stripped, so the person knows what happened. Hidden
    characters (controls, and format marks such as right-to-left overrides that disguise a
    name's ending) are removed.
    """
    if any(char in name for char in "/\\\x00") or ".." in name:
        raise Refused(
            _(
                "The file name must not contain “/”, “\\”, “..” or hidden characters. Rename "
                "the file and upload it again."
            )
        )
    name = unicodedata.normalize("NFC", name)
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    name = " ".join(name.replace('"', "'").split())
    if not name or name.startswith("."):
        raise Refused(_("The file needs a name, such as “minutes.pdf”. Rename it and try again."))
    if len(name) > 200:
        suffix = PurePosixPath(name).suffix[:20]
        name = name[: 200 - len(suffix)] + suffix
    return name


def check_file(upload: UploadedFile, name: str | None = None) -> CheckedFile:
    """Check an upload completely, or raise Refused. `name` defaults to the upload's name."""
    limit = settings.EVIDENCE_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:  # before reading a byte of it
        raise Refused(
            _("The file must be smaller than %(limit)s.") % {"limit": filesizeformat(limit)}
        )
    if not upload.size:
        raise Refused(str(MESSAGES["empty"]))
    name = clean_name(name if name is not None else (upload.name or ""))
    suffix = PurePosixPath(name).suffix.lower()
    file_type = FILE_TYPES.get(suffix)
    if file_type is None:
        raise Refused(
            (
                _("Files ending “%(ending)s” cannot be uploaded.") % {"ending": suffix}
                if suffix
                else _("The file name has no ending such as .pdf, so its type is not known.")
            )
            + " "
            + str(ACCEPTED)
        )
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:  # the declared size was wrong
        raise Refused(
            _("The file must be smaller than %(limit)s.") % {"limit": filesizeformat(limit)}
        )
    if not content:
        raise Refused(str(MESSAGES["empty"]))
    file_type.check(content, file_type)
    return CheckedFile(
        name=name,
        content=content,
        content_type=file_type.content_type,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def check_url(url: str) -> str:
    """An http or https address, or Refused."""
    url = url.strip()
    if not url:
        raise Refused(str(MESSAGES["url"]))
    if len(url) > 2000:
        raise Refused(str(MESSAGES["url_invalid"]))
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise Refused(str(MESSAGES["url_invalid"])) from None
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise Refused(str(MESSAGES["url_credentials"]))
    return url


# The write path -----------------------------------------------------------------------------


def add_evidence(
    review: Review,
    *,
    by: User,
    kind: str,
    title: str,
    responses: Iterable[Response],
    attested: bool,
    upload: UploadedFile | None = None,
    name: str | None = None,
    url: str = "",
    note: str = "",
) -> Evidence:
    """Add a file, link or note to `review`, supporting `responses` (standards of this review).

    Raises NotEditable once the review has left `self_assessment`, and Invalid (field name to
    message) for anything else; in both cases nothing is stored.
    """
    ensure_editable(review)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = str(MESSAGES["title"])
    elif len(title) > 200:
        errors["title"] = str(MESSAGES["title_long"])
    responses = list(responses)
    if not responses:
        errors["responses"] = str(MESSAGES["responses"])
    elif any(response.review_id != review.pk for response in responses):
        errors["responses"] = str(MESSAGES["responses_other"])
    if attested is not True:
        errors["attested"] = str(MESSAGES["attested"])
    values: dict = {}
    checked = None
    if kind == Evidence.Kind.FILE:
        if upload is None:
            errors["file"] = str(MESSAGES["file"])
        else:
            try:
                checked = check_file(upload, name)
            except Refused as refusal:
                errors["file"] = str(refusal)
    elif kind == Evidence.Kind.LINK:
        try:
            values["url"] = check_url(url or "")
        except Refused as refusal:
            errors["url"] = str(refusal)
    elif kind == Evidence.Kind.NOTE:
        note = (note or "").strip()
        if not note:
            errors["note"] = str(MESSAGES["note"])
        elif len(note) > 20_000:
            errors["note"] = str(MESSAGES["note_long"])
        values["note"] = note
    else:
        errors["kind"] = str(MESSAGES["kind"])
    if errors:
        raise Invalid(errors)

    evidence = Evidence(
        review=review,
        kind=kind,
        title=title,
        no_identifiers_attested=True,
        uploaded_by=by,
        **values,
    )
    with transaction.atomic():
        ensure_editable(Review.objects.select_for_update().get(pk=review.pk))
        if checked is not None:
            evidence.original_name = checked.name
            evidence.content_type = checked.content_type
            evidence.size = checked.size
            evidence.sha256 = checked.sha256
            evidence.file.save(checked.name, ContentFile(checked.content), save=False)
        try:
            evidence.save()
            evidence.responses.set(responses)
        except Exception:
            if evidence.file:
                evidence.file.delete(save=False)
            raise
    return evidence


def removable(user: User, review: Review, items: Iterable[Evidence]) -> set[int]:
    """The ids of `items` (evidence of `review`) that `user` may remove: anyone who edits the
    responses may remove any of it; a contributor, what they added themselves. Whether the
    review is still editable is `ensure_editable`'s question, not this one."""
    if permissions.can(user, "reviews.change_review", review):
        return {item.pk for item in items}
    if permissions.can(user, "reviews.contribute_review", review):
        return {item.pk for item in items if item.uploaded_by_id == user.pk}
    return set()


def may_remove(user: User, evidence: Evidence) -> bool:
    return evidence.pk in removable(user, evidence.review, [evidence])


def remove_evidence(evidence: Evidence, *, by: User) -> None:
    """Remove evidence and, once the removal is committed, its file from storage."""
    if not may_remove(by, evidence):
        raise PermissionDenied(NOT_YOURS)
    with transaction.atomic():
        ensure_editable(Review.objects.select_for_update().get(pk=evidence.review_id))
        Evidence.objects.filter(pk=evidence.pk).delete()
        if evidence.file:
            storage, stored_name = evidence.file.storage, evidence.file.name
            transaction.on_commit(lambda: storage.delete(stored_name))


def download(evidence: Evidence, *, by: User) -> FileResponse:
    """Serve an evidence file and log the read. The caller has checked `view_review`.

    The file goes out as an attachment no browser will show as a page: nosniff, and a sandbox
    policy with nothing allowed should it ever be opened. Pages and the API both call this.
    """
    if evidence.kind != Evidence.Kind.FILE or not evidence.file:
        raise Http404
    try:
        stream = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    AccessLog.objects.create(
        user=by, kind=AccessLog.Kind.EVIDENCE, object_id=evidence.pk, review_id=evidence.review_id
    )
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=evidence.original_name or f"evidence-{evidence.pk}",
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Set here, so django-csp leaves it alone.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
