"""The review page's receipt lists: a batch's receipts narrowed by publish state or anomaly, paged.

Also the SQL of the anomalies that billing.selectors.review counts: an anti-join for new accounts, one
indexed join to the previous batch for moved totals, never a Python loop over a batch's receipts.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, Exists, ExpressionWrapper, F, FilteredRelation, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Abs

from billing.models import Batch, Receipt
from billing.money import MONEY_DECIMAL_PLACES, TOTAL_MAX_DIGITS

TOTAL: DecimalField = DecimalField(max_digits=TOTAL_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)


class Anomaly:
    """Filters of the receipts of a batch by what differs from the last published batch."""

    NEW = "new"
    MOVED = "moved"
    NONPOSITIVE = "nonpositive"
    DISAPPEARED = "disappeared"  # receipts of the previous batch: shown as examples, not a filter
    LABELS = {
        NEW: "Новые лицевые счета",
        MOVED: "Сумма изменилась больше порога",
        NONPOSITIVE: "Нулевая или отрицательная сумма",
    }


def account_in_batch(batch_id: int) -> Exists:
    return Exists(Receipt.objects.filter(batch_id=batch_id, account_id=OuterRef("account_id")))


def with_previous(queryset: QuerySet[Receipt], previous: Batch, threshold_percent: Decimal) -> QuerySet[Receipt]:
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
        change=ExpressionWrapper(Abs(F("to_pay") - F("previous_receipt__to_pay")), output_field=TOTAL),
        allowed_change=ExpressionWrapper(Abs(F("previous_receipt__to_pay")) * ratio, output_field=TOTAL),
    )


# billing.differences.is_moved in SQL: |now − before| > |before| × threshold / 100, per receipt (account and
# category). Rows without a previous receipt compare NULL and drop out: new accounts are their own anomaly.
MOVED = Q(change__gt=F("allowed_change"))
NONPOSITIVE = Q(to_pay__lte=0)


def batch_receipts(
    *, batch: Batch, state: str | None = None, anomaly: str | None = None, previous: Batch | None = None
) -> QuerySet[Receipt]:
    """The batch's receipts for its review page, optionally narrowed by publish state or anomaly.

    Each row carries `previous_to_pay`: the same account and category in `previous`, or None.
    """
    queryset = _narrowed(batch=batch, state=state, anomaly=anomaly, previous=previous)
    if previous is not None and anomaly != Anomaly.MOVED:  # MOVED has joined the previous batch already
        queryset = with_previous(queryset, previous, batch.organization.anomaly_threshold_percent)
    elif previous is None:
        queryset = queryset.annotate(previous_to_pay=Value(None, output_field=TOTAL))
    return queryset.order_by("id")


def batch_receipts_page(
    *,
    batch: Batch,
    offset: int,
    limit: int,
    state: str | None = None,
    anomaly: str | None = None,
    previous: Batch | None = None,
    anomaly_ids: dict[str, tuple[int, ...]] | None = None,
    total: int | None = None,
) -> list[Receipt]:
    """One page of `batch_receipts`: the ids first, then only those rows with their joins.

    A deep OFFSET then walks an index of ids instead of 100,000 joined rows; an anomaly whose
    receipts the cached figures list (`anomaly_ids`, BatchAnomalies.receipt_ids) is paged from
    that list without touching the rest of the batch. Where `total` (the rows of this narrowing)
    is known, a page past the middle is read from the end (`_ids_from_the_end`).
    """
    kept = (anomaly_ids or {}).get(anomaly or "")
    if kept is not None and state is None:
        ids = list(kept[offset : offset + limit])
    else:
        narrowed = _narrowed(batch=batch, state=state, anomaly=anomaly, previous=previous).values_list("id", flat=True)
        if total is not None and offset > total // 2:
            ids = _ids_from_the_end(narrowed, offset=offset, limit=limit, total=total)
        else:
            ids = list(narrowed.order_by("id")[offset : offset + limit])
    if not ids:
        return []
    return list(batch_receipts(batch=batch, previous=previous).filter(pk__in=ids))


def _ids_from_the_end(ids: QuerySet, *, offset: int, limit: int, total: int) -> list[int]:
    """Ids `offset` to `offset + limit` of `total`, read backwards from the last one.

    The last page of 300,000 receipts: `ORDER BY id DESC LIMIT 50` walks 50 entries of
    receipt_batch_id_order (batch_id, id) where `ORDER BY id LIMIT 51 OFFSET 299950` walked them
    all (16–29 ms on PostgreSQL 15):

        Limit  (actual time=0.32..0.34 rows=50)
          ->  Index Only Scan Backward using receipt_batch_id_order on billing_receipt  (actual rows=50)
                Index Cond: (batch_id = 86)
    """
    end = min(offset + limit, total)
    if end <= offset:
        return []
    skipped = total - end
    return list(reversed(ids.order_by("-id")[skipped : skipped + end - offset]))


def _narrowed(*, batch: Batch, state: str | None, anomaly: str | None, previous: Batch | None) -> QuerySet[Receipt]:
    queryset = Receipt.objects.filter(batch=batch)
    if state:
        queryset = queryset.filter(publish_state=state)
    if anomaly == Anomaly.NONPOSITIVE:
        return queryset.filter(NONPOSITIVE)
    if anomaly not in (Anomaly.NEW, Anomaly.MOVED):
        return queryset
    if previous is None:
        return queryset.none()
    if anomaly == Anomaly.NEW:
        return queryset.filter(~account_in_batch(previous.pk))
    return with_previous(queryset, previous, batch.organization.anomaly_threshold_percent).filter(MOVED)
