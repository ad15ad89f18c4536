"""An xlsx shared-strings table kept on disk, for openpyxl's streaming reader.

openpyxl reads the whole table into a list before the first row: every distinct name, address
and account number of the month, about 45 MB at a million rows, the one part of a streamed
import that grows with the file. Here each string goes to a temporary file as it is parsed
(the same parse as openpyxl.reader.strings.read_string_table), and memory holds eight bytes a
string for its offset and a small cache of recent ones: an account's lines sit together, so
its strings are read from disk once.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import IO


class DiskStrings:
    """A read-only sequence of strings stored in `handle`, as openpyxl's reader indexes them."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._offsets = array("q", [0])
        self._end = 0
        self.get = lru_cache(maxsize=4096)(self._read)

    def append(self, text: str) -> None:
        data = text.encode("utf-8", "surrogatepass")
        self._handle.write(data)
        self._end += len(data)
        self._offsets.append(self._end)

    def finish(self) -> None:
        self._handle.flush()

    def _read(self, index: int) -> str:
        start, end = self._offsets[index], self._offsets[index + 1]
        return os.pread(self._handle.fileno(), end - start, start).decode("utf-8", "surrogatepass")

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < len(self._offsets) - 1:
            raise IndexError("shared string index out of range")
        return self.get(index)

    def __len__(self) -> int:
        return len(self._offsets) - 1


@contextmanager
def strings_on_disk(handle: IO[bytes]) -> Iterator[None]:
    """While inside, a workbook openpyxl opens keeps its shared strings in `handle` (a temporary
    file that must stay open while the workbook is read). Patched only around the load: a
    workbook another thread opens meanwhile would share the file."""
    from openpyxl.cell.text import Text
    from openpyxl.reader import excel
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    tag = f"{{{SHEET_MAIN_NS}}}si"

    def read_string_table(xml_source: IO[bytes]) -> DiskStrings:
        strings = DiskStrings(handle)
        for _, node in iterparse(xml_source):
            if node.tag == tag:
                text = Text.from_tree(node)
                strings.append(text.content.replace("x005F_", "") if text is not None else "")
                node.clear()
        strings.finish()
        return strings

    name = "read_string_table"  # the name excel.ExcelReader.read_strings calls (not in the stubs)
    original = getattr(excel, name)
    setattr(excel, name, read_string_table)
    try:
        yield
    finally:
        setattr(excel, name, original)


@contextmanager
def rows_released() -> Iterator[None]:
    """While inside, openpyxl's sheet parser drops each row element once it has read it.

    ElementTree's iterparse keeps every parsed element attached to its parent: openpyxl clears
    a row's contents but the emptied <row> stays under <sheetData>, about 0.1 KB a row (100 MB
    at a million rows). Removed from its parent after openpyxl has read it, a row is freed.
    The parse is otherwise the same, so another reader sharing the patch meanwhile loses nothing.
    """
    from openpyxl.worksheet import _reader

    name = "iterparse"  # the name WorkSheetParser.parse calls (not in the stubs)
    original = getattr(_reader, name)
    row_tag = _reader.ROW_TAG

    def iterparse(source: object, events: tuple[str, ...] = ("end",)) -> Iterator[tuple[str, object]]:
        parents: list = []
        for event, element in original(source, events=("start", "end")):
            if event == "start":
                parents.append(element)
                if "start" in events:
                    yield event, element
                continue
            parents.pop()
            yield event, element
            if element.tag == row_tag and parents:
                parents[-1].remove(element)

    setattr(_reader, name, iterparse)
    try:
        yield
    finally:
        setattr(_reader, name, original)
