"""Cutting a large xlsx sheet into small workbooks of its rows, so calamine holds one slice at a time.

python-calamine builds a whole sheet in memory (~1.8 KB a row of the desk template: its list of
cells and the grid made from it are both alive at the peak) and has no lazy reader
(dimastbk/python-calamine#42). So a sheet is cut, at the starts of its <row> elements, into
workbooks of `slice_rows` rows each: the same workbook, styles and shared strings (dates stay
dates, string indexes stay valid), every other sheet left empty, and a sheet part made of the
original's head without its <dimension>, the slice's rows and a closing tag. The slices are
stored uncompressed, so calamine does not inflate again what this pass already did. Each is
handed over as soon as it is written; workbook.py reads it and deletes it before the next is cut.

A slice's rows keep their numbers, and calamine yields the empty rows above its first one: a slice
costs as many empty rows as the slices before it hold (~0.6 s CPU a million). So when the scan's
count of the sheet's rows is given (or, cut in the scan's pass, the sheet declares its extent), a
last slice of at most a quarter of `slice_rows` joins the one before it (100,001 rows: four slices,
not four and a one-row fifth behind 100,000 empty rows).

Rows keep their `r` attributes, so calamine puts each where it was; a slice starts only at a
row element that begins with its `r`, so a row without one follows its neighbour as in a whole
read. Anything the cut cannot vouch for (a namespace prefix, a comment or CDATA section where
'<row r="' may be text, no <sheetData>, a row longer than MAX_ROW_BYTES) raises NotSliceable
before the slice holding it is handed over: the rows before it are sound and the reader reads
the rest of the sheet whole, so a sliced read never reads other data.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from billing.importers.xlsx_scan import CHUNK, sheet_parts

MAX_ROW_BYTES = 64 << 20
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*?(/?)>")
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_DECLARED_LAST_ROW = re.compile(rb"<dimension\s+ref=\"[A-Z]+\d+(?::[A-Z]+(\d+))?\"")
# A slice starts only at a row that states its number: a row without one (legal OOXML, numbered
# after the row before it) stays in the slice of the row before it, numbered as in a whole read.
_ROW = b'<row r="'
_ROW_ELEMENT = b"<row"  # within the sheet data, only rows' tags start so
_SHEET_DATA_END = b"</sheetData>"
_WORKSHEET_END = b"</worksheet>"
_EMPTY_WORKSHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
)
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def last_slice_rows(slice_rows: int) -> int:
    """The most rows a last slice takes; a sheet of no more is read whole, as one slice would hold it."""
    return slice_rows + slice_rows // 4


class NotSliceable(Exception):
    """The sheet's XML is not as the cut expects: read it whole instead."""


def cut_slices(
    path: Path, sheet: int | str, directory: Path, *, slice_rows: int, rows_total: int | None = None
) -> Iterator[Path]:
    """Each slice workbook in `directory` as soon as it is written, in order; the caller deletes it once read.

    `rows_total`: the sheet's row elements as the scan counted them, if known (see the module's note).

    NotSliceable, at the first slice whose XML the cut cannot vouch for: the slices before it
    were sound, the rest of the sheet is the caller's."""
    with zipfile.ZipFile(path) as archive:
        parts = sheet_parts(archive)
        try:
            _, part = parts[sheet] if isinstance(sheet, int) else next(p for p in parts if p[0] == sheet)
        except (IndexError, StopIteration):
            raise NotSliceable(f"no sheet {sheet!r}") from None
        base = directory / "base.xlsx"
        write_base(archive, base, {other for _, other in parts}, part)
        writer = SliceWriter(base, part, directory, slice_rows, rows_total)
        try:
            with archive.open(part) as stream:
                while chunk := stream.read(CHUNK):
                    yield from writer.feed(chunk)
                    if writer.done:
                        return
            writer.end()
        finally:
            writer.discard()
            base.unlink(missing_ok=True)  # gone already when the directory went first, at exit


def write_base(archive: zipfile.ZipFile, base: Path, sheets: set[str], part: str) -> None:
    """The workbook without the sheet: its own parts and those it relates to (styles, shared strings, theme)."""
    needed = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"]
    try:
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError) as error:
        raise NotSliceable("no workbook relationships") from error
    for rel in rels.iter(_RELS):
        target = rel.get("Target", "")
        if rel.get("TargetMode") != "External":
            needed.append(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
    present = set(archive.namelist())
    with zipfile.ZipFile(base, "w", zipfile.ZIP_STORED) as out:
        for member in dict.fromkeys(needed):
            if member == part or member not in present:
                continue
            if member in sheets:
                out.writestr(member, _EMPTY_WORKSHEET)
                continue
            with archive.open(member) as source, out.open(member, "w", force_zip64=True) as copy:
                shutil.copyfileobj(source, copy, CHUNK)


class SliceWriter:
    """Writes the rows it is fed into slice workbooks of `slice_rows` rows (the last up to a quarter
    more), one open at a time.

    Fed either chunks of the sheet's XML (`feed`: rows counted here, as rows that state their
    number) or the safety scan's segments with their count of row elements (`feed_segment`, from
    scan_slices.py: nothing counted or buffered twice). A segment's count has no total yet, so the
    sheet's declared <dimension> stands for it: it only sizes the slices, never what they hold."""

    def __init__(self, base: Path, part: str, directory: Path, slice_rows: int, rows_total: int | None) -> None:
        self.base, self.part, self.directory, self.slice_rows = base, part, directory, slice_rows
        self.rows_total = rows_total
        self.head = b""
        self.count = 0
        self.path: Path | None = None
        self.archive: zipfile.ZipFile | None = None
        self.sheet: IO[bytes] | None = None
        self.rows = 0
        self.capacity = slice_rows  # rows the open slice takes
        self.written = 0  # rows in the slices closed before it
        self.buffer = b""
        self.body_started = False
        self.done = False

    def feed(self, chunk: bytes) -> Iterator[Path]:
        """The next bytes of the sheet's XML; yields each slice it completes (the last once the sheet
        data ends, then `done`)."""
        if self.done:
            return
        buffer = self.buffer + chunk if self.buffer else chunk
        self.buffer = b""
        if not self.body_started:
            buffer, self.body_started = self._take_head(buffer)
            if not self.body_started:
                self.buffer = buffer
                return
        end = buffer.find(_SHEET_DATA_END, max(0, len(buffer) - len(chunk) - len(_SHEET_DATA_END)))
        if end >= 0:
            yield from self._add(buffer[:end])
            self.done = True
            yield self._close()
            return
        cut = buffer.rfind(_ROW)
        if cut <= 0:
            if len(buffer) > MAX_ROW_BYTES:
                raise NotSliceable("a row too long to cut around")
            self.buffer = buffer
            return
        yield from self._add(buffer[:cut])
        self.buffer = buffer[cut:]

    def feed_segment(self, segment: bytes, rows: int) -> Iterator[Path]:
        """The scan's next segment of the sheet's XML (it ends between two cells or two rows) and the
        row elements it holds; yields each slice it completes, as `feed` does. Rows count as elements
        here, and a slice still starts only at a row that states its number."""
        if self.done:
            return
        if not self.body_started:
            segment, self.body_started = self._take_head(self.buffer + segment, declared=self.rows_total is None)
            self.buffer = b"" if self.body_started else segment
            if not self.body_started:
                return
            rows = segment.count(_ROW_ELEMENT)
        # The sheet data ends after its last row: looked for from there, not through the segment.
        # A row's tag after the end (no schema puts one there) only hides the end: the slice being
        # cut is then dropped (NotSliceable at `end`) and the rest read whole; calamine reads a
        # slice's rows up to the first end of its sheet data, so rows past it are never read.
        end = segment.find(_SHEET_DATA_END, max(0, segment.rfind(_ROW)))
        if end >= 0:
            segment = segment[:end]
            rows = segment.count(_ROW_ELEMENT)
        if b"!" in segment and b"<!" in segment:
            raise NotSliceable("a comment or CDATA section, where '<row r=' may stand for no row")
        if self.sheet is None:
            self._open()
        while self.rows + rows > self.capacity:
            cut = _next_slice_start(segment, self.capacity - self.rows)
            if cut < 0:
                break  # no row here can start a slice: this one takes them all
            taken = segment.count(_ROW_ELEMENT, 0, cut)
            self._write(segment[:cut], taken)
            yield self._close()
            self._open()
            segment, rows = segment[cut:], rows - taken
        self._write(segment, rows)
        if end >= 0:
            self.done = True
            yield self._close()

    def end(self) -> None:
        """The sheet's XML is over: NotSliceable unless its sheet data ended."""
        if not self.done:
            raise NotSliceable("no end of sheetData")

    def _take_head(self, buffer: bytes, *, declared: bool = False) -> tuple[bytes, bool]:
        match = _SHEET_DATA.search(buffer)
        if match is None:
            if len(buffer) > MAX_ROW_BYTES:
                raise NotSliceable("no sheetData")
            return buffer, False
        if match.group(1) or match.group(2):
            raise NotSliceable("a prefixed or empty sheetData")
        head = buffer[: match.end()]
        dimension = _DECLARED_LAST_ROW.search(head) if declared else None
        if dimension and dimension.group(1):
            self.rows_total = int(dimension.group(1))
        self.head = _DIMENSION.sub(b"", head, count=1)
        return buffer[match.end() :], True

    def _add(self, segment: bytes) -> Iterator[Path]:
        """Whole rows (the segment ends where a row starts) to the current slice and, past its size,
        to new ones; yields each slice it fills."""
        rows = segment.count(_ROW)
        # "!" alone is found by memchr; "<!" costs a slow pass over every "<" of the sheet (~0.1 s a 100,000-row one).
        if b"!" in segment and b"<!" in segment:
            raise NotSliceable("a comment or CDATA section, where '<row r=' may stand for no row")
        if self.sheet is None:
            self._open()
        while self.rows + rows > self.capacity:
            room = self.capacity - self.rows
            cut = _row_start(segment, room)
            self._write(segment[:cut], room)
            yield self._close()
            self._open()
            segment, rows = segment[cut:], rows - room
        self._write(segment, rows)

    def _write(self, rows_xml: bytes, rows: int) -> None:
        assert self.sheet is not None
        self.sheet.write(rows_xml)
        self.rows += rows

    def _open(self) -> None:
        self.path = self.directory / f"slice-{self.count:04d}.xlsx"
        self.count += 1
        shutil.copyfile(self.base, self.path)
        self.archive = zipfile.ZipFile(self.path, "a", zipfile.ZIP_STORED)
        self.sheet = self.archive.open(self.part, "w", force_zip64=True)
        self.sheet.write(self.head)
        self.written += self.rows
        self.rows = 0
        left = self.slice_rows if self.rows_total is None else self.rows_total - self.written
        # Never below `slice_rows`, whatever the count said: each slice takes rows.
        self.capacity = left if self.slice_rows < left <= last_slice_rows(self.slice_rows) else self.slice_rows

    def _close(self) -> Path:
        assert self.sheet is not None and self.archive is not None and self.path is not None
        self.sheet.write(_SHEET_DATA_END + _WORKSHEET_END)
        self.sheet.close()
        self.archive.close()
        path, self.sheet, self.archive, self.path = self.path, None, None, None
        return path

    def discard(self) -> None:
        """The slice being written, when the cut stops before it is whole."""
        if self.path is not None:
            self._close().unlink()


def _next_slice_start(segment: bytes, index: int) -> int:
    """Where the first row that states its number starts, from the segment's row element `index`
    (from 0) on; -1 if none does."""
    position = segment.find(_ROW_ELEMENT)
    for _ in range(index):
        if position < 0:
            return -1
        position = segment.find(_ROW_ELEMENT, position + 1)
    return segment.find(_ROW, position) if position >= 0 else -1


def _row_start(segment: bytes, index: int) -> int:
    """Where the segment's row number `index` (from 0) starts."""
    position = segment.find(_ROW)
    for _ in range(index):
        position = segment.find(_ROW, position + 1)
    return position
