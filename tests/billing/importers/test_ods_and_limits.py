from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

from billing.importers.desk_columns import COLUMNS
from billing.models import Batch
from billing.services.registry.write import registry_import
from tests.billing.importers.conftest import PERIOD, desk_rows
from tests.billing.importers.hostile import ods_package

KEYS = [column.key for column in COLUMNS if column.key != "category"]


def _ods(path, rows):
    """A minimal OpenDocument spreadsheet, as LibreOffice would save the desk template."""

    def cell(value):
        if isinstance(value, Decimal):
            return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="Реестр">{body}</table:table></office:spreadsheet>'
        "</office:body></office:document-content>"
    )
    return ods_package(path, content)


def _table():
    rows = desk_rows()
    return [
        [column.title for column in COLUMNS if column.key != "category"],
        *[[row[key] for key in KEYS] for row in rows],
    ]


def test_the_desk_template_saved_as_ods_imports(organization, importer, tmp_path):
    outcome = registry_import(
        organization=organization, period=PERIOD, path=_ods(tmp_path / "r.ods", _table()), by=importer
    )
    assert outcome.result.errors == []
    assert outcome.batch.service_lines_count == len(desk_rows())


def test_the_row_limit_applies_to_ods_too(organization, importer, tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 5
    outcome = registry_import(
        organization=organization, period=PERIOD, path=_ods(tmp_path / "r.ods", _table()), by=importer
    )
    assert outcome.batch is None and "больше 5 строк" in str(outcome.result.errors[0])
    assert Batch.objects.count() == 0


def test_big_sheets_stream_through_openpyxl_with_the_same_result(organization, importer, desk_file, settings):
    from billing.services.registry.parse import registry_parse

    calamine = registry_parse(organization=organization, period=PERIOD, path=desk_file, source_name="r.xlsx")
    settings.IMPORT_CALAMINE_MAX_ROWS = 5  # the desk file has 25 rows: above the threshold, it streams
    streamed = registry_parse(organization=organization, period=PERIOD, path=desk_file, source_name="r.xlsx")
    assert streamed.errors == [] and streamed.summary() == calamine.summary()
    assert [r.amounts for r in streamed.receipts] == [r.amounts for r in calamine.receipts]


def test_a_streamed_sheet_reads_its_shared_strings_from_disk_exactly_as_openpyxl_keeps_them(tmp_path):
    from openpyxl import Workbook, load_workbook

    from billing.importers.base import RegistrySource
    from billing.importers.workbook import _openpyxl_rows

    path = tmp_path / "strings.xlsx"
    book = Workbook()
    sheet = book.active
    values = ["Иванов", "ул Тверская, д 7", "  пробелы  ", "_x005F_x0041_", "€ 😀", "", "Иванов"]
    for number, value in enumerate(values, start=1):
        sheet.append([value, number, f"{value}-{number % 2}"])
    book.save(path)
    expected = [list(row) for row in load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True)]

    source = RegistrySource(path=path, name=path.name, kind="xlsx")
    assert [values for _, values in _openpyxl_rows(source, 0)] == expected
