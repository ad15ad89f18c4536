"""Send an approved batch to Condo: resumable, one publisher at a time, every outcome stored."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing import enqueue
from billing.models import ApprovalSeal, Batch
from billing.plurals import counted
from billing.selectors.month import batch_publish_refusal, batch_taken_over_by, older_batches_in_flight
from billing.services.batches import batch_transition
from integration.condo import CondoClient, CondoError, ReceiptOutcome
from integration.publishing.files import pdfs_send_pending
from integration.publishing.fingerprint import seal_mismatch
from integration.publishing.followups import publish_followups
from integration.publishing.lease import lease_claim, lease_owner_name, lease_release
from integration.publishing.outcomes import outcomes_store
from integration.publishing.recorder import CallRecorder
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
    refused: bool = False  # nothing was sent, on purpose: `message` says why

    @property
    def summary(self) -> str:
        return (
            f"Пакет №{self.batch_id}: {Status(self.status).label}; принято {self.accepted}, "
            f"отклонено {self.rejected}, ожидает {self.pending}. {self.message}"
        ).strip()


def batch_publish(*, batch_id: int, client: CondoClient | None = None, owner: str | None = None) -> PublishReport:
    """Publish what the batch still has pending; safe to call again at any time.

    A second caller while a live publisher holds the batch backs off at once. Nothing is sent
    for a batch whose month a newer approved batch took over, nor while an older batch of the
    month is still sending, nor when the documents no longer match the approval fingerprint.
    Outcomes are stored after every call to Condo, with its call log: a crash loses at most the
    call in flight, which stays pending and is sent again (importId makes that an update).
    """
    refusal = publish_refusal(batch_id=batch_id)
    if refusal:
        return _report(batch_id, refusal, refused=True)
    owner = owner or lease_owner_name()
    batch = lease_claim(batch_id=batch_id, owner=owner)
    if batch is None:
        return _report(batch_id, "Пакет публикует другой процесс, или публиковать нечего.")
    recorder = CallRecorder(batch_id=batch_id, owner=owner, buffered=True)
    try:
        mismatch = seal_mismatch(batch=batch)
        if mismatch:
            logger.error("batch %s: %s", batch_id, mismatch)
            _fail(batch_id=batch_id, owner=owner, error=CondoError(mismatch, transient=False, code="SEAL_MISMATCH"))
            return _report(batch_id, mismatch, refused=True)
        ApprovalSeal.objects.filter(batch_id=batch_id).update(verified_at=timezone.now())
        client = client or CondoClient.from_settings(on_call=recorder)
        if client.on_call is None:
            client.on_call = recorder
        outcome = _send_pending(batch=batch, client=client, owner=owner, recorder=recorder)
    except StopPublishing as stop:
        logger.warning("batch %s: stopped: %s", batch_id, stop)
        return _report(batch_id, str(stop))
    except CondoError as error:
        logger.warning("batch %s: publishing failed: %s (transient=%s)", batch_id, error, error.transient)
        _fail(batch_id=batch_id, owner=owner, error=error)
        return _report(batch_id, str(error))
    finally:
        recorder.flush()
        lease_release(batch_id=batch_id, owner=owner)
    return _report(batch_id, outcome)


def publish_refusal(*, batch_id: int) -> str | None:
    """Why the batch may not be sent now, or None. A taken-over batch left publishing is marked failed."""
    batch = Batch.objects.get(pk=batch_id)
    refusal = batch_publish_refusal(batch)
    if refusal is None:
        waiting = older_batches_in_flight(batch)
        if waiting:
            return (
                f"Пакет №{batch_id} ждёт: более старый пакет №{waiting[0]} того же месяца ещё отправляет "
                "последний запрос. Публикация начнётся, когда он остановится."
            )
        return None
    if batch.status == Status.PUBLISHING:
        # Left publishing by a worker that died: take its expired lease only to close it.
        owner = lease_owner_name()
        if lease_claim(batch_id=batch_id, owner=owner) is not None:
            _fail(batch_id=batch_id, owner=owner, error=CondoError(refusal, transient=False, code="TAKEN_OVER"))
            lease_release(batch_id=batch_id, owner=owner)
    return refusal


class StopPublishing(Exception):
    """The publisher must stop before its next call: its lease is gone, or a newer batch took the month."""


class _Progress:
    """Stores each call's outcomes as soon as Condo answers, and decides whether to go on."""

    def __init__(self, *, batch: Batch, owner: str, recorder: CallRecorder) -> None:
        self.batch, self.owner, self.recorder = batch, owner, recorder
        self.receipt_ids: list[int] = []
        self.deferred: set[int] = set()

    def __call__(self, indices: list[int], outcomes: list[ReceiptOutcome]) -> None:
        stored = outcomes_store(
            batch_id=self.batch.pk,
            owner=self.owner,
            receipt_ids=[self.receipt_ids[i] for i in indices],
            outcomes=outcomes,
            with_them=self.recorder.flush,
        )
        if stored is None:
            raise StopPublishing("Публикацию продолжил другой процесс.")
        self.deferred.update(stored.deferred)

    def stop_if_taken_over(self) -> None:
        """Between slices: a newer approved batch of the month waits for this one to stop.

        Checked per slice, not per call: the newer batch cannot start while this one holds its
        lease, so a later check costs only calls that the newer batch overwrites anyway.
        """
        newer = batch_taken_over_by(self.batch)
        if newer is not None:
            self._hand_over(newer)

    def _hand_over(self, newer: Batch) -> None:
        reason = f"Месяц перешёл к более новому утверждённому пакету №{newer.pk}: этот пакет больше не отправляется."
        _fail(batch_id=self.batch.pk, owner=self.owner, error=CondoError(reason, transient=False, code="TAKEN_OVER"))
        lease_release(batch_id=self.batch.pk, owner=self.owner)
        newer_id = newer.pk
        transaction.on_commit(lambda: enqueue.batch_publish(newer_id))
        raise StopPublishing(reason)


def _send_pending(*, batch: Batch, client: CondoClient, owner: str, recorder: CallRecorder) -> str:
    context_id = batch.organization.condo_context_id
    progress = _Progress(batch=batch, owner=owner, recorder=recorder)
    after_id = 0
    while True:
        if after_id:
            progress.stop_if_taken_over()
        chunk = pending_receipts(batch_id=batch.pk, limit=settings.PUBLISH_READ_SIZE, after_id=after_id)
        if not chunk:
            break
        recorder.chunk += 1
        progress.receipt_ids = [receipt_id for receipt_id, _ in chunk]
        after_id = progress.receipt_ids[-1]
        client.register_receipts(context_id, [payload for _, payload in chunk], on_outcomes=progress)
        logger.info("batch %s slice %s sent; %s deferred so far", batch.pk, recorder.chunk, len(progress.deferred))
    # Each accepted receipt's PDF follows it, under the same lease (integration/publishing/files.py).
    if pdfs_send_pending(batch=batch, client=client, owner=owner).lease_lost:
        return "Публикацию продолжил другой процесс."
    return _finish(batch_id=batch.pk, owner=owner, deferred=len(progress.deferred))


def _finish(*, batch_id: int, owner: str, deferred: int) -> str:
    batch = Batch.objects.get(pk=batch_id)
    if batch.lease_owner != owner:
        return "Публикацию продолжил другой процесс."
    if deferred or batch.pending_count:
        _fail(
            batch_id=batch_id,
            owner=owner,
            error=CondoError(
                f"Condo временно не принял {counted(batch.pending_count, 'receipt')}.",
                transient=True,
                code="ITEM_RETRY",
            ),
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
    publish_followups(batch_id=batch_id)


def _report(batch_id: int, message: str, *, refused: bool = False) -> PublishReport:
    batch = Batch.objects.get(pk=batch_id)
    return PublishReport(
        batch_id=batch_id,
        status=batch.status,
        accepted=batch.accepted_count,
        rejected=batch.rejected_count,
        pending=batch.pending_count,
        message=message,
        refused=refused,
    )
