"""The check's workbook: one sheet per kind of finding, written row by row as the check finds them.

openpyxl's write-only sheets each spool to their own temporary file, so rows of four sheets can
be appended in any order with flat memory. Every value from a registry or from Condo is written
as a text cell (billing.exports.writer keeps "=…" a string, never a formula).
"""

from __future__ import annotations

from typing import IO, Any

from billing.exports.writer import Column, SheetWriter, batch_figures, key_value_sheet, new_workbook
from billing.models import Account, BatchCheck
from billing.services.checks import CheckOutcome

UNIT_TYPES = dict(Account.UnitType.choices)
FIELDS = {"address": "Адрес дома", "unit_name": "Помещение", "unit_type": "Тип помещения"}


def _sheet(title: str, *columns: tuple[str, int]) -> tuple[str, tuple[Column, ...]]:
    """A sheet of findings: every one starts with the account."""
    return title, (Column("Лицевой счёт", width=16), *(Column(name, width=width) for name, width in columns))


_SHEETS = {
    "problems": _sheet("Нарушения правил", ("importId", 40), ("Код", 28), ("Что не так", 90)),
    "new": _sheet("Новые для Condo", ("Адрес", 60), ("Помещение", 12), ("Тип помещения", 18)),
    "missing": _sheet(
        "Исчезли из реестра", ("Адрес в Condo", 60), ("Помещение в Condo", 14), ("Тип помещения в Condo", 18)
    ),
    "changed": _sheet("Адрес или помещение", ("Что отличается", 18), ("В реестре", 60), ("В Condo", 60)),
}


class CheckWorkbook:
    """A FindingSink that writes each finding as it comes; `save` adds the totals sheet."""

    def __init__(self) -> None:
        self.workbook = new_workbook()
        self.sheets = {kind: SheetWriter(self.workbook, title, columns) for kind, (title, columns) in _SHEETS.items()}

    def write(self, kind: str, item: dict[str, Any]) -> None:
        sheet = self.sheets[kind]
        if kind == "problems":
            sheet.append([item["account"], item["import_id"], item["code"], item["message"]])
        elif kind == "changed":
            for field, label in FIELDS.items():
                if field in item:
                    registry, condo = item[field]["registry"], item[field]["condo"]
                    if field == "unit_type":
                        registry, condo = UNIT_TYPES.get(registry, registry), UNIT_TYPES.get(condo, condo)
                    sheet.append([item["account"], label, registry, condo])
        else:
            sheet.append(
                [
                    item["account"],
                    item["address"],
                    item["unit_name"],
                    UNIT_TYPES.get(item["unit_type"], item["unit_type"]),
                ]
            )

    def save(self, *, check: BatchCheck, outcome: CheckOutcome, out: IO[bytes]) -> None:
        for sheet in self.sheets.values():
            sheet.close()
        figures = [
            *batch_figures(check.batch),
            ("Квитанций проверено", outcome.receipts_checked, "int"),
            ("Нарушений правил Condo", outcome.problems_count, "int"),
            ("Квитанций с нарушениями", outcome.receipts_with_problems, "int"),
            ("Мешает утверждению", "да" if outcome.problems_count else "нет", "text"),
            ("Сверено с данными Condo", "да" if outcome.condo_checked else f"нет: {outcome.condo_error}", "text"),
            ("Лицевых счетов в Condo", outcome.condo_accounts, "int"),
            ("Квитанций в Condo за прошлый месяц", outcome.previous_receipts, "int"),
            ("Новых для Condo счетов", outcome.accounts_new, "int"),
            ("Исчезли из реестра", outcome.accounts_missing, "int"),
            ("Другой адрес или помещение", outcome.accounts_changed, "int"),
        ]
        key_value_sheet(self.workbook, "Итоги", figures)
        self.workbook.save(out)
