"""Reading an xlsx sheet with calamine: rows keep their numbers."""

from __future__ import annotations

from pathlib import Path

from billing.importers.safety import Limits, inspect_file
from billing.importers.workbook import iter_rows
from tests.billing.importers.hostile import minimal_xlsx, sheet_xml

LIMITS = Limits(max_bytes=50 << 20, max_rows=10_000, max_uncompressed=1 << 30)


def _rows(path: Path) -> list[tuple[int, list]]:
    source = inspect_file(path, path.name, limits=LIMITS)
    return [(number, values) for number, values in iter_rows(source, 0)]


def test_inline_strings_and_a_first_row_below_the_top_keep_their_numbers(tmp_path):
    rows = [(3, [("B3", "Адрес"), ("C3", "Сумма")])]
    rows += [(number, [(f"B{number}", f"дом {number}"), (f"C{number}", number)]) for number in range(4, 30)]
    path = minimal_xlsx(tmp_path / "inline.xlsx", {"Лист": sheet_xml(rows, dimension="B3:C29")})
    whole = _rows(path)
    # calamine's iter_rows starts at the sheet's first row, above the data: those rows are not the data's.
    assert whole[0] == (3, [None, "Адрес", "Сумма"]) and whole[-1] == (29, [None, "дом 29", 29.0])
