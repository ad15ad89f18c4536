"""What a registry changes against the last published month, from totals per account.

Works from `{account number: total to pay}` so both the import preview (before any batch
exists) and other pages can use it. One aggregate query reads the previous batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from billing.models import Organization, Receipt
from billing.selectors import previous_published_batch

SHOWN = 50


@dataclass
class AccountsAnomalies:
    previous_batch_id: int | None = None
    previous_period: date | None = None
    new_accounts: list[str] = field(default_factory=list)
    new_count: int = 0
    gone_accounts: list[str] = field(default_factory=list)
    gone_count: int = 0
    moved: list[tuple[str, Decimal, Decimal, Decimal | None]] = field(default_factory=list)  # account, before, now, %
    moved_count: int = 0
    not_positive: list[tuple[str, Decimal]] = field(default_factory=list)
    not_positive_count: int = 0
    threshold_percent: Decimal = Decimal("0")

    def as_dict(self) -> dict[str, object]:
        return {
            "previous_batch_id": self.previous_batch_id,
            "previous_period": f"{self.previous_period:%m.%Y}" if self.previous_period else "",
            "threshold_percent": f"{self.threshold_percent:f}",
            "new_accounts": self.new_accounts, "new_count": self.new_count,
            "gone_accounts": self.gone_accounts, "gone_count": self.gone_count,
            "moved": [{"account": a, "before": f"{b:.2f}", "now": f"{n:.2f}",
                       "percent": "" if p is None else f"{p:.1f}"} for a, b, n, p in self.moved],
            "moved_count": self.moved_count,
            "not_positive": [{"account": a, "total": f"{t:.2f}"} for a, t in self.not_positive],
            "not_positive_count": self.not_positive_count,
        }


def accounts_anomalies(*, organization: Organization, period: date, totals: dict[str, Decimal]) -> AccountsAnomalies:
    """New and disappeared accounts, totals moved beyond the organization's threshold, totals ≤ 0."""
    threshold = organization.anomaly_threshold_percent
    found = AccountsAnomalies(threshold_percent=threshold)
    for account, total in sorted(totals.items()):
        if total <= 0:
            found.not_positive_count += 1
            if len(found.not_positive) < SHOWN:
                found.not_positive.append((account, total))
    previous = previous_published_batch(organization_id=organization.pk, period=period)
    if previous is None:
        return found
    found.previous_batch_id, found.previous_period = previous.pk, previous.period
    before = dict(
        Receipt.objects.filter(batch=previous).values("account__number").annotate(total=Sum("to_pay"))
        .values_list("account__number", "total")
    )
    for account in sorted(totals.keys() - before.keys()):
        found.new_count += 1
        if len(found.new_accounts) < SHOWN:
            found.new_accounts.append(account)
    for account in sorted(before.keys() - totals.keys()):
        found.gone_count += 1
        if len(found.gone_accounts) < SHOWN:
            found.gone_accounts.append(account)
    for account in sorted(totals.keys() & before.keys()):
        old, new = Decimal(before[account]).quantize(Decimal("0.01")), totals[account]
        if old == new:
            continue
        percent = None if old == 0 else abs(new - old) / abs(old) * 100
        if percent is None or percent > threshold:
            found.moved_count += 1
            if len(found.moved) < SHOWN:
                found.moved.append((account, old, new, percent))
    return found
