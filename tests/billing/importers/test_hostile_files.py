"""Broken and hostile files: each refused with a clear message, nothing saved."""

from __future__ import annotations

import os
import time
import zipfile

import pytest
from openpyxl import Workbook

from billing.importers.desk_columns import COLUMNS
from billing.importers.desk_template import write_desk_registry
from billing.models import Account, Batch, Property, Receipt
from billing.services.registry.write import registry_import
from tests.billing.importers.conftest import PERIOD, desk_rows

TITLES = [column.title for column in COLUMNS if column.key not in ("category",)]


def refused(organization, importer, path, name=None, period=PERIOD, format_code="auto"):
    outcome = registry_import(
        organization=organization,
        period=period,
        path=path,
        by=importer,
        source_name=name or path.name,
        format_code=format_code,
    )
    assert outcome.batch is None
    assert not outcome.result.ok and outcome.result.errors
    assert Batch.objects.count() == Receipt.objects.count() == Account.objects.count() == Property.objects.count() == 0
    return [str(error) for error in outcome.result.errors]


def _workbook(path, rows, *, merge=None):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    workbook.save(path)
    return path


def test_zero_bytes(organization, importer, tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"")
    assert "пустой" in refused(organization, importer, path)[0]


def test_random_bytes_named_xlsx(organization, importer, tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(os.urandom(4096))
    assert "двоичные данные" in refused(organization, importer, path)[0]


def test_csv_named_xlsx(organization, importer, tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_text("0001;г Москва;100,00;1026\n", encoding="cp1251")
    assert "внутри не книга Excel" in refused(organization, importer, path)[0]


def test_headers_without_rows(organization, importer, tmp_path):
    path = _workbook(tmp_path / "r.xlsx", [TITLES])
    assert "нет строк с данными" in refused(organization, importer, path)[0]


def test_wrong_and_missing_headers(organization, importer, tmp_path):
    titles = [title for title in TITLES if title != "ФИО"] + ["Примечание"]
    path = _workbook(tmp_path / "r.xlsx", [titles, ["x"] * len(titles)])
    errors = refused(organization, importer, path)
    assert "«ФИО»" in errors[0] and any("Примечание" in error and "неизвестный столбец" in error for error in errors)


def test_headers_are_matched_by_name_case_spaces_and_yo(organization, importer, tmp_path):
    rows = desk_rows()
    titles = ["  " + t.upper().replace("Ё", "Е") + " " for t in TITLES][::-1]
    values = [[row[column.key] for column in COLUMNS if column.key != "category"][::-1] for row in rows]
    path = _workbook(tmp_path / "r.xlsx", [titles, *values])
    outcome = registry_import(organization=organization, period=PERIOD, path=path, by=importer)
    assert outcome.result.errors == [] and outcome.batch.service_lines_count == len(rows)


def test_merged_header_cells(organization, importer, tmp_path):
    path = _workbook(tmp_path / "r.xlsx", [TITLES, ["x"] * len(TITLES)], merge="A1:B1")
    assert "объединённые ячейки" in refused(organization, importer, path)[0]


def test_formulas_without_cached_values(organization, importer, tmp_path):
    rows = desk_rows()
    values = [[row[column.key] for column in COLUMNS if column.key != "category"] for row in rows]
    values[0][TITLES.index("Итого к оплате")] = "=K2+L2"
    path = _workbook(tmp_path / "r.xlsx", [TITLES, *values])
    assert "формулы без сохранённых значений" in refused(organization, importer, path)[0]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("сто", "не число"),
        ("12.345", "больше двух знаков"),
        ("NaN", "NaN"),
        ("inf", "бесконечность"),
        ("-Infinity", "бесконечность"),
    ],
)
def test_bad_money(organization, importer, tmp_path, value, message):
    rows = desk_rows()
    rows[0]["penalty"] = value
    path = tmp_path / "r.xlsx"
    write_desk_registry(path, iter(rows))
    errors = refused(organization, importer, path)
    assert any(message in error and "строка 2" in error.lower() and "«Пени»" in error for error in errors)


def test_month_13_and_another_period(organization, importer, tmp_path):
    rows = desk_rows()
    rows[0]["period"] = "13.2026"
    for row in rows[1:]:
        row["period"] = "09.2026"
    path = tmp_path / "r.xlsx"
    write_desk_registry(path, iter(rows))
    errors = refused(organization, importer, path)
    assert errors[0].startswith("Столбец «Период», значение «09.2026") and "другой период" in errors[0]
    assert any("месяц 13" in error for error in errors)


def _sheet_xml(rows: int, dimension: bool) -> bytes:
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main">'
    )
    if dimension:
        head += b'<dimension ref="A1:A%d"/>' % rows
    body = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, rows + 1))
    return head + b"<sheetData>" + body + b"</sheetData></worksheet>"


def _xlsx(path, sheet_xml: bytes):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="Реестр" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


@pytest.mark.parametrize("dimension", [True, False])
def test_a_full_sheet_of_1048576_rows_is_refused_quickly_by_the_row_limit(organization, importer, tmp_path, dimension):
    path = _xlsx(tmp_path / "r.xlsx", _sheet_xml(1_048_576, dimension))
    started = time.monotonic()
    errors = refused(organization, importer, path)
    assert "больше 1000000 строк" in errors[0]
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("limit", [2 << 30, 64 << 20])
def test_an_archive_that_expands_hugely_is_refused_from_its_declared_sizes(
    organization, importer, tmp_path, settings, limit
):
    # 200 MB of whitespace packs into a few hundred KB: refused by the compression ratio or the total.
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = limit
    path = tmp_path / "bomb.xlsx"
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(200):
                member.write(chunk)
    assert path.stat().st_size < 2 << 20
    started = time.monotonic()
    errors = refused(organization, importer, path)
    assert "zip-бомб" in errors[0] and time.monotonic() - started < 2


def test_an_archive_lying_about_its_sizes_is_refused(organization, importer, tmp_path):
    path = _xlsx(tmp_path / "r.xlsx", _sheet_xml(2000, False))
    data = bytearray(path.read_bytes())
    # Patch the sheet's declared uncompressed size (central directory) down to a few bytes.
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    name = b"xl/worksheets/sheet1.xml"
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    local = info.header_offset
    data[local + 22 : local + 26] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    errors = refused(organization, importer, path)
    assert "больше заявленного" in errors[0] or "повреждён" in errors[0]


def test_text_file_in_a_wrong_encoding(organization, importer, tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes("0001;г Москва, ул Тверская, д 1, кв 5;100,00;1026\n".encode("koi8_r") * 5)
    assert "KOI8-R" in refused(organization, importer, path)[0]
    path.write_bytes("0001;г Москва;100,00;1026\n".encode("utf-16"))
    assert "двоичные данные" in refused(organization, importer, path)[0]


def test_text_file_cut_mid_line(organization, importer, tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes("0001;г Москва, д 1;100,00;1026\n0002;г Москва, д 2".encode("cp1251"))
    errors = refused(organization, importer, path, format_code="sber_minimal")
    assert any("обрезан" in error and "строка 2" in error.lower() for error in errors)


def test_account_numbers_are_text(organization, importer, tmp_path):
    rows = desk_rows()
    rows[0]["account"] = 12345.0
    rows[8]["account"] = "4.5E+09"
    path = tmp_path / "r.xlsx"
    write_desk_registry(path, iter(rows))
    errors = refused(organization, importer, path)
    assert any("записан числом" in error for error in errors)
    assert any("экспоненциальной" in error for error in errors)


def test_cross_row_rules(organization, importer, tmp_path):
    rows = desk_rows()
    rows[1]["service"] = rows[0]["service"]  # same (account, service) twice
    rows[9]["address"] = "г Москва, ул Другая, д 99"  # the second account's address changes mid-way
    rows[10]["unit_type"] = "Гараж"
    rows[11]["bank_account"] = "40702810000000012346"
    path = tmp_path / "r.xlsx"
    write_desk_registry(path, iter(rows))
    errors = refused(organization, importer, path)
    assert any("повторяется" in error and "строка 3" in error.lower() for error in errors)
    assert any("двум адресам" in error for error in errors)
    assert any("неизвестный тип помещения" in error for error in errors)
    assert any("контрольный ключ" in error for error in errors)
