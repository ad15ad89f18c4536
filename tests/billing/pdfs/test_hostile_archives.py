"""Hostile archives are refused whole, before anything is stored (and nothing stays stored)."""

from __future__ import annotations

import io
import os

import pytest

from billing.models import ReceiptPdf
from billing.services.pdf_archive import ArchiveRefused
from billing.services.receipt_pdfs import receipt_pdfs_attach
from tests.billing.pdfs.support import make_pdf, stored_files, with_declared_size, zip_of, zip_with_symlink

pytestmark = pytest.mark.django_db

GOOD = {"00000000.pdf": make_pdf("good-0")}


def refused(batch, by, data: bytes, storage_root) -> str:
    with pytest.raises(ArchiveRefused) as caught:
        receipt_pdfs_attach(batch=batch, archive=io.BytesIO(data), by=by)
    assert not ReceiptPdf.objects.exists()
    assert stored_files(storage_root) == []
    return caught.value.message


@pytest.mark.parametrize("name", ["../00000001.pdf", "pdfs/../../00000001.pdf", "..\\..\\00000001.pdf"])
def test_names_climbing_out_with_dot_dot(batch, accountant, pdf_storage, name):
    message = refused(batch, accountant, zip_of({**GOOD, name: make_pdf()}), pdf_storage)
    assert "«..»" in message


@pytest.mark.parametrize("name", ["/tmp/00000001.pdf", "C:/Windows/00000001.pdf", "\\\\server\\share\\00000001.pdf"])
def test_absolute_paths(batch, accountant, pdf_storage, name):
    message = refused(batch, accountant, zip_of({**GOOD, name: make_pdf()}), pdf_storage)
    assert "абсолютный" in message


def test_symlink_entries(batch, accountant, pdf_storage):
    message = refused(batch, accountant, zip_with_symlink("00000001.pdf", "/etc/passwd", extra=GOOD), pdf_storage)
    assert "символическая ссылка" in message


def test_nested_archive_by_name(batch, accountant, pdf_storage):
    inner = zip_of({"00000001.pdf": make_pdf()})
    message = refused(batch, accountant, zip_of({**GOOD, "more.zip": inner}), pdf_storage)
    assert "архив внутри архива" in message


def test_nested_archive_disguised_as_a_pdf_is_refused_after_earlier_files_were_stored(batch, accountant, pdf_storage):
    """The disguise shows only when the member is read; the PDF stored before it is removed again."""
    inner = zip_of({"00000002.pdf": make_pdf()})
    message = refused(batch, accountant, zip_of({**GOOD, "00000001.pdf": inner}), pdf_storage)
    assert "архив внутри архива" in message


def test_zip_bomb_by_declared_size_of_one_member(batch, accountant, pdf_storage):
    # 80 MB of zeros, honestly declared: more than any receipt PDF, refused before inflating a byte.
    data = zip_of({**GOOD, "00000001.pdf": b"\0" * (80 * 1024 * 1024)})
    assert len(data) < 200_000
    message = refused(batch, accountant, data, pdf_storage)
    assert "распаковывается в 80,0 МБ" in message


def test_zip_bomb_by_a_forged_declared_size(batch, accountant, pdf_storage):
    data = with_declared_size(zip_of({**GOOD, "00000001.pdf": make_pdf()}), "00000001.pdf", 4_000_000_000)
    message = refused(batch, accountant, data, pdf_storage)
    assert "архив отклонён как опасный" in message


def test_zip_bomb_by_declared_total(batch, accountant, pdf_storage, settings):
    # Each member is under the per-member cap and incompressible, but together they declare more
    # than the batch's receipts (plus stray files) could ever need.
    settings.RECEIPT_PDF_MAX_BYTES = 10_000
    members = {f"junk/{n}.bin": os.urandom(20_000) for n in range(60)}
    message = refused(batch, accountant, zip_of({**GOOD, **members}, compression=0), pdf_storage)
    assert "PDF квитанций пакета не могут занять больше" in message


def test_zip_bomb_by_compression_ratio(batch, accountant, pdf_storage):
    # 5 MB of zeros: under the per-member cap, but a thousand times compressed.
    message = refused(batch, accountant, zip_of({**GOOD, "00000001.pdf": b"\0" * (5 * 1024 * 1024)}), pdf_storage)
    assert "ZIP-бомба" in message


def test_thousands_of_tiny_files(batch, accountant, pdf_storage):
    tiny = {f"{n:05d}.pdf": b"%PDF-" for n in range(3000)}
    message = refused(batch, accountant, zip_of({**GOOD, **tiny}, compression=0), pdf_storage)
    assert "В архиве 3 001 файл," in message.replace("\xa0", " ") and "не больше 103" in message


def test_the_global_file_cap_applies_too(batch, accountant, pdf_storage, settings):
    settings.RECEIPT_PDF_ARCHIVE_MAX_FILES = 10
    tiny = {f"{n:05d}.pdf": b"%PDF-" for n in range(20)}
    message = refused(batch, accountant, zip_of({**GOOD, **tiny}, compression=0), pdf_storage)
    assert "не больше 10" in message


def test_an_archive_over_the_size_limit(batch, accountant, pdf_storage, settings):
    settings.RECEIPT_PDF_ARCHIVE_MAX_BYTES = 1000
    message = refused(
        batch, accountant, zip_of({**GOOD, "00000001.pdf": make_pdf(pad=3000)}, compression=0), pdf_storage
    )
    assert "Архив слишком большой" in message


@pytest.mark.parametrize("data", [b"%PDF-1.4 not an archive", b"PK\x03\x04 truncated zip", b""])
def test_what_is_not_a_zip(batch, accountant, pdf_storage, data):
    refused(batch, accountant, data, pdf_storage)


def test_a_member_inflating_beyond_its_forged_size_is_not_kept(batch, accountant, pdf_storage):
    """A directory that understates a member: it is read only up to the stated size and fails its CRC."""
    pdf = make_pdf("understated")
    data = with_declared_size(zip_of({**GOOD, "00000001.pdf": pdf}), "00000001.pdf", 100)
    report = receipt_pdfs_attach(batch=batch, archive=io.BytesIO(data), by=accountant)
    assert [refusal.name for refusal in report.refused] == ["00000001.pdf"]
    assert "повреждён" in report.refused[0].reason
    assert list(ReceiptPdf.objects.values_list("receipt__account__number", flat=True)) == ["00000000"]


def test_archivers_junk_and_folders_are_ignored_not_refused(batch, accountant, pdf_storage):
    data = zip_of(
        {
            "pdfs/": b"",
            "pdfs/00000000.pdf": make_pdf(),
            "__MACOSX/pdfs/._00000000.pdf": b"junk",
            "pdfs/.DS_Store": b"junk",
            "Thumbs.db": b"junk",
        }
    )
    report = receipt_pdfs_attach(batch=batch, archive=io.BytesIO(data), by=accountant)
    assert (report.files, report.attached, report.refused, report.unmatched) == (1, 1, [], [])
