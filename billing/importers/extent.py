"""How far the data of an xls or ods book really reaches, read before calamine allocates its grid.

Calamine reads these formats whole and allocates rows × columns up to the farthest cell: a
6 KB xls with one cell at IV65536 takes a gigabyte, a 1 KB ods repeating an empty row
20,000 times before a 200-column row takes a quarter. Unlike xlsx they cannot be streamed
instead, so a book whose extent is too large is refused (safety.inspect_file).

xls: the "Workbook" stream is taken out of the OLE2 compound file (the [MS-CFB] sector chains)
and its BIFF records are walked; every cell record starts with its row and column.
ods: content.xml is parsed as a stream, counting repeated rows and cells that hold a value.
"""

from __future__ import annotations

import mmap
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import iterparse

END_OF_CHAIN = 0xFFFFFFFA  # this and above: free, end of chain, FAT or DIFAT sector
# BIFF cell records whose body starts with (row, column): FORMULA, LABELSST, NUMBER, RK, BLANK,
# LABEL, BOOLERR, RSTRING; MULRK and MULBLANK end with their last column.
_CELLS = frozenset({0x0006, 0x00FD, 0x0203, 0x027E, 0x0201, 0x0204, 0x0205, 0x00D6})
_MULTI = frozenset({0x00BD, 0x00BE})
_BOF, _EOF = 0x0809, 0x000A
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


class UnreadableBook(Exception):
    """The compound file or its records do not hold together."""


@dataclass(frozen=True)
class Extent:
    rows: int
    columns: int

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def xls_extents(path: Path) -> list[Extent]:
    """One Extent per worksheet substream, in order."""
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        try:
            stream = _workbook_stream(data)
        except (struct.error, IndexError, ValueError) as error:
            raise UnreadableBook(str(error)) from error
    return _biff_extents(stream)


def _workbook_stream(data) -> bytes:
    if data[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableBook("not an OLE2 compound file")
    sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mini_size = 1 << struct.unpack_from("<H", data, 0x20)[0]
    if sector_size not in (512, 4096) or mini_size != 64:
        raise UnreadableBook("unexpected sector sizes")
    (dir_start, _, cutoff, minifat_start, _, difat_start, difat_count) = struct.unpack_from("<7I", data, 0x30)
    total = max(len(data) // sector_size - 1, 0)

    def sector(number: int) -> bytes:
        if number >= total:
            raise UnreadableBook(f"sector {number} outside the file")
        start = (number + 1) * sector_size
        return data[start : start + sector_size]

    fat_sectors = [n for n in struct.unpack_from("<109I", data, 0x4C) if n < END_OF_CHAIN]
    per_difat = sector_size // 4 - 1
    for _ in range(min(difat_count, total)):
        if difat_start >= END_OF_CHAIN:
            break
        entries = struct.unpack(f"<{per_difat + 1}I", sector(difat_start))
        fat_sectors += [n for n in entries[:-1] if n < END_OF_CHAIN]
        difat_start = entries[-1]
    fat = struct.unpack(f"<{len(fat_sectors) * sector_size // 4}I", b"".join(sector(n) for n in fat_sectors))

    def chain(start: int, table) -> list[int]:
        found = []
        while start < END_OF_CHAIN:
            if start >= len(table) or len(found) > len(table):
                raise UnreadableBook("broken sector chain")
            found.append(start)
            start = table[start]
        return found

    directory = b"".join(sector(n) for n in chain(dir_start, fat))
    entries = {}
    for offset in range(0, len(directory) - 127, 128):
        entry = directory[offset : offset + 128]
        name_length = struct.unpack_from("<H", entry, 64)[0]
        name = entry[: max(name_length - 2, 0)].decode("utf-16-le", errors="replace")
        entries[name] = (entry[66], *struct.unpack_from("<II", entry, 116))
    root = next((value for value in entries.values() if value[0] == 5), None)
    found = entries.get("Workbook") or entries.get("Book")
    if found is None or root is None:
        raise UnreadableBook("no Workbook stream")
    _, start, size = found
    if size < cutoff:
        mini_stream = b"".join(sector(n) for n in chain(root[1], fat))
        minifat_bytes = b"".join(sector(n) for n in chain(minifat_start, fat))
        minifat = struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes)
        body = b"".join(mini_stream[n * mini_size : (n + 1) * mini_size] for n in chain(start, minifat))
    else:
        body = b"".join(sector(n) for n in chain(start, fat))
    return body[:size]


def _biff_extents(stream: bytes) -> list[Extent]:
    extents, rows, columns, in_sheet = [], 0, 0, False
    position, end = 0, len(stream) - 4
    unpack = struct.unpack_from
    while position <= end:
        kind, length = unpack("<HH", stream, position)
        body = position + 4
        if kind in _CELLS and length >= 4:
            row, column = unpack("<HH", stream, body)
            rows, columns = max(rows, row + 1), max(columns, column + 1)
        elif kind in _MULTI and length >= 6:
            row = unpack("<H", stream, body)[0]
            last = unpack("<H", stream, body + length - 2)[0]
            rows, columns = max(rows, row + 1), max(columns, last + 1)
        elif kind == _BOF and length >= 4:
            in_sheet = unpack("<H", stream, body + 2)[0] == 0x0010
            rows = columns = 0
        elif kind == _EOF and in_sheet:
            extents.append(Extent(rows, columns))
            in_sheet = False
        position = body + length
    return extents


def ods_extents(archive: zipfile.ZipFile) -> list[Extent]:
    """One Extent per table of content.xml, counting repeated rows and cells up to the last value."""
    extents = []
    rows = columns = row_index = 0
    parents: list = []
    with archive.open("content.xml") as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = element.tag
            if event == "start":
                parents.append(element)
                if tag == f"{_TABLE}table":
                    rows = columns = row_index = 0
                continue
            parents.pop()
            if tag == f"{_TABLE}table-row":
                repeat = int(element.get(f"{_TABLE}number-rows-repeated", "1"))
                column, last = 0, 0
                for cell in element:
                    column += int(cell.get(f"{_TABLE}number-columns-repeated", "1"))
                    if cell.get(f"{_OFFICE}value-type") or len(cell):
                        last = column
                if last:
                    rows, columns = row_index + repeat, max(columns, last)
                row_index += repeat
                if parents:
                    parents[-1].remove(element)  # flat memory: the row is done with
            elif tag == f"{_TABLE}table":
                extents.append(Extent(rows, columns))
                element.clear()
    return extents
