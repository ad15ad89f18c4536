"""A large xlsx sheet is read by calamine in slices of rows (sheet_slices.py): the same rows as a whole read."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from billing.importers import sheet_slices
from billing.importers.safety import Limits, inspect_file
from billing.importers.sheet_slices import NotSliceable, cut_slices
from billing.importers.workbook import iter_rows
from tests.billing.importers.hostile import minimal_xlsx, sheet_xml

LIMITS = Limits(max_bytes=50 << 20, max_rows=10_000, max_uncompressed=1 << 30)
WHOLE = 1_000_000  # a slice size no test sheet reaches: the sheet is read whole


def _rows(path: Path, *, slice_rows: int, sheet: int | str = 0) -> list[tuple[int, list]]:
    source = inspect_file(path, path.name, limits=LIMITS)
    # A slice's rows end at its own last column: trailing empty cells are not compared.
    return [(number, _trimmed(values)) for number, values in iter_rows(source, sheet, calamine_slice_rows=slice_rows)]


def _trimmed(values: list) -> list:
    values = list(values)
    while values and values[-1] is None:
        values.pop()
    return values


def _book_with_everything(path: Path) -> Path:
    """Shared strings, numbers, dates, empty cells, rows with no cells at all across slice boundaries."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Реестр"
    sheet.append(["Лицевой счёт", "Адрес", "Начислено", "Дата", "Примечание"])
    for number in range(2, 61):
        if 22 <= number <= 26:
            continue  # no <row> element for these, between the third slice and the fourth: yielded empty
        note = None if number % 3 else f"заметка {number % 4}"  # repeated: one shared string for many cells
        sheet.cell(number, 1, f"45{number:08d}")
        sheet.cell(number, 2, f"г Москва, ул Тверская, д {number}")
        sheet.cell(number, 3, number * 10.25 if number % 5 else None)
        sheet.cell(number, 4, datetime(2026, 10, number % 28 + 1))
        sheet.cell(number, 5, note)
    book.create_sheet("Справка").append(["не этот лист"])
    book.save(path)
    return path


def test_a_sheet_cut_into_several_slices_reads_exactly_as_whole(tmp_path):
    path = _book_with_everything(tmp_path / "book.xlsx")
    whole = _rows(path, slice_rows=WHOLE)
    sliced = _rows(path, slice_rows=7)
    assert sliced == whole
    numbers = [number for number, _ in whole]
    assert numbers == list(range(1, 61))
    assert whole[21] == (22, []) and whole[26][1][0] == "4500000027"
    assert whole[2][1][:4] == ["4500000003", "г Москва, ул Тверская, д 3", 30.75, date(2026, 10, 4)]
    assert whole[4][1][2] is None and whole[5][1][4] == "заметка 2"  # an empty number cell; a shared string
    (tmp_path / "cut").mkdir()
    assert len(list(cut_slices(path, "Реестр", tmp_path / "cut", slice_rows=7))) == 8  # 55 row elements, 7 a slice


def test_a_short_last_slice_joins_the_one_before_it_when_the_count_of_rows_is_known(tmp_path):
    # Each slice yields the empty rows above its first: a one-row last slice would cost all of them.
    path = _book_with_everything(tmp_path / "book.xlsx")
    cut = tmp_path / "cut"
    cut.mkdir()
    assert len(list(cut_slices(path, 0, cut, slice_rows=9))) == 7  # 55 row elements: six of 9, then one
    assert len(list(cut_slices(path, 0, cut, slice_rows=9, rows_total=55))) == 6  # the last holds 10
    assert len(list(cut_slices(path, 0, cut, slice_rows=9, rows_total=3))) == 7  # a count too low: as unknown
    assert len(list(cut_slices(path, 0, cut, slice_rows=8, rows_total=55))) == 7  # a tail of 7 is no quarter of 8
    assert _rows(path, slice_rows=9) == _rows(path, slice_rows=WHOLE)


def test_inline_strings_and_a_first_row_below_the_top_keep_their_numbers(tmp_path):
    rows = [(3, [("B3", "Адрес"), ("C3", "Сумма")])]
    rows += [(number, [(f"B{number}", f"дом {number}"), (f"C{number}", number)]) for number in range(4, 30)]
    path = minimal_xlsx(tmp_path / "inline.xlsx", {"Лист": sheet_xml(rows, dimension="B3:C29")})
    whole = _rows(path, slice_rows=WHOLE)
    # calamine's iter_rows starts at the sheet's first row, above the data: those rows are not the data's.
    assert whole[0] == (3, [None, "Адрес", "Сумма"]) and whole[-1] == (29, [None, "дом 29", 29.0])
    assert _rows(path, slice_rows=5) == whole


def test_the_slices_are_removed_when_read_and_when_reading_stops_midway(tmp_path, monkeypatch):
    path = _book_with_everything(tmp_path / "book.xlsx")
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    assert len(_rows(path, slice_rows=7)) == 60
    assert list(temporary.iterdir()) == []

    source = inspect_file(path, path.name, limits=LIMITS)
    rows = iter_rows(source, 0, calamine_slice_rows=7)
    assert [next(rows)[0] for _ in range(10)] == list(range(1, 11))
    # The first slice is read and gone, the second being read; none is cut ahead.
    assert [item.name for item in temporary.rglob("slice-*.xlsx")] == ["slice-0001.xlsx"]
    rows.close()
    assert list(temporary.iterdir()) == []


def test_rows_without_their_number_first_stay_with_the_row_before_them(tmp_path, monkeypatch):
    rows = [(number, [(f"A{number}", f"счёт {number}"), (f"B{number}", number)]) for number in range(1, 21)]
    # Legal: a row and cells without references are placed after the row and cell before them.
    xml = sheet_xml(rows).replace(b'<row r="11">', b"<row>").replace(b' r="A11"', b"").replace(b' r="B11"', b"")
    xml = xml.replace(b'<row r="16">', b'<row spans="1:2" r="16">').replace(b' r="A16"', b"").replace(b' r="B16"', b"")
    path = minimal_xlsx(tmp_path / "no-r.xlsx", {"Лист": xml})
    monkeypatch.setattr(sheet_slices, "CHUNK", 300)  # a few rows a read: cuts fall between reads too
    (tmp_path / "cut").mkdir()
    # Rows 11 and 16 would start the third and fourth slices; they cannot, so they end the second and third.
    assert len(list(cut_slices(path, 0, tmp_path / "cut", slice_rows=5))) == 4
    sliced = _rows(path, slice_rows=5)
    assert sliced == _rows(path, slice_rows=WHOLE)
    assert sliced[10] == (11, ["счёт 11", 11.0]) and sliced[15] == (16, ["счёт 16", 16.0]) and len(sliced) == 20


def test_a_doubt_after_the_first_slices_sends_the_rest_of_the_sheet_to_a_whole_read(tmp_path, monkeypatch):
    rows = [(number, [(f"A{number}", f"счёт {number}"), (f"B{number}", number)]) for number in range(1, 21)]
    xml = sheet_xml(rows).replace(b'<row r="12">', b'<!-- <row r="99"> --><row r="12">')
    path = minimal_xlsx(tmp_path / "comment.xlsx", {"Лист": xml})
    monkeypatch.setattr(sheet_slices, "CHUNK", 300)
    (tmp_path / "cut").mkdir()
    handed: list[str] = []
    with pytest.raises(NotSliceable):
        handed.extend(slice_path.name for slice_path in cut_slices(path, 0, tmp_path / "cut", slice_rows=5))
    assert handed[0] == "slice-0000.xlsx" and len(handed) in (1, 2)  # rows 1-5, maybe 6-10; never row 12
    assert sorted(item.name for item in (tmp_path / "cut").iterdir()) == handed  # the one being cut is gone
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    sliced = _rows(path, slice_rows=5)
    assert sliced == _rows(path, slice_rows=WHOLE)
    assert [number for number, _ in sliced] == list(range(1, 21)) and sliced[11] == (12, ["счёт 12", 12.0])
    assert list(temporary.iterdir()) == []


@pytest.mark.parametrize(
    ("original", "replacement"),
    [
        (b"<worksheet xmlns=", b"<x:worksheet xmlns:x="),  # a namespace prefix on every element
        (b"</t>", b'<![CDATA[<row r="1">]]></t>'),  # text that looks like a row
    ],
)
def test_xml_the_cut_cannot_vouch_for_is_read_whole(tmp_path, original, replacement):
    rows = [(number, [(f"A{number}", f"счёт {number}")]) for number in range(1, 11)]
    xml = sheet_xml(rows).replace(original, replacement, 1)
    if original.startswith(b"<worksheet"):
        xml = xml.replace(b"<", b"<x:").replace(b"<x:/", b"</x:").replace(b"<x:?", b"<?").replace(b"x:x:", b"x:")
    path = minimal_xlsx(tmp_path / "odd.xlsx", {"Лист": xml})
    (tmp_path / "cut").mkdir()
    with pytest.raises(NotSliceable):
        list(cut_slices(path, 0, tmp_path / "cut", slice_rows=3))
    whole = _rows(path, slice_rows=WHOLE)
    assert len(whole) == 10 and whole[4] == (5, ["счёт 5"])
    assert _rows(path, slice_rows=3) == whole
