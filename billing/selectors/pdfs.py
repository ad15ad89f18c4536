"""Reads about receipt PDFs for the batch page and the receipt page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Count, Q

from billing.models import Batch, Receipt, ReceiptPdf, ReceiptPdfUpload
from billing.selectors.receipt_states import batch_receipts_not_withdrawn

State = ReceiptPdf.State


@dataclass(frozen=True)
class BatchPdfCounts:
    receipts: int
    with_file: int
    pending: int
    sent: int
    failed: int
    pending_ready: int  # pending and their receipt is accepted: the next send takes them

    @property
    def without_file(self) -> int:
        return max(self.receipts - self.with_file, 0)

    @property
    def pending_for_receipt(self) -> int:
        """Pending PDFs whose receipt Condo has not accepted (yet)."""
        return self.pending - self.pending_ready


def batch_pdf_counts(*, batch: Batch) -> BatchPdfCounts:
    """Two aggregate queries, whatever the size of the batch."""
    accepted = Q(receipt__publish_state=Receipt.PublishState.ACCEPTED)
    counts = ReceiptPdf.objects.filter(batch=batch).aggregate(
        total=Count("pk", filter=~Q(receipt__publish_state=Receipt.PublishState.WITHDRAWN)),
        pending=Count("pk", filter=Q(state=State.PENDING)),
        sent=Count("pk", filter=Q(state=State.SENT)),
        failed=Count("pk", filter=Q(state=State.FAILED)),
        pending_ready=Count("pk", filter=Q(state=State.PENDING) & accepted),
    )
    return BatchPdfCounts(
        receipts=batch_receipts_not_withdrawn(batch=batch),
        with_file=counts["total"],
        pending=counts["pending"],
        sent=counts["sent"],
        failed=counts["failed"],
        pending_ready=counts["pending_ready"],
    )


def receipt_pdf(*, receipt: Receipt) -> ReceiptPdf | None:
    return ReceiptPdf.objects.filter(receipt=receipt).defer("error_message").first()


def receipt_pdfs_by_receipt(*, receipt_ids: list[int]) -> dict[int, ReceiptPdf]:
    """The PDFs of a page of receipts, in one query (for a list that shows file state per row)."""
    return {pdf.receipt_id: pdf for pdf in ReceiptPdf.objects.filter(receipt_id__in=receipt_ids)}


def batch_receipt_pdf(*, batch: Batch, receipt_id: int) -> ReceiptPdf | None:
    """One receipt's PDF within a batch, with what its download name needs."""
    return (
        ReceiptPdf.objects.select_related("receipt__account").filter(receipt_id=receipt_id, batch_id=batch.pk).first()
    )


def batch_pdf_upload(*, batch: Batch, token: uuid.UUID) -> ReceiptPdfUpload | None:
    return ReceiptPdfUpload.objects.filter(token=token, batch=batch).first()
