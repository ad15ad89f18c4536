from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.models import Account, Batch, Property, Receipt, SberColumnMap, ServiceLine
from billing.services.registry.parse import registry_parse
from billing.services.registry.write import registry_import
from tests.billing.importers.conftest import PERIOD, RECIPIENT, gis_workbook

# The rows of condo's public mock registry (FORMATS.md §2.3c), with its comment lines.
CHECK = "TEST1;Some street,12,1;294,55;0622\nTEST2;Some street,12,2;-1872,61;0622\nTEST3;Some street,12,3;4231,93;0622"
WITH_COMMENTS = "# Number of records: 3\n# Total amount: random number\n\n" + CHECK + "\n\n# Records: 3"
JUNE_2022 = date(2022, 6, 1)


def _text(tmp_path, content: str, encoding="cp1251", name="1234567890_40702810012345678912_001_0622.txt"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return path


@pytest.mark.parametrize("content", [CHECK, WITH_COMMENTS])
def test_minimal_sber_registry_is_recognised_and_imported(organization, importer, tmp_path, content):
    outcome = registry_import(organization=organization, period=JUNE_2022, path=_text(tmp_path, content), by=importer)
    assert outcome.result.errors == []
    assert outcome.result.format_code == "sber_minimal"
    batch = outcome.batch
    assert batch.receipts_count == 3 and batch.service_lines_count == 0
    assert batch.total_to_pay == Decimal("294.55") - Decimal("1872.61") + Decimal("4231.93")
    negative = Receipt.objects.get(batch=batch, account__number="TEST2")
    assert negative.to_pay == Decimal("-1872.61")
    assert (negative.recipient.tin, negative.recipient.bic, negative.recipient.bank_account) == RECIPIENT


def test_filesum_is_checked(organization, importer, tmp_path):
    good = _text(tmp_path, "#FILESUM 2653,87\n" + CHECK)
    assert registry_parse(organization=organization, period=JUNE_2022, path=good, source_name=good.name).ok
    bad = _text(tmp_path, "#FILESUM 2653.88\n" + CHECK, name="b.txt")
    result = registry_parse(organization=organization, period=JUNE_2022, path=bad, source_name=bad.name)
    assert any("контрольная сумма" in str(error) and error.row == 1 for error in result.errors)


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8", "cp866"])
def test_sber_2021_line_in_every_recognised_encoding(organization, importer, tmp_path, encoding):
    content = (
        "00123;1234567890;5f3c9a52-8d1e-4c7b-9a0e-2b6f1d9e7c31,15;Иванов Иван Иванович;г Москва, ул Тверская, д 7;"
        "10.2026;1 259,53\n"
        "00124;;5f3c9a52-8d1e-4c7b-9a0e-2b6f1d9e7c31,16;Петрова Анна;г Москва, ул Тверская, д 7;10.2026;-10.00\n"
    )
    outcome = registry_import(
        organization=organization, period=PERIOD, path=_text(tmp_path, content, encoding, "r.txt"), by=importer
    )
    assert outcome.result.errors == [] and outcome.result.format_code == "sber_2021"
    account = Account.objects.get(number="00123")
    assert (account.unit_name, account.full_name, account.els) == ("15", "Иванов Иван Иванович", "1234567890")
    assert Property.objects.get(address="г Москва, ул Тверская, д 7").fias_id == "5f3c9a52-8d1e-4c7b-9a0e-2b6f1d9e7c31"
    assert outcome.batch.total_to_pay == Decimal("1249.53")


def test_services_pairs_must_add_up_to_the_total(organization, importer, tmp_path):
    content = "A1;г Москва, д 1;1026;8640,02;Отопление;8240,02;Газ;400\nA2;г Москва, д 2;1026;100;Газ;99,00\n"
    result = registry_parse(
        organization=organization, period=PERIOD, path=_text(tmp_path, content, name="s.txt"), source_name="s.txt"
    )
    assert result.format_code == "sber_services"
    assert [(e.row, e.column) for e in result.errors] == [(2, "Итого к оплате")]
    fixed = _text(tmp_path, content.replace("100;Газ", "99;Газ"), name="f.txt")
    outcome = registry_import(organization=organization, period=PERIOD, path=fixed, by=importer)
    assert outcome.batch.service_lines_count == 3
    assert set(ServiceLine.objects.values_list("name", flat=True)) == {"Отопление", "Газ"}


def test_an_organizations_own_column_map_is_used(organization, importer, tmp_path):
    SberColumnMap.objects.create(
        organization=organization, name="8_2", account_column=3, address_column=2, full_name_column=1, to_pay_column=4
    )
    content = "Иванов И.И.;г Москва, д 1;ЛС-1;100,50\nПетров П.П.;г Москва, д 2;ЛС-2;200\n"
    outcome = registry_import(organization=organization, period=JUNE_2022, path=_text(tmp_path, content), by=importer)
    assert outcome.result.errors == [] and outcome.result.format_code.startswith("sber_map_")
    assert outcome.batch.period == JUNE_2022  # no period column: the _ММГГ of the file name
    assert Account.objects.get(number="ЛС-1").full_name == "Иванов И.И."


def test_sber_without_a_default_recipient_is_refused(organization, importer, tmp_path):
    organization.default_recipient = None
    organization.save()
    result = registry_parse(
        organization=organization, period=JUNE_2022, path=_text(tmp_path, CHECK), source_name="x.txt"
    )
    assert any("получатель по умолчанию" in str(error) for error in result.errors)


def test_gis_payment_documents_find_accounts_by_els(organization, importer, tmp_path):
    house = Property.objects.create(organization=organization, address="г Москва, ул Ленина, д 3")
    Account.objects.create(organization=organization, property=house, number="ЛС-77", els="1234567890", unit_name="9")
    outcome = registry_import(
        organization=organization, period=PERIOD, path=gis_workbook(tmp_path / "pd.xlsx"), by=importer
    )
    assert outcome.result.errors == [] and outcome.result.format_code == "gis_pd"
    housing = Receipt.objects.get(category="housing")
    assert housing.account.number == "ЛС-77"
    assert (housing.to_pay, housing.charge, housing.paid, housing.balance) == (
        Decimal("1500.40"),
        Decimal("1500.40"),
        Decimal("100.00"),
        Decimal("100.00"),
    )
    assert Receipt.objects.get(category="capital_repair").to_pay == Decimal("300.00")


def test_gis_document_of_an_unknown_account_is_an_error(organization, tmp_path):
    result = registry_parse(
        organization=organization, period=PERIOD, path=gis_workbook(tmp_path / "pd.xlsx"), source_name="pd.xlsx"
    )
    assert any("идентификатор ЖКУ не найден" in str(error) for error in result.errors)
    assert Batch.objects.count() == 0
