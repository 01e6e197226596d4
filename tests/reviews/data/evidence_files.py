"""The bytes of small evidence files, valid and hostile, built in code so that every test says
exactly what it uploads. Shared by tests/reviews/test_evidence.py and test_evidence_pages.py.
"""

import io
import struct
import zipfile
import zlib
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WEB_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def stored_files(root) -> set[str]:
    """Every file under the media folder `root`."""
    return {str(path.relative_to(root)) for path in Path(root).rglob("*") if path.is_file()}


# Valid files --------------------------------------------------------------------------------


def pdf_bytes() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header() -> bytes:
    """The signature and the IHDR of a 1 by 1 RGB image."""
    return PNG_SIGNATURE + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))


def png_bytes(*extra_chunks: bytes) -> bytes:
    """A real 1 by 1 green PNG (one scanline: filter byte, then R, G, B)."""
    pixels = png_chunk(b"IDAT", zlib.compress(b"\x00\x00\xff\x00"))
    return png_header() + b"".join(extra_chunks) + pixels + png_chunk(b"IEND", b"")


def jpeg_bytes() -> bytes:
    """The start of a JFIF image, some bytes, and the end marker."""
    jfif = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + jfif + bytes(range(256)) * 4 + b"\xff\xd9"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            # OpenDocument wants its mimetype first and stored, not compressed.
            kind = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=kind)
    return buffer.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)


def docx_members() -> dict[str, bytes]:
    return {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document><w:body/></w:document>',
    }


def docx_bytes() -> bytes:
    return zip_bytes(docx_members())


def xlsx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "xl/workbook.xml": b'<?xml version="1.0"?><workbook><sheets/></workbook>',
            "xl/worksheets/sheet1.xml": b'<?xml version="1.0"?><worksheet/>',
        }
    )


def odt_bytes(mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    return zip_bytes(
        {
            "mimetype": mimetype,
            "content.xml": b'<?xml version="1.0"?><office:document-content/>',
            "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest:manifest/>',
        }
    )


def text_bytes() -> bytes:
    return "Community meeting: everyone spoke, and the garden plan was agreed. ✓\n".encode()


VALID = {
    "minutes.pdf": (pdf_bytes, "application/pdf"),
    "garden.png": (png_bytes, "image/png"),
    "mural.jpg": (jpeg_bytes, "image/jpeg"),
    "policy.docx": (
        docx_bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "rota.xlsx": (xlsx_bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "handbook.odt": (odt_bytes, "application/vnd.oasis.opendocument.text"),
    "notes.txt": (text_bytes, "text/plain; charset=utf-8"),
}


# Hostile files ------------------------------------------------------------------------------


def zip_bomb_docx(megabytes: int = 200) -> bytes:
    """A DOCX-shaped archive whose document is `megabytes` MB of zeros, compressed to under
    1 MB. It is written in 4 MB pieces, so building it never holds the whole in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        with archive.open("word/document.xml", "w") as member:
            piece = bytes(4 * 1024 * 1024)
            for _ in range(megabytes // 4):
                member.write(piece)
    return buffer.getvalue()


def encrypted(archive: bytes) -> bytes:
    """`archive` with every member marked as encrypted (general purpose flag bit 0)."""
    out = bytearray(archive)
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (found := out.find(signature, start)) != -1:
            out[found + flags_at] |= 0x01
            start = found + 4
    return bytes(out)
