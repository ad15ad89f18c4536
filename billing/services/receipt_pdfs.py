"""Attach a ZIP of receipt PDFs (ЕПД) to a batch, and ask for the pending ones to be sent.

Which batches take PDFs: every state from draft to published (draft, submitted, rejected,
approved, publishing, failed, partially published, published), not withdrawn or superseded ones,
whose receipts are gone from Condo. A PDF whose content is new or changed becomes `pending`: a
batch that is still to be published sends it right after its receipt is accepted; for a batch
already published, an approver sends the pending PDFs with «Отправить PDF в Condo» (or
`publish_batch BATCH_ID`), and the batch's status does not change. A PDF identical to the one
attached before (same SHA-256) is left as it was, so uploading the same archive again sends
nothing new.

Four eyes cover PDFs too. The batch's approval covers the PDFs attached before it was
submitted; PDFs attached later form an addendum that another person approves
(services/seals.py) before any of it is sent. An approved PDF is never replaced.

A hostile archive (see pdf_archive) is refused whole and nothing of it is stored; a file that
is not a usable PDF, too big, or ambiguous is refused alone and listed in the report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import enqueue
from billing.errors import ApplicationError
from billing.models import Batch, Receipt, ReceiptPdf
from billing.models.pdfs import receipt_pdf_path, receipt_pdf_storage
from billing.services.batch_guard import require_permission, require_status
from billing.services.pdf_archive import (
    STRAY_ENTRIES,
    ArchiveLimits,
    Member,
    MemberUnreadable,
    archive_open,
    member_read,
    member_stem,
)
from billing.services.pdf_attach_report import AttachReport, Refusal
from billing.services.pdf_check import pdf_max_bytes, pdf_problem, size_refusal
from billing.services.pdf_names import RULE, ReceiptIndex

PDF_PERMISSION = "billing.import_registry"
SEND_PERMISSION = "billing.publish_batch"
Status = Batch.Status
ATTACHABLE = frozenset(
    {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.REJECTED,
        Status.APPROVED,
        Status.PUBLISHING,
        Status.FAILED,
        Status.PARTIALLY_PUBLISHED,
        Status.PUBLISHED,
    }
)
# States in which nobody publishes any more, so pending PDFs wait for an explicit send.
SEND_SEPARATELY = frozenset({Status.PUBLISHED, Status.PARTIALLY_PUBLISHED})
APPROVED_PDF_KEPT = (
    "PDF этой квитанции уже утверждён, его нельзя заменить: утверждающий подписал именно его. "
    "Исправленный PDF загрузите с исправленным пакетом."
)
SAMPLE = 200  # receipts without a file listed by account; the report counts them all


@dataclass(frozen=True)
class _Stored:
    receipt_id: int
    name: str
    sha256: str
    size: int
    source_name: str


def receipt_pdfs_attach(*, batch: Batch, archive: IO[bytes], by: User) -> AttachReport:
    """Match the archive's PDFs to the batch's receipts by file name and store them; see the module doc."""
    check_may_attach(batch=batch, by=by)
    max_pdf = pdf_max_bytes()
    receipts = Receipt.objects.filter(batch=batch).count()
    limits = ArchiveLimits(
        max_archive_bytes=settings.RECEIPT_PDF_ARCHIVE_MAX_BYTES,
        max_entries=min(settings.RECEIPT_PDF_ARCHIVE_MAX_FILES, receipts + STRAY_ENTRIES),
        max_pdf_bytes=max_pdf,
    )
    report = AttachReport(batch_id=batch.pk)
    storage = receipt_pdf_storage()
    stored: list[_Stored] = []
    try:
        with archive_open(archive, limits=limits) as (zip_file, members):
            report.files = len(members)
            chosen = _match(members, ReceiptIndex(batch), report, max_pdf=max_pdf)
            existing = dict(ReceiptPdf.objects.filter(batch=batch).values_list("receipt_id", "sha256"))
            approved = set(
                ReceiptPdf.objects.filter(batch=batch, seal__isnull=False).values_list("receipt_id", flat=True)
            )
            for receipt_id, member in chosen.items():
                try:
                    data = member_read(zip_file, member, max_bytes=max_pdf)
                except MemberUnreadable as error:
                    report.refused.append(Refusal(member.name, str(error)))
                    continue
                problem = pdf_problem(data, max_bytes=max_pdf)
                if problem:
                    report.refused.append(Refusal(member.name, problem))
                    continue
                digest = hashlib.sha256(data).hexdigest()
                if existing.get(receipt_id) == digest:
                    report.unchanged += 1
                    continue
                if receipt_id in approved:
                    report.refused.append(Refusal(member.name, APPROVED_PDF_KEPT))
                    continue
                name = storage.save(receipt_pdf_path(ReceiptPdf(), member.basename), ContentFile(data))
                stored.append(_Stored(receipt_id, name, digest, len(data), member.name[:255]))
        _save(batch=batch, stored=stored, by=by)
    except BaseException:
        for item in stored:  # nothing of a refused archive stays behind
            storage.delete(item.name)
        raise
    report.attached = len(stored)
    _count_without_files(batch=batch, report=report)
    return report


def receipt_pdfs_send_request(*, batch: Batch, by: User) -> int:
    """Queue the sending of a published batch's pending PDFs; the number waiting to go."""
    require_permission(by, SEND_PERMISSION, "Отправлять PDF в Condo может только утверждающий.")
    separately = (
        "PDF этого пакета отправятся вместе с публикацией: отдельная отправка нужна только опубликованному пакету."
    )
    require_status(batch, SEND_SEPARATELY, separately)
    waiting = ReceiptPdf.objects.filter(
        batch=batch, state=ReceiptPdf.State.PENDING, receipt__publish_state=Receipt.PublishState.ACCEPTED
    ).count()
    if not waiting:
        raise ApplicationError("Нет PDF, ожидающих отправки: все уже в Condo или их квитанции не приняты.")
    batch_id = batch.pk
    transaction.on_commit(lambda: enqueue.batch_pdfs_send(batch_id))
    return waiting


def check_may_attach(*, batch: Batch, by: User) -> None:
    require_permission(by, PDF_PERMISSION, "Загружать PDF квитанций может только бухгалтер.")
    gone = f"К пакету в статусе «{Status(batch.status).label}» PDF не прикрепляются: его квитанций в Condo уже нет."
    require_status(batch, ATTACHABLE, gone)


def _match(members: list[Member], index: ReceiptIndex, report: AttachReport, *, max_pdf: int) -> dict[int, Member]:
    """Receipt id → its one file, decided from names and declared sizes alone (nothing read yet)."""
    by_receipt: dict[int, list[Member]] = {}
    for member in members:
        stem, suffix = member_stem(member)
        if suffix != ".pdf":
            report.refused.append(Refusal(member.name, f"это не PDF: ожидаются файлы .pdf с именем {RULE}"))
            continue
        found = index.match(stem)
        if found.refusal:
            report.refused.append(Refusal(member.name, found.refusal))
        elif found.receipt_id is None:
            report.unmatched.append(member.name)
        else:
            by_receipt.setdefault(found.receipt_id, []).append(member)
    chosen: dict[int, Member] = {}
    for receipt_id, files in by_receipt.items():
        if len(files) > 1:
            names = ", ".join(f"«{member.name}»" for member in files)
            for member in files:
                report.refused.append(Refusal(member.name, f"для одной квитанции несколько файлов: {names}"))
            continue
        member = files[0]
        too_big = size_refusal(member.info.file_size, max_bytes=max_pdf)
        if too_big:
            report.refused.append(Refusal(member.name, too_big))
            continue
        chosen[receipt_id] = member
    return chosen


def _save(*, batch: Batch, stored: list[_Stored], by: User) -> None:
    if not stored:
        return
    storage = receipt_pdf_storage()
    try:
        with transaction.atomic():
            locked = Batch.objects.select_for_update().get(pk=batch.pk)
            if locked.status not in ATTACHABLE:
                raise ApplicationError(
                    f"Пакет №{batch.pk} тем временем перешёл в статус «{locked.get_status_display()}»."
                )
            current = {
                receipt_id: (pk, name)
                for pk, receipt_id, name in ReceiptPdf.objects.filter(batch=batch).values_list(
                    "pk", "receipt_id", "file"
                )
            }
            now = timezone.now()
            fresh, changed, replaced = [], [], []
            for item in stored:
                pdf = ReceiptPdf(
                    receipt_id=item.receipt_id,
                    batch_id=batch.pk,
                    file=item.name,
                    sha256=item.sha256,
                    size=item.size,
                    source_name=item.source_name,
                    state=ReceiptPdf.State.PENDING,
                    condo_status="",
                    error_message="",
                    sent_at=None,
                    attached_by=by,
                    updated_at=now,
                )
                if item.receipt_id in current:
                    pdf.pk, old_name = current[item.receipt_id]
                    replaced.append(old_name)
                    changed.append(pdf)
                else:
                    fresh.append(pdf)
            ReceiptPdf.objects.bulk_create(fresh, batch_size=500)
            ReceiptPdf.objects.bulk_update(
                changed,
                [
                    "file",
                    "sha256",
                    "size",
                    "source_name",
                    "state",
                    "condo_status",
                    "error_message",
                    "sent_at",
                    "attached_by",
                    "updated_at",
                ],
                batch_size=500,
            )
            # The files that were replaced go once the new ones are committed, never before.
            transaction.on_commit(lambda: _delete_files(storage, replaced))
    except IntegrityError:
        raise ApplicationError(
            "PDF этого пакета сейчас загружает кто-то ещё. Подождите минуту и загрузите архив снова."
        ) from None


def _count_without_files(*, batch: Batch, report: AttachReport) -> None:
    missing = Receipt.objects.filter(batch=batch, pdf__isnull=True).exclude(
        publish_state=Receipt.PublishState.WITHDRAWN
    )
    report.receipts_without_file = missing.count()
    labels = dict(Receipt.Category.choices)
    report.receipts_without_file_sample = [
        f"{number} ({labels.get(category, category)})"
        for number, category in missing.order_by("account__number", "category").values_list(
            "account__number", "category"
        )[:SAMPLE]
    ]


def _delete_files(storage: Storage, names: list[str]) -> None:
    for name in names:
        if name:
            storage.delete(name)
