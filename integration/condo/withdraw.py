"""Withdrawing receipts (soft delete through updateBillingReceipts) and attaching PDFs."""

from __future__ import annotations

import base64
from typing import Any

from integration.condo.caller import CondoCaller
from integration.condo.errors import ACCESS_DENIED, CondoError, PayloadTooLarge, receipt_error
from integration.condo.payloads import DV
from integration.condo.records import ReceiptError
from integration.condo.sizing import object_sizeof

FILE_STATUSES = frozenset({"CREATED", "UPDATED", "SKIPPED"})


def withdraw_receipts(client: CondoCaller, condo_ids: list[str]) -> dict[str, ReceiptError | None]:
    """Soft-delete receipts in Condo; None for each id that is withdrawn (now or before).

    Condo always refuses the delete mutation; `deletedAt: "true"` is replaced by its own
    time (contract §10). The bulk update is all or nothing: one id already deleted (a lost
    answer, a retry after a crash, a deletion in Condo's UI), unknown or not ours denies the
    whole call, and Condo never answers "Already deleted" there (contract 13.1). So a denied
    chunk is read back: what is deleted counts as withdrawn, the live rest is sent again, and
    an id that is neither live and ours nor deleted is refused on its own.
    """
    unique = list(dict.fromkeys(condo_ids))  # Condo wants the ids of one call unique
    results: dict[str, ReceiptError | None] = {}
    size = client.withdraw_chunk_size
    for start in range(0, len(unique), size):
        _withdraw(client, unique[start : start + size], results)
    return results


def _withdraw(client: CondoCaller, ids: list[str], results: dict[str, ReceiptError | None]) -> None:
    pending = ids
    while pending:  # every pass either ends or settles at least one id, so it ends
        try:
            answer, verdict = _update(client, pending)
        except CondoError as error:
            if error.transient:
                raise
            if error.code != ACCESS_DENIED:
                for condo_id in pending:
                    results[condo_id] = ReceiptError(
                        code=error.code or "REFUSED", message=error.message, retryable=False
                    )
                return
            pending = _settle_denied(client, pending, results)
            continue
        _record(answer, verdict, pending, results)
        return


def _update(client: CondoCaller, ids: list[str]) -> tuple[Any, Any]:
    data = [{"id": condo_id, "data": {"dv": DV, "sender": client.sender, "deletedAt": "true"}} for condo_id in ids]
    return client.call("updateBillingReceipts", {"data": data}, receipts=len(ids), per_item=True)


def _settle_denied(client: CondoCaller, ids: list[str], results: dict[str, ReceiptError | None]) -> list[str]:
    """After an access-denied chunk: the ids still worth sending (and results for the others)."""
    deleted = _read_ids(client, {"id_in": ids, "deletedAt_not": None})
    for condo_id in deleted:
        results[condo_id] = None  # already withdrawn: what a resend sees
    rest = [condo_id for condo_id in ids if condo_id not in deleted]
    if deleted or not rest:
        return rest
    # Nothing was deleted, so something here is not a live receipt of ours.
    live = _read_ids(client, {"id_in": rest})
    refused = [condo_id for condo_id in rest if condo_id not in live]
    if not refused:
        refused, live = rest, set()  # all live and visible, yet denied: the context itself is refused
    for condo_id in refused:
        results[condo_id] = ReceiptError(code=ACCESS_DENIED, message=_NOT_YOURS, retryable=False)
    return [condo_id for condo_id in rest if condo_id in live]


def _read_ids(client: CondoCaller, where: dict[str, Any]) -> set[str]:
    ids = where["id_in"]
    found: set[str] = set()
    for start in range(0, len(ids), READ_PAGE):  # Condo caps a list; 100 is also its cheapest bucket
        answer, _ = client.call(
            "receiptsDeletedAt", {"where": {**where, "id_in": ids[start : start + READ_PAGE]}, "first": READ_PAGE}
        )
        rows = (answer.data or {}).get("objs")
        if not isinstance(rows, list):
            raise CondoError("Condo не вернул список квитанций.", transient=True, code="BAD_RESPONSE")
        found.update(str(row["id"]) for row in rows if row)
    return found


def _record(answer: Any, verdict: Any, ids: list[str], results: dict[str, ReceiptError | None]) -> None:
    rows = (answer.data or {}).get("result") or []
    for position, condo_id in enumerate(ids):
        error = verdict.item_errors.get(position)
        if error is not None:
            results[condo_id] = receipt_error(error)
        elif position >= len(rows) or not rows[position]:
            results[condo_id] = ReceiptError(code="UNKNOWN", message="Condo не подтвердил отзыв.", retryable=True)
        else:
            results[condo_id] = None


READ_PAGE = 100
_NOT_YOURS = (
    "Condo не нашёл эту квитанцию среди действующих квитанций интеграции и среди отозванных: "
    "она не существует, принадлежит другому контексту или у пользователя интеграции нет прав на неё."
)


def register_receipt_file(client: CondoCaller, context_id: str, import_id: str, pdf: bytes) -> str:
    """Attach a PDF to the receipt with this importId: "CREATED", "UPDATED" or "SKIPPED".

    Condo compares md5 of the base64 *text* (contract §7): canonical base64 without line
    breaks keeps an unchanged PDF "SKIPPED".
    """
    encoded = base64.b64encode(pdf).decode("ascii")
    variables: dict[str, Any] = {
        "data": {
            "dv": DV,
            "sender": client.sender,
            "context": {"id": context_id},
            "receipt": {"importId": import_id},
            "base64EncodedPDF": encoded,
        }
    }
    if object_sizeof(variables) > client.max_variables_bytes:
        raise CondoError(
            f"PDF квитанции {import_id} слишком велик для одного запроса к Condo ({len(pdf)} байт).",
            transient=False,
            code="PAYLOAD_TOO_LARGE",
        )
    try:
        answer, _ = client.call("registerBillingReceiptFile", variables, receipts=1)
    except PayloadTooLarge as error:
        raise CondoError(
            f"Condo счёл PDF квитанции {import_id} слишком большим.", transient=False, code="PAYLOAD_TOO_LARGE"
        ) from error
    status = ((answer.data or {}).get("result") or {}).get("status")
    if status not in FILE_STATUSES:
        raise CondoError("Condo не подтвердил приём PDF.", transient=True, code="BAD_RESPONSE")
    return str(status)
