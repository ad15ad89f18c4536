"""Send an approved batch to Condo: resumable, one publisher at a time, every outcome stored."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.models import Batch
from billing.services.batches import batch_transition
from integration.condo import CallRecord, CondoClient, CondoError
from integration.models import CondoCall
from integration.publishing.files import pdfs_send_pending
from integration.publishing.lease import lease_claim, lease_owner_name, lease_release, lease_renew
from integration.publishing.outcomes import outcomes_store
from integration.publishing.rows import pending_receipts

logger = logging.getLogger(__name__)
Status = Batch.Status


@dataclass(frozen=True)
class PublishReport:
    batch_id: int
    status: str
    accepted: int
    rejected: int
    pending: int
    message: str

    @property
    def summary(self) -> str:
        return (
            f"Пакет №{self.batch_id}: {Status(self.status).label}; принято {self.accepted}, "
            f"отклонено {self.rejected}, ожидает {self.pending}. {self.message}"
        ).strip()


def batch_publish(*, batch_id: int, client: CondoClient | None = None, owner: str | None = None) -> PublishReport:
    """Publish what the batch still has pending; safe to call again at any time.

    A second caller while a live publisher holds the batch backs off at once. A crash loses at
    most the chunk in flight: it stays pending and is sent again, and importId turns that
    resend into an update of the same Condo receipts.
    """
    owner = owner or lease_owner_name()
    batch = lease_claim(batch_id=batch_id, owner=owner)
    if batch is None:
        return _report(batch_id, "Пакет публикует другой процесс, или публиковать нечего.")
    recorder = CallRecorder(batch_id=batch_id, owner=owner, buffered=True)
    try:
        client = client or CondoClient.from_settings(on_call=recorder)
        if client.on_call is None:
            client.on_call = recorder
        outcome = _send_pending(batch=batch, client=client, owner=owner, recorder=recorder)
    except CondoError as error:
        logger.warning("batch %s: publishing failed: %s (transient=%s)", batch_id, error, error.transient)
        _fail(batch_id=batch_id, owner=owner, error=error)
        return _report(batch_id, str(error))
    finally:
        recorder.flush()
        lease_release(batch_id=batch_id, owner=owner)
    return _report(batch_id, outcome)


def _send_pending(*, batch: Batch, client: CondoClient, owner: str, recorder: CallRecorder) -> str:
    context_id = batch.organization.condo_context_id
    deferred: set[int] = set()
    after_id = 0
    while True:
        chunk = pending_receipts(batch_id=batch.pk, limit=settings.PUBLISH_READ_SIZE, after_id=after_id)
        if not chunk:
            break
        recorder.chunk += 1
        receipt_ids = [receipt_id for receipt_id, _ in chunk]
        after_id = receipt_ids[-1]
        outcomes = client.register_receipts(context_id, [payload for _, payload in chunk])
        stored = outcomes_store(batch_id=batch.pk, owner=owner, receipt_ids=receipt_ids, outcomes=outcomes,
                                with_them=recorder.flush)
        if stored is None:
            logger.warning("batch %s: lease lost to another worker; stopping", batch.pk)
            return "Публикацию продолжил другой процесс."
        deferred.update(stored.deferred)
        logger.info(
            "batch %s chunk %s: %s accepted, %s rejected, %s deferred",
            batch.pk, recorder.chunk, stored.accepted, stored.rejected, len(stored.deferred),
        )
    # Each accepted receipt's PDF follows it, under the same lease (integration/publishing/files.py).
    if pdfs_send_pending(batch=batch, client=client, owner=owner).lease_lost:
        return "Публикацию продолжил другой процесс."
    return _finish(batch_id=batch.pk, owner=owner, deferred=len(deferred))


def _finish(*, batch_id: int, owner: str, deferred: int) -> str:
    batch = Batch.objects.get(pk=batch_id)
    if batch.lease_owner != owner:
        return "Публикацию продолжил другой процесс."
    if deferred or batch.pending_count:
        _fail(
            batch_id=batch_id,
            owner=owner,
            error=CondoError(f"Condo временно не принял {batch.pending_count} квитанций.", transient=True, code="ITEM_RETRY"),
        )
        return "Часть квитанций будет отправлена повторно."
    target = Status.PARTIALLY_PUBLISHED if batch.rejected_count else Status.PUBLISHED
    batch_transition(
        batch=batch,
        to=target,
        by=None,
        changes={"published_at": timezone.now(), "last_error": "", "publish_attempts": 0, "next_retry_at": None},
    )
    _after_publish(batch_id)
    return ""


def _fail(*, batch_id: int, owner: str, error: CondoError) -> None:
    batch = Batch.objects.get(pk=batch_id)
    if batch.status != Status.PUBLISHING or batch.lease_owner != owner:
        return
    attempts = batch.publish_attempts + 1
    retry_at = None
    if error.transient and attempts <= settings.PUBLISH_MAX_AUTO_RETRIES:
        retry_at = timezone.now() + timedelta(seconds=settings.PUBLISH_RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    batch_transition(
        batch=batch,
        to=Status.FAILED,
        by=None,
        reason=str(error)[:1000],
        changes={"publish_attempts": attempts, "next_retry_at": retry_at, "last_error": str(error)[:2000]},
    )
    _after_publish(batch_id)


def _after_publish(batch_id: int) -> None:
    # Imported here: the follow-ups (reconciliation, e-mail) import this module's neighbours.
    from integration.publishing.followups import publish_followups

    publish_followups(batch_id=batch_id)


def _report(batch_id: int, message: str) -> PublishReport:
    batch = Batch.objects.get(pk=batch_id)
    return PublishReport(
        batch_id=batch_id,
        status=batch.status,
        accepted=batch.accepted_count,
        rejected=batch.rejected_count,
        pending=batch.pending_count,
        message=message,
    )


class CallRecorder:
    """Records every HTTP call to Condo for the batch page, and keeps a publisher's lease fresh.

    A publisher's recorder is `buffered`: its calls are written with the outcomes they brought
    (one INSERT per chunk, in the outcome's transaction) rather than one transaction per call.
    Whatever is still buffered is written when the lease is renewed here and when publishing
    ends, however it ends. Stored progress renews the lease too; here it is renewed between
    calls only once a sixth of it has passed, which still covers a chunk that spends minutes
    in retries.
    """

    def __init__(self, *, batch_id: int, owner: str = "", buffered: bool = False) -> None:
        self.batch_id = batch_id
        self.owner = owner
        self.buffered = buffered
        self.chunk = 0
        self._unwritten: list[CondoCall] = []
        self._renewed_at = time.monotonic()

    def __call__(self, record: CallRecord) -> None:
        self._unwritten.append(self._call(record))
        renew = self.owner and time.monotonic() - self._renewed_at >= settings.PUBLISH_LEASE_SECONDS / 6
        if not self.buffered or renew:
            with transaction.atomic():
                self.flush()
                if renew:
                    lease_renew(batch_id=self.batch_id, owner=self.owner)
                    self._renewed_at = time.monotonic()

    def flush(self) -> None:
        if self._unwritten:
            CondoCall.objects.bulk_create(self._unwritten)
            self._unwritten = []

    def _call(self, record: CallRecord) -> CondoCall:
        return CondoCall(
            batch_id=self.batch_id,
            operation=record.operation,
            chunk=self.chunk,
            receipts=record.receipts,
            bytes=record.bytes,
            attempt=record.attempt,
            duration_ms=record.duration_ms,
            outcome=record.outcome,
            error_class=record.error_class,
            error_code=record.error_code,
            request_id=record.request_id,
            created_at=timezone.now(),
        )
