"""Issue 14 in the importers: the owner type column, and one bank account, one recipient (CONTRACT.md 13.8)."""

from __future__ import annotations

from datetime import date

import pytest

from billing.importers.desk_template import write_desk_registry
from billing.importers.requisites import bank_account_with_key
from billing.models import Batch, Receipt, Recipient
from billing.services.registry.parse import registry_parse
from billing.services.registry.write import registry_import
from tests.billing.importers.conftest import PERIOD, RECIPIENT, desk_rows, gis_workbook
from tests.factories import BatchFactory, ReceiptFactory

OTHER_TIN = "7736207543"  # a valid TIN that is not RECIPIENT's
OTHER_BIC = "044525974"
OTHER_ACCOUNT = bank_account_with_key("40702810000000099999", RECIPIENT[1])


def _parse(organization, tmp_path, rows, name="r.xlsx"):
    path = tmp_path / name
    write_desk_registry(path, iter(rows))
    return registry_parse(organization=organization, period=PERIOD, path=path, source_name=name)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("физ", "person"),
        ("Физическое лицо", "person"),
        ("person", "person"),
        ("юр.", "company"),
        ("Юридическое лицо", "company"),
        ("company", "company"),
        ("", ""),
    ],
)
def test_owner_type_column_reaches_the_account_draft(organization, tmp_path, value, expected):
    rows = desk_rows(owner_type=value)
    result = _parse(organization, tmp_path, rows)
    assert result.errors == []
    assert {draft.owner_type for draft in result.accounts.values()} == {expected}


def test_an_unknown_owner_type_is_a_row_and_column_error(organization, tmp_path):
    rows = desk_rows()
    rows[2]["owner_type"] = "ИП"
    result = _parse(organization, tmp_path, rows)
    assert [(error.row, error.column, error.value) for error in result.errors] == [(4, "Тип владельца", "ИП")]


def test_without_the_column_the_owner_type_is_unknown(organization, tmp_path, desk_file):
    result = registry_parse(organization=organization, period=PERIOD, path=desk_file, source_name="r.xlsx")
    assert result.ok and {draft.owner_type for draft in result.accounts.values()} == {""}


def test_one_bank_account_with_two_tins_in_one_registry_is_refused(organization, tmp_path):
    rows = desk_rows()
    for row in rows[8:]:  # the second and third accounts
        row.update(recipient_tin=OTHER_TIN, bank_account=OTHER_ACCOUNT)
    rows[20]["recipient_tin"] = RECIPIENT[0]
    result = _parse(organization, tmp_path, rows)
    messages = [str(error) for error in result.errors]
    assert messages and messages[0].startswith(f"Строка 22, столбец «ИНН получателя», значение «{RECIPIENT[0]}»")
    assert f"в строке 10 указан с другим ИНН {OTHER_TIN}" in messages[0]
    assert not result.receipts


def test_the_default_recipients_bank_account_with_another_tin_is_refused(organization, tmp_path):
    rows = desk_rows()
    rows[3]["recipient_tin"] = OTHER_TIN  # the default recipient's bank account and BIC
    result = _parse(organization, tmp_path, rows)
    error = result.errors[0]  # and the receipt's own rows disagree: «в одной квитанции получатель один»
    assert (error.row, error.column, error.value) == (5, "ИНН получателя", OTHER_TIN)
    assert "в карточке организации (получатель по умолчанию)" in error.message


def test_a_bank_account_held_by_this_organizations_recipient_with_another_tin_is_refused(
    organization, importer, tmp_path
):
    held = Recipient.objects.create(name="ООО «Прежний»", tin=OTHER_TIN, bic=RECIPIENT[1], bank_account=OTHER_ACCOUNT)
    ReceiptFactory(batch=BatchFactory(organization=organization, period=date(2026, 9, 1)), recipient=held)
    rows = desk_rows()
    for row in rows[8:]:
        row.update(bank_account=OTHER_ACCOUNT)  # with RECIPIENT's TIN
    before = Batch.objects.count()
    path = tmp_path / "r.xlsx"
    write_desk_registry(path, iter(rows))
    outcome = registry_import(organization=organization, period=PERIOD, path=path, by=importer)
    assert outcome.batch is None and Batch.objects.count() == before
    [error] = outcome.result.errors
    assert (error.row, error.column, error.value) == (10, "ИНН получателя", RECIPIENT[0])
    assert "уже принадлежит получателю «ООО «Прежний»»" in error.message and OTHER_TIN in error.message


def test_another_organizations_recipient_is_not_compared(organization, tmp_path):
    # Condo keeps recipients per organization's billing context (CONTRACT.md 13.8): another context's
    # recipient with the same bank account flips nothing here.
    held = Recipient.objects.create(name="Чужой", tin=OTHER_TIN, bic=RECIPIENT[1], bank_account=OTHER_ACCOUNT)
    ReceiptFactory(recipient=held)
    rows = desk_rows()
    for row in rows[8:]:
        row.update(bank_account=OTHER_ACCOUNT)
    assert _parse(organization, tmp_path, rows).ok


def test_gis_takes_a_bank_accounts_tin_from_its_recipient_not_the_organizations(organization, importer, tmp_path):
    from openpyxl import load_workbook

    from billing.models import Account, Property

    held = Recipient.objects.create(name="Капремонт", tin=OTHER_TIN, bic=RECIPIENT[1], bank_account=OTHER_ACCOUNT)
    ReceiptFactory(batch=BatchFactory(organization=organization, period=date(2026, 9, 1)), recipient=held)
    house = Property.objects.create(organization=organization, address="г Москва, ул Ленина, д 3")
    Account.objects.create(organization=organization, property=house, number="ЛС-77", els="1234567890", unit_name="9")
    path = gis_workbook(tmp_path / "pd.xlsx")
    workbook = load_workbook(path)
    workbook["Разделы 1-2"]["R4"] = OTHER_ACCOUNT
    workbook.save(path)
    outcome = registry_import(organization=organization, period=PERIOD, path=path, by=importer)
    assert outcome.result.errors == []
    tins = set(Receipt.objects.filter(batch=outcome.batch).values_list("recipient__tin", flat=True))
    assert tins == {OTHER_TIN}


def test_the_description_sheet_documents_owner_type_and_header_spellings():
    from io import BytesIO

    from openpyxl import load_workbook

    from billing.importers.desk_template import desk_template_bytes

    sheet = load_workbook(BytesIO(desk_template_bytes(example=False)))["Описание"]
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert rows["Столбец"][4] == "Другие написания заголовка"
    assert "«физ»" in rows["Тип владельца"][2] and "«юр»" in rows["Тип владельца"][2]
    assert "«№ л/с»" in rows["Лицевой счёт"][4] and "«Ф. И. О.»" in rows["ФИО"][4]
    assert any(str(name).startswith("Названия столбцов сравниваются") for name in rows)
