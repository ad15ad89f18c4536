"""Reads for the review admin: batch lists, totals, receipt lists and search.

Every function is one aggregate or indexed query whose number does not depend on how many
receipts there are. Anomalies and the review page's figures are in billing.selectors.review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from billing.amounts import AMOUNT_FIELDS, Amounts
from billing.models import Account, Batch, BatchTransition, Receipt, ServiceLine
from billing.money import MONEY_DECIMAL_PLACES, TOTAL_MAX_DIGITS

_TOTAL: DecimalField = DecimalField(max_digits=TOTAL_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
# A previous batch counts as "what residents saw last" only once it reached Condo.
_COMPARABLE_STATUSES = (Batch.Status.PUBLISHED, Batch.Status.PARTIALLY_PUBLISHED)


# --- Batches -----------------------------------------------------------------------------------


def batch_list_queryset() -> QuerySet[Batch]:
    """The batch changelist: every FK it shows is joined, nothing is counted per row."""
    return Batch.objects.select_related("organization", "created_by")


def batches_awaiting_approval(*, user: User) -> QuerySet[Batch]:
    """Submitted batches this user could approve: never what they imported or submitted (four eyes)."""
    return (
        Batch.objects.filter(status=Batch.Status.SUBMITTED)
        .exclude(submitted_by_id=user.pk)
        .exclude(created_by_id=user.pk)
    )


def batches_in_flight_exist() -> bool:
    return Batch.objects.filter(status__in=(Batch.Status.APPROVED, Batch.Status.PUBLISHING)).exists()


def publishing_failures_count() -> int:
    return Batch.objects.filter(status=Batch.Status.FAILED).count()


def batch_with_organization(*, batch_id: int) -> Batch | None:
    return Batch.objects.select_related("organization").filter(pk=batch_id).first()


def batch_periods(*, limit: int = 36) -> list[date]:
    """Months that have batches, newest first; the batches table is small, receipts are not read."""
    return list(Batch.objects.dates("period", "month", order="DESC")[:limit])


def batch_transitions(*, batch: Batch) -> QuerySet[BatchTransition]:
    return BatchTransition.objects.filter(batch=batch).select_related("actor").order_by("-created_at", "-pk")


def batch_previous_published(*, batch: Batch) -> Batch | None:
    """The last published batch of the same organization up to this batch's month, for comparison."""
    return previous_published_batch(organization_id=batch.organization_id, period=batch.period, exclude_id=batch.pk)


def previous_published_batch(*, organization_id: int, period: date, exclude_id: int | None = None) -> Batch | None:
    """What a registry for `period` is compared with, on the import preview and on the batch page.

    A correction for the same month compares with what was published for that month.
    """
    return (
        Batch.objects.filter(organization_id=organization_id, status__in=_COMPARABLE_STATUSES, period__lte=period)
        .exclude(pk=exclude_id or 0)  # ids start at 1: 0 excludes nothing
        .order_by("-period", "-published_at", "-pk")
        .first()
    )


# --- Totals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchTotals(Amounts):
    receipts: int
    accounts: int
    nonpositive: int  # receipts with a zero or negative total: an anomaly of their own


def _amount_sums(names: tuple[str, ...] = AMOUNT_FIELDS) -> dict[str, Coalesce]:
    return {name: Coalesce(Sum(name), Value(Decimal("0")), output_field=_TOTAL) for name in names}


def batch_totals(*, batch: Batch) -> BatchTotals:
    """Overall sums of the batch's receipts in one aggregate query.

    The total to pay is the batch's own (Batch.total_to_pay, the sum of its receipts written with
    them at the import; receipts never change after): the page shows one figure, not two.
    """
    row = Receipt.objects.filter(batch=batch).aggregate(
        receipts=Count("id"),
        accounts=Count("account_id", distinct=True),
        nonpositive=Count("id", filter=Q(to_pay__lte=0)),
        **_amount_sums(tuple(name for name in AMOUNT_FIELDS if name != "to_pay")),
    )
    return BatchTotals(**row, to_pay=batch.total_to_pay)


@dataclass(frozen=True)
class ServiceTotal(Amounts):
    name: str
    lines: int


def batch_service_totals(*, batch: Batch) -> list[ServiceTotal]:
    """Sums per service name of the batch in one GROUP BY query, in the alphabet's order.

    By name, not by the service code: a registry's codes are often hashes nobody reads, and the
    same service keeps its name across houses. The columns add up as the registry's rows do:
    долг на начало + начислено + перерасчёт − льготы + пени − оплачено = к оплате.
    """
    rows = (
        ServiceLine.objects.filter(receipt__batch=batch)
        .values("name")
        .annotate(lines=Count("id"), **_amount_sums())
        .order_by("name")
    )
    return [ServiceTotal(**row) for row in rows]


# --- Receipt pages -----------------------------------------------------------------------------


def batch_condo_warning_counts(*, batch_ids: list[int]) -> dict[tuple[int, str], int]:
    """(batch id, warning code) → accepted receipts Condo keeps other than meant (one query)."""
    rows = (
        Receipt.objects.filter(batch__in=batch_ids)
        .exclude(condo_warning="")
        .values_list("batch_id", "condo_warning")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(batch_id, code): count for batch_id, code, count in rows}


def receipt_list_queryset(queryset: QuerySet[Receipt]) -> QuerySet[Receipt]:
    """The receipt changelist: joins what the columns show, leaves the long texts unread."""
    return queryset.select_related("organization").defer("error_message", "condo_warning_message", "els")


def receipt_search(queryset: QuerySet[Receipt], term: str) -> QuerySet[Receipt]:
    """Receipts of accounts found by exact number, else by address prefix or name prefix.

    Accounts are found first and receipts follow through the account index, so a search never
    scans the receipts table. An exact account number wins on its own: it is an index lookup,
    while the prefixes read the whole accounts table. Names and addresses are matched in the
    directory (the latest registry's words); each receipt still shows its own copy.
    """
    term = term.strip()
    if not term:
        return queryset
    by_number = list(Account.objects.filter(number=term).values_list("pk", flat=True)[:100])
    if by_number:
        return queryset.filter(account_id__in=by_number)
    # Two index scans joined by UNION ALL (an account found twice only repeats a key of the IN):
    # an OR across the join to the houses could use neither prefix index and read every account.
    #   Nested Loop → HashAggregate → Append
    #     → Index Scan using account_full_name_prefix (upper(full_name) ~>=~ … AND ~<~ …)
    #     → Nested Loop → Index Scan using property_address_prefix → Index Scan on account (property_id)
    #   → Index Scan using billing_receipt_account_id (account_id = u0.id)
    by_name = Account.objects.filter(full_name__istartswith=term).values("pk")
    by_house = Account.objects.filter(property__address__istartswith=term).values("pk")
    return queryset.filter(account_id__in=by_name.union(by_house, all=True))
