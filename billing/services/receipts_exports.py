"""Large receipts exports: queued on request, written by a django-q2 worker, kept a while, then removed.

openpyxl writes about 2,000 rows a second, so a month of 100,000 receipts takes close to a
minute: longer than a browser, or the proxy in front of the desk, waits for one answer.
Exports above EXPORT_INLINE_MAX_RECEIPTS go through here; smaller ones stay immediate.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.db import transaction

from billing import enqueue
from billing.errors import ApplicationError
from billing.exports.receipts import receipts_export, receipts_export_check
from billing.exports.writer import export_to_tempfile
from billing.models import Batch, ReceiptsExport
from billing.services.file_jobs import file_job_claim, file_job_finish

logger = logging.getLogger(__name__)
Status = ReceiptsExport.Status


def export_in_background(batches: list[Batch]) -> bool:
    return sum(batch.receipts_count for batch in batches) > settings.EXPORT_INLINE_MAX_RECEIPTS


def receipts_export_request(*, batches: list[Batch], filename: str, by: User) -> ReceiptsExport:
    """Queue the workbook of `batches`; the user follows it on its page and downloads it there."""
    receipts_export_check(batches)
    with transaction.atomic():
        export = ReceiptsExport.objects.create(
            batch_ids=sorted(batch.pk for batch in batches), filename=filename, requested_by=by
        )
        transaction.on_commit(lambda: enqueue.receipts_export_write(export.pk))
    return export


def receipts_export_write(*, export_id: int) -> str:
    """The task's work; a second delivery of the same task finds the export taken and does nothing."""
    if not file_job_claim(ReceiptsExport, export_id, to=Status.RUNNING):
        return "skipped"
    export = ReceiptsExport.objects.get(pk=export_id)
    try:
        batches = list(Batch.objects.filter(pk__in=export.batch_ids))
        with export_to_tempfile(receipts_export, batches=batches) as workbook:
            export.file.save(export.filename, File(workbook), save=False)
        rows = sum(batch.receipts_count for batch in batches)
    except ApplicationError as error:
        return _failed(export, error.message)
    except Exception:
        logger.exception("receipts export %s failed", export_id)
        return _failed(export, "Не удалось сформировать файл из-за внутренней ошибки. Сообщите администратору.")
    file_job_finish(export, source=Status.RUNNING, to=Status.READY, file=export.file.name, rows=rows)
    return "ready"


def _failed(export: ReceiptsExport, message: str) -> str:
    file_job_finish(export, source=Status.RUNNING, to=Status.FAILED, drop_file=True, message=message)
    return "failed"
