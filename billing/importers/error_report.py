"""All errors of a refused registry as an xlsx the accountant can filter and fix from."""

from __future__ import annotations

import io

from billing.importers.base import RowError


def errors_workbook(errors: list[RowError], *, total: int, source_name: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Ошибки")
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 36
    sheet.column_dimensions["D"].width = 100
    sheet.append([f"Реестр «{source_name}»: ошибок {total}"])
    if total > len(errors):
        sheet.append([f"Показаны первые {len(errors)} ошибок из {total}."])
    header = ["Строка", "Столбец", "Значение", "Ошибка"]
    sheet.append(header)
    for error in errors:
        # Values stay text: a long account number must not turn into 1.23E+19 here either.
        sheet.append(["" if error.row is None else error.row, error.column, error.value, error.message])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
