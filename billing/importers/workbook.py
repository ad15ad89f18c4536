"""Reading worksheet rows: python-calamine up to `calamine_max_rows`, openpyxl streaming above.

Reading cells is what an import mostly costs. Calamine reads about fourteen times faster than
openpyxl but holds the whole sheet in memory (~1.8 KB a row), so an xlsx sheet over
`calamine_slice_rows` (and a quarter, see `last_slice_rows`) is read a slice of rows at a time
(sheet_slices.py; cut in the safety scan's pass when the parse asked for it, scan_slices.py). openpyxl's read-only
mode streams at a flat memory, its shared strings kept on disk (disk_strings.py). Both yield
`(row_number, values)` with 1-based Excel row numbers, empty cells as None; a row may end
before the sheet's last column.
"""

from __future__ import annotations

import tempfile
from collections import deque
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import IO

from billing.importers.base import ImportRefused, RegistrySource
from billing.importers.disk_strings import rows_released, strings_on_disk
from billing.importers.sheet_slices import NotSliceable, cut_slices, last_slice_rows

Row = tuple[int, list]


def sheet_names(source: RegistrySource) -> list[str]:
    if source.kind == "xlsx" and source.scans:
        return list(source.scans)
    with _calamine(source, source.path) as workbook:
        return list(workbook.sheet_names)


def iter_rows(
    source: RegistrySource,
    sheet: int | str = 0,
    *,
    calamine_max_rows: int = 150_000,
    calamine_max_cells: int = 8_000_000,
    calamine_slice_rows: int = 25_000,
    prefer_streaming: bool = False,
    max_rows: int | None = None,
) -> Iterator[Row]:
    scan = source.scan(sheet) if source.kind == "xlsx" else None
    # Calamine allocates the sheet's whole grid up to its farthest cell, so it gets only sheets
    # whose real extent (xlsx_scan.SheetScan) is small; the rest stream at a flat memory.
    streaming = source.kind == "xlsx" and (
        prefer_streaming or scan is None or scan.rows > calamine_max_rows or scan.extent > calamine_max_cells
    )
    if streaming:
        yield from _openpyxl_rows(source, sheet)
    elif scan is not None and scan.rows > last_slice_rows(calamine_slice_rows):
        yield from _sliced_calamine_rows(source, sheet, calamine_slice_rows, scan.rows)
    else:
        yield from _calamine_rows(source, source.path, sheet, max_rows)


def _calamine(source: RegistrySource, path: Path):
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types per format
        raise ImportRefused(
            f"Файл не удаётся прочитать как книгу {source.kind}: он повреждён или имеет другой формат."
        ) from error


def _calamine_rows(
    source: RegistrySource, path: Path, sheet: int | str, max_rows: int | None = None, after: int = 0
) -> Generator[Row, None, int]:
    """The rows of `path`'s sheet (the file itself or one of its slices); returns the last row's number.

    `after`: the last row number a previous slice yielded, so that the empty rows between the two
    are yielded too, as a whole read yields them."""
    with _calamine(source, path) as workbook:
        try:
            data = workbook.get_sheet_by_index(sheet) if isinstance(sheet, int) else workbook.get_sheet_by_name(sheet)
        except Exception as error:
            raise ImportRefused(f"В книге нет листа «{sheet}» или его не удаётся прочитать.") from error
        start = data.start
        if start is None:
            return after
        if max_rows is not None:
            # xls and ods are not scanned before reading (no zip of XML to count in): check here.
            check_height(source, data.height, max_rows)
        first_row, first_column = start
        if after:
            for number in range(after + 1, first_row + 1):
                yield number, [None] * (first_column + data.width)
        pad = [None] * first_column
        rows = data.iter_rows()
        # iter_rows starts at the sheet's first row, not at `start`'s: the empty rows above the data
        # come first (python-calamine 0.9), and numbering them from `start` shifted every row.
        deque(islice(rows, first_row), maxlen=0)
        number = after
        for number, row in enumerate(rows, start=first_row + 1):
            # Calamine gives each row a list of its own and an empty cell as "": set those to None
            # in place, found by C-level scans (a row mostly has a few empty cells, if any).
            position = 0
            for _ in range(row.count("")):
                position = row.index("", position)
                row[position] = None
            yield number, (pad + row) if first_column else row
        del data
    return number


def _sliced_calamine_rows(source: RegistrySource, sheet: int | str, slice_rows: int, rows_total: int) -> Iterator[Row]:
    cut = source.slices.take(source.scan(sheet), slice_rows) if source.slices is not None else None
    if cut is not None:
        yield from _cut_calamine_rows(source, sheet, *cut)
        return
    # Each slice is deleted once read (written, read and dropped, its pages never reach the disk);
    # the directory goes when the rows are read, abandoned (the generator closed) or refused.
    with tempfile.TemporaryDirectory(prefix="xlsx-slices-") as directory:
        last = 0
        try:
            slices = cut_slices(source.path, sheet, Path(directory), slice_rows=slice_rows, rows_total=rows_total)
            for path in slices:
                last = yield from _calamine_rows(source, path, sheet, after=last)
                path.unlink()
        except NotSliceable:
            # The rows read so far carried their numbers; the rest is read whole, as before slicing.
            for number, values in _calamine_rows(source, source.path, sheet):
                if number > last:
                    yield number, values


def _cut_calamine_rows(source: RegistrySource, sheet: int | str, paths: list[Path], complete: bool) -> Iterator[Row]:
    """The slices the safety scan cut (scan_slices.py), each deleted once read, all of them when the
    read stops; the rows no slice holds (`complete` False) read whole, as `_sliced_calamine_rows` does."""
    last = 0
    try:
        for path in paths:
            last = yield from _calamine_rows(source, path, sheet, after=last)
            path.unlink()
    finally:
        for path in paths:
            path.unlink(missing_ok=True)
    if not complete:
        for number, values in _calamine_rows(source, source.path, sheet):
            if number > last:
                yield number, values


def _openpyxl_rows(source: RegistrySource, sheet: int | str) -> Iterator[Row]:
    # The shared strings stay on disk and each row is freed once read (disk_strings.py): kept,
    # both grow with the month.
    with tempfile.TemporaryFile(prefix="xlsx-strings-") as strings, rows_released():
        yield from _openpyxl_sheet_rows(source, sheet, strings)


def _openpyxl_sheet_rows(source: RegistrySource, sheet: int | str, strings: IO[bytes]) -> Iterator[Row]:
    from openpyxl import load_workbook

    try:
        with _no_dimension_scan(), strings_on_disk(strings):
            workbook = load_workbook(source.path, read_only=True, data_only=True)
    except Exception as error:
        raise ImportRefused("Файл не удаётся прочитать как книгу Excel: он повреждён.") from error
    try:
        try:
            worksheet = workbook.worksheets[sheet] if isinstance(sheet, int) else workbook[sheet]
        except (IndexError, KeyError) as error:
            raise ImportRefused(f"В книге нет листа «{sheet}».") from error
        # The declared dimension may be wrong; without it openpyxl reads what is really there.
        worksheet.reset_dimensions()
        rows = enumerate(worksheet.iter_rows(values_only=True), start=1)
        number = 0
        while True:
            try:
                number, values = next(rows)
            except StopIteration:
                return
            except Exception as error:
                where = f"после строки {number}" if number else "с первых строк"
                raise ImportRefused(
                    f"Лист «{worksheet.title}» повреждён: его XML не читается {where} "
                    f"({type(error).__name__}). Откройте файл в Excel и сохраните его заново."
                ) from error
            yield number, list(values)
    finally:
        workbook.close()


@contextmanager
def _no_dimension_scan():
    """openpyxl sizes every read-only sheet on load, and without a <dimension> element that means
    parsing the whole sheet once more; we read rows with reset dimensions anyway, so skip it."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    original = ReadOnlyWorksheet._get_size
    ReadOnlyWorksheet._get_size = lambda self: None
    try:
        yield
    finally:
        ReadOnlyWorksheet._get_size = original


def check_height(source: RegistrySource, rows: int, max_rows: int) -> None:
    if rows - 1 > max_rows:
        raise ImportRefused(f"В книге больше {max_rows} строк данных — это больше допустимого.")
