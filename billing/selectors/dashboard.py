"""Reads of the admin index dashboard: a 12-month grid and a chart (the queues: billing.selectors.queues).

A fixed number of queries whatever the data: the organizations, the batches of the 12 months
(one query across all organizations), one GROUP BY per month for the chart. The batch rows'
cached counters are read, never the receipts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from billing.models import Batch, Organization
from billing.money import MONEY_DECIMAL_PLACES, TOTAL_MAX_DIGITS
from billing.selectors.summary import standing_batch

MONTHS = 12
PUBLISHED = (Batch.Status.PUBLISHED, Batch.Status.PARTIALLY_PUBLISHED)


def dashboard_months(*, today: date, count: int = MONTHS) -> list[date]:
    """The first days of the `count` months ending with today's, oldest first."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


@dataclass(frozen=True)
class GridCell:
    period: date
    batch_id: int | None
    status: str  # "" when the month has no batch
    status_label: str
    batches: int


@dataclass(frozen=True)
class GridRow:
    organization_id: int
    name: str
    tin: str
    cells: list[GridCell]


def dashboard_grid(*, months: list[date]) -> list[GridRow]:
    """Per organization, the batch that stands for each month (see `standing_batch`) and its status.

    Organizations shown: active ones and any with a batch in these months.
    """
    batches = (
        Batch.objects.filter(period__gte=months[0], period__lte=months[-1])
        .only("pk", "organization_id", "period", "status", "created_at")
        .order_by("created_at", "pk")
    )
    by_key: dict[tuple[int, date], list[Batch]] = {}
    for batch in batches:
        by_key.setdefault((batch.organization_id, batch.period), []).append(batch)
    with_batches = {organization_id for organization_id, _ in by_key}
    organizations = (
        Organization.objects.filter(Q(is_active=True) | Q(pk__in=with_batches))
        .order_by("name", "pk")
        .values_list("pk", "name", "tin")
    )
    rows = []
    for organization_id, name, tin in organizations:
        cells = []
        for period in months:
            month = by_key.get((organization_id, period), [])
            standing = standing_batch(month)
            cells.append(
                GridCell(
                    period=period,
                    batch_id=standing.pk if standing else None,
                    status=standing.status if standing else "",
                    status_label=standing.get_status_display() if standing else "",
                    batches=len(month),
                )
            )
        rows.append(GridRow(organization_id=organization_id, name=name, tin=tin, cells=cells))
    return rows


@dataclass(frozen=True)
class ChartPoint:
    period: date
    receipts: int  # receipts Condo accepted
    to_pay: Decimal  # total to pay of the batches published that month


def dashboard_chart(*, months: list[date]) -> list[ChartPoint]:
    """Receipts published and their total to pay per month, from published batches (one GROUP BY)."""
    total: DecimalField = DecimalField(max_digits=TOTAL_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    rows = (
        Batch.objects.filter(period__gte=months[0], period__lte=months[-1], status__in=PUBLISHED)
        .values("period")
        .annotate(
            receipts=Coalesce(Sum("accepted_count"), 0),
            to_pay=Coalesce(Sum("total_to_pay"), Value(Decimal("0")), output_field=total),
        )
        .order_by()
    )
    found = {row["period"]: row for row in rows}
    return [
        ChartPoint(
            period=period,
            receipts=found[period]["receipts"] if period in found else 0,
            to_pay=Decimal(found[period]["to_pay"]) if period in found else Decimal("0.00"),
        )
        for period in months
    ]
