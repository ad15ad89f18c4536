"""What reading a registry yields: accounts and receipts as drafts, and the result the preview and the write use.

billing/importers/collect.py fills them; billing/services/registry/ stages and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from billing.formatting import money_data
from billing.importers.base import RecipientKey, RowError, ServiceDraft

Slice = list[tuple["ReceiptDraft", "AccountDraft"]]

ZERO = Decimal("0.00")


@dataclass(slots=True)
class AccountDraft:
    row: int
    address: str
    unit_name: str
    unit_type: str
    full_name: str
    els: str
    fias: str
    owner_type: str = ""  # "" when the registry does not say: Condo then guesses from the name


@dataclass(slots=True)
class ReceiptDraft:
    account: str
    category: str
    recipient: RecipientKey
    row: int
    services: list[ServiceDraft] = field(default_factory=list)
    stated: dict[str, Decimal] | None = None  # amounts the file states for the receipt itself
    amounts: dict[str, Decimal] | None = None  # final amounts, set by `finish`


@dataclass
class ImportResult:
    format_code: str
    format_label: str
    period: date
    rows_read: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_count: int = 0
    accounts: dict[str, AccountDraft] = field(default_factory=dict)
    receipts: list[ReceiptDraft] = field(default_factory=list)
    recipients: set[RecipientKey] = field(default_factory=set)
    # Each bank account with the (tin, bic) it was first given and the row that gave it.
    bank_accounts: dict[str, tuple[str, str, int | None]] = field(default_factory=dict)
    service_lines: int = 0
    total_to_pay: Decimal = ZERO
    totals_by_service: list[tuple[str, int, Decimal]] = field(default_factory=list)
    sample: list[dict[str, str]] = field(default_factory=list)
    accounts_count: int = 0
    receipts_count: int = 0
    # Some account's lines stood apart in the file: streaming could not group them (see module doc).
    scattered: bool = False
    totals: dict[str, Decimal] | None = None  # per account, when asked for without the drafts

    @property
    def ok(self) -> bool:
        return self.errors_count == 0

    def account_totals(self) -> dict[str, Decimal]:
        if self.totals is not None:
            return self.totals
        totals: dict[str, Decimal] = {}
        for receipt in self.receipts:
            assert receipt.amounts is not None  # `finish` sets every receipt's amounts
            totals[receipt.account] = totals.get(receipt.account, ZERO) + receipt.amounts["to_pay"]
        return totals

    def summary(self) -> dict[str, object]:
        """What the preview shows, as JSON-ready values (money as decimal strings)."""
        return {
            "format": self.format_code,
            "format_label": self.format_label,
            "period": f"{self.period:%Y-%m}",
            "rows": self.rows_read,
            "accounts": self.accounts_count,
            "receipts": self.receipts_count,
            "service_lines": self.service_lines,
            "total_to_pay": money_data(self.total_to_pay),
            "totals_by_service": [
                {"name": name, "lines": lines, "to_pay": money_data(to_pay)}
                for name, lines, to_pay in self.totals_by_service
            ],
            "sample": self.sample,
        }
