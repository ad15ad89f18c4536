"""One streaming pass over an xlsx's worksheets: rows, far cell references, merged cells, formulas.

No reader builds the sheet for this: the XML is read in chunks, and a member that inflates
beyond the size its archive declared is refused on the way (safety.py calls this after the
archive's declared sizes passed). A parser then refuses a sheet whose header is merged or
whose formulas were saved without values (`refuse_unsafe_sheet`).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Protocol
from xml.etree import ElementTree

from billing.formatting import format_mebibytes
from billing.importers.base import ImportRefused, RegistrySource, RowError

CHUNK = 1 << 20
MAX_CELL_BUFFER = 64 << 20

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]+\d+(?::[A-Z]+(\d+))?\"")
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b")
_MERGE = re.compile(rb"""<(?:\w+:)?mergeCell\s+ref\s*=\s*["']([A-Z]+\d+(?::[A-Z]+\d+)?)["']""")
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


class SheetCut(Protocol):
    """What may take a sheet's XML as the scan inflates it (scan_slices.ScanSlices), so it is inflated
    once: each segment the scan looked through, in order, with the row elements it counted there."""

    def begin(self, archive: zipfile.ZipFile, part: str, scan: SheetScan) -> bool: ...
    def feed(self, segment: bytes, rows: int, scan: SheetScan) -> None: ...
    def end(self, scan: SheetScan) -> None: ...


def sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
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


def scan_xlsx(archive: zipfile.ZipFile, *, max_rows: int, cut: SheetCut | None = None) -> dict[str, SheetScan]:
    """One streaming pass over each worksheet of an xlsx; refuses a sheet over `max_rows` data rows.

    `cut` is fed the XML of the sheets it asks for, chunk by chunk, as the scan inflates it."""
    scans: dict[str, SheetScan] = {}
    for sheet_name, part in sheet_parts(archive):
        try:
            member = archive.getinfo(part)
        except KeyError:
            continue
        scans[sheet_name] = _scan_sheet(archive, member, sheet_name, max_rows=max_rows, sheet_cut=cut)
    if not scans:
        raise ImportRefused("В книге Excel нет ни одного листа с данными.")
    for member in archive.infolist():
        # Shared strings are loaded whole by every reader: check they inflate as declared.
        if member.filename.endswith("sharedStrings.xml"):
            inflate_within(archive, member)
    return scans


def inflate_within(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    seen = 0
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK):
            seen += len(chunk)
            if seen > member.file_size:
                raise lying_archive(member)


def lying_archive(member: zipfile.ZipInfo) -> ImportRefused:
    return ImportRefused(
        f"Часть книги «{member.filename}» раскрывается больше заявленного в архиве размера: "
        "файл повреждён или создан специально. Файл не обрабатывается."
    )


def _scan_sheet(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, *, max_rows: int, sheet_cut: SheetCut | None
) -> SheetScan:
    scan = SheetScan(name=name)
    slicer = sheet_cut if sheet_cut is not None and sheet_cut.begin(archive, member.filename, scan) else None
    max_xml_rows = max_rows + 1  # the header row
    buffer = b""
    seen = 0
    row_open: tuple[bytes, bytes] | None = None
    with archive.open(member) as stream:
        first = True
        while chunk := stream.read(CHUNK):
            seen += len(chunk)
            if seen > member.file_size:
                raise lying_archive(member)
            buffer += chunk
            if first:
                first = False
                _check_dimension(buffer, name, max_xml_rows)
            if row_open is None:
                match = _SHEET_DATA.search(buffer)
                if match:
                    prefix = match.group(1) or b""
                    row_open = (b"<" + prefix + b"row ", b"<" + prefix + b"row")
            cut = max(buffer.rfind(b"</c>"), buffer.rfind(b"row>"))
            if cut < 0:
                if len(buffer) > MAX_CELL_BUFFER:
                    raise ImportRefused(
                        f"Лист «{name}»: ячейка больше {format_mebibytes(MAX_CELL_BUFFER)} — файл не обрабатывается."
                    )
                continue
            cut += 4
            segment, buffer = buffer[:cut], buffer[cut:]
            rows = scan.rows
            _scan_segment(segment, scan, row_open)
            if slicer is not None:
                slicer.feed(segment, scan.rows - rows, scan)
            if max(scan.rows, scan.last_row) > max_xml_rows:
                raise _too_many_rows(name, max_rows, scan)
    rows = scan.rows
    _scan_segment(buffer, scan, row_open)
    if slicer is not None:
        slicer.feed(buffer, scan.rows - rows, scan)
    if max(scan.rows, scan.last_row) > max_xml_rows:
        raise _too_many_rows(name, max_rows, scan)
    if slicer is not None:
        slicer.end(scan)
    return scan


def _too_many_rows(name: str, max_rows: int, scan: SheetScan | None = None) -> ImportRefused:
    where = ""
    if scan is not None and scan.last_row > scan.rows:
        where = f" (ячейка в строке {scan.last_row}; если там ничего нет, удалите лишние строки и сохраните файл)"
    return ImportRefused(
        f"На листе «{name}» больше {max_rows} строк данных — это больше допустимого{where}. "
        "Разделите реестр на несколько файлов."
    )


def _check_dimension(head: bytes, name: str, max_xml_rows: int) -> None:
    # The declared dimension is cheap to read; when it already exceeds the limit we stop at once.
    match = _DIMENSION.search(head[:65536])
    if match and match.group(1) and int(match.group(1)) > max_xml_rows:
        raise _too_many_rows(name, max_xml_rows - 1)


def _far_refs(last_row: int) -> re.Pattern:
    """Cell references with 2+ column letters, more row digits than `last_row`, or a higher leading digit."""
    text = str(max(last_row, 1))
    key = (len(text), int(text[0]))
    pattern = _FAR_PATTERNS.get(key)
    if pattern is None:
        digits, lead = key
        higher = f"|[{lead + 1}-9][0-9]{{{digits - 1}}}" if lead < 9 else ""
        # Any spelling calamine reads as a reference: single quotes, spaces around "=", a tab or a
        # newline before "r" (each once let a far cell through). One group after a common first
        # letter: a third faster over a sheet than two alternatives of two groups each. The spaces
        # are matched possessively (no "=" or quote is a space): a tenth faster again, same matches.
        pattern = _FAR_PATTERNS[key] = re.compile(
            rf"""r\s*+=\s*+["']([A-Z](?:[A-Z]{{1,3}}[0-9]{{1,10}}|[0-9]{{{digits + 1},10}}{higher}))["']""".encode()
        )
    return pattern


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _scan_segment(segment: bytes, scan: SheetScan, row_open: tuple[bytes, bytes] | None) -> None:
    if row_open is not None:
        # Every element named "row" (with attributes or none, whatever whitespace follows) in one
        # pass; the only other worksheet element whose name starts so, <rowBreaks>, has a "k"
        # (found by memchr), which most sheets' cells lack.
        scan.rows += segment.count(row_open[1])
        if b"k" in segment:
            scan.rows -= segment.count(row_open[1] + b"Breaks")
        # Row elements come in order; a row out of order only lowers the bar for far references.
        last = segment.rfind(row_open[0])
        match = _ROW_NUMBER.match(segment, last) if last >= 0 else None
        if match:
            scan.last_row = max(scan.last_row, int(match.group(1)))
        for ref in _far_refs(scan.last_row).findall(segment):
            letters = ref.rstrip(b"0123456789")
            scan.last_column = max(scan.last_column, _column_number(letters))
            scan.last_row = max(scan.last_row, int(ref[len(letters) :]))
    # Each look for a substring costs a pass over the sheet's XML (~0.1 s a 100,000-row sheet): a
    # single-byte search (memchr) first, as a cell's XML rarely holds an "f" or a "g" but formulas
    # and merged cells always do.
    if b"f" in segment and (b"<f" in segment or b":f" in segment):
        for match in _FORMULA_WITHOUT_VALUE.finditer(segment):
            if len(scan.formulas_without_values) < 50:
                ref = _CELL_REF.search(match.group(1))
                scan.formulas_without_values.append(ref.group(1).decode() if ref else "?")
    if b"g" in segment and b"mergeCell" in segment:
        scan.merged.extend(ref.decode() for ref in _MERGE.findall(segment))


def refuse_unsafe_sheet(source: RegistrySource, sheet: int | str, header_row: int) -> None:
    scan = source.scan(sheet)
    if scan is None:
        return
    merged = [ref for ref in scan.merged if _touches_row(ref, header_row)]
    if merged:
        raise ImportRefused(
            RowError(
                header_row,
                "",
                ", ".join(merged[:5]),
                "в заголовке объединённые ячейки: у каждого столбца должна быть своя ячейка заголовка",
            )
        )
    if scan.formulas_without_values:
        cells = ", ".join(scan.formulas_without_values[:10])
        raise ImportRefused(
            RowError(
                None,
                "",
                cells,
                "в ячейках формулы без сохранённых значений: откройте файл в Excel "
                "и сохраните его заново или замените формулы значениями",
            )
        )


def _touches_row(ref: str, row: int) -> bool:
    numbers = [int(re.sub(r"[A-Z]", "", part)) for part in ref.split(":")]
    return min(numbers) <= row <= max(numbers)
