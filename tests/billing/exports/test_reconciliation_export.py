from __future__ import annotations

import io
from decimal import Decimal

import pytest

from billing.exports.writer import MONEY_FORMAT
from billing.models import Batch
from integration.exports.reconciliation import COLUMNS, reconciliation_export
from integration.models import Reconciliation
from integration.publishing.publisher import batch_publish
from integration.publishing.reconciliation import batch_reconcile
from tests.billing.exports.conftest import data_rows, exact, open_xlsx
from tests.factories import ReconciliationFactory, missing_in_condo
from tests.integration.publishing.builders import batch_with_receipts, condo_disagrees

pytestmark = pytest.mark.django_db


def _export(reconciliation: Reconciliation) -> bytes:
    out = io.BytesIO()
    reconciliation_export(reconciliation=reconciliation, out=out)
    return out.getvalue()


def test_the_differences_a_real_reconciliation_found_are_listed_with_amounts(condo_sandbox, condo_client):
    batch = batch_with_receipts(receipts=5)
    assert batch_publish(batch_id=batch.pk).status == Batch.Status.PUBLISHED
    receipts = condo_disagrees(condo_client, batch, amount=Decimal("1000.07"))
    reconciliation = batch_reconcile(batch=Batch.objects.get(pk=batch.pk))

    workbook = open_xlsx(
        _export(Reconciliation.objects.select_related("batch__organization").get(pk=reconciliation.pk))
    )
    sheet = workbook["Расхождения"]
    assert [cell.value for cell in sheet[1]] == [column.header for column in COLUMNS]
    rows = {row[0]: row for row in data_rows(sheet)}
    assert set(rows) == {"Нет в Condo", "Лишняя в Condo", "Сумма отличается"}
    assert rows["Нет в Condo"][1:3] == (receipts[0].account.number, receipts[0].import_id)
    assert (exact(rows["Нет в Condo"][3]), rows["Нет в Condo"][4]) == (Decimal("1000.00"), None)
    differs = rows["Сумма отличается"]
    assert [exact(value) for value in differs[3:6]] == [Decimal("1000.00"), Decimal("1000.07"), Decimal("0.07")]
    assert exact(rows["Лишняя в Condo"][5]) == Decimal("1000.00")
    differs_at = next(row for row in range(2, 5) if sheet.cell(row=row, column=1).value == "Сумма отличается")
    assert {sheet.cell(row=differs_at, column=n).number_format for n in (4, 5, 6)} == {MONEY_FORMAT}
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:F4"

    figures = dict(data_rows(workbook["Итоги"]))
    assert figures["Расхождений нет"] == "нет"
    assert (figures["Нет в Condo"], figures["Лишние в Condo"], figures["Сумма отличается"]) == (1, 1, 1)
    assert exact(figures["Сумма пакета без отклонённых"]) == reconciliation.batch_total
    assert (figures["PDF отправлено"], figures["PDF в Condo"]) == (0, 0)


def test_a_truncated_sample_says_how_many_differences_there_were(db):
    batch = batch_with_receipts(receipts=1)
    reconciliation = ReconciliationFactory(
        batch=batch,
        condo_receipts=0,
        missing_in_condo=7000,
        batch_total=Decimal("1000.00"),
        condo_total=Decimal("0.00"),
        differences=[missing_in_condo(f"id-{n}", f"{n:08d}", "0.10") for n in range(3)]
        + [
            {
                "kind": "file_missing",
                "import_id": "id-pdf",
                "account": "7",
                "batch_to_pay": "5.00",
                "condo_to_pay": "5.00",
            }
        ],
    )
    workbook = open_xlsx(_export(reconciliation))
    rows = data_rows(workbook["Расхождения"])
    assert len(rows) == 4 and sum(exact(row[3]) for row in rows) == Decimal("5.30")
    assert rows[-1][0] == "Нет PDF в Condo" and exact(rows[-1][5]) == 0
    assert workbook["Расхождения"].cell(row=2, column=4).number_format == MONEY_FORMAT
    labels = [row[0] for row in data_rows(workbook["Итоги"])]
    assert "В файле первые 4 расхождений из 7000" in labels
