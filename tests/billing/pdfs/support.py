"""Real PDFs and ZIP archives for the PDF tests, hostile ones included, built in memory."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfWriter


def make_pdf(label: str = "receipt", *, pad: int = 0) -> bytes:
    """A valid one-page PDF; `label` makes its content (and SHA-256) differ, `pad` makes it bigger."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": label, **({"/Subject": "x" * pad} if pad else {})})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_of_size(size: int, label: str = "big") -> bytes:
    """A valid PDF of exactly `size` bytes: a metadata string grows by one byte per padding character."""
    pad = size - len(make_pdf(label, pad=1))
    for _ in range(5):  # the digits of the xref offset may grow with it
        data = make_pdf(label, pad=pad)
        if len(data) == size:
            return data
        pad += size - len(data)
    raise AssertionError(f"could not build a PDF of {size} bytes")


def zip_of(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 11, 1, 0, 0, 0)), data, compress_type=compression)
    return buffer.getvalue()


def zip_with_symlink(name: str, target: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for other, data in (extra or {}).items():
            archive.writestr(other, data)
        info = zipfile.ZipInfo(name)
        info.create_system = 3  # unix
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, target)
    return buffer.getvalue()


def with_declared_size(data: bytes, member: str, declared: int) -> bytes:
    """The archive with one member's uncompressed size rewritten in both its headers (a forged directory)."""
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    struct.pack_into("<I", out, info.header_offset + 22, declared)  # local header
    position = out.find(b"PK\x01\x02")
    while position >= 0:  # central directory entries
        name_length = struct.unpack_from("<H", out, position + 28)[0]
        if bytes(out[position + 46 : position + 46 + name_length]).decode() == member:
            struct.pack_into("<I", out, position + 24, declared)
        position = out.find(b"PK\x01\x02", position + 4)
    return bytes(out)


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.fixture
def pdf_storage(settings, tmp_path) -> Path:
    """Receipt PDFs go to their own storage in this test's folder (as a deployment's S3 store would)."""
    root = tmp_path / "pdf-storage"
    settings.STORAGES = {
        **settings.STORAGES,
        "receipt_pdfs": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root
