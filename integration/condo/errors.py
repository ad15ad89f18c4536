"""Condo's errors, classified by `extensions.code` (never by HTTP status alone, contract §1)."""

from __future__ import annotations

from typing import Any

from integration.condo.records import ReceiptError
from integration.logmask import mask_personal_data


class CondoError(Exception):
    """A whole call failed. `transient` means the same call may succeed later.

    The message is safe to show an accountant: it never carries a token, a password or a
    payload, only what went wrong and Condo's own error code.
    """

    def __init__(self, message: str, *, transient: bool, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.code = code
        # register_receipts: the outcomes known before the failure (None where unknown).
        self.outcomes: list[Any] | None = None

    def __repr__(self) -> str:
        return f"CondoError({self.message!r}, transient={self.transient}, code={self.code!r})"


class PayloadTooLarge(Exception):
    """Condo measured the variables (or the query) over its limit: split the chunk."""


# Whole-call codes worth retrying as they are. INTERNAL_* covers a crash inside the resolver:
# importIds make resending the same chunk safe (contract 5.3).
TRANSIENT_CODES = frozenset({"TOO_MANY_REQUESTS", "INTERNAL_SERVER_ERROR", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"})
UNAUTHENTICATED = "UNAUTHENTICATED"
ACCESS_DENIED = "ACCESS_DENIED"
ADDRESS_NOT_RECOGNIZED = "ADDRESS_NOT_RECOGNIZED_VALUE"
RECEIPT_SAVE_FAILED = "RECEIPT_SAVE_FAILED"
UNEXPECTED_VALUE = "Unexpected error value"


def mask_condo_message(text: str) -> str:
    """Condo's error text with no personal data, before it is stored, logged or shown.

    graphql-js prints a rejected plain object as `Unexpected error value: { … }`, and Condo's
    save failure rejects with the whole receipt: payer's name, address, account, amounts
    (contract 13.9). The object goes entirely; names elsewhere are masked as in the logs.
    """
    start = text.find(UNEXPECTED_VALUE)
    if start != -1:
        text = text[:start] + UNEXPECTED_VALUE + ": {…}"
    return mask_personal_data(text)


def error_code(error: dict[str, Any]) -> str:
    extensions = error.get("extensions") or {}
    return str(extensions.get("code") or "")


def is_unauthenticated(error: dict[str, Any]) -> bool:
    return error_code(error) == UNAUTHENTICATED or error.get("name") == "AuthenticationError"


def is_access_denied(error: dict[str, Any]) -> bool:
    # Condo answers access denied with INTERNAL_SERVER_ERROR, not FORBIDDEN (contract §3).
    return error.get("name") == "AccessDeniedError" or "do not have access" in str(error.get("message", ""))


def is_rate_limited(error: dict[str, Any]) -> bool:
    extensions = error.get("extensions") or {}
    return extensions.get("code") == "TOO_MANY_REQUESTS" or extensions.get("type") == "TOO_MANY_REQUESTS"


def reset_time(errors: list[dict[str, Any]]) -> float | None:
    """Unix seconds at which Condo's rate-limit window resets, when it says so."""
    for error in errors:
        interpolation = (error.get("extensions") or {}).get("messageInterpolation") or {}
        value = interpolation.get("resetTime")
        if isinstance(value, (int, float)):
            return float(value)
    return None


def is_transient(error: dict[str, Any], status: int) -> bool:
    """A whole-call error that may pass on a resend of the same request."""
    if is_access_denied(error):
        return False
    code = error_code(error)
    if is_rate_limited(error):
        # The login guard answers BAD_USER_INPUT / TOO_MANY_REQUESTS: waiting helps there too.
        return True
    if code in TRANSIENT_CODES:
        return True
    if code:
        return False
    return status >= 500


def receipt_error(error: dict[str, Any]) -> ReceiptError:
    """One per-receipt element of `errors[]` as a ReceiptError."""
    extensions = error.get("extensions") or {}
    code = str(extensions.get("code") or "UNKNOWN")
    message = str(error.get("message") or extensions.get("message") or "")
    variable = extensions.get("variable") or []
    kind = str(extensions.get("type") or "")
    retryable = code.startswith("INTERNAL")
    if "Address is not recognized" in message:
        # Condo rejects this stage with a plain object, so it arrives as INTERNAL_SERVER_ERROR
        # without type or variable (contract 5.5): a data error all the same.
        # Its message quotes the whole receipt (a full name included): keep only the reason.
        kind, variable, retryable = kind or ADDRESS_NOT_RECOGNIZED, variable or ["address"], False
        message = "Address is not recognized"
    elif message.startswith(UNEXPECTED_VALUE):
        # The receipt stage failed to save it and rejected with the receipt itself (13.9): the
        # cause is in the data, so resending the same receipt fails the same way.
        code, retryable = RECEIPT_SAVE_FAILED, False
    return ReceiptError(
        code=code,
        type=kind,
        message=mask_condo_message(message),
        message_for_user=mask_condo_message(str(extensions.get("messageForUser") or "")),
        variable=str(variable[-1]) if isinstance(variable, list) and variable else str(variable or ""),
        retryable=retryable,
    )


def describe(errors: list[dict[str, Any]]) -> str:
    """A short text of Condo's errors for a CondoError: codes and messages, nothing else."""
    parts = []
    for error in errors[:3]:
        extensions = error.get("extensions") or {}
        label = "/".join(str(v) for v in (extensions.get("code"), extensions.get("type")) if v)
        text = mask_condo_message(str(error.get("message") or ""))[:200]
        parts.append(f"{label}: {text}" if label else text)
    return "; ".join(parts)
