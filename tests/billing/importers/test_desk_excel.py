from __future__ import annotations

from billing.importers.desk_template import write_desk_registry
from billing.models import Account, Batch, Receipt, ServiceLine
from billing.services.registry.parse import registry_parse
from billing.services.registry.write import registry_import
from tests.billing.importers.conftest import PERIOD, desk_rows


def test_a_clean_desk_file_becomes_a_draft_batch(organization, importer, desk_file):
    outcome = registry_import(organization=organization, period=PERIOD, path=desk_file, by=importer)
    assert outcome.result.errors == []
    batch = outcome.batch
    assert batch.status == Batch.Status.DRAFT
    rows = desk_rows()
    assert batch.receipts_count == Receipt.objects.filter(batch=batch).count() == 6  # 3 housing + 3 capital repair
    assert batch.service_lines_count == ServiceLine.objects.filter(receipt__batch=batch).count() == len(rows)
    assert batch.total_to_pay == sum(row["to_pay"] for row in rows)
    # The batch's total to pay (the one figure pages and exports show) is its receipts' sum.
    assert batch.total_to_pay == sum(Receipt.objects.filter(batch=batch).values_list("to_pay", flat=True))
    assert Account.objects.filter(organization=organization).count() == 3
    assert batch.source_file.name.startswith("registries/") and batch.source_name == "реестр.xlsx"
    receipt = Receipt.objects.filter(batch=batch, category="housing").first()
    lines = list(receipt.service_lines.all())
    assert receipt.to_pay == sum(line.to_pay for line in lines)
    assert receipt.charge == sum(line.charge for line in lines)
    assert receipt.import_id == f"{organization.tin}:2026-10:{receipt.account.number}:housing"


def test_every_error_is_kept_with_row_column_and_value(organization, tmp_path):
    rows = desk_rows()
    rows[1]["to_pay"] = "сто рублей"
    rows[2]["charge"] = "12.345"
    rows[3]["account"] = 1234567
    path = tmp_path / "bad.xlsx"
    write_desk_registry(path, iter(rows))
    result = registry_parse(organization=organization, period=PERIOD, path=path, source_name="bad.xlsx")
    found = {(e.row, e.column, e.value) for e in result.errors}
    assert (3, "Итого к оплате", "сто рублей") in found
    assert (4, "Начислено", "12.345") in found
    assert (5, "Лицевой счёт", "1234567") in found
    assert result.receipts == []


def test_a_number_cell_reads_as_its_own_text_whatever_cell_came_before(organization, tmp_path):
    """1, 1.0 and TRUE are one key to a dict: the fast path's memo of clean texts once gave
    the unit «1» of a later account as «True», where the careful check reads «1»."""
    rows = desk_rows(accounts=3)
    units = dict(zip(dict.fromkeys(row["account"] for row in rows), (True, 1, 1.0), strict=True))
    for row in rows:
        row["unit_name"] = units[row["account"]]
    path = tmp_path / "units.xlsx"
    write_desk_registry(path, iter(rows))
    result = registry_parse(organization=organization, period=PERIOD, path=path, source_name="units.xlsx")
    assert result.errors == []
    assert [account.unit_name for account in result.accounts.values()] == ["True", "1", "1"]
