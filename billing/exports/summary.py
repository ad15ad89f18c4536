"""«Сводка за месяц»: per management company, what the month's batch holds and what Condo took."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import IO

from billing.exports.writer import Column, SheetWriter, key_value_sheet, new_workbook
from billing.models import Organization
from billing.selectors.summary import monthly_summary

COLUMNS = (
    Column("УК", width=34),
    Column("ИНН", width=14),
    Column("Пакет", "int", 8),
    Column("Статус", width=20),
    Column("Пакетов за месяц", "int", 10),
    Column("Квитанций", "int", 12),
    Column("Итого к оплате", "money", 18),
    Column("Принято", "int", 12),
    Column("Отклонено", "int", 12),
    Column("Отозвано", "int", 12),
    Column("Ожидает отправки", "int", 12),
    Column("Последняя публикация", "datetime", 20),
)


def summary_export(*, period: date, out: IO[bytes], organization: Organization | None = None) -> int:
    """Write the summary of `period` (first day of a month) to `out`; returns the number of rows."""
    rows = monthly_summary(period=period, organization=organization)
    workbook = new_workbook()
    sheet = SheetWriter(workbook, f"Сводка {period:%m.%Y}", COLUMNS)
    for row in rows:
        batch = row.batch
        sheet.append(
            [
                row.organization.name,
                row.organization.tin,
                batch.pk if batch else None,
                batch.get_status_display() if batch else "нет пакета",
                row.batches,
                row.receipts,
                row.to_pay,
                row.accepted,
                row.rejected,
                row.withdrawn,
                row.pending,
                row.last_published_at,
            ]
        )
    sheet.close()
    key_value_sheet(
        workbook,
        "Итоги",
        [
            ("Период", period, "month"),
            ("Управляющих компаний", len(rows), "int"),
            ("С пакетом за месяц", sum(1 for row in rows if row.batch), "int"),
            ("Квитанций", sum(row.receipts for row in rows), "int"),
            ("Итого к оплате", sum((row.to_pay for row in rows), Decimal("0.00")), "money"),
            ("Принято Condo", sum(row.accepted for row in rows), "int"),
            ("Отклонено Condo", sum(row.rejected for row in rows), "int"),
            ("Отозвано", sum(row.withdrawn for row in rows), "int"),
        ],
    )
    workbook.save(out)
    return sheet.rows
