"""Read a batch's pending receipts from the database as the client's plain `ReceiptIn` values.

Two queries per chunk (receipts with their account, house and payee; then their service
lines), reading tuples rather than model instances: this runs 100,000 times a month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from decimal import Decimal

from django.db.models import CharField, F
from django.db.models.functions import Cast

from billing.models import Receipt, ServiceLine
from integration.condo import CATEGORY_IDS, ReceiptIn, ServiceIn

def _as_text(name: str) -> Cast:
    # The database's own text of an amount, made a Decimal here in C: Django's SQLite converter
    # (float -> Decimal -> quantize) cost half the CPU of this read. The text is exact: SQLite
    # prints 15 significant digits and money has at most 14; PostgreSQL prints numeric as is.
    return Cast(F(name), output_field=CharField())


_MONEY = ("to_pay", "charge", "balance", "recalculation", "privilege", "penalty", "paid")

_RECEIPT_COLUMNS = (
    "id",
    "import_id",
    "period",
    "category",
    *(_as_text(name) for name in _MONEY),
    "account__number",
    "account__unit_name",
    "account__unit_type",
    "account__full_name",
    "account__owner_type",
    "account__els",
    "account__is_closed",
    "account__property__address",
    "account__property__fias_id",
    "recipient__tin",
    "recipient__bic",
    "recipient__bank_account",
)

_SERVICE_COLUMNS = (
    "receipt_id",
    "service_id",
    "name",
    *(_as_text(name) for name in _MONEY),
    _as_text("volume"),
    _as_text("tariff"),
    "measure",
)


def pending_receipts(*, batch_id: int, limit: int, skip_ids: Collection[int] = ()) -> list[tuple[int, ReceiptIn]]:
    """The next `limit` pending receipts of the batch, oldest first, as (receipt id, payload)."""
    queryset = Receipt.objects.filter(batch_id=batch_id, publish_state=Receipt.PublishState.PENDING)
    if skip_ids:
        queryset = queryset.exclude(pk__in=list(skip_ids))
    rows = list(queryset.order_by("id").values_list(*_RECEIPT_COLUMNS)[:limit])
    return receipts_in(rows)


def receipts_by_ids(receipt_ids: Collection[int]) -> list[tuple[int, ReceiptIn]]:
    rows = list(Receipt.objects.filter(pk__in=list(receipt_ids)).order_by("id").values_list(*_RECEIPT_COLUMNS))
    return receipts_in(rows)


def receipts_in(rows: list[tuple]) -> list[tuple[int, ReceiptIn]]:
    services = _services_of([row[0] for row in rows])
    result = []
    money_end = 4 + len(_MONEY)
    for row in rows:
        receipt_id, import_id, period, category = row[:4]
        (account_number, unit_name, unit_type, full_name, owner_type, els, is_closed, address, fias_id,
         tin, bic, bank_account) = row[money_end:]
        receipt = ReceiptIn(
            import_id=import_id,
            address=address,
            unit_name=unit_name,
            unit_type=unit_type,
            account_number=account_number,
            full_name=full_name,
            owner_type=owner_type,
            account_global_id=els,
            address_global_id=fias_id,
            is_closed=is_closed,
            period=period,
            services=tuple(services.get(receipt_id, ())),
            category_id=CATEGORY_IDS[category],
            tin=tin,
            bic=bic,
            bank_account=bank_account,
            **_amounts(row[4:money_end]),
        )
        result.append((receipt_id, receipt))
    return result


def _services_of(receipt_ids: list[int]) -> dict[int, list[ServiceIn]]:
    services: dict[int, list[ServiceIn]] = defaultdict(list)
    if not receipt_ids:
        return services
    lines = ServiceLine.objects.filter(receipt_id__in=receipt_ids).order_by("receipt_id", "id")
    money_end = 3 + len(_MONEY)
    for row in lines.values_list(*_SERVICE_COLUMNS):
        receipt_id, service_id, name = row[:3]
        volume, tariff, measure = row[money_end:]
        services[receipt_id].append(
            ServiceIn(
                id=service_id,
                name=name,
                volume=None if volume is None else Decimal(volume),
                tariff=None if tariff is None else Decimal(tariff),
                measure=measure,
                **_amounts(row[3:money_end]),
            )
        )
    return services


def _amounts(texts: tuple[str, ...]) -> dict[str, Decimal]:
    return dict(zip(_MONEY, map(Decimal, texts)))
