"""People restarting publishing: «Повторить отклонённые» and «Опубликовать снова» after a failure."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from billing import enqueue
from billing.errors import ApplicationError
from billing.models import Batch
from billing.selectors.month import batch_publish_refusal
from billing.services.batches import batch_transition, batch_transition_check
from integration.publishing.outcomes import rejected_reset

Status = Batch.Status


def batch_retry_rejected(*, batch: Batch, by: User | None, enqueue: bool = True) -> Batch:
    """Send the receipts Condo rejected once more, after the cause was fixed."""
    if batch.status != Status.PARTIALLY_PUBLISHED:
        raise ApplicationError("Повторить можно только отклонённые квитанции частично опубликованного пакета.")
    _refuse_if_taken_over(batch)
    batch_transition_check(batch=batch, to=Status.PUBLISHING, by=by)
    with transaction.atomic():
        rejected_reset(batch_id=batch.pk)
        # No lease is taken here: the publisher takes a `publishing` batch without a lease.
        batch = batch_transition(batch=batch, to=Status.PUBLISHING, by=by, reason="Повтор отклонённых квитанций")
        if enqueue:
            _enqueue_on_commit(batch.pk)
    return batch


def batch_publish_again(*, batch: Batch, by: User, enqueue: bool = True) -> Batch:
    """Restart a failed batch now instead of waiting for the automatic retry."""
    if batch.status != Status.FAILED:
        raise ApplicationError("Снова опубликовать можно только пакет со сбоем публикации.")
    _refuse_if_taken_over(batch)
    with transaction.atomic():
        batch = batch_transition(batch=batch, to=Status.PUBLISHING, by=by, reason="Повтор публикации после сбоя")
        if enqueue:
            _enqueue_on_commit(batch.pk)
    return batch


def _enqueue_on_commit(batch_id: int) -> None:
    transaction.on_commit(lambda: enqueue.batch_publish(batch_id))


def _refuse_if_taken_over(batch: Batch) -> None:
    refusal = batch_publish_refusal(batch)
    if refusal:
        raise ApplicationError(refusal)
