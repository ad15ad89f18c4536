"""Checks that need the whole file, and grouping of lines into receipts.

Streaming (`keep_drafts=False`): registries list an account's lines together, so a receipt is
complete when the next account begins; it is checked then and handed to `sink` in slices, and
memory holds one account plus eight bytes a seen account (to learn whether some account came
back later in the file: then the file is `scattered` and the caller groups it in memory, as
`keep_drafts=True` always does).
"""

from __future__ import annotations

import hashlib
import itertools
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from operator import attrgetter

from billing.amounts import AMOUNT_FIELDS
from billing.formatting import money_data
from billing.importers.base import ParsedRow, RecipientKey, RowError, ServiceDraft
from billing.importers.collect_errors import (
    account_at_two_addresses,
    account_repeated,
    bank_account_with_two_recipients,
    file_of_another_period,
    no_data_rows,
    no_recipient,
    receipt_with_two_recipients,
    row_of_another_period,
    service_repeated,
    total_not_matching,
)
from billing.importers.drafts import ZERO, AccountDraft, ImportResult, ReceiptDraft, Slice

SAMPLE_ROWS = 20
FOLDED_KEPT = 10_000
PROGRESS_EVERY = 5000
# Receipts handed to the sink at once: ~10 MB in flight. COPY makes a slice cheap, so small ones
# cost a few statements more and keep a million-row month's peak flat.
SLICE = 2_000


_service_amounts = attrgetter(*AMOUNT_FIELDS)


class Cancelled(Exception):
    """The progress callback learned that the user cancelled the upload."""


class RegistryCollector:
    def __init__(
        self,
        *,
        format_code: str,
        format_label: str,
        period: date,
        default_recipient: RecipientKey | None,
        tolerance: Decimal,
        max_errors_kept: int = 100_000,
        keep_drafts: bool = True,
        keep_totals: bool = False,
        sink: Callable[[Slice], None] | None = None,
        slice_size: int = SLICE,
    ) -> None:
        self.result = ImportResult(format_code=format_code, format_label=format_label, period=period)
        self._period = period
        self._default_recipient = default_recipient
        self._tolerance = tolerance
        self._max_errors = max_errors_kept
        self._receipts: dict[tuple[str, str], ReceiptDraft] = {}
        self._wrong_periods: Counter[date] = Counter()
        self._missing_recipient_reported = False
        self._last_row = -1
        self._keep = keep_drafts
        self._sink = sink
        self._slice_size = slice_size
        self._pending: Slice = []
        self._seen = array("q")  # 64-bit digests of the accounts already closed (streaming)
        self._open_account: str | None = None
        self._by_service: dict[str, list] = {}
        # Each open receipt's services by folded name, to find a service named twice in one lookup.
        self._service_names: dict[tuple[str, str], dict[str, ServiceDraft]] = {}
        self._folded: dict[str, str] = {}  # service name -> casefold(): a month repeats a few dozen names
        self._recipient_checked: RecipientKey | None = None  # the last recipient that agreed with its bank account
        if keep_totals and not keep_drafts:
            self.result.totals = {}
        if default_recipient is not None:
            tin, bic, bank_account = default_recipient
            self.result.bank_accounts[bank_account] = (tin, bic, None)

    # --- feeding ------------------------------------------------------------------------------

    def feed(self, items: Iterable[ParsedRow | RowError], *, progress: Callable[[int], None] | None = None) -> None:
        next_report = PROGRESS_EVERY
        add, add_error = self.add, self.add_error
        for item in items:
            if type(item) is ParsedRow:
                add(item)
                row = item.row
            else:
                add_error(item)
                row = item.row or 0
            if progress is not None and row >= next_report:
                progress(row)
                next_report = row + PROGRESS_EVERY

    def add_error(self, error: RowError) -> None:
        self.result.errors_count += 1
        if len(self.result.errors) < self._max_errors:
            self.result.errors.append(error)

    def add(self, row: ParsedRow) -> None:
        result = self.result
        number = row.row
        if number != self._last_row:
            self._last_row = number
            result.rows_read += 1
        if row.period != self._period:
            self._wrong_periods[row.period] += 1
            self.add_error(row_of_another_period(row, self._period))
        recipient = row.recipient
        if recipient is None:
            recipient = self._default_recipient
            if recipient is None:
                if not self._missing_recipient_reported:
                    self._missing_recipient_reported = True
                    self.add_error(no_recipient(row))
                recipient = ("", "", "")
        elif recipient != self._recipient_checked:
            # Lines of one account (and mostly of a whole file) repeat their recipient: checked when it changes.
            self._check_bank_account(number, recipient)
        if not self._keep and row.account != self._open_account:
            self._close_open()
            self._open_account = row.account
        account = result.accounts.get(row.account)
        if account is None:
            result.accounts[row.account] = AccountDraft(
                number, row.address, row.unit_name, row.unit_type, row.full_name, row.els, row.fias, row.owner_type
            )
        elif account.address != row.address:
            self.add_error(account_at_two_addresses(row, account))
        key = (row.account, row.category)
        receipt = self._receipts.get(key)
        if receipt is None:
            receipt = self._receipts[key] = ReceiptDraft(row.account, row.category, recipient, number)
            names = self._service_names[key] = {}
        else:
            if receipt.recipient != recipient:
                self.add_error(receipt_with_two_recipients(row, receipt, recipient))
            if not row.services or (receipt.stated is not None and row.receipt_amounts is not None):
                self.add_error(account_repeated(row, receipt))
                return
            names = self._service_names[key]
        if row.receipt_amounts is not None:
            receipt.stated = row.receipt_amounts
        folds = self._folded
        for service in row.services:
            name = service.name
            folded = folds.get(name)
            if folded is None:
                folded = name.casefold()
                if len(folds) >= FOLDED_KEPT:
                    folds.clear()
                folds[name] = folded
            earlier = names.get(folded)
            if earlier is not None:
                self.add_error(service_repeated(row, service, earlier))
            else:
                names[folded] = service
                receipt.services.append(service)
        if len(result.sample) < SAMPLE_ROWS:
            result.sample.extend(_sample(row)[: SAMPLE_ROWS - len(result.sample)])

    def _check_bank_account(self, number: int, recipient: RecipientKey) -> None:
        """One bank account, one recipient (CONTRACT.md 13.8): Condo resolves a bank account once per
        call with the first receipt's TIN and BIC and ignores the others, so a second pair would be
        published under the first one's name."""
        tin, bic, bank_account = recipient
        first = self.result.bank_accounts.setdefault(bank_account, (tin, bic, number))
        if first[:2] == (tin, bic):
            self._recipient_checked = recipient
            return
        self.add_error(bank_account_with_two_recipients(number, recipient, first))

    # --- finishing ----------------------------------------------------------------------------

    def _close_open(self) -> None:
        """Streaming: the open account's receipts are complete; check, count and hand them on."""
        if self._open_account is None:
            return
        account = self.result.accounts.pop(self._open_account)
        self._seen.append(_digest(self._open_account))
        self.result.accounts_count += 1
        for receipt in self._receipts.values():
            self._close(receipt)
            if self._sink is not None and not self.result.errors_count:
                self._pending.append((receipt, account))
        self._receipts.clear()
        self._service_names.clear()
        if len(self._pending) >= self._slice_size:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if pending and self._sink is not None and not self.result.errors_count:
            self._sink(pending)

    def _close(self, receipt: ReceiptDraft) -> None:
        result = self.result
        sums = dict.fromkeys(AMOUNT_FIELDS, ZERO)
        if receipt.services:
            # Each amount's column over the services, read and summed in C.
            columns = zip(*map(_service_amounts, receipt.services), strict=True)
            sums = {name: sum(column, ZERO) for name, column in zip(AMOUNT_FIELDS, columns, strict=True)}
        by_service = self._by_service
        for service in receipt.services:
            bucket = by_service.get(service.name)
            if bucket is None:
                bucket = by_service[service.name] = [0, ZERO]
            bucket[0] += 1
            bucket[1] += service.to_pay
        result.service_lines += len(receipt.services)
        if receipt.stated:
            # A format may state the services' total apart from the receipt's (GIS: the month's
            # charges vs the total with debt); compare services with whichever it states.
            stated_total = receipt.stated.get("services_total", receipt.stated.get("to_pay"))
            if receipt.services and stated_total is not None:
                difference = abs(sums["to_pay"] - stated_total)
                if difference > self._tolerance:
                    self.add_error(total_not_matching(receipt, stated_total, sums["to_pay"], difference))
            sums.update((key, value) for key, value in receipt.stated.items() if key in sums)
        receipt.amounts = sums
        result.total_to_pay += sums["to_pay"]
        result.receipts_count += 1
        result.recipients.add(receipt.recipient)
        if result.totals is not None:
            result.totals[receipt.account] = result.totals.get(receipt.account, ZERO) + sums["to_pay"]

    def finish(self) -> ImportResult:
        result = self.result
        if self._keep:
            for receipt in self._receipts.values():
                self._close(receipt)
            result.receipts = list(self._receipts.values())
            result.accounts_count = len(result.accounts)
            self._receipts.clear()
            self._service_names.clear()
        else:
            self._close_open()
            seen = sorted(self._seen)
            self._seen = array("q")
            result.scattered = any(a == b for a, b in itertools.pairwise(seen))
            if not result.scattered:
                self._flush()
        result.totals_by_service = sorted(
            ((n, c, s) for n, (c, s) in self._by_service.items()), key=lambda item: -item[2]
        )
        if self._wrong_periods:
            # The reason a whole file is refused comes first: a month's file for the wrong month.
            result.errors.insert(0, file_of_another_period(self._wrong_periods, self._period))
            result.errors_count += 1
        if not result.receipts_count and not result.errors_count:
            self.add_error(no_data_rows())
        if result.errors_count:
            # A refused file creates nothing, so nothing of it needs to stay in memory.
            result.receipts, result.accounts = [], {}
        return result


def _digest(account: str) -> int:
    return int.from_bytes(hashlib.blake2b(account.encode(), digest_size=8).digest(), "little", signed=True)


def _sample(row: ParsedRow) -> list[dict[str, str]]:
    base = {
        "row": str(row.row),
        "account": row.account,
        "address": row.address,
        "unit": row.unit_name,
        "full_name": row.full_name,
    }
    if not row.services:
        to_pay = (row.receipt_amounts or {}).get("to_pay")
        return [{**base, "service": "", "to_pay": "" if to_pay is None else money_data(to_pay)}]
    return [{**base, "row": str(s.row), "service": s.name, "to_pay": money_data(s.to_pay)} for s in row.services]
