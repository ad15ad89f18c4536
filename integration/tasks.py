"""django-q2 tasks: thin doors that load by id and call one service. Safe to run twice."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone

from billing import enqueue
from billing.models import Batch
from billing.selectors.month import taken_over_condition
from integration.checking.run import batch_check_run
from integration.publishing.files import batch_send_pending_files, batches_with_pdfs_to_send
from integration.publishing.lease import batches_without_live_publisher
from integration.publishing.publisher import batch_publish
from integration.publishing.reconciliation import batch_reconcile
from integration.publishing.withdrawal import batch_supersede, batch_withdraw_from_condo

logger = logging.getLogger(__name__)
Status = Batch.Status


def publish_batch(batch_id: int) -> str:
    return batch_publish(batch_id=batch_id).summary


def send_batch_pdfs(batch_id: int) -> str:
    """PDFs attached to an already published batch; its status stays as it is."""
    return batch_send_pending_files(batch_id=batch_id).summary


def check_batch(check_id: int) -> str:
    """The check before approval (queued on submit and by «Проверить ещё раз»)."""
    run = batch_check_run(check_id=check_id)
    if run is None:
        return f"check {check_id}: taken by another worker or already finished"
    check = run.check
    return (
        f"Пакет №{check.batch_id}: проверено {check.receipts_checked} квитанций, нарушений правил "
        f"{check.problems_count}, сверено с Condo: {'да' if check.condo_checked else 'нет'}."
    )


def reconcile_batch(batch_id: int) -> str:
    result = batch_reconcile(batch=Batch.objects.select_related("organization").get(pk=batch_id))
    return str(result)


def withdraw_batch(batch_id: int, user_id: int, reason: str) -> str:
    batch = Batch.objects.select_related("organization").get(pk=batch_id)
    user = get_user_model().objects.get(pk=user_id)
    return str(batch_withdraw_from_condo(batch=batch, by=user, reason=reason))


def supersede_batch(old_id: int, new_id: int, user_id: int | None, reason: str) -> str:
    """`user_id` None: the publisher retires an older unfinished batch of the month on its own."""
    old = Batch.objects.select_related("organization").get(pk=old_id)
    new = Batch.objects.get(pk=new_id)
    user = None if user_id is None else get_user_model().objects.get(pk=user_id)
    return str(batch_supersede(old=old, new=new, by=user, reason=reason))


def requeue_expired_leases() -> int:
    """Watchdog: batches whose publisher died, or whose task never reached the queue, get a worker."""
    batch_ids = batches_without_live_publisher()
    for batch_id in batch_ids:
        logger.warning("batch %s: no live publisher; enqueueing", batch_id)
        enqueue.batch_publish(batch_id)
    return len(batch_ids)


def retry_failed_batches() -> int:
    """Failed batches whose backoff has passed are tried again; so are PDFs a published batch still owes."""
    batch_ids = list(
        Batch.objects.filter(status=Status.FAILED, next_retry_at__lte=timezone.now())
        .exclude(taken_over_condition())
        .values_list("pk", flat=True)
    )
    for batch_id in batch_ids:
        enqueue.batch_publish(batch_id)
    with_pdfs = batches_with_pdfs_to_send()
    for batch_id in with_pdfs:
        enqueue.batch_pdfs_send(batch_id)
    return len(batch_ids) + len(with_pdfs)


def reconcile_latest_batches() -> int:
    """Nightly: reconcile the last published batch of each organization."""
    latest = (
        Batch.objects.filter(status__in=(Status.PUBLISHED, Status.PARTIALLY_PUBLISHED))
        .values("organization_id")
        .annotate(last_id=Max("pk"))
        .values_list("last_id", flat=True)
    )
    batch_ids = list(latest)
    for batch_id in batch_ids:
        enqueue.batch_reconcile(batch_id)
    return len(batch_ids)
