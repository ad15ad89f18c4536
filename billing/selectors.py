"""Reads for the review pages: totals, anomalies against the last published batch, receipt pages.

Every function here is one or a few aggregate queries whose number does not depend on the
size of the batch: the batch page of a 100,000-receipt month must stay a handful of queries.
Anomalies are computed with set-based SQL (anti-joins and one join to the previous batch),
never by loading receipts into Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Abs, Coalesce

from billing.models import Batch, BatchTransition, Receipt, ServiceLine
from billing.money import MONEY_DECIMAL_PLACES, TOTAL_MAX_DIGITS

_TOTAL = DecimalField(max_digits=TOTAL_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
_MONEY_COLUMNS = ("to_pay", "charge", "balance", "recalculation", "privilege", "penalty", "paid")
# A previous batch counts as "what residents saw last" only once it reached Condo.
_COMPARABLE_STATUSES = (Batch.Status.PUBLISHED, Batch.Status.PARTIALLY_PUBLISHED)


# --- Batches -----------------------------------------------------------------------------------


def batch_list_queryset() -> QuerySet[Batch]:
    """The batch changelist: every FK it shows is joined, nothing is counted per row."""
    return Batch.objects.select_related("organization", "created_by")


def batches_awaiting_approval(*, user: AbstractBaseUser) -> QuerySet[Batch]:
    """Submitted batches this user could approve: never their own submissions (four eyes)."""
    return Batch.objects.filter(status=Batch.Status.SUBMITTED).exclude(submitted_by_id=user.pk)


def batch_periods(*, limit: int = 36) -> list[date]:
    """Months that have batches, newest first; the batches table is small, receipts are not read."""
    return list(Batch.objects.dates("period", "month", order="DESC")[:limit])


def batch_transitions(*, batch: Batch) -> QuerySet[BatchTransition]:
    return BatchTransition.objects.filter(batch=batch).select_related("actor").order_by("-created_at", "-pk")


def batch_previous_published(*, batch: Batch) -> Batch | None:
    """The last published batch of the same organization up to this batch's month, for comparison.

    A correction for the same month compares with what was published for that month.
    """
    return (
        Batch.objects.filter(
            organization_id=batch.organization_id, status__in=_COMPARABLE_STATUSES, period__lte=batch.period
        )
        .exclude(pk=batch.pk)
        .order_by("-period", "-published_at", "-pk")
        .first()
    )


# --- Totals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchTotals:
    receipts: int
    accounts: int
    to_pay: Decimal
    charge: Decimal
    balance: Decimal
    recalculation: Decimal
    privilege: Decimal
    penalty: Decimal
    paid: Decimal


def batch_totals(*, batch: Batch) -> BatchTotals:
    """Overall sums of the batch's receipts in one aggregate query."""
    sums = {name: Coalesce(Sum(name), Value(Decimal("0")), output_field=_TOTAL) for name in _MONEY_COLUMNS}
    row = Receipt.objects.filter(batch=batch).aggregate(
        receipts=Count("id"), accounts=Count("account_id", distinct=True), **sums
    )
    return BatchTotals(**row)


@dataclass(frozen=True)
class ServiceTotal:
    service_id: str
    name: str
    lines: int
    to_pay: Decimal
    charge: Decimal
    recalculation: Decimal
    privilege: Decimal
    penalty: Decimal
    paid: Decimal


def batch_service_totals(*, batch: Batch) -> list[ServiceTotal]:
    """Sums per service of the batch in one GROUP BY query."""
    columns = ("to_pay", "charge", "recalculation", "privilege", "penalty", "paid")
    rows = (
        ServiceLine.objects.filter(receipt__batch=batch)
        .values("service_id", "name")
        .annotate(lines=Count("id"), **{name: Coalesce(Sum(name), Value(Decimal("0")), output_field=_TOTAL) for name in columns})
        .order_by("service_id", "name")
    )
    return [ServiceTotal(**row) for row in rows]


def batch_state_counts(*, batch: Batch) -> dict[str, int]:
    """Receipts per publish state; served by the (batch, publish_state) index alone."""
    counts = {state: 0 for state in Receipt.PublishState.values}
    rows = Receipt.objects.filter(batch=batch).values_list("publish_state").annotate(n=Count("id")).order_by()
    for state, n in rows:
        counts[state] = n
    return counts


# --- Anomalies ---------------------------------------------------------------------------------


class Anomaly:
    """Filters of the receipts of a batch by what differs from the last published batch."""

    NEW = "new"
    MOVED = "moved"
    NONPOSITIVE = "nonpositive"
    LABELS = {
        NEW: "Новые лицевые счета",
        MOVED: "Сумма изменилась больше порога",
        NONPOSITIVE: "Нулевая или отрицательная сумма",
    }


@dataclass
class BatchAnomalies:
    previous: Batch | None
    threshold_percent: Decimal
    new_accounts: int = 0
    disappeared_accounts: int = 0
    moved_receipts: int = 0
    nonpositive_receipts: int = 0
    samples: dict[str, list[Receipt]] = field(default_factory=dict)

    def count_for(self, anomaly: str) -> int | None:
        """Receipts that the filter `anomaly` shows, when known without another query."""
        if anomaly == Anomaly.MOVED:
            return self.moved_receipts
        if anomaly == Anomaly.NONPOSITIVE:
            return self.nonpositive_receipts
        return None  # new accounts are counted per account, receipts may be more


def _account_in_batch(batch_id: int) -> Exists:
    return Exists(Receipt.objects.filter(batch_id=batch_id, account_id=OuterRef("account_id")))


def _with_previous(queryset: QuerySet[Receipt], previous: Batch, threshold_percent: Decimal) -> QuerySet[Receipt]:
    """Join each receipt to the same account and category in `previous` (one indexed LEFT JOIN).

    A join instead of a correlated subquery: the previous total is used three times per row
    and the subquery would be repeated in the SQL each time.
    """
    ratio = Value(threshold_percent / Decimal(100), output_field=DecimalField(max_digits=12, decimal_places=6))
    return queryset.annotate(
        previous_receipt=FilteredRelation(
            "account__receipts",
            condition=Q(account__receipts__batch_id=previous.pk, account__receipts__category=F("category")),
        ),
        previous_to_pay=F("previous_receipt__to_pay"),
        change=ExpressionWrapper(Abs(F("to_pay") - F("previous_receipt__to_pay")), output_field=_TOTAL),
        allowed_change=ExpressionWrapper(Abs(F("previous_receipt__to_pay")) * ratio, output_field=_TOTAL),
    )


# Rows without a previous receipt compare NULL and drop out: new accounts are their own anomaly.
_MOVED = Q(change__gt=F("allowed_change"))
_NONPOSITIVE = Q(to_pay__lte=0)


def batch_anomalies(*, batch: Batch, sample_size: int = 10) -> BatchAnomalies:
    """What differs from the last published batch of the organization: counts and a few examples.

    At most four counting queries and four sample queries, whatever the size of the batch.
    Samples carry `previous_to_pay` (None where there is nothing to compare with).
    """
    previous = batch_previous_published(batch=batch)
    result = BatchAnomalies(previous=previous, threshold_percent=batch.organization.anomaly_threshold_percent)
    receipts = Receipt.objects.filter(batch=batch)

    def sample(anomaly: str, *order: str) -> list[Receipt]:
        rows = batch_receipts(batch=batch, anomaly=anomaly, previous=previous)
        return list((rows.order_by(*order) if order else rows)[:sample_size])

    result.nonpositive_receipts = receipts.filter(_NONPOSITIVE).count()
    result.samples[Anomaly.NONPOSITIVE] = sample(Anomaly.NONPOSITIVE)
    if previous is None:
        return result

    result.new_accounts = receipts.filter(~_account_in_batch(previous.pk)).values("account_id").distinct().count()
    result.samples[Anomaly.NEW] = sample(Anomaly.NEW)

    gone = Receipt.objects.filter(batch_id=previous.pk).filter(~_account_in_batch(batch.pk))
    result.disappeared_accounts = gone.values("account_id").distinct().count()
    result.samples["disappeared"] = list(
        gone.annotate(previous_to_pay=F("to_pay")).select_related("account", "account__property").order_by("id")[
            :sample_size
        ]
    )

    threshold = result.threshold_percent
    result.moved_receipts = _with_previous(receipts, previous, threshold).filter(_MOVED).count()
    result.samples[Anomaly.MOVED] = sample(Anomaly.MOVED, "-change", "id")
    return result


# --- Receipt pages -----------------------------------------------------------------------------


def batch_receipts(
    *, batch: Batch, state: str | None = None, anomaly: str | None = None, previous: Batch | None = None
) -> QuerySet[Receipt]:
    """The batch's receipts for its review page, optionally narrowed by publish state or anomaly.

    With a previous batch, each row carries `previous_to_pay` for comparison.
    """
    queryset = Receipt.objects.filter(batch=batch)
    if state:
        queryset = queryset.filter(publish_state=state)
    if previous is not None:
        queryset = _with_previous(queryset, previous, batch.organization.anomaly_threshold_percent)
    else:
        queryset = queryset.annotate(previous_to_pay=Value(None, output_field=_TOTAL))
    if anomaly == Anomaly.NONPOSITIVE:
        queryset = queryset.filter(_NONPOSITIVE)
    elif anomaly == Anomaly.NEW:
        queryset = queryset.filter(~_account_in_batch(previous.pk)) if previous else queryset.none()
    elif anomaly == Anomaly.MOVED:
        queryset = queryset.filter(_MOVED) if previous else queryset.none()
    return queryset.select_related("account", "account__property").order_by("id")


def receipt_list_queryset(queryset: QuerySet[Receipt]) -> QuerySet[Receipt]:
    """The receipt changelist: joins what the columns show, leaves the long texts unread."""
    return queryset.select_related("account", "account__property", "organization").defer(
        "error_message", "account__els"
    )


def receipt_search(queryset: QuerySet[Receipt], term: str) -> QuerySet[Receipt]:
    """Receipts of accounts found by exact number, address prefix or name prefix.

    Accounts are found first (small, indexed tables) and receipts follow through the
    account index, so a search never scans the receipts table.
    """
    from billing.models import Account

    term = term.strip()
    if not term:
        return queryset
    accounts = Account.objects.filter(
        Q(number=term) | Q(full_name__istartswith=term) | Q(property__address__istartswith=term)
    ).values("pk")
    return queryset.filter(account_id__in=accounts)
