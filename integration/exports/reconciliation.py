"""«Сверка с Condo»: the differences one reconciliation found, with its totals."""

from __future__ import annotations

from decimal import Decimal
from typing import IO

from billing.exports.writer import Column, SheetWriter, batch_figures, key_value_sheet, new_workbook
from billing.formatting import money_from_data
from integration.models import Reconciliation

KINDS = {
    "missing": "Нет в Condo",
    "extra": "Лишняя в Condo",
    "amount": "Сумма отличается",
    "file_missing": "Нет PDF в Condo",
}
COLUMNS = (
    Column("Расхождение", width=20),
    Column("Лицевой счёт", width=16),
    Column("importId", width=44),
    Column("Сумма в пакете", "money", 16),
    Column("Сумма в Condo", "money", 16),
    Column("Разница (Condo − пакет)", "money", 18),
)


def reconciliation_export(*, reconciliation: Reconciliation, out: IO[bytes]) -> int:
    """Write the differences of one reconciliation to `out`; returns the number of rows.

    Amounts are stored as decimal strings and written as exact numbers.
    """
    workbook = new_workbook()
    sheet = SheetWriter(workbook, "Расхождения", COLUMNS)
    for difference in reconciliation.differences:
        ours, theirs = money_from_data(difference.get("batch_to_pay")), money_from_data(difference.get("condo_to_pay"))
        delta = (theirs or Decimal("0")) - (ours or Decimal("0"))
        kind = difference.get("kind", "")
        sheet.append(
            [KINDS.get(kind, kind), difference.get("account"), difference.get("import_id"), ours, theirs, delta]
        )
    sheet.close()
    found = reconciliation.missing_in_condo + reconciliation.extra_in_condo + reconciliation.amount_differs
    figures = [
        *batch_figures(reconciliation.batch),
        ("Сверка выполнена", reconciliation.created_at, "datetime"),
        ("Расхождений нет", "да" if reconciliation.is_consistent else "нет", "text"),
        ("Квитанций пакета без отклонённых", reconciliation.batch_receipts, "int"),
        ("Квитанций в Condo", reconciliation.condo_receipts, "int"),
        ("Сумма пакета без отклонённых", reconciliation.batch_total, "money"),
        ("Сумма в Condo", reconciliation.condo_total, "money"),
        ("Нет в Condo", reconciliation.missing_in_condo, "int"),
        ("Лишние в Condo", reconciliation.extra_in_condo, "int"),
        ("Сумма отличается", reconciliation.amount_differs, "int"),
        ("PDF отправлено", reconciliation.files_expected, "int"),
        ("PDF в Condo", reconciliation.files_in_condo, "int"),
    ]
    if found > sheet.rows:
        # The reconciliation keeps a bounded sample of differences (DIFFERENCES_KEPT).
        figures.append((f"В файле первые {sheet.rows} расхождений из {found}", "", "text"))
    key_value_sheet(workbook, "Итоги", figures)
    workbook.save(out)
    return sheet.rows
