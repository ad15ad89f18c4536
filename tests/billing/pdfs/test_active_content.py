"""PDFs that do something when opened (scripts, launch actions, embedded files, HTML polyglots) are refused by name."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from billing.services.pdf_check import pdf_problem
from billing.services.receipt_pdfs import receipt_pdfs_attach
from tests.billing.pdfs.support import make_pdf, pdf_storage, zip_of  # noqa: F401 - a fixture
from tests.factories import ReceiptFactory

LIMIT = 1 << 20


def _written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def open_action_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('x')")}
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _written(writer)


def page_open_javascript() -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('x')")}
    )
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(action)})
    return _written(writer)


def embedded_file() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("run.exe", b"MZ...")
    return _written(writer)


def hand_written_pdf(
    *, comment: bytes = b"", catalog_extra: bytes = b"", extra_objects: tuple[bytes, ...] = ()
) -> bytes:
    """A one-page PDF written byte by byte with a correct cross-reference table, so a test can put
    exactly these bytes in it (pypdf would escape them)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
        *extra_objects,
    ]
    out = bytearray(b"%PDF-1.4\n" + (b"%" + comment + b"\n" if comment else b""))
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def html_polyglot() -> bytes:
    # A real PDF whose bytes also hold an HTML page: a browser sniffing it would run the script.
    return hand_written_pdf(comment=b"<html><body><script>alert(1)</script></body></html>")


def hex_escaped_name() -> bytes:
    # /J#61vaScript and /J#53 are /JavaScript and /JS written with #-escapes.
    return hand_written_pdf(
        catalog_extra=b"/OpenAction 4 0 R", extra_objects=(b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>",)
    )


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (open_action_javascript, "/JavaScript"),
        (page_open_javascript, "/JavaScript"),
        (embedded_file, "/EmbeddedFile"),
        (html_polyglot, "HTML"),
        (hex_escaped_name, "/JavaScript"),
    ],
)
def test_active_content_is_refused(make, named):
    problem = pdf_problem(make(), max_bytes=LIMIT)
    assert problem and "активное содержимое" in problem and named in problem


def test_a_plain_receipt_pdf_passes():
    assert pdf_problem(make_pdf("ok"), max_bytes=LIMIT) is None
    assert pdf_problem(hand_written_pdf(), max_bytes=LIMIT) is None


def test_the_archive_report_names_the_refused_file(db, accountant, pdf_storage):
    receipt = ReceiptFactory(account__number="00012345")
    report = receipt_pdfs_attach(
        batch=receipt.batch, archive=io.BytesIO(zip_of({"00012345.pdf": page_open_javascript()})), by=accountant
    )
    assert [refusal.name for refusal in report.refused] == ["00012345.pdf"]
    assert "активное содержимое" in report.refused[0].reason
