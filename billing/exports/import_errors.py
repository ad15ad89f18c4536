"""«Ошибки реестра»: every kept error of a refused registry upload, one per row."""

from __future__ import annotations

from typing import IO

from billing.exports.writer import Column, SheetWriter, key_value_sheet, new_workbook
from billing.models import RegistryUpload
from billing.services.registry.upload import upload_errors

COLUMNS = (
    Column("Строка", "int", 10),
    Column("Столбец", width=24),
    Column("Значение", width=36),
    Column("Ошибка", width=100),
)


def import_errors_export(*, upload: RegistryUpload, out: IO[bytes]) -> int:
    """Write all errors the upload kept (`errors_report`, not only the first 200) to `out`.

    Values stay text: a long account number must not turn into 1.23E+19 in Excel.
    """
    errors = upload_errors(upload=upload)
    workbook = new_workbook()
    sheet = SheetWriter(workbook, "Ошибки", COLUMNS)
    for error in errors:
        sheet.append([error.row, error.column, error.value, error.message])
    sheet.close()
    key_value_sheet(
        workbook,
        "Реестр",
        [
            ("Файл", upload.source_name, "text"),
            ("УК", str(upload.organization), "text"),
            ("Период", upload.period, "month"),
            ("Ошибок найдено", upload.errors_count, "int"),
            ("Ошибок в файле", len(errors), "int"),
            ("Проверен", upload.finished_at, "datetime"),
        ],
    )
    workbook.save(out)
    return sheet.rows
