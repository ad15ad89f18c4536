"""The upload's two background steps (django-q2 tasks): its parse, with the preview, and its write."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.utils import timezone

from billing.importers.collect import Cancelled
from billing.importers.drafts import ImportResult
from billing.models import (
    Batch,
    RegistryUpload,
)
from billing.services.file_jobs import file_job_claim, file_job_finish, file_job_move
from billing.services.registry.parse import registry_parse
from billing.services.registry.preview import PreviewStage, preview_compare, preview_discard
from billing.services.registry.upload import INTERRUPTED, Status, finish_failed, finish_refused, local_path
from billing.services.registry.write import registry_write

logger = logging.getLogger(__name__)


def _progress(upload_id: int, status: str) -> Callable[[int], None]:
    def report(rows: int) -> None:
        # Also the cancel signal: once the user cancelled, the status no longer matches.
        if not RegistryUpload.objects.filter(pk=upload_id, status=status).update(
            rows_read=rows, updated_at=timezone.now()
        ):
            raise Cancelled

    return report


def upload_parse(*, upload_id: int) -> str:
    """The parse task's work: check every row and keep the preview or the errors.

    Whatever happens inside, the upload ends «Готово», «Отклонён» or «Ошибка» with its file
    removed on failure: never «Проверяется» for ever."""
    if not file_job_claim(RegistryUpload, upload_id, to=Status.PARSING, rows_read=0):
        return _interrupted(upload_id, Status.PARSING)
    upload = RegistryUpload.objects.select_related("organization__default_recipient").get(pk=upload_id)
    try:
        return _parse(upload)
    except Cancelled:
        preview_discard(upload_id=upload_id)  # the slices written after the user cancelled
        return "cancelled"
    except Exception:
        logger.exception("registry upload %s: parsing failed", upload_id)
        finish_failed(
            upload, "Не удалось проверить файл из-за внутренней ошибки. Сообщите администратору.", status=Status.PARSING
        )
        return "failed"


def _interrupted(upload_id: int, status: str) -> str:
    """A task delivered again while its upload still says `status`: the first attempt died with its
    worker (killed, out of memory) after its timeout, since the broker redelivers only then."""
    stale = timezone.now() - timedelta(seconds=settings.Q_CLUSTER.get("timeout") or 1800)
    upload = RegistryUpload.objects.filter(pk=upload_id, status=status, updated_at__lt=stale).first()
    if upload is None:
        return "skipped"
    logger.warning("registry upload %s: the task was delivered again after its worker died", upload_id)
    finish_failed(upload, INTERRUPTED, status=status)
    return "failed"


def _parse(upload: RegistryUpload) -> str:
    upload_id = upload.pk
    parse = partial(
        registry_parse,
        organization=upload.organization,
        period=upload.period,
        source_name=upload.source_name,
        format_code=upload.format_code,
        progress=_progress(upload_id, Status.PARSING),
        on_inspected=partial(_rows_total_set, upload_id),
        keep_drafts=False,
    )
    preview_discard(upload_id=upload_id)
    with local_path(upload.file.name) as path:
        # The receipts go to the preview's rows as they are read (preview.py); a file
        # whose accounts stand apart is read again grouped on disk.
        result = parse(path=path, sink=PreviewStage(upload))
        if result.scattered:
            preview_discard(upload_id=upload_id)
            result = parse(path=path, sink=PreviewStage(upload), grouped=True)
    if result.ok:
        preview = result.summary()
        anomalies = preview_compare(upload=upload, organization=upload.organization)
        preview["anomalies"] = anomalies.as_dict()
        changed = file_job_finish(
            upload,
            source=Status.PARSING,
            to=Status.READY,
            detected_format=result.format_code,
            preview=preview,
            rows_read=result.rows_read,
        )
        if not changed:
            preview_discard(upload_id=upload_id)
        return "ready" if changed else "cancelled"
    preview_discard(upload_id=upload_id)
    finish_refused(upload, result)
    return "refused"


def _rows_total_set(upload_id: int, total: int | None) -> None:
    RegistryUpload.objects.filter(pk=upload_id).update(rows_total=total)


def upload_write(*, upload_id: int) -> str:
    """The confirm task's work: read the stored file again, writing the draft batch as it is read.

    The stored file is the one checked for the preview; reading it again is cheaper than keeping
    a large month's rows between two requests, and trusts nothing from the browser. The write
    streams in one transaction (write.registry_write): a file refused now leaves nothing.
    """
    upload = RegistryUpload.objects.select_related("organization__default_recipient", "uploaded_by").get(pk=upload_id)
    if upload.status != Status.CONFIRMING or upload.batch_id:
        return "skipped"

    def mark_done(batch: Batch, result: ImportResult) -> None:
        # The conditional UPDATE makes a second delivery of this task roll its batch back.
        if upload.batch_id or not file_job_move(
            RegistryUpload, upload_id, source=Status.CONFIRMING, to=Status.DONE, batch=batch, rows_read=result.rows_read
        ):
            raise Cancelled

    try:
        with local_path(upload.file.name) as path:
            outcome = registry_write(
                organization=upload.organization,
                period=upload.period,
                path=path,
                by=upload.uploaded_by,
                source_file=upload.file.name,
                source_name=upload.source_name,
                format_code=upload.detected_format or upload.format_code,
                progress=_progress(upload_id, Status.CONFIRMING),
                before_commit=mark_done,
            )
        if outcome.batch is None:
            finish_refused(upload, outcome.result)
            return "refused"
        batch = outcome.batch
    except Cancelled:
        return "cancelled"
    except Exception:
        logger.exception("registry upload %s: creating the batch failed", upload_id)
        finish_failed(
            upload,
            "Не удалось создать пакет из-за внутренней ошибки. Сообщите администратору.",
            status=Status.CONFIRMING,
        )
        return "failed"
    logger.info("registry upload %s became batch %s", upload_id, batch.pk)
    return "done"
