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
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from billing.amounts import AMOUNT_FIELDS
from billing.formatting import format_money, money_data
from billing.importers.base import ParsedRow, RecipientKey, RowError, ServiceDraft
from billing.importers.checks import period_label

Slice = list[tuple["ReceiptDraft", "AccountDraft"]]

ZERO = Decimal("0.00")
SAMPLE_ROWS = 20
PROGRESS_EVERY = 5000
# Receipts handed to the sink at once: ~10 MB in flight. COPY makes a slice cheap, so small ones
# cost a few statements more and keep a million-row month's peak flat.
SLICE = 2_000


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
        if row.row != self._last_row:
            self._last_row = row.row
            result.rows_read += 1
        if row.period != self._period:
            self._wrong_periods[row.period] += 1
            self.add_error(
                RowError(
                    row.row,
                    "Период",
                    period_label(row.period),
                    f"период не совпадает с периодом пакета {period_label(self._period)}",
                )
            )
        recipient = row.recipient or self._default_recipient
        if recipient is None:
            if not self._missing_recipient_reported:
                self._missing_recipient_reported = True
                self.add_error(
                    RowError(
                        row.row,
                        "ИНН получателя",
                        "",
                        "в реестре нет реквизитов получателя, а у организации не указан получатель "
                        "по умолчанию: заполните его в карточке организации",
                    )
                )
            recipient = ("", "", "")
        elif row.recipient is not None:
            self._check_bank_account(row.row, row.recipient)
        if not self._keep and row.account != self._open_account:
            self._close_open()
            self._open_account = row.account
        account = result.accounts.get(row.account)
        if account is None:
            result.accounts[row.account] = AccountDraft(
                row.row, row.address, row.unit_name, row.unit_type, row.full_name, row.els, row.fias, row.owner_type
            )
        elif account.address != row.address:
            self.add_error(
                RowError(
                    row.row,
                    "Адрес",
                    row.address,
                    f"лицевой счёт {row.account} уже указан в строке {account.row} с адресом "
                    f"«{account.address}»: один счёт не может относиться к двум адресам",
                )
            )
        key = (row.account, row.category)
        receipt = self._receipts.get(key)
        if receipt is None:
            receipt = self._receipts[key] = ReceiptDraft(row.account, row.category, recipient, row.row)
        else:
            if receipt.recipient != recipient:
                self.add_error(
                    RowError(
                        row.row,
                        "Расчётный счёт",
                        recipient[2],
                        f"у лицевого счёта {row.account} в строке {receipt.row} указан другой получатель "
                        "платежа: в одной квитанции получатель один",
                    )
                )
            if not row.services or (receipt.stated is not None and row.receipt_amounts is not None):
                self.add_error(
                    RowError(
                        row.row,
                        "Лицевой счёт",
                        row.account,
                        f"лицевой счёт повторяется: уже был в строке {receipt.row}",
                    )
                )
                return
        if row.receipt_amounts is not None:
            receipt.stated = row.receipt_amounts
        for service in row.services:
            folded = service.name.casefold()
            for earlier in receipt.services:
                if earlier.name.casefold() == folded:
                    self.add_error(
                        RowError(
                            service.row,
                            "Услуга",
                            service.name,
                            f"услуга для лицевого счёта {row.account} повторяется: уже была в строке {earlier.row}",
                        )
                    )
                    break
            else:
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
            return
        where = "в карточке организации (получатель по умолчанию)" if first[2] is None else f"в строке {first[2]}"
        column, label, value, other = (
            ("ИНН получателя", "ИНН", tin, first[0]) if first[0] != tin else ("БИК", "БИК", bic, first[1])
        )
        self.add_error(
            RowError(
                number,
                column,
                value,
                f"расчётный счёт {bank_account} {where} указан с другим {label} {other}: у одного "
                "расчётного счёта один получатель",
            )
        )

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
        if len(self._pending) >= self._slice_size:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if pending and self._sink is not None and not self.result.errors_count:
            self._sink(pending)

    def _close(self, receipt: ReceiptDraft) -> None:
        result = self.result
        sums = dict.fromkeys(AMOUNT_FIELDS, ZERO)
        by_service = self._by_service
        for service in receipt.services:
            for name in AMOUNT_FIELDS:
                sums[name] += getattr(service, name)
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
                    self.add_error(
                        RowError(
                            receipt.row,
                            "Итого к оплате",
                            format_money(stated_total),
                            f"итог не сходится с суммой услуг {format_money(sums['to_pay'])} "
                            f"(расхождение {format_money(difference)})",
                        )
                    )
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
            found = ", ".join(f"{period_label(p)} ({n} стр.)" for p, n in self._wrong_periods.most_common(3))
            # The reason a whole file is refused comes first: a month's file for the wrong month.
            result.errors.insert(
                0,
                RowError(
                    None,
                    "Период",
                    found,
                    f"реестр за другой период: пакет — за {period_label(self._period)}. "
                    "Файл отклонён целиком; выберите верный период или другой файл",
                ),
            )
            result.errors_count += 1
        if not result.receipts_count and not result.errors_count:
            self.add_error(RowError(None, "", "", "в файле нет строк с данными"))
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
