"""Issue 15: registries from the wild. Each hostile file is generated here (tests/billing/importers/hostile.py),
refused with its row and column (control characters: refused too, the decided rule), nothing saved, no
traceback; the admin upload of each ends in a final state with its file removed."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from billing.importers.base import RegistrySource
from billing.importers.safety import inspect_file
from billing.services.registry.parse import import_limits
from billing.services.registry.write import registry_import
from tests.billing.importers.conftest import PERIOD, desk_rows
from tests.billing.importers.hostile import (
    desk_sheet,
    lone_far_cell_xlsx,
    minimal_xlsx,
    repeated_ods,
    sheet_xml,
)
from tests.billing.importers.wild import MB, TITLES, _desk_values, _desk_with, _refused, _upload_final_state

# --- Files that crashed or ate the memory -------------------------------------------------------


def test_a_lone_cell_at_xfd1048576_is_refused_by_its_real_extent(organization, importer, tmp_path):
    path = lone_far_cell_xlsx(tmp_path / "far.xlsx", "XFD1048576", TITLES)
    assert path.stat().st_size < 20_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    errors = _refused(organization, importer, path)
    assert "строке 1048576" in errors[0] and "больше 1000000 строк" in errors[0]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * MB
    _upload_final_state(organization, importer, path)


def test_a_lone_cell_at_xfd20000_streams_at_flat_memory_and_names_its_row(organization, importer, tmp_path, settings):
    path = lone_far_cell_xlsx(tmp_path / "far.xlsx", "XFD20000", TITLES)
    scan = inspect_file(path, path.name, limits=import_limits()).scan(0)
    # What calamine would have allocated: 20,000 × 16,384 cells, about 10 GB.
    assert scan.last_column == 16384 and scan.extent > settings.IMPORT_CALAMINE_MAX_CELLS
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    errors = _refused(organization, importer, path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * MB
    assert any(error.startswith("Строка 20000, столбец «Лицевой счёт»") and "не указан" in error for error in errors)


@pytest.mark.parametrize("spelling", [b" r='XFD20000'", b' r = "XFD20000"', b'\tr="XFD20000"', b'\nr="XFD20000"'])
def test_a_far_cell_is_found_however_its_reference_is_spelled(tmp_path, settings, spelling):
    # Legal XML that calamine reads as the same far cell: the scan must see it too.
    cells = [(f"{letter}1", title) for letter, title in zip("ABC", TITLES, strict=False)]
    xml = sheet_xml([(1, cells), (20000, [("XFD20000", 1)])]).replace(b' r="XFD20000"', spelling)
    assert spelling in xml
    path = minimal_xlsx(tmp_path / "far.xlsx", {"Реестр": xml})
    scan = inspect_file(path, path.name, limits=import_limits()).scan(0)
    assert scan.last_column == 16384 and scan.extent > settings.IMPORT_CALAMINE_MAX_CELLS


def test_a_merged_header_is_found_however_its_reference_is_spelled(tmp_path):
    cells = [(f"{letter}1", title) for letter, title in zip("ABC", TITLES, strict=False)]
    merge = b"<mergeCells count=\"1\"><mergeCell ref = 'A1:B1'/></mergeCells>"
    xml = sheet_xml([(1, cells)]).replace(b"</sheetData>", b"</sheetData>" + merge)
    path = minimal_xlsx(tmp_path / "merged.xlsx", {"Реестр": xml})
    assert inspect_file(path, path.name, limits=import_limits()).scan(0).merged == ["A1:B1"]


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_an_xls_with_a_cell_at_iv65536_is_refused_before_calamine_allocates(organization, importer, tmp_path):
    # far_cell.xls is written by fixtures/make_far_xls.py (xlwt is not a dependency of the project).
    path = tmp_path / "far.xls"
    path.write_bytes((FIXTURES / "far_cell.xls").read_bytes())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    errors = _refused(organization, importer, path)
    assert "до строки 65536 и столбца 256" in errors[0]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * MB
    _upload_final_state(organization, importer, path)


def test_an_ods_repeating_rows_far_is_refused_before_calamine_allocates(organization, importer, tmp_path):
    path = repeated_ods(tmp_path / "far.ods", empty_rows=400_000, columns=1024)
    assert path.stat().st_size < 2000
    errors = _refused(organization, importer, path)
    assert "до строки 400002 и столбца 1024" in errors[0]


def test_the_xls_fixture_of_the_desk_template_still_imports(organization, importer, tmp_path):
    path = tmp_path / "r.xls"
    path.write_bytes((FIXTURES / "desk_registry.xls").read_bytes())
    assert registry_import(organization=organization, period=PERIOD, path=path, by=importer).batch is not None


@pytest.mark.parametrize("value", ["1" * 30, 10**30, 1e30, "9" * 400])
def test_a_number_out_of_range_is_a_row_and_column_error(organization, importer, tmp_path, value):
    path = _desk_with(tmp_path, "penalty", value)
    errors = _refused(organization, importer, path)
    assert any(
        error.startswith("Строка 2, столбец «Пени»") and "вне допустимого диапазона" in error for error in errors
    )


def test_the_openpyxl_path_turns_broken_xml_into_a_refusal(organization, importer, tmp_path, settings):
    settings.IMPORT_CALAMINE_MAX_ROWS = 1  # every sheet streams
    xml = desk_sheet(TITLES, _desk_values(desk_rows()))
    broken = xml.replace(b"</row>", b"</rov>", 3)
    path = minimal_xlsx(tmp_path / "broken.xlsx", {"Реестр": broken})
    errors = _refused(organization, importer, path)
    assert "повреждён" in errors[0] and "XML" in errors[0]


def test_registry_source_scan_is_per_sheet(tmp_path):
    path = minimal_xlsx(tmp_path / "two.xlsx", {"A": desk_sheet(["x"], [["1"]]), "B": desk_sheet(["y"], [["1"]] * 3)})
    source: RegistrySource = inspect_file(path, path.name, limits=import_limits())
    assert source.scan("A").rows == 2 and source.scan("B").rows == 4
