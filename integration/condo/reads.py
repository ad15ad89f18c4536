"""Reconciliation reads: what Condo holds for a context and a month, page by page.

Pages of 100 (Condo caps a list at 1000 and `first: 100` is its cheapest rate-limit bucket)
sorted by id, so that paging with `skip` is stable (contract §8).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from integration.condo.caller import CondoCaller
from integration.condo.errors import CondoError
from integration.condo.money import money_from_wire
from integration.condo.payloads import period_from_wire
from integration.condo.records import CondoAccount, CondoReceipt

PAGE_SIZE = 100


def receipts_where(context_id: str, period: date) -> dict[str, Any]:
    return {"context": {"id": context_id}, "period": period.replace(day=1).isoformat()}


def count_receipts(client: CondoCaller, context_id: str, period: date) -> int:
    answer, _ = client.call("countBillingReceipts", {"where": receipts_where(context_id, period)})
    meta = (answer.data or {}).get("meta") or {}
    if not isinstance(meta.get("count"), int):
        raise CondoError("Condo не вернул число квитанций.", transient=True, code="BAD_RESPONSE")
    return meta["count"]


def iter_receipts(client: CondoCaller, context_id: str, period: date) -> Iterator[CondoReceipt]:
    for row in _pages(client, "allBillingReceipts", receipts_where(context_id, period)):
        yield CondoReceipt(
            id=str(row["id"]),
            import_id=row.get("importId") or "",
            to_pay=money_from_wire(row.get("toPay")) or Decimal(0),
            account_number=((row.get("account") or {}).get("number")) or "",
            period=period_from_wire(row["period"]),
            has_file=bool((row.get("file") or {}).get("id")),
        )


def iter_accounts(client: CondoCaller, context_id: str) -> Iterator[CondoAccount]:
    for row in _pages(client, "allBillingAccounts", {"context": {"id": context_id}}):
        yield CondoAccount(
            id=str(row["id"]),
            number=row.get("number") or "",
            unit_name=row.get("unitName") or "",
            unit_type=row.get("unitType") or "",
            global_id=row.get("globalId") or "",
            import_id=row.get("importId") or "",
            is_closed=bool(row.get("isClosed")),
            address=((row.get("property") or {}).get("address")) or "",
            property_global_id=((row.get("property") or {}).get("globalId")) or "",
        )


def _pages(client: CondoCaller, operation: str, where: dict[str, Any]) -> Iterator[dict[str, Any]]:
    skip = 0
    while True:
        variables = {"where": where, "sortBy": ["id_ASC"], "first": PAGE_SIZE, "skip": skip}
        answer, _ = client.call(operation, variables)
        rows = (answer.data or {}).get("objs")
        if not isinstance(rows, list):
            raise CondoError("Condo не вернул список.", transient=True, code="BAD_RESPONSE")
        yield from (row for row in rows if row)
        if len(rows) < PAGE_SIZE:
            return
        skip += PAGE_SIZE
