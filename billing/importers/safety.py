"""What a file really is, and whether it is safe to parse, decided before any reader touches it.

Checks happen in order of cost: the size on disk, the magic bytes, the archive's declared
sizes (an xlsx is a zip, and a small zip can expand to gigabytes), then one streaming pass
over each worksheet's XML that counts rows, notices merged header cells and formulas saved
without their values, and verifies that no member inflates beyond what it declared.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from billing.importers.base import ImportRefused, RegistrySource
from billing.importers.extent import Extent, UnreadableBook, ods_extents, xls_extents

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
# A worksheet compresses about 10-20 times; hundreds of times means a crafted archive.
MAX_COMPRESSION_RATIO = 200
CHUNK = 1 << 20
MAX_CELL_BUFFER = 64 << 20

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]+\d+(?::[A-Z]+(\d+))?\"")
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")
_FORMULA_WITHOUT_VALUE = re.compile(
    rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_CELL_REF = re.compile(rb"\br=\"([A-Z]+\d+)\"")
# Where the data really reaches: readers size their grid by the farthest cell reference, not by
# <dimension> or the number of <row> elements (one cell at XFD1048576 makes a 2^34-cell grid).
# Reading every reference costs seconds on a large sheet, so only the references that can lie
# beyond what the row elements show are read: two or more column letters, or a row number past
# the next leading digit of the last row seen (`_far_refs`). The rest stay within
# `SheetScan.row_bound` × 26 columns.
_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"([0-9]{1,10})\"")
_FAR_PATTERNS: dict[tuple[int, int], re.Pattern] = {}
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


@dataclass
class SheetScan:
    name: str
    rows: int = 0
    merged: list[str] = field(default_factory=list)
    formulas_without_values: list[str] = field(default_factory=list)
    last_row: int = 0  # the farthest row a row element or a far cell reference names
    last_column: int = 26  # the farthest column of a far reference; A-Z are never looked at one by one

    @property
    def row_bound(self) -> int:
        """No cell lies below this row: a reference beyond it would have been read as far."""
        last = max(self.rows, self.last_row, 1)
        digits, lead = len(str(last)), int(str(last)[0])
        return max(last, (lead + 1) * 10 ** (digits - 1) - 1)

    @property
    def extent(self) -> int:
        """At most this many cells in the grid a whole-sheet reader (calamine) allocates for this sheet."""
        return self.row_bound * self.last_column


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_uncompressed: int
    max_cells: int = 8_000_000  # xls and ods are read whole by calamine: the grid must fit


def _mb(size: int) -> str:
    return f"{size / (1 << 20):.1f} МБ".replace(".", ",")


def inspect_file(path: Path, name: str, *, limits: Limits) -> RegistrySource:
    """Sniff the file type and run the safety checks; raise ImportRefused with the reason."""
    size = path.stat().st_size
    if size == 0:
        raise ImportRefused("Файл пустой (0 байт): выберите файл реестра ещё раз.")
    if size > limits.max_bytes:
        raise ImportRefused(
            f"Файл слишком большой: {_mb(size)}, допускается не больше {_mb(limits.max_bytes)}. "
            "Разделите реестр на несколько файлов."
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = PurePosixPath(name).suffix.lower()
    if head.startswith(ZIP_MAGIC):
        return _inspect_zip(path, name, limits=limits)
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


def _inspect_zip(path: Path, name: str, *, limits: Limits) -> RegistrySource:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportRefused("Файл повреждён: это ZIP-архив (как xlsx), но его не удаётся открыть.") from error
    try:
        with archive:
            return _inspect_archive(archive, path, name, limits=limits)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise ImportRefused(
            "Файл повреждён: архив книги не распаковывается (не сходится контрольная сумма или размер)."
        ) from error


def _inspect_archive(archive: zipfile.ZipFile, path: Path, name: str, *, limits: Limits) -> RegistrySource:
    members = archive.infolist()
    names = {member.filename for member in members}
    _check_declared_sizes(members, limits=limits)
    if "xl/workbook.xml" in names:
        scans = _scan_xlsx(archive, limits=limits)
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
    return RegistrySource(path=path, name=name, kind=kind, rows_total=first.rows if first else None, scans=scans)


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
            f"Архив книги раскрывается в {_mb(total)}, допускается не больше {_mb(limits.max_uncompressed)}: "
            "такой файл не обрабатывается (похоже на zip-бомбу или на слишком большой реестр)."
        )
    for member in members:
        if member.file_size > CHUNK and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise ImportRefused(
                f"Часть книги «{member.filename}» сжата в {member.file_size // max(member.compress_size, 1)} раз: "
                "так сжимаются только специально созданные файлы (zip-бомба). Файл не обрабатывается."
            )


def _sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part path) in workbook order."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError) as error:
        raise ImportRefused("Файл повреждён: в книге Excel нет описания листов.") from error
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.findall("rel:Relationship", _NS)}
    parts = []
    for sheet in workbook.iterfind("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        parts.append((sheet.get("name", ""), str(PurePosixPath(target))))
    return parts


def _scan_xlsx(archive: zipfile.ZipFile, *, limits: Limits) -> dict[str, SheetScan]:
    scans: dict[str, SheetScan] = {}
    for sheet_name, part in _sheet_parts(archive):
        try:
            member = archive.getinfo(part)
        except KeyError:
            continue
        scans[sheet_name] = _scan_sheet(archive, member, sheet_name, limits=limits)
    if not scans:
        raise ImportRefused("В книге Excel нет ни одного листа с данными.")
    for member in archive.infolist():
        # Shared strings are loaded whole by every reader: check they inflate as declared.
        if member.filename.endswith("sharedStrings.xml"):
            _inflate_within(archive, member)
    return scans


def _inflate_within(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    seen = 0
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK):
            seen += len(chunk)
            if seen > member.file_size:
                raise _lying_archive(member)


def _lying_archive(member: zipfile.ZipInfo) -> ImportRefused:
    return ImportRefused(
        f"Часть книги «{member.filename}» раскрывается больше заявленного в архиве размера: "
        "файл повреждён или создан специально. Файл не обрабатывается."
    )


def _scan_sheet(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, *, limits: Limits) -> SheetScan:
    scan = SheetScan(name=name)
    max_xml_rows = limits.max_rows + 1  # the header row
    buffer = b""
    seen = 0
    row_open: tuple[bytes, bytes] | None = None
    with archive.open(member) as stream:
        first = True
        while chunk := stream.read(CHUNK):
            seen += len(chunk)
            if seen > member.file_size:
                raise _lying_archive(member)
            buffer += chunk
            if first:
                first = False
                _check_dimension(buffer, name, max_xml_rows, limits)
            if row_open is None:
                match = _SHEET_DATA.search(buffer)
                if match:
                    prefix = match.group(1) or b""
                    row_open = (b"<" + prefix + b"row ", b"<" + prefix + b"row>")
            cut = max(buffer.rfind(b"</c>"), buffer.rfind(b"row>"))
            if cut < 0:
                if len(buffer) > MAX_CELL_BUFFER:
                    raise ImportRefused(
                        f"Лист «{name}»: ячейка больше {_mb(MAX_CELL_BUFFER)} — файл не обрабатывается."
                    )
                continue
            cut += 4
            _scan_segment(buffer[:cut], scan, row_open)
            buffer = buffer[cut:]
            if max(scan.rows, scan.last_row) > max_xml_rows:
                raise _too_many_rows(name, limits, scan)
    _scan_segment(buffer, scan, row_open)
    if max(scan.rows, scan.last_row) > max_xml_rows:
        raise _too_many_rows(name, limits, scan)
    return scan


def _too_many_rows(name: str, limits: Limits, scan: SheetScan | None = None) -> ImportRefused:
    where = ""
    if scan is not None and scan.last_row > scan.rows:
        where = f" (ячейка в строке {scan.last_row}; если там ничего нет, удалите лишние строки и сохраните файл)"
    return ImportRefused(
        f"На листе «{name}» больше {limits.max_rows} строк данных — это больше допустимого{where}. "
        "Разделите реестр на несколько файлов."
    )


def _check_dimension(head: bytes, name: str, max_xml_rows: int, limits: Limits) -> None:
    # The declared dimension is cheap to read; when it already exceeds the limit we stop at once.
    match = _DIMENSION.search(head[:65536])
    if match and match.group(1) and int(match.group(1)) > max_xml_rows:
        raise _too_many_rows(name, limits)


def _far_refs(last_row: int) -> re.Pattern:
    """Cell references with 2+ column letters, more row digits than `last_row`, or a higher leading digit."""
    text = str(max(last_row, 1))
    key = (len(text), int(text[0]))
    pattern = _FAR_PATTERNS.get(key)
    if pattern is None:
        digits, lead = key
        higher = f"|[{lead + 1}-9][0-9]{{{digits - 1}}}" if lead < 9 else ""
        pattern = _FAR_PATTERNS[key] = re.compile(
            rf' r="(?:([A-Z]{{2,4}})([0-9]{{1,10}})|([A-Z])([0-9]{{{digits + 1},10}}{higher}))"'.encode()
        )
    return pattern


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _scan_segment(segment: bytes, scan: SheetScan, row_open: tuple[bytes, bytes] | None) -> None:
    if row_open is not None:
        scan.rows += segment.count(row_open[0]) + segment.count(row_open[1])
        # Row elements come in order; a row out of order only lowers the bar for far references.
        last = segment.rfind(row_open[0])
        match = _ROW_NUMBER.match(segment, last) if last >= 0 else None
        if match:
            scan.last_row = max(scan.last_row, int(match.group(1)))
        for letters, number, letter, far_number in _far_refs(scan.last_row).findall(segment):
            scan.last_column = max(scan.last_column, _column_number(letters or letter))
            scan.last_row = max(scan.last_row, int(number or far_number))
    if b"<f" in segment or b":f" in segment:
        for match in _FORMULA_WITHOUT_VALUE.finditer(segment):
            if len(scan.formulas_without_values) < 50:
                ref = _CELL_REF.search(match.group(1))
                scan.formulas_without_values.append(ref.group(1).decode() if ref else "?")
    if b"mergeCell" in segment:
        scan.merged.extend(ref.decode() for ref in _MERGE.findall(segment))
