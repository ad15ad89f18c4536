"""What a registry changes against the last published batch, receipt by receipt, before any batch exists.

The import preview's half of billing.differences (the batch page's half is billing.selectors.review): the
same keys (account and category), the same kinds, the same anomalies and threshold rule, so the
preview and the batch created from it count the same. One query reads the previous batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

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
    # Every receipt of the upload and every vanished one: [account, category, kind, before, now], for paging.
    report: list[list] = field(default_factory=list)

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


def registry_anomalies(*, organization: Organization, period: date, totals: dict[Key, Decimal]) -> RegistryAnomalies:
    """Differences and anomalies of an upload's receipts (`totals`: to pay per account and category)."""
    threshold = organization.anomaly_threshold_percent
    found = RegistryAnomalies(threshold_percent=threshold)
    for (account, category), total in sorted(totals.items()):
        if is_nonpositive(total):
            found.not_positive_count += 1
            if len(found.not_positive) < SHOWN:
                found.not_positive.append((account, category, total))
    previous = previous_published_batch(organization_id=organization.pk, period=period)
    before: dict[Key, Decimal] = {}
    if previous is not None:
        found.previous_batch_id, found.previous_period = previous.pk, previous.period
        found.previous_total = previous.total_to_pay
        rows = Receipt.objects.filter(batch=previous).values_list("account__number", "category", "to_pay")
        before = {(account, category): to_pay for account, category, to_pay in rows.iterator(chunk_size=5000)}
    for key in sorted(totals.keys() | before.keys()):
        old, new = before.get(key), totals.get(key)
        kind = difference_kind(old, new) if previous is not None else NEW
        found.kinds[kind] += 1
        found.report.append([key[0], key[1], kind, _text(old), _text(new)])
        if previous is not None and kind == CHANGED and is_moved(old, new, threshold):
            found.moved_count += 1
            if len(found.moved) < SHOWN:
                found.moved.append((key[0], key[1], old, new, change_percent(old, new)))
    if previous is None:
        return found
    accounts_now = {account for account, _ in totals}
    accounts_before = {account for account, _ in before}
    found.new_count, found.new_accounts = _listed(accounts_now - accounts_before)
    found.gone_count, found.gone_accounts = _listed(accounts_before - accounts_now)
    return found


def _listed(accounts: set[str]) -> tuple[int, list[str]]:
    return len(accounts), sorted(accounts)[:SHOWN]


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else money_data(amount)


__all__ = ["CHANGED", "NEW", "UNCHANGED", "VANISHED", "RegistryAnomalies", "registry_anomalies"]
