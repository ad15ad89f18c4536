"""Store what Condo answered for one chunk: every receipt's outcome and the batch's counters, at once."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from billing.models import Batch, Receipt
from integration.condo import ReceiptOutcome
from integration.publishing.explain import receipt_error_explained

PublishState = Receipt.PublishState


@dataclass(frozen=True)
class ChunkResult:
    accepted: int
    rejected: int
    deferred: list[int]  # receipt ids Condo failed transiently: left pending for a later pass


def outcomes_store(*, batch_id: int, owner: str, receipt_ids: list[int], outcomes: list[ReceiptOutcome]) -> ChunkResult | None:
    """Save one chunk's outcomes in one transaction; None if this worker no longer holds the batch.

    A worker that lost its lease must not write: the new holder sends the same receipts again,
    and importId makes that second send an update of the same Condo receipts.
    """
    if len(receipt_ids) != len(outcomes):
        raise ValueError(f"{len(outcomes)} outcomes for {len(receipt_ids)} receipts")
    now = timezone.now()
    updated: list[Receipt] = []
    accepted = rejected = 0
    deferred: list[int] = []
    for receipt_id, outcome in zip(receipt_ids, outcomes):
        receipt = Receipt(pk=receipt_id, updated_at=now)
        if outcome.accepted:
            accepted += 1
            receipt.publish_state = PublishState.ACCEPTED
            receipt.condo_id = outcome.condo_id or ""
            receipt.published_at = now
            receipt.error_code = receipt.error_message = ""
        elif outcome.error is not None and outcome.error.retryable:
            deferred.append(receipt_id)
            receipt.publish_state = PublishState.PENDING
            receipt.condo_id = ""
            receipt.published_at = None
            receipt.error_code = outcome.error.code
            receipt.error_message = _message(outcome)
        else:
            rejected += 1
            receipt.publish_state = PublishState.REJECTED
            receipt.condo_id = ""
            receipt.published_at = None
            receipt.error_code = outcome.error.code if outcome.error else "UNKNOWN"
            receipt.error_message = _message(outcome)
        updated.append(receipt)

    with transaction.atomic():
        holds = Batch.objects.select_for_update().filter(pk=batch_id, lease_owner=owner).values_list("pk", flat=True)
        if not list(holds):
            return None
        Receipt.objects.bulk_update(
            updated, ["publish_state", "condo_id", "published_at", "error_code", "error_message", "updated_at"]
        )
        Batch.objects.filter(pk=batch_id).update(
            accepted_count=F("accepted_count") + accepted,
            rejected_count=F("rejected_count") + rejected,
            updated_at=now,
        )
    return ChunkResult(accepted=accepted, rejected=rejected, deferred=deferred)


def _message(outcome: ReceiptOutcome) -> str:
    if outcome.error is None:
        return "Condo не вернул ни квитанцию, ни ошибку."
    return receipt_error_explained(outcome.error)


def rejected_reset(*, batch_id: int) -> int:
    """Put rejected receipts back in the queue (after the data was fixed in Condo or at the source)."""
    with transaction.atomic():
        reset = Receipt.objects.filter(batch_id=batch_id, publish_state=PublishState.REJECTED).update(
            publish_state=PublishState.PENDING, updated_at=timezone.now()
        )
        Batch.objects.filter(pk=batch_id).update(rejected_count=F("rejected_count") - reset)
    return reset
