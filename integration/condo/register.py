"""registerBillingReceipts: chunk, send, split what Condo finds too large, read the answer back."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

from integration.condo.caller import CondoCaller
from integration.condo.chunking import Item, Oversized, halves, plan_chunks
from integration.condo.errors import CondoError, PayloadTooLarge, mask_condo_message, receipt_error
from integration.condo.jsontext import EncodedArray
from integration.condo.money import money_from_wire
from integration.condo.payloads import DV, PayloadError, receipt_json
from integration.condo.records import ReceiptError, ReceiptIn, ReceiptOutcome
from integration.condo.sizing import object_sizeof

logger = logging.getLogger("integration.condo")

OPERATION = "registerBillingReceipts"


# Told, after every call Condo answered, which receipts' outcomes have just become known.
OnOutcomes = Callable[[list[int], list[ReceiptOutcome]], None]


def register_receipts(
    client: CondoCaller, context_id: str, receipts: list[ReceiptIn], on_outcomes: OnOutcomes | None = None
) -> list[ReceiptOutcome]:
    """Publish receipts; one outcome per input, in input order.

    Splits by count (the client's chunk size, at most 1000) and by size (the variables must
    stay under Condo's 512 KiB, measured its way, with the client's margin). A chunk Condo
    still finds too large is halved and resent; a receipt too large on its own fails alone
    with RECEIPT_TOO_LARGE. Per-receipt rejections come back as outcomes; a whole-call failure
    that survives the retries raises CondoError, whose `outcomes` holds what was already known
    (resending those receipts is safe: Condo matches them by importId).

    `on_outcomes(indices, outcomes)` is called after every call Condo answered, with the inputs
    whose outcomes that call (or the client, before sending) settled: a caller stores them at
    once, so a later failure never loses what Condo already accepted. An exception it raises
    stops publishing before the next call.
    """
    outcomes: list[ReceiptOutcome | None] = [None] * len(receipts)
    envelope = _variables(client, context_id, [])
    room = client.max_variables_bytes - object_sizeof(envelope)
    texts = _texts(receipts, outcomes)
    told = [False] * len(receipts)

    def report() -> None:
        # Every outcome settled since the last report: this call's, and any refused before sending.
        if on_outcomes is None:
            return
        fresh = [index for index, outcome in enumerate(outcomes) if outcome is not None and not told[index]]
        for index in fresh:
            told[index] = True
        if fresh:
            on_outcomes(fresh, [outcome for index in fresh if (outcome := outcomes[index]) is not None])

    try:
        for planned in plan_chunks(texts, max_count=client.chunk_size, max_bytes=room):
            if isinstance(planned, Oversized):
                outcomes[planned.index] = _too_large(receipts[planned.index], planned.size)
            else:
                _send(client, context_id, receipts, planned, outcomes)
                report()
    except CondoError as error:
        error.outcomes = outcomes
        report()  # what earlier calls settled is stored before the failure goes up
        raise
    for index, outcome in enumerate(outcomes):
        if outcome is None:
            outcomes[index] = _missing(receipts[index])
    report()
    return outcomes  # type: ignore[return-value]  # every item was settled above


def _variables(client: CondoCaller, context_id: str, receipts: list | EncodedArray) -> dict[str, Any]:
    return {"data": {"dv": DV, "sender": client.sender, "context": {"id": context_id}, "receipts": receipts}}


def _texts(receipts: list[ReceiptIn], outcomes: list[ReceiptOutcome | None]) -> Iterator[tuple[int, str]]:
    """Each receipt's JSON, encoded once: sized here, then sent as it is.

    A receipt that carries the digest of its approved document is sent only as that document:
    anything else stops publishing before the call (what an approver signed is what Condo gets).
    """
    for index, receipt in enumerate(receipts):
        try:
            text = receipt_json(receipt)
            if receipt.digest and hashlib.sha256(text.encode()).hexdigest() != receipt.digest:
                raise CondoError(
                    f"Квитанция {receipt.import_id} не совпадает с утверждённой: она не отправлена, "
                    "публикация остановлена.",
                    transient=False,
                    code="SEAL_MISMATCH",
                )
            yield index, text
        except PayloadError as error:
            outcomes[index] = ReceiptOutcome(
                receipt.import_id,
                False,
                error=ReceiptError(code=error.code, type="WRONG_FORMAT", message=str(error), retryable=False),
            )


def _send(
    client: CondoCaller,
    context_id: str,
    receipts: list[ReceiptIn],
    chunk: list[Item],
    outcomes: list[ReceiptOutcome | None],
) -> None:
    variables = _variables(client, context_id, EncodedArray([item.text for item in chunk]))
    try:
        answer, verdict = client.call(OPERATION, variables, receipts=len(chunk), per_item=True)
    except PayloadTooLarge:
        if len(chunk) == 1:
            outcomes[chunk[0].index] = _too_large(receipts[chunk[0].index], chunk[0].size)
            return
        logger.info("condo %s: Condo found %s receipts too large; splitting", OPERATION, len(chunk))
        for half in halves(chunk):
            _send(client, context_id, receipts, half, outcomes)
        return
    results = (answer.data or {}).get("result")
    if not isinstance(results, list) or len(results) != len(chunk):
        raise CondoError("Condo ответил списком другой длины, чем отправлено.", transient=True, code="BAD_RESPONSE")
    for position, (item, result) in enumerate(zip(chunk, results)):
        outcomes[item.index] = _outcome(receipts[item.index], result, verdict.item_errors.get(position))


def _outcome(receipt: ReceiptIn, result: dict[str, Any] | None, error: dict[str, Any] | None) -> ReceiptOutcome:
    field_error = ""
    if error is not None:
        if not result or len(error.get("path") or ()) <= 2:
            return ReceiptOutcome(receipt.import_id, False, error=receipt_error(error))
        # An error inside a saved receipt (reading invalidServicesError failed in big.js, 13.2):
        # the receipt is Condo's all the same.
        field_error = mask_condo_message(str(error.get("message") or ""))
    if not result:
        return _missing(receipt)
    if result.get("importId") not in (None, receipt.import_id):
        return ReceiptOutcome(
            receipt.import_id,
            False,
            error=ReceiptError(
                code="BAD_RESPONSE", message="Condo вернул квитанцию с другим importId.", retryable=True
            ),
        )
    receiver = result.get("receiver")
    approved = receiver.get("isApproved") if isinstance(receiver, dict) else None
    return ReceiptOutcome(
        receipt.import_id,
        True,
        condo_id=str(result["id"]),
        to_pay=money_from_wire(result.get("toPay")),
        receiver_approved=approved if isinstance(approved, bool) else None,
        services_error=str(result.get("invalidServicesError") or field_error),
    )


def _missing(receipt: ReceiptIn) -> ReceiptOutcome:
    return ReceiptOutcome(
        receipt.import_id,
        False,
        error=ReceiptError(code="UNKNOWN", message="Condo не вернул ни квитанцию, ни ошибку.", retryable=True),
    )


def _too_large(receipt: ReceiptIn, size: int) -> ReceiptOutcome:
    return ReceiptOutcome(
        receipt.import_id,
        False,
        error=ReceiptError(
            code="RECEIPT_TOO_LARGE",
            type="PAYLOAD_TOO_LARGE",
            message=f"Квитанция занимает {size} байт по счёту Condo и не помещается в один запрос.",
            retryable=False,
        ),
    )
