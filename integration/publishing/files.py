"""Send receipts' PDFs to Condo after their receipts are accepted (registerBillingReceiptFile, contract §7).

While a batch publishes, the publisher calls `pdfs_send_pending` after its receipts: same task,
same client (retries, backoff, circuit breaker), same lease, renewed after every file. A batch
already published sends the PDFs attached since through `batch_send_pending_files`, under a
lease of its own on the published batch; its status never changes.

Condo answers CREATED, UPDATED or SKIPPED (the same content is already there); each counts as
success, so sending again after a crash or a re-publish costs a call and changes nothing. A
failure of the whole service (network, 5xx, rate limit, access) propagates and fails the batch
like its receipts do; a refusal of one file (Condo finds no such receipt, the file is too
large) marks that file failed and the rest go on.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from billing.models import Batch, Receipt, ReceiptPdf
from billing.models.pdfs import receipt_pdf_storage
from billing.selectors.month import batch_publish_refusal
from integration.condo import CondoClient, CondoError
from integration.publishing.fingerprint import seal_mismatch
from integration.publishing.lease import lease_owner_name, lease_release, lease_renew
from integration.publishing.recorder import CallRecorder

logger = logging.getLogger(__name__)
Status = Batch.Status
State = ReceiptPdf.State
PAGE = 100
# Refusals that concern the integration as a whole, not one file: the batch fails on them.
INTEGRATION_CODES = frozenset(
    {"ACCESS_DENIED", "UNAUTHENTICATED", "WRONG_CREDENTIALS", "NOT_CONFIGURED", "WRONG_SENDER"}
)
SENT_SEPARATELY = (Status.PUBLISHED, Status.PARTIALLY_PUBLISHED)


@dataclass(frozen=True)
class FilesResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    lease_lost: bool = False
    busy: bool = False  # another worker holds the batch; nothing was sent
    error: str = ""  # Condo failed as a whole (published batches only; while publishing, it propagates)

    @property
    def sent(self) -> int:
        return self.created + self.updated + self.skipped

    @property
    def summary(self) -> str:
        if self.busy:
            return "PDF этого пакета уже отправляет другой процесс."
        text = (
            f"PDF: отправлено {self.sent} (новых {self.created}, заменено {self.updated}, "
            f"без изменений {self.skipped}), не принято {self.failed}."
        )
        if self.lease_lost:
            text += " Отправку продолжил другой процесс."
        if self.error:
            text += f" Остальные ждут: {self.error}"
        return text


def pdfs_send_pending(
    *, batch: Batch, client: CondoClient, owner: str, renew: Callable[..., bool] = lease_renew
) -> FilesResult:
    """Send every pending PDF whose receipt Condo accepted; stop when the lease is lost."""
    context_id = batch.organization.condo_context_id
    counts = {"CREATED": 0, "UPDATED": 0, "SKIPPED": 0, "failed": 0, "replaced": 0}
    tried: set[tuple[int, str]] = set()  # (pdf id, sha256) sent or refused in this run
    while True:
        page = [row for row in _pending_page(batch_id=batch.pk) if (row[0], row[3]) not in tried][:PAGE]
        if not page:
            break
        for pdf_id, import_id, name, digest in page:
            tried.add((pdf_id, digest))
            outcome = _send_one(
                client, context_id=context_id, pdf_id=pdf_id, import_id=import_id, name=name, digest=digest
            )
            counts[outcome] += 1
            if not renew(batch_id=batch.pk, owner=owner):
                logger.warning("batch %s: lease lost while sending PDFs; stopping", batch.pk)
                return _result(counts, lease_lost=True)
    result = _result(counts)
    if result.sent or result.failed:
        logger.info("batch %s: %s", batch.pk, result.summary)
    return result


def batch_send_pending_files(
    *, batch_id: int, client: CondoClient | None = None, owner: str | None = None
) -> FilesResult:
    """Send the pending PDFs of a published batch without touching its status. Safe to call twice."""

    owner = owner or lease_owner_name()
    batch = Batch.objects.select_related("organization").get(pk=batch_id)
    # A newer batch's receipts carry the same importIds: an older batch's PDF would land on them.
    refusal = batch_publish_refusal(batch)
    if refusal:
        return FilesResult(error=refusal)
    if not _claim_published(batch_id=batch_id, owner=owner):
        return FilesResult(busy=True)
    try:
        mismatch = seal_mismatch(batch=batch)
        if mismatch:
            logger.error("batch %s: %s", batch_id, mismatch)
            return FilesResult(error=mismatch)
        client = client or CondoClient.from_settings(on_call=CallRecorder(batch_id=batch_id))
        if client.on_call is None:
            client.on_call = CallRecorder(batch_id=batch_id)
        return pdfs_send_pending(batch=batch, client=client, owner=owner, renew=_renew_published)
    except CondoError as error:
        # The batch stays published; its PDFs stay pending for the next send.
        logger.warning("batch %s: sending PDFs failed: %s (transient=%s)", batch_id, error, error.transient)
        return FilesResult(error=str(error))
    finally:
        lease_release(batch_id=batch_id, owner=owner)


def batches_with_pdfs_to_send() -> list[int]:
    """Published batches holding PDFs whose receipts Condo accepted but that were not sent yet."""
    return list(
        ReceiptPdf.objects.filter(
            state=State.PENDING,
            seal__isnull=False,  # PDFs nobody approved yet stay here
            receipt__publish_state=Receipt.PublishState.ACCEPTED,
            batch__status__in=(Batch.Status.PUBLISHED, Batch.Status.PARTIALLY_PUBLISHED),
        )
        .values_list("batch_id", flat=True)
        .distinct()
        .order_by("batch_id")
    )


def pdfs_pending_count(*, batch_id: int) -> int:
    """PDFs that the next send would take: pending, and their receipt is accepted."""
    return ReceiptPdf.objects.filter(
        batch_id=batch_id, state=State.PENDING, seal__isnull=False, receipt__publish_state=Receipt.PublishState.ACCEPTED
    ).count()


# --- one file ----------------------------------------------------------------------------------


def _pending_page(*, batch_id: int) -> list[tuple[int, str, str, str]]:
    # Tried rows of this run are skipped by the caller, so a page may come back short of new
    # rows only when nothing else is pending; reading a little more than a page covers that.
    return list(
        ReceiptPdf.objects.filter(
            batch_id=batch_id,
            state=State.PENDING,
            seal__isnull=False,
            receipt__publish_state=Receipt.PublishState.ACCEPTED,
        )
        .order_by("id")
        .values_list("id", "receipt__import_id", "file", "sha256")[: PAGE * 2]
    )


def _send_one(client: CondoClient, *, context_id: str, pdf_id: int, import_id: str, name: str, digest: str) -> str:
    # Every write is conditional on the content sent: a PDF replaced meanwhile stays pending for the next pass.
    pending = ReceiptPdf.objects.filter(pk=pdf_id, state=State.PENDING, sha256=digest)
    try:
        data = _read(name)
    except OSError:
        data = None
    if data is None or hashlib.sha256(data).hexdigest() != digest:
        marked = pending.update(
            state=State.FAILED,
            updated_at=timezone.now(),
            error_message="Файл PDF в хранилище пропал или повреждён (не совпала SHA-256). Загрузите его снова.",
        )
        return "failed" if marked else "replaced"
    try:
        status = client.register_receipt_file(context_id, import_id, data)
    except CondoError as error:
        if error.transient or error.code in INTEGRATION_CODES:
            raise
        pending.update(state=State.FAILED, error_message=str(error)[:2000], condo_status="", updated_at=timezone.now())
        logger.warning("receipt PDF %s refused by Condo: %s", pdf_id, error.code)
        return "failed"
    now = timezone.now()
    pending.update(state=State.SENT, condo_status=status, error_message="", sent_at=now, updated_at=now)
    return status


def _read(name: str) -> bytes:
    with receipt_pdf_storage().open(name, "rb") as handle:
        return handle.read()


def _result(counts: dict[str, int], *, lease_lost: bool = False) -> FilesResult:
    return FilesResult(
        created=counts["CREATED"],
        updated=counts["UPDATED"],
        skipped=counts["SKIPPED"],
        failed=counts["failed"],
        lease_lost=lease_lost,
    )


# --- the lease of a published batch ------------------------------------------------------------


def _claim_published(*, batch_id: int, owner: str) -> bool:
    expiry = timezone.now() + timedelta(seconds=settings.PUBLISH_LEASE_SECONDS)
    return bool(
        Batch.objects.filter(pk=batch_id, status__in=SENT_SEPARATELY)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now()))
        .update(lease_owner=owner, lease_until=expiry)
    )


def _renew_published(*, batch_id: int, owner: str) -> bool:
    expiry = timezone.now() + timedelta(seconds=settings.PUBLISH_LEASE_SECONDS)
    return bool(
        Batch.objects.filter(pk=batch_id, status__in=SENT_SEPARATELY, lease_owner=owner).update(lease_until=expiry)
    )
