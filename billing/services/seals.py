"""Approvals with a fingerprint: what the approver signed, and PDF addenda approved after it.

The fingerprint is computed by the publishing side (`settings.BATCH_FINGERPRINT`, by path: billing
does not import integration), over the very documents Condo will receive.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils.module_loading import import_string

from billing import enqueue
from billing.errors import ActionForbidden, ApplicationError
from billing.models import ApprovalSeal, Batch, ReceiptPdf
from billing.plurals import counted
from billing.services.batch_guard import require_permission, require_status

Status = Batch.Status
APPROVE_PERMISSION = "billing.approve_batch"
# The batch's own approval covers what was there when it was submitted; later PDFs are addenda.
_ADDENDUM_APPROVABLE = (Status.APPROVED, Status.PUBLISHING, Status.FAILED, Status.PUBLISHED, Status.PARTIALLY_PUBLISHED)


def batch_seal(*, batch: Batch, by: User) -> ApprovalSeal:
    """Record the batch's approval with the fingerprint of its documents; run inside the approval."""
    pdfs = ReceiptPdf.objects.filter(batch=batch, seal__isnull=True, updated_at__lte=batch.submitted_at)
    pdf_ids = list(pdfs.values_list("pk", flat=True))
    covered = ReceiptPdf.objects.filter(pk__in=pdf_ids)
    fingerprint, receipts = import_string(settings.BATCH_FINGERPRINT)(batch=batch, pdfs=covered)
    if receipts != batch.receipts_count:
        raise ApplicationError(
            f"В пакете №{batch.pk} {counted(receipts, 'receipt')}, а при загрузке было {batch.receipts_count}: "
            "пакет повреждён, утверждать его нельзя."
        )
    seal = ApprovalSeal.objects.create(
        batch=batch,
        kind=ApprovalSeal.Kind.BATCH,
        fingerprint=fingerprint,
        receipts_count=receipts,
        pdfs_count=len(pdf_ids),
        approved_by=by,
    )
    covered.update(seal=seal)
    return seal


def addendum_pending(*, batch: Batch) -> QuerySet[ReceiptPdf]:
    """PDFs attached after the batch was submitted and not approved yet: Condo does not get them."""
    return ReceiptPdf.objects.filter(batch=batch, seal__isnull=True)


def batch_pdf_addendum_approve(*, batch: Batch, by: User) -> ApprovalSeal:
    """Another person approves the PDFs attached after submission; only then are they sent."""
    require_permission(by, APPROVE_PERMISSION, "Утверждать PDF может только утверждающий.")
    with_batch = f"PDF пакета в статусе «{Status(batch.status).label}» утверждаются вместе с пакетом, не отдельно."
    require_status(batch, _ADDENDUM_APPROVABLE, with_batch)
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        pdf_ids = list(addendum_pending(batch=locked).values_list("pk", flat=True))
        if not pdf_ids:
            raise ApplicationError("Нет PDF, ожидающих утверждения.")
        pdfs = ReceiptPdf.objects.filter(pk__in=pdf_ids)
        if by.pk in set(pdfs.values_list("attached_by_id", flat=True)) or by.pk == locked.created_by_id:
            raise ActionForbidden("Нельзя утвердить PDF, которые вы сами загрузили: нужен второй человек.")
        fingerprint = import_string(settings.ADDENDUM_FINGERPRINT)(batch=locked, pdfs=pdfs)
        seal = ApprovalSeal.objects.create(
            batch=locked,
            kind=ApprovalSeal.Kind.PDF_ADDENDUM,
            fingerprint=fingerprint,
            pdfs_count=len(pdf_ids),
            approved_by=by,
        )
        pdfs.update(seal=seal)
        if locked.status in (Status.PUBLISHED, Status.PARTIALLY_PUBLISHED):
            batch_id = locked.pk
            transaction.on_commit(lambda: enqueue.batch_pdfs_send(batch_id), robust=True)
    return seal


def batch_approval(batch: Batch) -> ApprovalSeal | None:
    return ApprovalSeal.objects.filter(batch=batch, kind=ApprovalSeal.Kind.BATCH).select_related("approved_by").first()
