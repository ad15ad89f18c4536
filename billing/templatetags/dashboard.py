"""`{% desk_dashboard %}` on the admin index: the 12-month grid, the chart and the queues.

The chart is an SVG drawn here on the server: no JavaScript, nothing from a CDN. Money stays
Decimal in every label; it becomes a float only to place a point in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils import timezone

from billing.formatting import format_money, format_number
from billing.models import BatchTransition
from billing.models.batches import BatchStatus
from billing.plurals import counted
from billing.selectors.dashboard import (
    ChartPoint,
    dashboard_chart,
    dashboard_grid,
    dashboard_months,
)
from billing.selectors.queues import user_queues

register = template.Library()

VIEW_PERMISSION = "billing.view_batch"
RECENT_SHOWN = 8
MONTH_SHORT = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")

# Grid cells are narrow: a status is its own label in small letters (the full one is in the
# tooltip); only the labels too long for a cell are cut short here.
STATUS_ABBREVIATED = {
    BatchStatus.SUBMITTED: "на утв.",
    BatchStatus.PUBLISHING: "идёт",
    BatchStatus.PUBLISHED: "опубл.",
    BatchStatus.PARTIALLY_PUBLISHED: "частично",
    BatchStatus.FAILED: "сбой",
}

# Chart geometry, in SVG user units (the SVG scales to its container).
WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 96, 16, 44
TICKS = 4


def month_label(period: date) -> str:
    return f"{MONTH_SHORT[period.month - 1]} {period:%Y}"


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 × 10^k not below `value`, so axis ticks are round numbers."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        candidate = step.scaleb(exponent)
        if candidate >= value:
            return candidate
    return Decimal(10).scaleb(exponent)  # unreachable: 10 × 10^k always covers


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    center: float
    line_y: float
    label: str
    year: str  # under the first month and under each January
    full: str
    receipts: str
    to_pay: str


@dataclass(frozen=True)
class Tick:
    y: float
    receipts: str
    to_pay: str


def chart_geometry(points: list[ChartPoint]) -> dict:
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    receipts_max = nice_ceiling(Decimal(max((p.receipts for p in points), default=0)))
    money_max = nice_ceiling(max((p.to_pay for p in points), default=Decimal(0)))
    slot = plot_width / max(len(points), 1)
    bottom = TOP + plot_height

    def y_of(value: Decimal, top: Decimal) -> float:
        # A pixel position on the chart, not an amount: the ratio is taken in Decimal first.
        return round(bottom - plot_height * float(value / top), 1)

    bars = []
    for index, point in enumerate(points):
        x = LEFT + slot * index
        y = y_of(Decimal(point.receipts), receipts_max)
        bars.append(
            Bar(
                x=round(x + slot * 0.2, 1),
                y=y,
                width=round(slot * 0.6, 1),
                height=round(bottom - y, 1),
                center=round(x + slot / 2, 1),
                line_y=y_of(point.to_pay, money_max),
                label=MONTH_SHORT[point.period.month - 1],
                year=f"{point.period:%Y}" if index == 0 or point.period.month == 1 else "",
                full=month_label(point.period),
                receipts=counted(point.receipts, "receipt"),
                to_pay=format_money(point.to_pay),
            )
        )
    ticks = []
    for n in range(TICKS + 1):
        share = Decimal(n) / TICKS
        ticks.append(
            Tick(
                y=round(bottom - plot_height * n / TICKS, 1),
                receipts=format_number(receipts_max * share, 0),
                to_pay=format_number(money_max * share, 0),
            )
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": bottom,
        "bars": bars,
        "ticks": ticks,
        "line": " ".join(f"{bar.center},{bar.line_y}" for bar in bars),
        "label_y": bottom + 16,
        "year_y": bottom + 30,
        "description": "; ".join(
            f"{month_label(p.period)}: {counted(p.receipts, 'receipt')}, {format_money(p.to_pay)} ₽" for p in points
        ),
    }


@register.filter
def status_short(status: str) -> str:
    if status not in BatchStatus.values:
        return status
    return STATUS_ABBREVIATED.get(BatchStatus(status), BatchStatus(status).label.lower())


@register.inclusion_tag("admin/billing/dashboard.html", takes_context=True)
def desk_dashboard(context) -> dict:
    """Shown to those who may view batches; others get the stock index only."""
    request = context["request"]
    if not request.user.has_perm(VIEW_PERMISSION):
        return {"show": False}
    months = dashboard_months(today=timezone.localdate())
    batch_list = reverse("admin:billing_batch_changelist")
    return {
        "show": True,
        "months": [{"label": MONTH_SHORT[m.month - 1], "year": f"{m:%Y}", "full": month_label(m)} for m in months],
        "grid": dashboard_grid(months=months),
        "chart": chart_geometry(dashboard_chart(months=months)),
        "batch_list": batch_list,
    }


@register.inclusion_tag("admin/billing/queues.html", takes_context=True)
def desk_queues(context) -> dict:
    """Beside the dashboard, instead of Django's «Последние действия» (the desk writes no LogEntry):
    this person's queues with counts and links, and their own latest steps in the batch history."""
    user = context["request"].user
    if not user.has_perm(VIEW_PERMISSION):
        return {"show": False}
    batch_list = reverse("admin:billing_batch_changelist")
    return {
        "show": True,
        "queues": [{"queue": queue, "url": f"{batch_list}?queue={queue.key}"} for queue in user_queues(user=user)],
        "recent": BatchTransition.objects.filter(actor_id=user.pk)
        .select_related("batch")
        .order_by("-created_at", "-pk")[:RECENT_SHOWN],
    }
