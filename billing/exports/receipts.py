"""«Квитанции пакета»: every receipt of the chosen batches with its publishing outcome."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from billing.amounts import AMOUNT_FIELDS
from billing.errors import ApplicationError
from billing.exports.writer import CHUNK_SIZE, EXCEL_MAX_ROWS, Column, SheetWriter, key_value_sheet, new_workbook
from billing.models import Batch, Receipt
from billing.plurals import counted
from billing.selectors.batches import batch_condo_warning_counts

COLUMNS = (
    Column("Пакет", "int", 8),
    Column("УК", width=30),
    Column("Период", "month", 10),
    Column("Лицевой счёт", width=16),
    Column("Адрес", width=40),
    Column("Помещение", width=10),
    Column("ФИО / наименование", width=28),
    Column("Категория", width=14),
    # The amounts in billing.amounts.AMOUNT_FIELDS' order: the columns add up left to right.
    Column("Долг на начало", "money"),
    Column("Начислено", "money"),
    Column("Перерасчёт", "money"),
    Column("Льготы", "money"),
    Column("Пени", "money"),
    Column("Оплачено", "money"),
    Column("Итого к оплате", "money", 16),
    Column("Результат публикации", width=18),
    Column("Код ошибки", width=18),
    Column("Ошибка", width=60),
    Column("Предупреждение Condo", width=24),
    Column("Что сделать", width=60),
    Column("ID в Condo", width=38),
    Column("Принята", "datetime", 19),
    Column("importId", width=44),
)
_FIELDS = (
    "batch_id",
    "organization__name",
    "period",
    "account_number",
    "address",
    "unit_name",
    "payer_name",
    "category",
    *AMOUNT_FIELDS,
    "publish_state",
    "error_code",
    "error_message",
    "condo_warning",
    "condo_warning_message",
    "condo_id",
    "published_at",
    "import_id",
)
_CATEGORY = dict(Receipt.Category.choices)
_STATE = dict(Receipt.PublishState.choices)
_WARNING = dict(Receipt.CondoWarning.choices)
_CATEGORY_AT, _STATE_AT, _WARNING_AT = (
    _FIELDS.index("category"),
    _FIELDS.index("publish_state"),
    _FIELDS.index("condo_warning"),
)


def receipts_export(*, batches: Iterable[Batch], out: IO[bytes]) -> int:
    """Write the receipts of `batches` (in registry order) to `out`; returns the number of rows.

    Rows are read with a server-side iterator in chunks: 100,000 receipts never sit in memory.
    """
    batches = list(Batch.objects.select_related("organization").filter(pk__in=[b.pk for b in batches]).order_by("pk"))
    receipts_export_check(batches)
    workbook = new_workbook()
    sheet = SheetWriter(workbook, "Квитанции", COLUMNS)
    rows = (
        Receipt.objects.filter(batch__in=[batch.pk for batch in batches])
        .order_by("batch_id", "id")
        .values_list(*_FIELDS)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for row in rows:
        row = list(row)
        row[_CATEGORY_AT] = _CATEGORY.get(row[_CATEGORY_AT], row[_CATEGORY_AT])
        row[_STATE_AT] = _STATE.get(row[_STATE_AT], row[_STATE_AT])
        row[_WARNING_AT] = _WARNING.get(row[_WARNING_AT], row[_WARNING_AT])
        sheet.append(row)
    sheet.close()
    key_value_sheet(workbook, "Пакеты", _batch_figures(batches))
    workbook.save(out)
    return sheet.rows


def receipts_export_check(batches: Iterable[Batch]) -> None:
    """Refuse at once what one Excel sheet cannot hold."""
    total = sum(batch.receipts_count for batch in batches)
    if total >= EXCEL_MAX_ROWS:
        raise ApplicationError(
            f"В выбранных пакетах {counted(total, 'receipt')}, а на листе Excel помещается не больше {EXCEL_MAX_ROWS - 1}. "
            "Выберите меньше пакетов."
        )


def _batch_figures(batches: list[Batch]):
    # The batch row's counters are kept in the same transaction as the receipts' outcomes;
    # Condo's warnings are counted from the receipts (one query, on a partial index).
    warnings = batch_condo_warning_counts(batch_ids=[batch.pk for batch in batches])
    for batch in batches:
        prefix = f"Пакет №{batch.pk}"
        yield f"{prefix}: УК", f"{batch.organization.name} (ИНН {batch.organization.tin})", "text"
        yield f"{prefix}: период", batch.period, "month"
        yield f"{prefix}: статус", batch.get_status_display(), "text"
        yield f"{prefix}: квитанций", batch.receipts_count, "int"
        yield f"{prefix}: итого к оплате", batch.total_to_pay, "money"
        yield f"{prefix}: принято Condo", batch.accepted_count, "int"
        yield f"{prefix}: отклонено Condo", batch.rejected_count, "int"
        for code, label in Receipt.CondoWarning.choices:
            yield f"{prefix}: {label.lower()}", warnings.get((batch.pk, code), 0), "int"
        yield f"{prefix}: отозвано", batch.withdrawn_count, "int"
        yield f"{prefix}: опубликован", batch.published_at, "datetime"
