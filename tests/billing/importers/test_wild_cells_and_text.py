"""Registries from the wild (issue 15), cell by cell: control characters refused with row and column, long or
odd values refused rather than silently changed, and the header spellings that import.

The hostile files are generated in tests/billing/importers/hostile.py."""

from __future__ import annotations

import pytest

from billing.models import Account
from billing.services.registry.write import registry_import
from tests.billing.importers.conftest import PERIOD, desk_rows
from tests.billing.importers.hostile import (
    desk_sheet,
    minimal_xlsx,
    sber_ascii_then_cyrillic,
    sber_nul_after_sample,
)
from tests.billing.importers.wild import KEYS, TITLES, _desk_values, _desk_with, _refused, _upload_final_state

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
