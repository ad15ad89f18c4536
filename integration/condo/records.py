"""Plain values the client takes and returns: no Django, no gql, cheap to build in bulk.

The three built once per receipt of a publish (ServiceIn, ReceiptIn, ReceiptOutcome) are not
frozen: a frozen dataclass sets each field through object.__setattr__, which made a ReceiptIn
cost 5 µs to build instead of 0.4 µs. Nothing mutates them; they are values all the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class ServiceIn:
    """One service line of a receipt, as the publishing code reads it from the database.

    Not billing's ServiceDraft, though the fields look alike: that is a file's row before its
    checks (its row number, zeros for the columns a format lacks); this is what Condo is sent
    from an approved batch, every amount stated, in the order of Condo's own service fields.
    """

    id: str
    name: str
    to_pay: Decimal
    charge: Decimal
    balance: Decimal
    recalculation: Decimal
    privilege: Decimal
    penalty: Decimal
    paid: Decimal
    volume: Decimal | None = None
    tariff: Decimal | None = None
    measure: str = ""


@dataclass(slots=True)
class ReceiptIn:
    """One receipt to publish. `period` is the first day of the month."""

    import_id: str
    address: str
    unit_name: str
    unit_type: str
    account_number: str
    full_name: str
    owner_type: str
    account_global_id: str  # ЕЛС, may be ""
    address_global_id: str  # FIAS house GUID, may be ""
    is_closed: bool
    period: date
    to_pay: Decimal
    charge: Decimal
    balance: Decimal
    recalculation: Decimal
    privilege: Decimal
    penalty: Decimal
    paid: Decimal
    services: tuple[ServiceIn, ...]
    category_id: str
    tin: str
    bic: str
    bank_account: str
    # SHA-256 of the document as approved; when set, the client sends nothing else (see register.py).
    digest: str = ""


@dataclass(slots=True, frozen=True)
class ReceiptError:
    """Why Condo (or the client, before sending) refused one receipt.

    `variable` is the last element of Condo's `extensions.variable` ("month", "bic", …), the
    part that tells its generic error types apart. `retryable` means the same data may pass
    later (a server-side failure), as opposed to a data error that must be fixed first.
    """

    code: str
    type: str = ""
    message: str = ""
    message_for_user: str = ""
    variable: str = ""
    retryable: bool = False


@dataclass(slots=True)
class ReceiptOutcome:
    """What became of one receipt. An accepted receipt can still be one residents cannot use as
    meant: `receiver_approved` False (Condo has not approved its recipient, contract 13.5: it
    cannot be paid) or `services_error` set (Condo's invalidServicesError, 13.2)."""

    import_id: str
    accepted: bool
    condo_id: str | None = None
    to_pay: Decimal | None = None
    error: ReceiptError | None = None
    receiver_approved: bool | None = None  # None: not asked or not answered
    services_error: str = ""


@dataclass(slots=True, frozen=True)
class CallRecord:
    """One HTTP call to Condo, for the caller's own audit trail (`on_call`)."""

    operation: str
    receipts: int
    bytes: int
    attempt: int
    duration_ms: int
    outcome: str  # "ok" | "partial" | "error"
    error_class: str = ""  # "" | "transient" | "permanent"
    error_code: str = ""
    request_id: str = ""


@dataclass(slots=True, frozen=True)
class CondoReceipt:
    """A receipt as Condo holds it, for reconciliation."""

    id: str
    import_id: str
    to_pay: Decimal
    account_number: str
    period: date
    has_file: bool = False  # a PDF is attached (registerBillingReceiptFile, contract §7)


@dataclass(slots=True, frozen=True)
class CondoAccount:
    """A personal account as Condo holds it, to compare with a registry. No personal data."""

    id: str
    number: str
    unit_name: str
    unit_type: str
    global_id: str
    import_id: str
    is_closed: bool
    address: str
    property_global_id: str = ""  # the house's FIAS id, when Condo knows it
