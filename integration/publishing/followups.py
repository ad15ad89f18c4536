"""What follows the end of a publishing run: reconciliation and, when needed, e-mail."""

from __future__ import annotations

import logging

from django.db import transaction
from django_q.tasks import async_task

from billing.models import Batch
from integration.publishing.notifications import batch_attention_notify

logger = logging.getLogger(__name__)
Status = Batch.Status


def publish_followups(*, batch_id: int) -> None:
    batch = Batch.objects.select_related("organization").get(pk=batch_id)
    if batch.status in (Status.PUBLISHED, Status.PARTIALLY_PUBLISHED):
        transaction.on_commit(
            lambda: async_task("integration.tasks.reconcile_batch", batch_id, task_name=f"reconcile-batch-{batch_id}")
        )
    # Automatic retries fail quietly in between: people hear of the first failure and the last.
    failed_noteworthy = batch.status == Status.FAILED and (batch.publish_attempts == 1 or batch.next_retry_at is None)
    if failed_noteworthy or batch.status == Status.PARTIALLY_PUBLISHED:
        try:
            batch_attention_notify(batch=batch)
        except Exception:
            # A mail server outage must not undo a publish that already happened.
            logger.exception("batch %s: could not send the notification", batch_id)
