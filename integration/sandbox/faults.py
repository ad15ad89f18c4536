"""Faults the sandbox can inject, changeable while it runs (tests flip them between calls)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

LOGIN_OPERATIONS = frozenset({"authenticateUserWithPassword", "authenticateUserWithPhoneAndPassword"})


@dataclass(frozen=True)
class Rejection:
    """A per-receipt error as Condo formats it. `quirk=True` gives the "Unexpected error value"
    shape Condo uses for an unrecognised address (no type, no variable, INTERNAL_SERVER_ERROR)."""

    code: str
    type: str
    message: str
    variable: str
    quirk: bool = False


# Condo's catalogue (contract 5.5), by the key a test names.
REJECTIONS = {
    "WRONG_MONTH": Rejection(
        "BAD_USER_INPUT",
        "WRONG_FORMAT",
        "Month is wrong for some receipts. Month should be greater then 0 and less then 13. "
        "Example: 1 - January. 12 - December",
        "month",
    ),
    "WRONG_YEAR": Rejection("BAD_USER_INPUT", "WRONG_FORMAT", "Year is wrong for some receipts", "year"),
    "BANK_FOUND_ERROR": Rejection("BAD_USER_INPUT", "WRONG_VALUE", "Can not find bank with this routing number", "bic"),
    "ORGANIZATION_FOUND_ERROR": Rejection(
        "BAD_USER_INPUT", "WRONG_VALUE", "Can not find organization with this tin", "tin"
    ),
    "RECIPIENT_SAVE_FAILED": Rejection("INTERNAL_ERROR", "WRONG_VALUE", "Failed to save recipient", "bankAccount"),
    "ADDRESS_NOT_RECOGNIZED_VALUE": Rejection(
        "INTERNAL_SERVER_ERROR", "", "Address is not recognized. Please check the address", "address", quirk=True
    ),
    "PROPERTY_SAVE_FAILED": Rejection("INTERNAL_ERROR", "WRONG_VALUE", "Failed to save property", "address"),
    "ACCOUNT_SAVE_FAILED": Rejection("INTERNAL_ERROR", "WRONG_VALUE", "Failed to save account", "accountNumber"),
    "BILLING_CATEGORY_NOT_FOUND": Rejection("BAD_USER_INPUT", "NOT_FOUND", "Billing category not found", "category"),
    # Declared, never attached: the receipt itself comes back (contract 13.9).
    "RECEIPT_SAVE_FAILED": Rejection("INTERNAL_SERVER_ERROR", "", "", "importId", quirk=True),
}

# The pipeline stage where a rejection on this variable happens (contract 5.2).
STAGE_OF_VARIABLE = {
    "month": 0,
    "year": 0,
    "bic": 1,
    "tin": 1,
    "bankAccount": 1,
    "address": 2,
    "accountNumber": 3,
    "category": 4,
    "importId": 6,  # the receipt stage rejects with the working object itself (register.py)
}


@dataclass
class FaultConfig:
    """What to break. Counters count calls other than the login mutations (unless `include_login`).

    - `error_every_nth`: answer HTTP 500 to every Nth call (nothing is stored).
    - `rate_limit_calls`: refuse the next N calls with TOO_MANY_REQUESTS, as HTTP
      `rate_limit_status` (Condo's 400, or 429 with Retry-After), reset in `rate_limit_reset_seconds`.
    - `latency_seconds`: wait this long before answering each call.
    - `drop_after_store`: for the next N calls of `drop_operations` (registerBillingReceipts unless
      told otherwise), store what they write and then close the connection without an answer.
    - `reject`: importId → a REJECTIONS key or a Rejection, for that receipt at its stage.
    - `token_ttl_seconds`: tokens issued from now on expire after this many seconds.
    """

    error_every_nth: int = 0
    rate_limit_calls: int = 0
    rate_limit_status: int = 400
    rate_limit_reset_seconds: float = 1.0
    latency_seconds: float = 0.0
    drop_after_store: int = 0
    drop_operations: tuple[str, ...] = ("registerBillingReceipts",)
    reject: dict[str, str | Rejection] = field(default_factory=dict)
    token_ttl_seconds: float | None = None
    include_login: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)
    _calls: int = field(default=0, init=False, repr=False)

    def counts(self, operation: str) -> bool:
        return self.include_login or operation not in LOGIN_OPERATIONS

    def next_call(self) -> int:
        with self._lock:
            self._calls += 1
            return self._calls

    def take_rate_limit(self) -> bool:
        return self._take("rate_limit_calls")

    def take_drop(self) -> bool:
        return self._take("drop_after_store")

    def _take(self, counter: str) -> bool:
        """Spend one of the calls a counter still owes, if any (server threads race for them)."""
        with self._lock:
            left = getattr(self, counter)
            if left > 0:
                setattr(self, counter, left - 1)
                return True
            return False

    def rejection_for(self, import_id: str | None) -> Rejection | None:
        if not import_id or not self.reject:
            return None
        chosen = self.reject.get(import_id)
        if chosen is None:
            return None
        return REJECTIONS[chosen] if isinstance(chosen, str) else chosen
