"""What follows the end of a publishing run: reconciliation and, when needed, e-mail."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction

from billing import enqueue
from billing.models import Batch
from billing.services.batches import batch_transition
from integration.publishing.notifications import batch_attention_notify

logger = logging.getLogger(__name__)
Status = Batch.Status


def publish_followups(*, batch_id: int) -> None:
    batch = Batch.objects.select_related("organization").get(pk=batch_id)
    if batch.status in (Status.PUBLISHED, Status.PARTIALLY_PUBLISHED):
        transaction.on_commit(lambda: enqueue.batch_reconcile(batch_id))
        older_batches_retire(newer=batch)
    # Automatic retries fail quietly in between: people hear of the first failure and the last.
    failed_noteworthy = batch.status == Status.FAILED and (batch.publish_attempts == 1 or batch.next_retry_at is None)
    if failed_noteworthy or batch.status == Status.PARTIALLY_PUBLISHED:
        try:
            batch_attention_notify(batch=batch)
        except Exception:
            # A mail server outage must not undo a publish that already happened.
            logger.exception("batch %s: could not send the notification", batch_id)


def older_batches_retire(*, newer: Batch) -> list[int]:
    """Older batches of the month that never finished publishing end superseded by `newer`.

    One that sent nothing is simply closed. One that Condo accepted receipts of is superseded by
    a worker, which first withdraws what only it holds (the receipts `newer` dropped). Published
    older batches wait for an approver's confirmation of the replacement, as before.
    """
    reason = f"Заменён более новым пакетом №{newer.pk}, опубликованным за тот же месяц."
    older = Batch.objects.filter(
        organization_id=newer.organization_id,
        period=newer.period,
        pk__lt=newer.pk,
        status__in=(Status.APPROVED, Status.FAILED),
    )
    retired = []
    for old in older:
        if old.accepted_count == 0:
            batch_transition(batch=old, to=Status.SUPERSEDED, by=None, reason=reason)
        else:
            old_id, new_id = old.pk, newer.pk
            transaction.on_commit(partial(enqueue.batch_supersede, old_id, new_id, None, reason))
        retired.append(old.pk)
    return retired
