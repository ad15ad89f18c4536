"""What a registry changes against the last published batch, receipt by receipt, before any batch exists.

The import preview's half of billing.differences (the batch page's half is billing.selectors.review): the
same keys (account and category), the same kinds, the same anomalies and threshold rule, so the
preview and the batch created from it count the same. One query reads the previous batch, in key order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import F
from django.db.models.functions import Collate

from billing.differences import (
    CHANGED,
    NEW,
    UNCHANGED,
    VANISHED,
    change_percent,
    difference_kind,
    is_moved,
    is_nonpositive,
)
from billing.formatting import money_data
from billing.models import Organization, Receipt
from billing.selectors.batches import previous_published_batch

SHOWN = 50
Key = tuple[str, str]  # (account number, category)


@dataclass
class RegistryAnomalies:
    previous_batch_id: int | None = None
    previous_period: date | None = None
    previous_total: Decimal | None = None
    new_accounts: list[str] = field(default_factory=list)
    new_count: int = 0
    gone_accounts: list[str] = field(default_factory=list)
    gone_count: int = 0
    moved: list[tuple[str, str, Decimal, Decimal, Decimal | None]] = field(
        default_factory=list
    )  # account, category, before, now, %
    moved_count: int = 0
    not_positive: list[tuple[str, str, Decimal]] = field(default_factory=list)
    not_positive_count: int = 0
    threshold_percent: Decimal = Decimal("0")
    kinds: dict[str, int] = field(default_factory=lambda: {NEW: 0, CHANGED: 0, UNCHANGED: 0, VANISHED: 0})

    def as_dict(self) -> dict[str, object]:
        return {
            "previous_batch_id": self.previous_batch_id,
            "previous_period": f"{self.previous_period:%m.%Y}" if self.previous_period else "",
            "previous_total": money_data(self.previous_total) if self.previous_total is not None else "",
            "threshold_percent": f"{self.threshold_percent:f}",
            "new_accounts": self.new_accounts,
            "new_count": self.new_count,
            "gone_accounts": self.gone_accounts,
            "gone_count": self.gone_count,
            "moved": [
                {
                    "account": a,
                    "category": c,
                    "before": money_data(b),
                    "now": money_data(n),
                    "percent": "" if p is None else f"{p:+f}",
                }
                for a, c, b, n, p in self.moved
            ],
            "moved_count": self.moved_count,
            "not_positive": [{"account": a, "category": c, "total": money_data(t)} for a, c, t in self.not_positive],
            "not_positive_count": self.not_positive_count,
            "kinds": self.kinds,
        }


def registry_anomalies(
    *,
    organization: Organization,
    period: date,
    receipts: Iterable[tuple[str, str, Decimal, str]],
    report: Callable[[list[list]], None] | None = None,
    chunk: int = 5000,
) -> RegistryAnomalies:
    """Differences and anomalies of an upload's receipts against the last published batch.

    `receipts`: (account, category, to pay, where) in key order, as Python orders strings (code
    points; the database's `in_key_order`). Last month's receipts are read in the same order and
    the two merged, so memory holds one chunk of each whatever the month's size. Every receipt of
    the upload and every vanished one goes to `report` as [account, category, kind, before, now,
    where], in key order, `chunk` rows at a time.
    """
    threshold = organization.anomaly_threshold_percent
    found = RegistryAnomalies(threshold_percent=threshold)
    previous = previous_published_batch(organization_id=organization.pk, period=period)
    before: Iterator[tuple[str, str, Decimal]] = iter(())
    if previous is not None:
        found.previous_batch_id, found.previous_period = previous.pk, previous.period
        found.previous_total = previous.total_to_pay
        rows = Receipt.objects.filter(batch=previous).order_by(*in_key_order("account__number", "category"))
        before = rows.values_list("account__number", "category", "to_pay").iterator(chunk_size=chunk)
    pending: list[list] = []
    account_now = account_before = False
    current: str | None = None
    for key, old, new, where in _merged(iter(receipts), before):
        if key[0] != current:
            if current is not None:
                _account_closed(found, current, account_now, account_before)
            current, account_now, account_before = key[0], False, False
        account_now |= new is not None
        account_before |= old is not None
        if new is not None and is_nonpositive(new):
            found.not_positive_count += 1
            if len(found.not_positive) < SHOWN:
                found.not_positive.append((key[0], key[1], new))
        kind = difference_kind(old, new) if previous is not None else NEW
        found.kinds[kind] += 1
        if report is not None:
            pending.append([key[0], key[1], kind, _text(old), _text(new), where])
            if len(pending) >= chunk:
                report(pending)
                pending = []
        if previous is not None and kind == CHANGED and is_moved(old, new, threshold):
            found.moved_count += 1
            if len(found.moved) < SHOWN:
                found.moved.append((key[0], key[1], old, new, change_percent(old, new)))
    if current is not None:
        _account_closed(found, current, account_now, account_before)
    if pending and report is not None:
        report(pending)
    if previous is None:
        found.new_count, found.new_accounts, found.gone_count, found.gone_accounts = 0, [], 0, []
    return found


def in_key_order(*fields: str) -> list[Collate | F]:
    """ORDER BY `fields` as Python compares strings (by code point), whatever the database's collation."""
    if connection.vendor == "postgresql":
        return [Collate(F(name), "C") for name in fields]
    return [F(name) for name in fields]  # SQLite compares text by its bytes: UTF-8 keeps code point order


def _merged(
    now: Iterator[tuple[str, str, Decimal, str]], before: Iterator[tuple[str, str, Decimal]]
) -> Iterator[tuple[Key, Decimal | None, Decimal | None, str]]:
    """(key, before, now, where) of every key of either side, in key order."""
    a, b = next(now, None), next(before, None)
    while a is not None or b is not None:
        key_a = (a[0], a[1]) if a is not None else None
        key_b = (b[0], b[1]) if b is not None else None
        if key_b is None or (key_a is not None and key_a < key_b):
            yield key_a, None, a[2], a[3]
            a = next(now, None)
        elif key_a is None or key_b < key_a:
            yield key_b, b[2], None, ""
            b = next(before, None)
        else:
            yield key_a, b[2], a[2], a[3]
            a, b = next(now, None), next(before, None)


def _account_closed(found: RegistryAnomalies, account: str, now: bool, before: bool) -> None:
    if now and not before:
        found.new_count += 1
        if len(found.new_accounts) < SHOWN:
            found.new_accounts.append(account)
    elif before and not now:
        found.gone_count += 1
        if len(found.gone_accounts) < SHOWN:
            found.gone_accounts.append(account)


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else money_data(amount)


__all__ = ["CHANGED", "NEW", "UNCHANGED", "VANISHED", "RegistryAnomalies", "registry_anomalies"]
