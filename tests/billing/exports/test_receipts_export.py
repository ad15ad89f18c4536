from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest

from billing.errors import ApplicationError
from billing.exports import writer
from billing.exports.receipts import COLUMNS, receipts_export
from billing.models import Receipt
from tests.billing.exports.conftest import AMOUNTS, data_rows, exact, open_xlsx
from tests.integration.publishing.builders import batch_with_receipts

HEADERS = [column.header for column in COLUMNS]


def _export(batches) -> bytes:
    out = io.BytesIO()
    receipts_export(batches=batches, out=out)
    return out.getvalue()


def _column(name: str) -> int:
    return HEADERS.index(name)


def test_every_receipt_is_a_row_with_its_outcome_and_the_sums_match(published_batch):
    content = _export([published_batch])
    sheet = open_xlsx(content)["Квитанции"]
    assert [cell.value for cell in sheet[1]] == HEADERS
    rows = data_rows(sheet)
    assert len(rows) == published_batch.receipts_count == 6
    assert {row[_column("Лицевой счёт")] for row in rows} == set(
        Receipt.objects.filter(batch=published_batch).values_list("account__number", flat=True)
    )
    to_pay = [exact(row[_column("Итого к оплате")]) for row in rows]
    assert to_pay[:4] == [AMOUNTS[i] for i in range(4)]
    assert sum(to_pay, Decimal(0)) == published_batch.total_to_pay
    outcomes = [row[_column("Результат публикации")] for row in rows]
    assert outcomes == ["Принята", "Принята", "Отклонена", "Ожидает отправки", "Ожидает отправки", "Ожидает отправки"]
    rejected = rows[2]
    assert rejected[_column("Код ошибки")] == "WRONG_AMOUNT"
    # A message that looks like a formula stays text.
    assert rejected[_column("Ошибка")] == '=HYPERLINK("x") сумма не сходится'
    assert sheet.cell(row=4, column=_column("Ошибка") + 1).data_type == "s"
    assert rows[0][_column("ID в Condo")].startswith("condo-")


def test_money_cells_are_exact_numbers_with_the_money_format(published_batch):
    content = _export([published_batch])
    sheet = open_xlsx(content)["Квитанции"]
    cell = sheet.cell(row=2, column=_column("Итого к оплате") + 1)
    assert cell.data_type == "n" and cell.number_format == writer.MONEY_FORMAT
    # In the file itself the amount is the exact decimal text, not a float rendering.
    xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<v>0.07</v>" in xml and "<v>902406105555.82</v>" in xml and "0.0700000" not in xml


def test_the_header_is_frozen_and_filtered_over_the_written_range(published_batch):
    sheet = open_xlsx(_export([published_batch]))["Квитанции"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:W7"
    assert sheet["A1"].font.b


def test_the_batch_sheet_holds_the_batch_figures(published_batch):
    figures = dict(data_rows(open_xlsx(_export([published_batch]))["Пакеты"]))
    prefix = f"Пакет №{published_batch.pk}"
    assert figures[f"{prefix}: статус"] == "Опубликован частично"
    assert exact(figures[f"{prefix}: итого к оплате"]) == published_batch.total_to_pay
    assert (figures[f"{prefix}: принято Condo"], figures[f"{prefix}: отклонено Condo"]) == (2, 1)


def test_several_batches_follow_each_other(published_batch):
    other = batch_with_receipts(receipts=3, organization=published_batch.organization, accounts_from=100)
    rows = data_rows(open_xlsx(_export([other, published_batch]))["Квитанции"])
    assert [row[0] for row in rows] == [published_batch.pk] * 6 + [other.pk] * 3


def test_more_receipts_than_a_sheet_holds_are_refused_before_writing(published_batch, monkeypatch):
    monkeypatch.setattr("billing.exports.receipts.EXCEL_MAX_ROWS", 6)
    out = io.BytesIO()
    with pytest.raises(ApplicationError, match="Выберите меньше пакетов"):
        receipts_export(batches=[published_batch], out=out)
    assert out.getvalue() == b""


def test_each_amount_column_holds_the_amount_its_header_names(published_batch):
    sheet = open_xlsx(_export([published_batch]))["Квитанции"]
    first = data_rows(sheet)[0]
    receipt = Receipt.objects.filter(batch=published_batch).order_by("id").first()
    headers = {
        "balance": "Долг на начало",
        "charge": "Начислено",
        "recalculation": "Перерасчёт",
        "privilege": "Льготы",
        "penalty": "Пени",
        "paid": "Оплачено",
        "to_pay": "Итого к оплате",
    }
    shown = {name: exact(first[_column(header)]) for name, header in headers.items()}
    assert shown == {name: getattr(receipt, name) for name in headers}
    assert len(set(shown.values())) > 1, "the builder's receipt should tell the columns apart"
