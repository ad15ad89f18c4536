from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.exports.summary import COLUMNS, summary_export
from billing.exports.writer import MONEY_FORMAT
from billing.models import Batch
from tests.billing.exports.conftest import data_rows, exact, open_xlsx
from tests.factories import BatchFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
PERIOD = date(2026, 10, 1)
Status = Batch.Status


def _batch(
    organization,
    status,
    *,
    receipts=0,
    total="0.00",
    accepted=0,
    rejected=0,
    withdrawn=0,
    published_at=None,
    period=PERIOD,
):
    batch = BatchFactory(organization=organization, period=period, status=status)
    Batch.objects.filter(pk=batch.pk).update(
        receipts_count=receipts,
        total_to_pay=Decimal(total),
        accepted_count=accepted,
        rejected_count=rejected,
        withdrawn_count=withdrawn,
        published_at=published_at,
    )
    return batch


@pytest.fixture
def month():
    first_publish = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    second_publish = datetime(2026, 11, 9, 15, 30, tzinfo=UTC)
    alpha = OrganizationFactory(name="А-УК", tin="7701234564")
    _batch(alpha, Status.SUPERSEDED, receipts=10, total="100.00", accepted=10, published_at=first_publish)
    current = _batch(
        alpha,
        Status.PARTIALLY_PUBLISHED,
        receipts=12,
        total="1520.07",
        accepted=10,
        rejected=2,
        published_at=second_publish,
    )
    _batch(alpha, Status.DRAFT, receipts=12, total="1.00")  # a newer draft does not stand for the month
    _batch(alpha, Status.PUBLISHED, receipts=99, total="99.00", accepted=99, period=date(2026, 9, 1))
    beta = OrganizationFactory(name="Б-УК")
    _batch(beta, Status.DRAFT, receipts=5, total="0.10")
    gamma = OrganizationFactory(name="В-УК")  # active, nothing this month
    OrganizationFactory(name="Г-УК", is_active=False)  # inactive, nothing this month: left out
    delta = OrganizationFactory(name="Д-УК", is_active=False)
    _batch(delta, Status.WITHDRAWN, receipts=3, total="30.00", accepted=0, withdrawn=3, published_at=first_publish)
    return {"alpha": alpha, "current": current, "gamma": gamma, "second_publish": second_publish}


def _export(**kwargs) -> bytes:
    out = io.BytesIO()
    summary_export(period=PERIOD, out=out, **kwargs)
    return out.getvalue()


def test_one_row_per_organization_with_the_batch_that_stands_for_the_month(month):
    workbook = open_xlsx(_export())
    sheet = workbook["Сводка 10.2026"]
    assert [cell.value for cell in sheet[1]] == [column.header for column in COLUMNS]
    rows = {row[0]: row for row in data_rows(sheet)}
    assert list(rows) == ["А-УК", "Б-УК", "В-УК", "Д-УК"]
    alpha = rows["А-УК"]
    assert alpha[1] == "7701234564" and alpha[2] == month["current"].pk
    assert alpha[3:6] == ("Опубликован частично", 3, 12)
    assert exact(alpha[6]) == Decimal("1520.07")
    assert alpha[7:11] == (10, 2, 0, 0)
    # The last publish time of the month, in local time (Excel has no time zones).
    assert alpha[11] == timezone.localtime(month["second_publish"]).replace(tzinfo=None)
    assert rows["Б-УК"][3] == "Черновик" and rows["Б-УК"][10] == 5
    assert rows["В-УК"][2:6] == (None, "нет пакета", 0, 0)
    assert rows["Д-УК"][3] == "Отозван" and rows["Д-УК"][9] == 3
    assert sum(exact(row[6]) for row in rows.values()) == Decimal("1550.17")
    assert sheet.cell(row=2, column=7).number_format == MONEY_FORMAT
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:L5"

    totals = dict(data_rows(workbook["Итоги"]))
    assert exact(totals["Итого к оплате"]) == Decimal("1550.17")
    assert (totals["Квитанций"], totals["Принято Condo"], totals["С пакетом за месяц"]) == (20, 10, 3)


def test_the_summary_of_one_organization(month):
    rows = data_rows(open_xlsx(_export(organization=month["gamma"]))["Сводка 10.2026"])
    assert [row[0] for row in rows] == ["В-УК"]
