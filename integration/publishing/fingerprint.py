"""The approval fingerprint: a digest of exactly what Condo will receive for a batch.

At approval every receipt's document is built as the publisher sends it (`receipt_json`) and
its SHA-256 is stored (ApprovedDocument). The fingerprint is taken over those digests in receipt
order, with the Condo context and the month they go to, and over the SHA-256 of every PDF the
approval covers. Before a run the publisher takes the fingerprint again from the stored digests
(a cheap read, no document built twice) and refuses a batch that no longer matches; while it
sends, the client refuses any document whose digest is not the approved one (ReceiptIn.digest).
So a changed row, a changed payload builder, another Condo context or a swapped PDF is caught
before Condo sees it.
"""

from __future__ import annotations

import hashlib

from django.db import connection
from django.db.models import QuerySet

from billing.bulk import insert_rows
from billing.models import ApprovalSeal, ApprovedDocument, Batch, Receipt, ReceiptPdf
from billing.plurals import counted
from integration.condo.payloads import PayloadError, receipt_json
from integration.condo.records import ReceiptIn
from integration.publishing.rows import batch_receipts

VERSION = "billing-desk-seal/2"
_SLICE = 2000
_DIGESTS_SQL = f"""
    SELECT r.import_id, d.sha256 FROM {Receipt._meta.db_table} r
    LEFT JOIN {ApprovedDocument._meta.db_table} d ON d.receipt_id = r.id
    WHERE r.batch_id = %s ORDER BY r.id
"""


def document_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def batch_fingerprint(*, batch: Batch, pdfs: QuerySet[ReceiptPdf]) -> tuple[str, int]:
    """Store the digest of every receipt's document; (fingerprint, receipts covered)."""
    ApprovedDocument.objects.filter(receipt__batch=batch).delete()
    count = after_id = 0
    while True:
        rows = batch_receipts(batch_id=batch.pk, limit=_SLICE, after_id=after_id)
        if not rows:
            break
        insert_rows(
            ApprovedDocument,
            ("receipt", "sha256"),
            [(receipt_id, document_digest(_document(receipt))) for receipt_id, receipt in rows],
        )
        count += len(rows)
        after_id = rows[-1][0]
    fingerprint, stored = _fingerprint_from_digests(batch=batch, pdfs=pdfs)
    return fingerprint, stored


def addendum_fingerprint(*, batch: Batch, pdfs: QuerySet[ReceiptPdf]) -> str:
    """The fingerprint of PDFs approved after the batch itself: their receipts and bytes."""
    digest = hashlib.sha256()
    digest.update(f"{VERSION}\naddendum of batch {batch.pk}\ncontext {batch.organization.condo_context_id}\n".encode())
    _pdf_lines(digest, pdfs)
    return digest.hexdigest()


def seal_mismatch(*, batch: Batch) -> str | None:
    """Why the batch no longer matches what was approved, or None when it does (run before sending)."""
    seals = list(ApprovalSeal.objects.filter(batch=batch).order_by("pk"))
    main = next((seal for seal in seals if seal.kind == ApprovalSeal.Kind.BATCH), None)
    if main is None:
        return f"У пакета №{batch.pk} нет утверждения с отпечатком: отправлять его нельзя."
    fingerprint, count = _fingerprint_from_digests(batch=batch, pdfs=ReceiptPdf.objects.filter(seal=main))
    if fingerprint != main.fingerprint or count != main.receipts_count:
        return (
            f"Документы пакета №{batch.pk} не совпадают с утверждёнными: отпечаток {_short(fingerprint)} "
            f"вместо {_short(main.fingerprint)} ({counted(count, 'receipt')}, утверждено {main.receipts_count}). "
            "Ничего не отправлено."
        )
    for seal in seals:
        pdfs = ReceiptPdf.objects.filter(seal=seal)
        if (
            seal.kind == ApprovalSeal.Kind.PDF_ADDENDUM
            and addendum_fingerprint(batch=batch, pdfs=pdfs) != seal.fingerprint
        ):
            return f"PDF дополнения №{seal.pk} к пакету №{batch.pk} не совпадают с утверждёнными. Ничего не отправлено."
    return None


def _fingerprint_from_digests(*, batch: Batch, pdfs: QuerySet[ReceiptPdf]) -> tuple[str, int]:
    digest = hashlib.sha256()
    digest.update(
        f"{VERSION}\nbatch {batch.pk}\ncontext {batch.organization.condo_context_id}\n"
        f"period {batch.period:%Y-%m}\n".encode()
    )
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(_DIGESTS_SQL, (batch.pk,))
        while rows := cursor.fetchmany(_SLICE):
            digest.update("".join(f"{import_id}\t{sha256 or '-'}\n" for import_id, sha256 in rows).encode())
            count += len(rows)
    _pdf_lines(digest, pdfs)
    return digest.hexdigest(), count


def _document(receipt: ReceiptIn) -> str:
    try:
        return receipt_json(receipt)
    except PayloadError as error:
        # The publisher refuses such a receipt on its own; the approver signs that refusal too.
        return f"!refused {error}"


def _pdf_lines(digest: hashlib._Hash, pdfs: QuerySet[ReceiptPdf]) -> None:
    digest.update(b"pdfs\n")
    for import_id, sha256 in pdfs.order_by("receipt_id").values_list("receipt__import_id", "sha256"):
        digest.update(f"{import_id}\t{sha256}\n".encode())


def _short(fingerprint: str) -> str:
    return " ".join(fingerprint[i : i + 4] for i in range(0, 16, 4))
