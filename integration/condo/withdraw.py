"""Withdrawing receipts (soft delete through updateBillingReceipts) and attaching PDFs."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from integration.condo.errors import CondoError, PayloadTooLarge, receipt_error
from integration.condo.payloads import DV
from integration.condo.records import ReceiptError
from integration.condo.sizing import object_sizeof

if TYPE_CHECKING:
    from integration.condo.client import CondoClient

FILE_STATUSES = frozenset({"CREATED", "UPDATED", "SKIPPED"})


def withdraw_receipts(client: CondoClient, condo_ids: list[str]) -> dict[str, ReceiptError | None]:
    """Soft-delete receipts in Condo; None for each id that is withdrawn (now or before).

    Condo always refuses the delete mutation; `deletedAt: "true"` is replaced by its own
    time (contract §10). A bulk update fails as a whole when one id is refused, so a
    refused chunk is halved until the refused ids stand alone. "Already deleted" counts as
    withdrawn: that is what a resend after a lost answer sees.
    """
    unique = list(dict.fromkeys(condo_ids))  # Condo wants the ids of one call unique
    results: dict[str, ReceiptError | None] = {}
    size = client.withdraw_chunk_size
    for start in range(0, len(unique), size):
        _withdraw(client, unique[start:start + size], results)
    return results


def _withdraw(client: CondoClient, ids: list[str], results: dict[str, ReceiptError | None]) -> None:
    data = [{"id": condo_id, "data": {"dv": DV, "sender": client.sender, "deletedAt": "true"}} for condo_id in ids]
    try:
        answer, verdict = client.call("updateBillingReceipts", {"data": data}, receipts=len(ids), per_item=True)
    except CondoError as error:
        if error.transient:
            raise
        if len(ids) > 1:
            middle = len(ids) // 2
            _withdraw(client, ids[:middle], results)
            _withdraw(client, ids[middle:], results)
            return
        if _already_deleted(error.message):
            results[ids[0]] = None
        else:
            message = _NOT_YOURS if error.code == "ACCESS_DENIED" else error.message
            results[ids[0]] = ReceiptError(code=error.code or "REFUSED", message=message, retryable=False)
        return
    rows = (answer.data or {}).get("result") or []
    for position, condo_id in enumerate(ids):
        error = verdict.item_errors.get(position)
        if error is not None and not _already_deleted(str(error.get("message", ""))):
            results[condo_id] = receipt_error(error)
        elif error is None and (position >= len(rows) or not rows[position]):
            results[condo_id] = ReceiptError(code="UNKNOWN", message="Condo не подтвердил отзыв.", retryable=True)
        else:
            results[condo_id] = None


_NOT_YOURS = "Condo не нашёл эту квитанцию или не дал пользователю интеграции прав на её изменение."


def _already_deleted(message: str) -> bool:
    return "already deleted" in message.lower()


def register_receipt_file(client: CondoClient, context_id: str, import_id: str, pdf: bytes) -> str:
    """Attach a PDF to the receipt with this importId: "CREATED", "UPDATED" or "SKIPPED".

    Condo compares md5 of the base64 *text* (contract §7): canonical base64 without line
    breaks keeps an unchanged PDF "SKIPPED".
    """
    encoded = base64.b64encode(pdf).decode("ascii")
    variables: dict[str, Any] = {"data": {
        "dv": DV, "sender": client.sender, "context": {"id": context_id},
        "receipt": {"importId": import_id}, "base64EncodedPDF": encoded,
    }}
    if object_sizeof(variables) > client.max_variables_bytes:
        raise CondoError(f"PDF квитанции {import_id} слишком велик для одного запроса к Condo ({len(pdf)} байт).",
                         transient=False, code="PAYLOAD_TOO_LARGE")
    try:
        answer, _ = client.call("registerBillingReceiptFile", variables, receipts=1)
    except PayloadTooLarge as error:
        raise CondoError(f"Condo счёл PDF квитанции {import_id} слишком большим.", transient=False,
                         code="PAYLOAD_TOO_LARGE") from error
    status = ((answer.data or {}).get("result") or {}).get("status")
    if status not in FILE_STATUSES:
        raise CondoError("Condo не подтвердил приём PDF.", transient=True, code="BAD_RESPONSE")
    return str(status)

