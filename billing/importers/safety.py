"""What a file really is, and whether it is safe to parse, decided before any reader touches it.

Checks happen in order of cost: the size on disk, the magic bytes, the archive's declared
sizes (an xlsx is a zip, and a small zip can expand to gigabytes), then one streaming pass
over each worksheet's XML (xlsx_scan.py) that counts rows, notices merged header cells and
formulas saved without their values, and verifies that no member inflates beyond what it declared.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from billing.formatting import format_mebibytes
from billing.importers.base import ImportRefused, RegistrySource
from billing.importers.extent import Extent, UnreadableBook, ods_extents, xls_extents
from billing.importers.scan_slices import ScanSlices, SliceRule
from billing.importers.xlsx_scan import CHUNK, scan_xlsx

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
# A worksheet compresses about 10-20 times; hundreds of times means a crafted archive.
MAX_COMPRESSION_RATIO = 200


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_uncompressed: int
    max_cells: int = 8_000_000  # xls and ods are read whole by calamine: the grid must fit


def inspect_file(path: Path, name: str, *, limits: Limits, slices: SliceRule | None = None) -> RegistrySource:
    """Sniff the file type and run the safety checks; raise ImportRefused with the reason.

    `slices`: the first sheet of an xlsx is cut for calamine in the scan's pass (scan_slices.py),
    for a read in this same step; the caller then closes the source (`RegistrySource.close`)."""
    size = path.stat().st_size
    if size == 0:
        raise ImportRefused("Файл пустой (0 байт): выберите файл реестра ещё раз.")
    if size > limits.max_bytes:
        raise ImportRefused(
            f"Файл слишком большой: {format_mebibytes(size)}, допускается не больше {format_mebibytes(limits.max_bytes)}. "
            "Разделите реестр на несколько файлов."
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = PurePosixPath(name).suffix.lower()
    if head.startswith(ZIP_MAGIC):
        return _inspect_zip(path, name, limits=limits, slices=slices)
    if head == OLE_MAGIC:
        try:
            extents = xls_extents(path)
        except UnreadableBook as error:
            raise ImportRefused("Файл повреждён: это книга Excel 97-2003 (xls), но её не удаётся разобрать.") from error
        _check_extents(extents, limits)
        return RegistrySource(path=path, name=name, kind="xls")
    kind = _text_or_binary(path)
    if kind == "binary":
        raise ImportRefused(
            "Файл не похож ни на книгу Excel (xlsx, xls, ods), ни на текстовый реестр: "
            "внутри двоичные данные. Возможно, файл повреждён."
        )
    if suffix in WORKBOOK_SUFFIXES:
        raise ImportRefused(
            f"Файл назван «{name}», но внутри не книга Excel, а текст (например, CSV). "
            "Откройте его в Excel и сохраните как «Книга Excel (*.xlsx)» или выберите формат текстового реестра, "
            "переименовав файл в .txt."
        )
    rows = _count_text_lines(path)
    if rows > limits.max_rows:
        raise ImportRefused(f"В файле {rows} строк, допускается не больше {limits.max_rows}.")
    return RegistrySource(path=path, name=name, kind="text", rows_total=rows)


def _text_or_binary(path: Path) -> str:
    with path.open("rb") as handle:
        sample = handle.read(64 * 1024)
    if b"\x00" in sample:
        return "binary"
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 13, 12, 26))
    return "binary" if controls > max(2, len(sample) // 200) else "text"


def _count_text_lines(path: Path) -> int:
    count = 0
    last = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            count += chunk.count(b"\n")
            last = chunk
    return count + (1 if last and not last.endswith(b"\n") else 0)


def _inspect_zip(path: Path, name: str, *, limits: Limits, slices: SliceRule | None) -> RegistrySource:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportRefused("Файл повреждён: это ZIP-архив (как xlsx), но его не удаётся открыть.") from error
    try:
        with archive:
            return _inspect_archive(archive, path, name, limits=limits, slices=slices)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise ImportRefused(
            "Файл повреждён: архив книги не распаковывается (не сходится контрольная сумма или размер)."
        ) from error


def _inspect_archive(
    archive: zipfile.ZipFile, path: Path, name: str, *, limits: Limits, slices: SliceRule | None
) -> RegistrySource:
    members = archive.infolist()
    names = {member.filename for member in members}
    _check_declared_sizes(members, limits=limits)
    cut = None
    if "xl/workbook.xml" in names:
        cut = ScanSlices(slices) if slices is not None else None
        try:
            scans = scan_xlsx(archive, max_rows=limits.max_rows, cut=cut)
        except BaseException:
            if cut is not None:
                cut.close()
            raise
        kind = "xlsx"
    elif "content.xml" in names and _is_ods(archive):
        try:
            _check_extents(ods_extents(archive), limits)
        except (ElementTree.ParseError, ValueError) as error:
            raise ImportRefused("Файл повреждён: XML книги OpenDocument (ods) не читается.") from error
        scans = {}
        kind = "ods"
    else:
        raise ImportRefused("Файл — ZIP-архив, но не книга Excel (xlsx) или OpenDocument (ods).")
    first = next(iter(scans.values()), None)
    return RegistrySource(
        path=path, name=name, kind=kind, rows_total=first.rows if first else None, scans=scans, slices=cut
    )


def _check_extents(extents: list[Extent], limits: Limits) -> None:
    """xls and ods cannot be streamed: a sheet reaching too far is refused before calamine allocates it."""
    for number, extent in enumerate(extents, start=1):
        if extent.rows > limits.max_rows + 1:
            raise ImportRefused(
                f"На листе {number} больше {limits.max_rows} строк данных (последняя заполненная — "
                f"{extent.rows}) — это больше допустимого. Разделите реестр на несколько файлов."
            )
        if extent.cells > limits.max_cells:
            raise ImportRefused(
                f"На листе {number} данные доходят до строки {extent.rows} и столбца {extent.columns}: такую таблицу "
                f"({extent.cells} ячеек) нельзя прочитать целиком. Удалите лишние ячейки далеко от таблицы или "
                "сохраните реестр как «Книга Excel (*.xlsx)»."
            )


def _is_ods(archive: zipfile.ZipFile) -> bool:
    try:
        return archive.read("mimetype")[:100].startswith(b"application/vnd.oasis.opendocument.spreadsheet")
    except KeyError:
        return False


def _check_declared_sizes(members: list[zipfile.ZipInfo], *, limits: Limits) -> None:
    total = sum(member.file_size for member in members)
    if total > limits.max_uncompressed:
        raise ImportRefused(
            f"Архив книги раскрывается в {format_mebibytes(total)}, допускается не больше {format_mebibytes(limits.max_uncompressed)}: "
            "такой файл не обрабатывается (похоже на zip-бомбу или на слишком большой реестр)."
        )
    for member in members:
        if member.file_size > CHUNK and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise ImportRefused(
                f"Часть книги «{member.filename}» сжата в {member.file_size // max(member.compress_size, 1)} раз: "
                "так сжимаются только специально созданные файлы (zip-бомба). Файл не обрабатывается."
            )
