"""The first sheet's slices cut in the safety scan's pass (scan_slices.py): the rows of a whole read,
and nothing left on disk once the parse that cut them is over, whatever stopped it."""

from __future__ import annotations

import resource
import tempfile
from pathlib import Path

import pytest

from billing.importers import xlsx_scan
from billing.importers.base import ImportRefused
from billing.importers.safety import Limits, inspect_file
from billing.importers.scan_slices import SliceRule
from billing.importers.workbook import iter_rows
from billing.services.registry.parse import registry_parse
from tests.billing.importers.conftest import PERIOD
from tests.billing.importers.hostile import minimal_xlsx, sheet_xml
from tests.billing.importers.test_sheet_slices import LIMITS, WHOLE, _book_with_everything, _rows, _trimmed


def _rule(slice_rows: int) -> SliceRule:
    return SliceRule(slice_rows=slice_rows, calamine_max_rows=150_000, calamine_max_cells=8_000_000)


@pytest.fixture
def temporary(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "temporary"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def _cut_rows(path: Path, *, slice_rows: int, temporary: Path) -> list[tuple[int, list]]:
    source = inspect_file(path, path.name, limits=LIMITS, slices=_rule(slice_rows))
    try:
        rows = []
        for number, values in iter_rows(source, 0, calamine_slice_rows=slice_rows):
            # The scan's slices are read: the reader cuts none of its own beside them.
            assert len(list(temporary.iterdir())) == 1
            rows.append((number, _trimmed(values)))
        return rows
    finally:
        source.close()


def test_slices_cut_by_the_scan_read_exactly_as_a_whole_read(tmp_path, temporary, monkeypatch):
    path = _book_with_everything(tmp_path / "book.xlsx")
    whole = _rows(path, slice_rows=WHOLE)
    monkeypatch.setattr(xlsx_scan, "CHUNK", 300)  # a few rows a chunk: cuts fall between chunks too
    for slice_rows in (7, 9, 20):
        assert _cut_rows(path, slice_rows=slice_rows, temporary=temporary) == whole
    assert list(temporary.iterdir()) == []


@pytest.mark.parametrize(
    ("dimension", "slices"),
    [("A1:B55", 6), (None, 7), ("A1:B3", 7), ("A1:B1000", 7)],  # 55 rows of 9: the last holds 10 when declared
)
def test_the_declared_dimension_lets_a_short_tail_join_the_last_slice(tmp_path, temporary, dimension, slices):
    # Each slice yields the empty rows above its first: a one-row last slice would cost all of them.
    # The scan's count is not known while it cuts; a wrong dimension only sizes the slices.
    rows = [(number, [(f"A{number}", f"счёт {number}"), (f"B{number}", number)]) for number in range(1, 56)]
    path = minimal_xlsx(tmp_path / "book.xlsx", {"Лист": sheet_xml(rows, dimension=dimension)})
    source = inspect_file(path, path.name, limits=LIMITS, slices=_rule(9))
    assert source.slices is not None and len(source.slices.paths) == slices
    source.close()
    assert _cut_rows(path, slice_rows=9, temporary=temporary) == _rows(path, slice_rows=WHOLE)
    assert list(temporary.iterdir()) == []


def test_rows_the_cut_cannot_vouch_for_are_read_whole_after_the_sound_slices(tmp_path, temporary, monkeypatch):
    rows = [(number, [(f"A{number}", f"счёт {number}"), (f"B{number}", number)]) for number in range(1, 21)]
    xml = sheet_xml(rows).replace(b'<row r="12">', b'<!-- <row r="99"> --><row r="12">')
    xml = xml.replace(b'<row r="3">', b"<row>").replace(b' r="A3"', b"").replace(b' r="B3"', b"")
    path = minimal_xlsx(tmp_path / "comment.xlsx", {"Лист": xml})
    monkeypatch.setattr(xlsx_scan, "CHUNK", 300)
    source = inspect_file(path, path.name, limits=LIMITS, slices=_rule(4))
    assert source.slices is not None and not source.slices.complete and source.slices.paths
    source.close()
    sliced = _cut_rows(path, slice_rows=4, temporary=temporary)
    assert sliced == _rows(path, slice_rows=WHOLE)
    assert [number for number, _ in sliced] == list(range(1, 21)) and sliced[2] == (3, ["счёт 3", 3.0])
    assert list(temporary.iterdir()) == []


def test_no_slice_outlives_a_read_stopped_midway_a_source_never_read_or_a_refusal(tmp_path, temporary):
    path = _book_with_everything(tmp_path / "book.xlsx")
    source = inspect_file(path, path.name, limits=LIMITS, slices=_rule(7))
    rows = iter_rows(source, 0, calamine_slice_rows=7)
    assert [next(rows)[0] for _ in range(10)] == list(range(1, 11))
    rows.close()
    assert [item.name for item in temporary.rglob("*")] == [next(temporary.iterdir()).name]  # the directory only
    source.close()
    assert list(temporary.iterdir()) == []

    inspect_file(path, path.name, limits=LIMITS, slices=_rule(7)).close()
    assert list(temporary.iterdir()) == []

    with pytest.raises(ImportRefused, match="больше 50 строк"):
        inspect_file(path, path.name, limits=Limits(50 << 20, 50, 1 << 30), slices=_rule(7))
    assert list(temporary.iterdir()) == []


def test_a_sheet_read_whole_or_streamed_keeps_no_slices(tmp_path, temporary):
    path = _book_with_everything(tmp_path / "book.xlsx")
    for rule in (_rule(50), SliceRule(slice_rows=7, calamine_max_rows=40, calamine_max_cells=8_000_000)):
        source = inspect_file(path, path.name, limits=LIMITS, slices=rule)
        assert source.slices is not None and source.slices.paths == [] and source.slices.take(source.scan(0), 7) is None
        assert [item.name for item in temporary.rglob("*.xlsx")] == []
        source.close()


def test_a_parse_reads_the_scan_slices_and_leaves_nothing_behind(organization, desk_file, settings, temporary):
    whole = registry_parse(organization=organization, period=PERIOD, path=desk_file, source_name="r.xlsx")
    settings.IMPORT_CALAMINE_SLICE_ROWS = 4  # the desk file has 25 rows: six slices
    sliced = registry_parse(organization=organization, period=PERIOD, path=desk_file, source_name="r.xlsx")
    assert sliced.errors == [] and sliced.summary() == whole.summary()
    assert [r.amounts for r in sliced.receipts] == [r.amounts for r in whole.receipts]
    assert list(temporary.iterdir()) == []
    refused = registry_parse(
        organization=organization, period=PERIOD, path=desk_file, source_name="r.xlsx", format_code="sber_8_2"
    )
    assert refused.errors and list(temporary.iterdir()) == []


@pytest.mark.parametrize("slice_rows", [2, 3, 5])
def test_rows_without_their_number_stay_with_the_row_before_them_in_the_scan_slices(
    tmp_path, temporary, monkeypatch, slice_rows
):
    rows = [(number, [(f"A{number}", f"счёт {number}"), (f"B{number}", number)]) for number in range(1, 21)]
    xml = sheet_xml(rows, dimension="A1:B20")
    for number in (6, 11, 12, 16):  # legal: placed after the row and the cell before them
        xml = xml.replace(f'<row r="{number}">'.encode(), b"<row>")
        xml = xml.replace(f' r="A{number}"'.encode(), b"").replace(f' r="B{number}"'.encode(), b"")
    path = minimal_xlsx(tmp_path / "no-r.xlsx", {"Лист": xml})
    monkeypatch.setattr(xlsx_scan, "CHUNK", 100)
    sliced = _cut_rows(path, slice_rows=slice_rows, temporary=temporary)
    assert sliced == _rows(path, slice_rows=WHOLE) and len(sliced) == 20
    assert sliced[10] == (11, ["счёт 11", 11.0]) and sliced[15] == (16, ["счёт 16", 16.0])


@pytest.mark.parametrize("chunk", [100, 1 << 20])
def test_a_row_tag_after_the_sheet_data_changes_nothing(tmp_path, temporary, monkeypatch, chunk):
    # No schema puts a row there; a crafted one must not make the slices read what a whole read does not.
    rows = [(number, [(f"A{number}", f"счёт {number}"), (f"B{number}", number)]) for number in range(1, 21)]
    tail = b'</sheetData><extLst><ext uri="x"><row r="99"><c r="A99"><v>7</v></c></row></ext></extLst></worksheet>'
    xml = sheet_xml(rows, dimension="A1:B20").replace(b"</sheetData></worksheet>", tail)
    path = minimal_xlsx(tmp_path / "ext.xlsx", {"Лист": xml})
    monkeypatch.setattr(xlsx_scan, "CHUNK", chunk)
    whole = _rows(path, slice_rows=WHOLE)
    assert [number for number, _ in whole] == list(range(1, 21))
    assert _cut_rows(path, slice_rows=3, temporary=temporary) == whole
    assert list(temporary.iterdir()) == []


def test_slices_the_disk_refuses_are_dropped_and_the_reader_cuts_its_own(tmp_path, temporary):
    """A full disk, made real by a file-size limit while the scan runs (Python ignores SIGXFSZ, so
    a write past it fails with EFBIG): the scan keeps no slice, and the read gives every row."""
    path = _book_with_everything(tmp_path / "book.xlsx")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))  # no slice fits
    try:
        source = inspect_file(path, path.name, limits=LIMITS, slices=_rule(7))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    try:
        assert source.slices is not None and source.slices.state == "dropped"
        assert [item.name for item in temporary.rglob("*.xlsx")] == []
        read = [(number, _trimmed(values)) for number, values in iter_rows(source, 0, calamine_slice_rows=7)]
    finally:
        source.close()
    assert read == _rows(path, slice_rows=WHOLE)
    assert list(temporary.iterdir()) == []
