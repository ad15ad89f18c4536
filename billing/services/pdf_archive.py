"""Opening an uploaded ZIP of receipt PDFs without trusting it.

Everything that can be decided from the archive's directory is decided before a single member
is decompressed, and any sign of a hostile archive refuses the whole upload:
- more entries than the batch has receipts (plus a few stray files), counted from the end record
  before zipfile even reads the directory, so thousands of tiny files cost nothing;
- member names that are absolute or climb out with `..` (a path never comes from a name anyway:
  files are stored under random names, but such a name is a sign of a crafted archive);
- symbolic links, and nested archives (by name here, by their magic bytes when read);
- zip bombs: a member or the whole archive declaring more bytes than any receipt PDFs could
  take, or compressing more than MAX_COMPRESSION_RATIO times.
A member is then read with a bound, so even a lying directory cannot make it inflate further.
"""

from __future__ import annotations

import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from billing.errors import ApplicationError
from billing.formatting import format_mebibytes
from billing.plurals import counted

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
# Stray entries tolerated beyond the batch's receipts: folders, a readme, an OS's thumbnails.
STRAY_ENTRIES = 100
# PDFs are mostly compressed already; a receipt PDF never shrinks a hundred times in a ZIP.
MAX_COMPRESSION_RATIO = 100
RATIO_FLOOR = 1024 * 1024  # below this, even a high ratio inflates to nothing worth refusing
# No receipt PDF is this large: a member declaring more is a bomb, not a mistake.
MEMBER_HARD_CAP = 64 * 1024 * 1024
NESTED_SUFFIXES = (".zip", ".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".zst", ".cab", ".arj", ".jar", ".z")
ARCHIVE_MAGICS = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"PK\x07\x08",
    b"\x1f\x8b",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",
    b"MSCF",
)
JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


class ArchiveRefused(ApplicationError):
    """The whole archive is refused; nothing of it is stored."""


class MemberUnreadable(Exception):
    """One member cannot be read (damaged, encrypted, unknown compression): refuse that file only."""


@dataclass(frozen=True)
class ArchiveLimits:
    max_archive_bytes: int
    max_entries: int
    max_pdf_bytes: int

    @property
    def max_declared_total(self) -> int:
        return self.max_entries * self.max_pdf_bytes


@dataclass(frozen=True)
class Member:
    info: zipfile.ZipInfo
    name: str  # as the accountant named it (decoded), for the report
    basename: str


@contextmanager
def archive_open(stream: IO[bytes], *, limits: ArchiveLimits) -> Iterator[tuple[zipfile.ZipFile, list[Member]]]:
    """The open archive and its file members (folders and OS junk left out), or ArchiveRefused."""
    size = _size(stream)
    if size > limits.max_archive_bytes:
        raise ArchiveRefused(
            f"Архив слишком большой: {format_mebibytes(size)}, допускается не больше {format_mebibytes(limits.max_archive_bytes)}."
        )
    stream.seek(0)
    head = stream.read(4)
    if head not in (ZIP_MAGIC, EMPTY_ZIP_MAGIC):
        raise ArchiveRefused("Это не ZIP-архив: загрузите архив .zip с PDF-файлами квитанций.")
    entries = _declared_entries(stream, size)
    if entries > limits.max_entries:
        raise ArchiveRefused(
            f"В архиве {counted(entries, 'file')}, а допускается не больше {limits.max_entries} "
            "(квитанции пакета и немного лишних файлов). Положите в архив только PDF квитанций этого пакета."
        )
    stream.seek(0)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, NotImplementedError) as error:
        raise ArchiveRefused(f"Архив повреждён и не читается ({error}).") from None
    try:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:  # the end record and the directory disagree
            raise ArchiveRefused(f"В архиве больше {limits.max_entries} файлов: архив отклонён.")
        members = [_checked(info, limits) for info in infos]
        _check_totals(infos, limits)
        yield archive, [member for member in members if member is not None]
    finally:
        archive.close()


def member_read(archive: zipfile.ZipFile, member: Member, *, max_bytes: int) -> bytes:
    """The member's bytes, read with a bound. ArchiveRefused for a nested archive or a lying header."""
    if member.info.flag_bits & 0x1:
        raise MemberUnreadable("файл в архиве зашифрован паролем")
    limit = min(member.info.file_size, max_bytes)
    try:
        with archive.open(member.info) as handle:
            data = handle.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise MemberUnreadable(f"файл в архиве повреждён ({error})") from None
    except (NotImplementedError, RuntimeError) as error:
        raise MemberUnreadable(f"файл в архиве не распаковывается ({error})") from None
    if len(data) > limit:
        raise ArchiveRefused(f"«{member.name}» распаковывается больше заявленного размера: архив отклонён.")
    if data.startswith(ARCHIVE_MAGICS):
        raise ArchiveRefused(f"«{member.name}» — это архив внутри архива: вложенные архивы не принимаются.")
    return data


# --- checks on the directory ---------------------------------------------------------------


def _size(stream: IO[bytes]) -> int:
    stream.seek(0, 2)
    return stream.tell()


def _declared_entries(stream: IO[bytes], size: int) -> int:
    """The entry count from the end-of-central-directory record (ZIP64 too), before parsing the directory."""
    tail_size = min(size, _EOCD.size + 0xFFFF)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(EMPTY_ZIP_MAGIC)
    if at < 0 or at + _EOCD.size > len(tail):
        raise ArchiveRefused("Архив повреждён: не найден его каталог (конец ZIP-файла).")
    entries = _EOCD.unpack_from(tail, at)[4]
    if entries != 0xFFFF:
        return entries
    locator_at = at - _ZIP64_LOCATOR.size
    if locator_at < 0 or tail[locator_at : locator_at + 4] != b"PK\x06\x07":
        raise ArchiveRefused("Архив повреждён: неверная запись ZIP64.")
    record_offset = _ZIP64_LOCATOR.unpack_from(tail, locator_at)[2]
    stream.seek(record_offset)
    record = stream.read(_ZIP64_EOCD.size)
    if len(record) != _ZIP64_EOCD.size or record[:4] != b"PK\x06\x06":
        raise ArchiveRefused("Архив повреждён: неверная запись ZIP64.")
    return _ZIP64_EOCD.unpack(record)[7]


def _checked(info: zipfile.ZipInfo, limits: ArchiveLimits) -> Member | None:
    name = _display_name(info)
    if "\x00" in info.filename:
        raise ArchiveRefused(f"Недопустимое имя файла в архиве: «{name}».")
    normalized = info.filename.replace("\\", "/")
    parts = normalized.split("/")
    if normalized.startswith("/") or (len(parts[0]) == 2 and parts[0][1] == ":") or ".." in parts:
        raise ArchiveRefused(
            f"В архиве есть путь «{name}», выходящий за пределы архива (абсолютный или с «..»): архив отклонён."
        )
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ArchiveRefused(f"«{name}» — символическая ссылка: такие архивы не принимаются.")
    basename = parts[-1]
    if info.is_dir() or not basename:
        return None
    if basename.lower().endswith(NESTED_SUFFIXES):
        raise ArchiveRefused(f"«{name}» — это архив внутри архива: вложенные архивы не принимаются.")
    if info.file_size > MEMBER_HARD_CAP:
        raise ArchiveRefused(
            f"«{name}» распаковывается в {format_mebibytes(info.file_size)}: это не PDF квитанции, архив отклонён как опасный."
        )
    if info.file_size >= RATIO_FLOOR and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
        raise ArchiveRefused(
            f"«{name}» сжат в {info.file_size // max(info.compress_size, 1)} раз: так сжимается только "
            "специально подготовленный архив («ZIP-бомба»). Архив отклонён."
        )
    if parts[0].lower() == "__macosx" or basename.startswith("._") or basename.lower() in JUNK_NAMES:
        return None  # what archivers add on their own; not a file the accountant put there
    return Member(info=info, name=name, basename=_display_name(info, basename))


def _check_totals(infos: list[zipfile.ZipInfo], limits: ArchiveLimits) -> None:
    declared = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos)
    if declared > limits.max_declared_total:
        raise ArchiveRefused(
            f"Архив распаковывается в {format_mebibytes(declared)}, а PDF квитанций пакета не могут занять больше "
            f"{format_mebibytes(limits.max_declared_total)}: архив отклонён как опасный."
        )
    if declared >= RATIO_FLOOR and declared > MAX_COMPRESSION_RATIO * max(compressed, 1):
        raise ArchiveRefused("Архив сжат слишком сильно для PDF-файлов («ZIP-бомба»): архив отклонён.")


def _display_name(info: zipfile.ZipInfo, text: str | None = None) -> str:
    """Names from Russian Windows archivers are CP866 without the UTF-8 flag; zipfile reads them as CP437."""
    text = info.filename if text is None else text
    if info.flag_bits & 0x800 or text.isascii():
        return text
    try:
        return text.encode("cp437").decode("cp866")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def member_stem(member: Member) -> tuple[str, str]:
    """(stem, lower-case suffix) of the member's file name."""
    path = PurePosixPath(member.basename)
    return path.stem, path.suffix.lower()
