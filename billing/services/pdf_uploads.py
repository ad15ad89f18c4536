"""The admin's PDF upload: the archive is stored, a django-q2 worker attaches its files, the page shows the report.

Checking and storing a month of PDFs (RECEIPT_PDF_ARCHIVE_MAX_BYTES, 1 GiB by default) takes
longer than a browser, or the proxy in front of the desk, waits for one answer. The work itself
is `receipt_pdfs_attach`, unchanged: all or nothing for a hostile archive, file by file otherwise.
"""

from __future__ import annotations

import logging
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.db import transaction

from billing import enqueue
from billing.errors import ApplicationError
from billing.models import Batch, ReceiptPdfUpload
from billing.models.pdfs import pdf_archive_path
from billing.services.file_jobs import file_job_claim, file_job_finish
from billing.services.pdf_attach_report import AttachReport
from billing.services.receipt_pdfs import check_may_attach, receipt_pdfs_attach

logger = logging.getLogger(__name__)
Status = ReceiptPdfUpload.Status


def pdf_archive_upload(*, batch: Batch, archive: IO[bytes], name: str, by: User) -> ReceiptPdfUpload:
    """Keep the archive and queue its check; refused at once if the user or the batch may not take PDFs."""
    check_may_attach(batch=batch, by=by)
    stored = default_storage.save(pdf_archive_path(None, name), archive)
    try:
        with transaction.atomic():
            upload = ReceiptPdfUpload.objects.create(
                batch=batch, archive=stored, source_name=name[:255], uploaded_by=by
            )
            transaction.on_commit(lambda: enqueue.pdf_archive_attach(upload.pk))
    except BaseException:
        default_storage.delete(stored)
        raise
    return upload


def pdf_archive_attach(*, upload_id: int) -> str:
    """The task's work; a second delivery finds the upload taken and does nothing."""
    if not file_job_claim(ReceiptPdfUpload, upload_id, to=Status.RUNNING):
        return "skipped"
    upload = ReceiptPdfUpload.objects.select_related("batch", "uploaded_by").get(pk=upload_id)
    outcome: dict[str, Any] = {"to": Status.DONE, "message": "", "report": {}}
    try:
        with default_storage.open(upload.archive.name, "rb") as archive:
            outcome["report"] = receipt_pdfs_attach(
                batch=upload.batch, archive=archive, by=upload.uploaded_by
            ).as_dict()
    except ApplicationError as error:
        outcome.update(to=Status.REFUSED, message=f"Архив не принят, ничего не сохранено. {error.message}")
    except Exception:
        logger.exception("PDF upload %s: attaching failed", upload_id)
        outcome.update(
            to=Status.FAILED,
            message="Не удалось обработать архив из-за внутренней ошибки. Сообщите администратору.",
        )
    # The archive goes whatever happened: its PDFs, if any were good, are stored one by one.
    file_job_finish(upload, source=Status.RUNNING, drop_file=True, **outcome)
    return str(outcome["to"])


def pdf_upload_report(upload: ReceiptPdfUpload) -> AttachReport | None:
    return AttachReport.from_dict(upload.report) if upload.status == Status.DONE else None
