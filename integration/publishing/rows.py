"""Read a batch's pending receipts from the database as the client's plain `ReceiptIn` values.

Two plain SQL statements per slice of receipts (the receipts with their account, house and
payee; then their service lines), run on a cursor. This runs for 100,000 receipts a month: the
ORM's compiling, converters and model instances cost more than the database did.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.db import connection

from billing.amounts import AMOUNT_FIELDS
from billing.models import ApprovedDocument, Receipt, Recipient, ServiceLine
from integration.condo import CATEGORY_IDS, ReceiptIn, ServiceIn

PENDING = Receipt.PublishState.PENDING

# Amounts are read as the database's own text and made Decimals here, never floats. The text is
# exact: SQLite prints 15 significant digits and money has at most 14; PostgreSQL prints numeric
# as it is.


def _as_text(table: str, *columns: str) -> str:
    return ", ".join(f"CAST({table}.{column} AS text)" for column in columns)


# Everything but the payee comes from the receipt's own copy of its account: the directory of
# accounts and houses follows the newest registry, an approved batch sends what was approved.
# Payee rows are never changed once written (a new TIN, BIC or account is a new row).
_RECEIPTS_SELECT = f"""
    SELECT r.id, r.import_id, r.period, r.category, {_as_text("r", *AMOUNT_FIELDS)},
           r.account_number, r.unit_name, r.unit_type, r.payer_name, r.owner_type, r.els, r.is_closed,
           r.address, r.house_global_id, p.tin, p.bic, p.bank_account, d.sha256
    FROM {Receipt._meta.db_table} r
    JOIN {Recipient._meta.db_table} p ON p.id = r.recipient_id
    LEFT JOIN {ApprovedDocument._meta.db_table} d ON d.receipt_id = r.id
"""
_RECEIPTS_SQL = f"""{_RECEIPTS_SELECT}
    WHERE r.batch_id = %s AND r.publish_state = %s AND r.id > %s
    ORDER BY r.id
    LIMIT %s
"""
_ALL_RECEIPTS_SQL = f"""{_RECEIPTS_SELECT}
    WHERE r.batch_id = %s AND r.id > %s
    ORDER BY r.id
    LIMIT %s
"""

_LINES_SELECT = f"""
    SELECT s.receipt_id, s.service_id, s.name, {_as_text("s", *AMOUNT_FIELDS, "volume", "tariff")}, s.measure
    FROM {ServiceLine._meta.db_table} s
    JOIN {Receipt._meta.db_table} r ON r.id = s.receipt_id
"""
_SERVICE_LINES_SQL = f"""{_LINES_SELECT}
    WHERE r.batch_id = %s AND r.publish_state = %s AND r.id > %s AND r.id <= %s
    ORDER BY s.receipt_id, s.id
"""
_ALL_SERVICE_LINES_SQL = f"""{_LINES_SELECT}
    WHERE r.batch_id = %s AND r.id > %s AND r.id <= %s
    ORDER BY s.receipt_id, s.id
"""


def pending_receipts(*, batch_id: int, limit: int, after_id: int = 0) -> list[tuple[int, ReceiptIn]]:
    """The next `limit` pending receipts of the batch after receipt `after_id`, by id, as (receipt id, payload).

    Paging by id rather than by "still pending" lets the caller step past receipts Condo
    deferred: they stay pending for a later pass without being read again in this one.
    """
    return _read(_RECEIPTS_SQL, (batch_id, PENDING, after_id, limit), _SERVICE_LINES_SQL, (batch_id, PENDING, after_id))


def batch_receipts(*, batch_id: int, limit: int, after_id: int = 0) -> list[tuple[int, ReceiptIn]]:
    """Like `pending_receipts`, over every receipt of the batch whatever its outcome."""
    return _read(_ALL_RECEIPTS_SQL, (batch_id, after_id, limit), _ALL_SERVICE_LINES_SQL, (batch_id, after_id))


def _read(
    receipts_sql: str, receipts_params: tuple, lines_sql: str, lines_params: tuple
) -> list[tuple[int, ReceiptIn]]:
    with connection.cursor() as cursor:
        cursor.execute(receipts_sql, receipts_params)
        rows = cursor.fetchall()
        if not rows:
            return []
        cursor.execute(lines_sql, (*lines_params, rows[-1][0]))
        lines = cursor.fetchall()
    decimals = _Decimals()
    services = _services(lines, decimals)
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


# The records are built with positional arguments, in their fields' order: keywords made each
# one cost 2.5 times as much. The amounts arrive in billing.amounts.AMOUNT_FIELDS' order and are
# named one by one in both records: passing them as one starred run (`*map(decimal.__getitem__,
# amounts)`) cost 1.5 times as much a record (0.97 → 1.44 µs a ServiceIn, a receipt has several).
# tests/integration/publishing/test_rows.py compares every field.


def _receipt(row: tuple, services: tuple[ServiceIn, ...], decimal: _Decimals) -> ReceiptIn:
    (
        _,
        import_id,
        period,
        category,
        balance,
        charge,
        recalculation,
        privilege,
        penalty,
        paid,
        to_pay,
        account_number,
        unit_name,
        unit_type,
        full_name,
        owner_type,
        els,
        is_closed,
        address,
        fias_id,
        tin,
        bic,
        bank_account,
        digest,
    ) = row
    return ReceiptIn(
        import_id,
        address,
        unit_name,
        unit_type,
        account_number,
        full_name,
        owner_type,
        els,
        fias_id,
        bool(is_closed),  # SQLite answers 0 or 1
        _as_date(period),
        decimal[to_pay],
        decimal[charge],
        decimal[balance],
        decimal[recalculation],
        decimal[privilege],
        decimal[penalty],
        decimal[paid],
        services,
        CATEGORY_IDS[category],
        tin,
        bic,
        bank_account,
        digest or "",
    )


def _services(rows: list[tuple], decimal: _Decimals) -> dict[int, tuple[ServiceIn, ...]]:
    services: dict[int, list[ServiceIn]] = defaultdict(list)
    for (
        receipt_id,
        service_id,
        name,
        balance,
        charge,
        recalculation,
        privilege,
        penalty,
        paid,
        to_pay,
        volume,
        tariff,
        measure,
    ) in rows:
        services[receipt_id].append(
            ServiceIn(
                service_id,
                name,
                decimal[to_pay],
                decimal[charge],
                decimal[balance],
                decimal[recalculation],
                decimal[privilege],
                decimal[penalty],
                decimal[paid],
                None if volume is None else decimal[volume],
                None if tariff is None else decimal[tariff],
                measure,
            )
        )
    return {receipt_id: tuple(lines) for receipt_id, lines in services.items()}


@lru_cache(maxsize=64)
def _as_date(value: date | str) -> date:
    # A batch is one month: the same few values come back for every row. SQLite answers text.
    return value if isinstance(value, date) else date.fromisoformat(value)
