"""Read a batch's pending receipts from the database as the client's plain `ReceiptIn` values.

Two queries per slice (receipts with their account, house and payee; then their service
lines), built by the ORM and run on a plain cursor: this runs for 100,000 receipts a month,
and Django's per-value converters and model machinery cost more than the database did.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.db import connection
from django.db.models import CharField, F, QuerySet
from django.db.models.functions import Cast

from billing.models import Receipt, ServiceLine
from integration.condo import CATEGORY_IDS, ReceiptIn, ServiceIn

PENDING = Receipt.PublishState.PENDING


def _as_text(name: str) -> Cast:
    # The database's own text of an amount, made a Decimal here in C. The text is exact: SQLite
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


def pending_receipts(*, batch_id: int, limit: int, after_id: int = 0) -> list[tuple[int, ReceiptIn]]:
    """The next `limit` pending receipts of the batch after receipt `after_id`, by id, as (receipt id, payload).

    Paging by id rather than by "still pending" lets the caller step past receipts Condo
    deferred: they stay pending for a later pass without being read again in this one.
    """
    receipts = Receipt.objects.filter(batch_id=batch_id, publish_state=PENDING, id__gt=after_id).order_by("id")
    rows = _fetch(receipts.values_list(*_RECEIPT_COLUMNS)[:limit])
    if not rows:
        return []
    lines = ServiceLine.objects.filter(
        receipt__batch_id=batch_id, receipt__publish_state=PENDING, receipt_id__gt=after_id, receipt_id__lte=rows[-1][0]
    ).order_by("receipt_id", "id")
    decimals = _Decimals()
    services = _services(_fetch(lines.values_list(*_SERVICE_COLUMNS)), decimals)
    return [(row[0], _receipt(row, services.get(row[0], ()), decimals)) for row in rows]


class _Decimals(dict):
    """The Decimal of an amount's text, each distinct text parsed once per slice.

    Most amounts of a month repeat (0.00 above all: balance, recalculation, privilege, paid),
    and a dict hit costs a sixth of parsing the text again. Decimals are immutable: sharing
    one between receipts is safe.
    """

    def __missing__(self, text: str) -> Decimal:
        value = self[text] = Decimal(text)
        return value


def _fetch(queryset: QuerySet) -> list[tuple]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _receipt(row: tuple, services: tuple[ServiceIn, ...], decimal: _Decimals) -> ReceiptIn:
    (_, import_id, period, category, to_pay, charge, balance, recalculation, privilege, penalty, paid, account_number,
     unit_name, unit_type, full_name, owner_type, els, is_closed, address, fias_id, tin, bic, bank_account) = row
    return ReceiptIn(
        import_id=import_id,
        address=address,
        unit_name=unit_name,
        unit_type=unit_type,
        account_number=account_number,
        full_name=full_name,
        owner_type=owner_type,
        account_global_id=els,
        address_global_id=fias_id,
        is_closed=bool(is_closed),  # SQLite answers 0 or 1
        period=_as_date(period),
        services=services,
        category_id=CATEGORY_IDS[category],
        tin=tin,
        bic=bic,
        bank_account=bank_account,
        to_pay=decimal[to_pay],
        charge=decimal[charge],
        balance=decimal[balance],
        recalculation=decimal[recalculation],
        privilege=decimal[privilege],
        penalty=decimal[penalty],
        paid=decimal[paid],
    )


def _services(rows: list[tuple], decimal: _Decimals) -> dict[int, tuple[ServiceIn, ...]]:
    services: dict[int, list[ServiceIn]] = defaultdict(list)
    for (receipt_id, service_id, name, to_pay, charge, balance, recalculation, privilege, penalty, paid, volume, tariff,
         measure) in rows:
        services[receipt_id].append(
            ServiceIn(
                id=service_id,
                name=name,
                to_pay=decimal[to_pay],
                charge=decimal[charge],
                balance=decimal[balance],
                recalculation=decimal[recalculation],
                privilege=decimal[privilege],
                penalty=decimal[penalty],
                paid=decimal[paid],
                volume=None if volume is None else decimal[volume],
                tariff=None if tariff is None else decimal[tariff],
                measure=measure,
            )
        )
    return {receipt_id: tuple(lines) for receipt_id, lines in services.items()}


@lru_cache(maxsize=64)
def _as_date(value: date | str) -> date:
    # A batch is one month: the same few values come back for every row. SQLite answers text.
    return value if isinstance(value, date) else date.fromisoformat(value)
