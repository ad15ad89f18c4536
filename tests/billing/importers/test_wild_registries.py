"""Issue 15: registries from the wild. Each hostile file is generated here (tests/billing/importers/hostile.py),
refused with its row and column (control characters: refused too, the decided rule), nothing saved, no
traceback; the admin upload of each ends in a final state with its file removed."""

from __future__ import annotations

import io
import resource
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from billing.importers.base import RegistrySource
from billing.importers.desk_columns import COLUMNS
from billing.importers.safety import inspect_file
from billing.models import Account, Batch, Property, Receipt, RegistryUpload
from billing.services.registry.parse import import_limits
from billing.services.registry.tasks import upload_parse
from billing.services.registry.upload import uploads_expire
from billing.services.registry.write import registry_import
from tests.billing.importers.conftest import PERIOD, desk_rows, upload_registry
from tests.billing.importers.hostile import (
    desk_sheet,
    lone_far_cell_xlsx,
    minimal_xlsx,
    repeated_ods,
    sber_ascii_then_cyrillic,
    sber_nul_after_sample,
)

TITLES = [column.title for column in COLUMNS if column.key not in ("category", "owner_type")]
KEYS = [column.key for column in COLUMNS if column.key not in ("category", "owner_type")]
MB = 1024  # ru_maxrss is in KiB on Linux


def _desk_values(rows):
    return [[row[key] if not hasattr(row[key], "as_tuple") else f"{row[key]}" for key in KEYS] for row in rows]


def _refused(organization, importer, path, **kwargs) -> list[str]:
    outcome = registry_import(organization=organization, period=PERIOD, path=path, by=importer, **kwargs)
    assert outcome.batch is None and not outcome.result.ok
    assert Batch.objects.count() == Receipt.objects.count() == Account.objects.count() == Property.objects.count() == 0
    return [str(error) for error in outcome.result.errors]


def _desk_with(tmp_path, key: str, value: object, row: int = 0, name: str = "r.xlsx"):
    rows = desk_rows()
    rows[row][key] = value
    values = _desk_values(rows)
    return minimal_xlsx(tmp_path / name, {"Реестр": desk_sheet(TITLES, values)})


def _upload_final_state(organization, importer, path) -> RegistryUpload:
    upload = upload_registry(path, organization=organization, by=importer)
    stored = upload.file.name
    assert upload_parse(upload_id=upload.pk) == "refused"
    upload.refresh_from_db()
    assert upload.status == RegistryUpload.Status.REFUSED and upload.file.name == ""
    assert not default_storage.exists(stored) and upload.errors
    return upload


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


# --- Control characters: refused with row and column, everywhere text enters --------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("г Москва_x0000_, ул Ленина", "<U+0000>"),
        ("г Москва\x01", "<U+0001>"),
        ("г Москва\x07", "<U+0007>"),
        ("г Москва\x1b[31m", "<U+001B>"),
        ("г Москва, ул \u202eанинеЛ", "<U+202E>"),
    ],
)
def test_control_characters_in_a_cell_are_refused_with_row_and_column(organization, importer, tmp_path, raw, shown):
    path = _desk_with(tmp_path, "address", raw, row=3)
    errors = _refused(organization, importer, path)
    assert any(
        error.startswith("Строка 5, столбец «Адрес»") and shown in error and "управляющий символ" in error
        for error in errors
    )
    upload = _upload_final_state(organization, importer, path)
    # The kept errors are storable (PostgreSQL refuses NUL in JSON) and the workbook opens.
    assert all("\x00" not in str(item) for item in upload.errors_report)


def test_a_nul_in_a_sber_file_after_the_sniffed_head_is_refused_by_line(organization, importer, tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(sber_nul_after_sample(1500))
    assert path.stat().st_size > 64 * 1024
    errors = _refused(organization, importer, path, format_code="sber_minimal")
    assert errors == [
        "Строка 1501, столбец «Адрес», значение «г Москва,<U+0000> ул Ленина»: недопустимый управляющий "
        "символ U+0000 (знак 10): такие символы не видны, но ломают адреса и выгрузки; удалите его из "
        "ячейки"
    ]
    _upload_final_state(organization, importer, path)


def test_a_control_character_in_a_header_name_is_shown_escaped(organization, importer, tmp_path):
    titles = [*TITLES[:-1], TITLES[-1] + "\x00"]
    path = minimal_xlsx(tmp_path / "r.xlsx", {"Реестр": desk_sheet(titles, _desk_values(desk_rows()))})
    outcome = registry_import(organization=organization, period=PERIOD, path=path, by=importer)
    # Header names compare without punctuation, so the column is still recognised; the NUL never enters.
    assert outcome.batch is not None and "\x00" not in outcome.batch.source_name


# --- Silent changes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("00123;" + "1" * 100 + ";5f3c9a52-8d1e-4c7b-9a0e-2b6f1d9e7c31,15;Иванов;г Москва;10.2026;10,00", "ЕЛС"),
        (
            "00123;1234567890;5f3c9a52-8d1e-4c7b-9a0e-2b6f1d9e7c31," + "1" * 100 + ";Иванов;г Москва;10.2026;10,00",
            "ФИАС,помещение",
        ),
    ],
)
def test_long_sber_fields_are_refused_not_cut(organization, importer, tmp_path, line, column):
    path = tmp_path / "r.txt"
    path.write_bytes((line + "\n").encode("cp1251"))
    errors = _refused(organization, importer, path, format_code="sber_2021")
    assert any(
        error.startswith(f"Строка 1, столбец «{column}»") and "допускается не больше" in error for error in errors
    )


def test_a_long_sber_service_name_is_refused_not_cut(organization, importer, tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(("0001;г Москва, д 1;10,00;1026;" + "У" * 300 + ";10,00\n").encode("cp1251"))
    errors = _refused(organization, importer, path, format_code="sber_services")
    assert any(error.startswith("Строка 1, столбец «Услуга 1»") and "300 знаков" in error for error in errors)


def test_encoding_is_decided_from_the_whole_file(organization, importer, tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(sber_ascii_then_cyrillic(8000))
    assert path.read_bytes()[: 256 * 1024].isascii()
    outcome = registry_import(
        organization=organization, period=PERIOD, path=path, by=importer, format_code="sber_minimal"
    )
    assert outcome.result.errors == []
    assert Account.objects.get(number="Б000001").property.address == "г Москва, ул Тверская, д 7, кв 1"


@pytest.mark.parametrize(
    ("key", "value", "column"),
    [
        ("penalty", "١٢٣", "Пени"),
        ("to_pay", "٣٤,٥٠", "Итого к оплате"),
        ("period", "١٠.٢٠٢٦", "Период"),
    ],
)
def test_only_ascii_digits_are_numbers(organization, importer, tmp_path, key, value, column):
    errors = _refused(organization, importer, _desk_with(tmp_path, key, value))
    assert any(error.startswith(f"Строка 2, столбец «{column}»") for error in errors)


def test_a_bad_value_in_the_first_lines_names_the_line_and_field_that_broke_the_layout(
    organization, importer, tmp_path
):
    path = tmp_path / "r.txt"
    path.write_bytes("0001;г Москва, д 1;100,00;1026\n0002;г Москва, д 2;сто;1026\n".encode("cp1251"))
    errors = _refused(organization, importer, path)
    assert "строка 2, поле 3 «Сумма», значение «сто»: не число" in errors[0]


# --- Unusual spellings that import ---------------------------------------------------------------


def test_header_spellings_with_punctuation_units_and_abbreviations_import(organization, importer, tmp_path):
    spelled = {
        "account": "№ л/с",
        "full_name": "Ф.И.О.",
        "to_pay": "Итого к оплате, руб.",
        "charge": "Начислено (руб.)",
        "bank_account": "Р/с",
        "measure": "Ед. изм.",
    }
    titles = [spelled.get(key, title) for key, title in zip(KEYS, TITLES)]
    rows = desk_rows()
    path = minimal_xlsx(tmp_path / "r.xlsx", {"Реестр": desk_sheet(titles, _desk_values(rows))})
    outcome = registry_import(organization=organization, period=PERIOD, path=path, by=importer)
    assert outcome.result.errors == [] and outcome.batch.service_lines_count == len(rows)
    for spelling in ("Ф. И. О.", "Л/с", "Лиц. счёт", "Сумма (руб.)"):
        titles = [
            {"full_name": "ФИО", "account": "Лицевой счёт", "to_pay": "Итого к оплате"}.get(k, t)
            for k, t in zip(KEYS, TITLES)
        ]
        key = {"Ф. И. О.": "full_name", "Л/с": "account", "Лиц. счёт": "account", "Сумма (руб.)": "to_pay"}[spelling]
        titles[KEYS.index(key)] = spelling
        path = minimal_xlsx(tmp_path / "s.xlsx", {"Реестр": desk_sheet(titles, _desk_values(rows))})
        from billing.services.registry.parse import registry_parse

        assert registry_parse(organization=organization, period=PERIOD, path=path, source_name="s.xlsx").ok, spelling


# --- The admin's errors.xlsx ---------------------------------------------------------------------


def test_errors_xlsx_writes_every_value_as_text_and_survives_control_characters(
    client, organization, importer, tmp_path
):
    rows = desk_rows()
    rows[0]["account"] = '=HYPERLINK("http://evil.example/","Открыть")'
    rows[1]["address"] = "г Москва\x07"
    path = minimal_xlsx(tmp_path / "r.xlsx", {"Реестр": desk_sheet(TITLES, _desk_values(rows))})
    upload = _upload_final_state(organization, importer, path)
    client.force_login(importer)
    response = client.get(reverse("admin:billing_batch_import_errors", args=[upload.token]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Ошибки"]
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)}
    formula = cells['=HYPERLINK("http://evil.example/","Открыть")']
    assert formula.data_type == "s"
    assert "г Москва<U+0007>" in cells


# --- Uploads end in a final state ----------------------------------------------------------------


def test_an_upload_whose_worker_died_ends_failed_with_its_file_removed(organization, importer, desk_file, settings):
    upload = upload_registry(desk_file, organization=organization, by=importer)
    stored = upload.file.name
    # The first attempt claimed the upload, then its worker was killed (say, out of memory).
    long_ago = timezone.now() - timedelta(seconds=settings.Q_CLUSTER["timeout"] + 60)
    RegistryUpload.objects.filter(pk=upload.pk).update(status=RegistryUpload.Status.PARSING, updated_at=long_ago)
    assert upload_parse(upload_id=upload.pk) == "failed"
    upload.refresh_from_db()
    assert upload.status == RegistryUpload.Status.FAILED and "прервалась" in upload.message
    assert upload.file.name == "" and not default_storage.exists(stored)


def test_a_running_check_delivered_twice_is_left_alone(organization, importer, desk_file):
    upload = upload_registry(desk_file, organization=organization, by=importer)
    RegistryUpload.objects.filter(pk=upload.pk).update(status=RegistryUpload.Status.PARSING)
    assert upload_parse(upload_id=upload.pk) == "skipped"
    assert RegistryUpload.objects.get(pk=upload.pk).status == RegistryUpload.Status.PARSING


def test_the_nightly_cleanup_fails_a_check_nobody_redelivered(organization, importer, desk_file, settings):
    upload = upload_registry(desk_file, organization=organization, by=importer)
    long_ago = timezone.now() - timedelta(seconds=2 * settings.Q_CLUSTER["retry"] + 60)
    RegistryUpload.objects.filter(pk=upload.pk).update(status=RegistryUpload.Status.PARSING, updated_at=long_ago)
    uploads_expire()
    upload.refresh_from_db()
    assert upload.status == RegistryUpload.Status.FAILED and upload.file.name == ""


# --- The command line: exit 1 with a row-level message, never a traceback ------------------------


@pytest.mark.parametrize("make", ["far", "number", "nul"])
def test_import_registry_exits_with_a_row_level_message(organization, importer, tmp_path, capsys, make):
    if make == "far":
        path = lone_far_cell_xlsx(tmp_path / "far.xlsx", "XFD1048576", TITLES)
        expected = "строке 1048576"
    elif make == "number":
        path, expected = _desk_with(tmp_path, "penalty", "1" * 30), "Строка 2, столбец «Пени»"
    else:
        path = tmp_path / "r.txt"
        path.write_bytes(sber_nul_after_sample(1500))
        expected = "Строка 1501, столбец «Адрес»"
    with pytest.raises(CommandError, match="отклонён"):
        call_command(
            "import_registry", str(path), organization=organization.tin, period="2026-10", user=importer.username
        )
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert Batch.objects.count() == 0


def test_registry_source_scan_is_per_sheet(tmp_path):
    path = minimal_xlsx(tmp_path / "two.xlsx", {"A": desk_sheet(["x"], [["1"]]), "B": desk_sheet(["y"], [["1"]] * 3)})
    source: RegistrySource = inspect_file(path, path.name, limits=import_limits())
    assert source.scan("A").rows == 2 and source.scan("B").rows == 4
