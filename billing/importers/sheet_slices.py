"""Cutting a large xlsx sheet into small workbooks of its rows, so calamine holds one slice at a time.

python-calamine builds a whole sheet in memory (~1.8 KB a row of the desk template: its list of
cells and the grid made from it are both alive at the peak) and has no lazy reader
(dimastbk/python-calamine#42). So a sheet is cut, at the starts of its <row> elements, into
workbooks of `slice_rows` rows each: the same workbook, styles and shared strings (dates
stay dates, string indexes stay valid), every other sheet left empty, and a sheet part made of
the original's head without its <dimension>, the slice's rows and a closing tag. The slices are
stored uncompressed, so calamine does not inflate again what this pass already did.
workbook.py reads them one after another, deleting each once read.

Rows keep their `r` attributes, so calamine puts each where it was. Anything the cut cannot
vouch for (a namespace prefix, a row element without `r` first, a comment or CDATA section, no
<sheetData>, a row longer than MAX_ROW_BYTES) raises NotSliceable before any slice is read, and
the sheet is read whole: a sliced read never reads other data.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from billing.importers.xlsx_scan import CHUNK, sheet_parts

MAX_ROW_BYTES = 64 << 20
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*?(/?)>")
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_ROW = b"<row"
_ROW_WITH_NUMBER = b'<row r="'
_SHEET_DATA_END = b"</sheetData>"
_WORKSHEET_END = b"</worksheet>"
_EMPTY_WORKSHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
)
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


class NotSliceable(Exception):
    """The sheet's XML is not as the cut expects: read it whole instead."""


def write_slices(path: Path, sheet: int | str, directory: Path, *, slice_rows: int) -> tuple[str, list[Path]]:
    """Cut the sheet into slice workbooks in `directory`: (the sheet's name, the slices in order)."""
    with zipfile.ZipFile(path) as archive:
        parts = sheet_parts(archive)
        try:
            name, part = parts[sheet] if isinstance(sheet, int) else next(p for p in parts if p[0] == sheet)
        except (IndexError, StopIteration):
            raise NotSliceable(f"no sheet {sheet!r}") from None
        base = directory / "base.xlsx"
        _write_base(archive, base, {other for _, other in parts}, part)
        writer = _SliceWriter(base, part, directory, slice_rows)
        try:
            with archive.open(part) as stream:
                slices = writer.write(stream)
        except BaseException:
            writer.discard()
            raise
        finally:
            base.unlink()
    return name, slices


def _write_base(archive: zipfile.ZipFile, base: Path, sheets: set[str], part: str) -> None:
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


class _SliceWriter:
    def __init__(self, base: Path, part: str, directory: Path, slice_rows: int) -> None:
        self.base, self.part, self.directory, self.slice_rows = base, part, directory, slice_rows
        self.head = b""
        self.slices: list[Path] = []
        self.archive: zipfile.ZipFile | None = None
        self.sheet: IO[bytes] | None = None
        self.rows = 0

    def write(self, stream: IO[bytes]) -> list[Path]:
        buffer = b""
        body_started = False
        while chunk := stream.read(CHUNK):
            buffer += chunk
            if not body_started:
                buffer, body_started = self._take_head(buffer)
                if not body_started:
                    continue
            end = buffer.find(_SHEET_DATA_END)
            if end >= 0:
                self._add(buffer[:end])
                self._close()
                return self.slices
            cut = buffer.rfind(_ROW)
            if cut <= 0:
                if len(buffer) > MAX_ROW_BYTES:
                    raise NotSliceable("a row too long to cut around")
                continue
            self._add(buffer[:cut])
            buffer = buffer[cut:]
        raise NotSliceable("no end of sheetData")

    def _take_head(self, buffer: bytes) -> tuple[bytes, bool]:
        match = _SHEET_DATA.search(buffer)
        if match is None:
            if len(buffer) > MAX_ROW_BYTES:
                raise NotSliceable("no sheetData")
            return buffer, False
        if match.group(1) or match.group(2):
            raise NotSliceable("a prefixed or empty sheetData")
        self.head = _DIMENSION.sub(b"", buffer[: match.end()], count=1)
        return buffer[match.end() :], True

    def _add(self, segment: bytes) -> None:
        """Whole rows (the segment ends where a row starts) to the current slice and, past its size, to new ones."""
        rows = segment.count(_ROW)
        if segment.count(_ROW_WITH_NUMBER) != rows:
            raise NotSliceable("a row element without r first")
        if b"<!" in segment:
            raise NotSliceable("a comment or CDATA section, where '<row' may stand for no row")
        if self.sheet is None:
            self._open()
        while self.rows + rows > self.slice_rows:
            room = self.slice_rows - self.rows
            cut = _row_start(segment, room)
            self._write(segment[:cut], room)
            self._close()
            self._open()
            segment, rows = segment[cut:], rows - room
        self._write(segment, rows)

    def _write(self, rows_xml: bytes, rows: int) -> None:
        assert self.sheet is not None
        self.sheet.write(rows_xml)
        self.rows += rows

    def _open(self) -> None:
        path = self.directory / f"slice-{len(self.slices):04d}.xlsx"
        shutil.copyfile(self.base, path)
        self.slices.append(path)
        self.archive = zipfile.ZipFile(path, "a", zipfile.ZIP_STORED)
        self.sheet = self.archive.open(self.part, "w", force_zip64=True)
        self.sheet.write(self.head)
        self.rows = 0

    def discard(self) -> None:
        self._close()
        for path in self.slices:
            path.unlink(missing_ok=True)

    def _close(self) -> None:
        if self.sheet is not None and self.archive is not None:
            self.sheet.write(_SHEET_DATA_END + _WORKSHEET_END)
            self.sheet.close()
            self.archive.close()
        self.sheet = self.archive = None


def _row_start(segment: bytes, index: int) -> int:
    """Where the segment's row number `index` (from 0) starts."""
    position = segment.find(_ROW)
    for _ in range(index):
        position = segment.find(_ROW, position + 1)
    return position
