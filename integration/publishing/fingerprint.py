"""The approval fingerprint: a digest of exactly what Condo will receive for a batch.

It is taken over the documents themselves, each receipt's JSON as the publisher sends it
(`receipt_json`), together with the context they go to and the month, and over the SHA-256 of
every PDF the approval covers. An approver signs this; the publisher computes it again before
it sends anything and refuses a batch whose documents no longer match. So a changed row, a
changed payload builder, another Condo context or a swapped PDF is caught before Condo sees it,
not after.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db.models import QuerySet

from billing.models import ApprovalSeal, Batch, ReceiptPdf
from integration.condo.payloads import PayloadError, receipt_json
from integration.publishing.rows import batch_receipts

VERSION = "billing-desk-seal/1"
_SLICE = 2000


def batch_fingerprint(*, batch: Batch, pdfs: QuerySet[ReceiptPdf]) -> tuple[str, int]:
    """(fingerprint, receipts covered) of the batch's documents and the given PDFs."""
    digest = hashlib.sha256()
    digest.update(f"{VERSION}\nbatch {batch.pk}\ncontext {batch.organization.condo_context_id}\n"
                  f"period {batch.period:%Y-%m}\n".encode())
    count = after_id = 0
    while True:
        rows = batch_receipts(batch_id=batch.pk, limit=_SLICE, after_id=after_id)
        if not rows:
            break
        for _, receipt in rows:
            digest.update(f"{receipt.import_id}\t{_document(receipt)}\n".encode())
        count += len(rows)
        after_id = rows[-1][0]
    _pdf_lines(digest, pdfs)
    return digest.hexdigest(), count


def addendum_fingerprint(*, batch: Batch, pdfs: QuerySet[ReceiptPdf]) -> str:
    """The fingerprint of PDFs approved after the batch itself: their receipts and bytes."""
    digest = hashlib.sha256()
    digest.update(f"{VERSION}\naddendum of batch {batch.pk}\ncontext {batch.organization.condo_context_id}\n".encode())
    _pdf_lines(digest, pdfs)
    return digest.hexdigest()


def seal_mismatch(*, batch: Batch) -> str | None:
    """Why the batch's documents no longer match what was approved, or None when they do.

    Run by the publisher before it sends; a batch without an approval never matches.
    """
    seals = list(ApprovalSeal.objects.filter(batch=batch).order_by("pk"))
    main = next((seal for seal in seals if seal.kind == ApprovalSeal.Kind.BATCH), None)
    if main is None:
        return f"У пакета №{batch.pk} нет утверждения с отпечатком: отправлять нечего подтверждать."
    fingerprint, count = batch_fingerprint(batch=batch, pdfs=ReceiptPdf.objects.filter(seal=main))
    if fingerprint != main.fingerprint or count != main.receipts_count:
        return (
            f"Документы пакета №{batch.pk} не совпадают с утверждёнными: отпечаток {_short(fingerprint)} "
            f"вместо {_short(main.fingerprint)} ({count} квитанций, утверждено {main.receipts_count}). "
            "Ничего не отправлено."
        )
    for seal in seals:
        if seal.kind == ApprovalSeal.Kind.PDF_ADDENDUM:
            if addendum_fingerprint(batch=batch, pdfs=ReceiptPdf.objects.filter(seal=seal)) != seal.fingerprint:
                return f"PDF дополнения №{seal.pk} к пакету №{batch.pk} не совпадают с утверждёнными. Ничего не отправлено."
    return None


def _document(receipt) -> str:
    try:
        return receipt_json(receipt)
    except PayloadError as error:
        # The publisher refuses such a receipt on its own; the approver signs that refusal too.
        return f"!refused {error}"


def _pdf_lines(digest, pdfs: Iterable[ReceiptPdf] | QuerySet[ReceiptPdf]) -> None:
    digest.update(b"pdfs\n")
    for import_id, sha256 in pdfs.order_by("receipt_id").values_list("receipt__import_id", "sha256"):
        digest.update(f"{import_id}\t{sha256}\n".encode())


def _short(fingerprint: str) -> str:
    return " ".join(fingerprint[i : i + 4] for i in range(0, 16, 4))
