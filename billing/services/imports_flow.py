"""The admin's import flow: upload → parse in a task with progress → preview → confirm or cancel.

The upload's status moves only along RegistryUpload's table in file_jobs.py, by conditional
UPDATEs, so a task delivered twice, or a cancel racing a running parse, never does the work
twice or resurrects a cancelled upload.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from billing import enqueue
from billing.errors import ActionForbidden, ApplicationError
from billing.formatting import format_mebibytes
from billing.importers.base import RowError
from billing.importers.collect import Cancelled, ImportResult
from billing.models import Organization, RegistryUpload
from billing.models.batches import batch_source_path
from billing.services.file_jobs import UPLOAD_OPEN, file_job_claim, file_job_finish, file_job_move, file_job_owned
from billing.services.imports import (
    IMPORT_PERMISSION,
    first_of_month,
    local_path,
    registry_parse,
    registry_write,
    safe_source_name,
)
from billing.services.registry_preview import PreviewStage, preview_compare, preview_discard

logger = logging.getLogger(__name__)
Status = RegistryUpload.Status
SHOWN_ERRORS = 200


def _require_permission(by: AbstractBaseUser) -> None:
    if not by.has_perm(IMPORT_PERMISSION):
        raise ActionForbidden("У вашей роли нет права загружать реестры.")


def _require_owner(upload: RegistryUpload, by: AbstractBaseUser) -> None:
    _require_permission(by)
    if not file_job_owned(upload, by):
        raise ActionForbidden("Это загрузка другого пользователя.")


def upload_create(
    *,
    organization: Organization,
    period: date,
    format_code: str,
    file: IO[bytes],
    name: str,
    size: int,
    by: AbstractBaseUser,
) -> RegistryUpload:
    """Store the file under a random name and queue its check. Too big a file is refused at once."""
    _require_permission(by)
    limit = settings.IMPORT_MAX_FILE_BYTES
    if size > limit:
        raise ApplicationError(
            f"Файл слишком большой: {format_mebibytes(size)}, допускается не больше {format_mebibytes(limit)}. "
            "Разделите реестр на несколько файлов."
        )
    if size == 0:
        raise ApplicationError("Файл пустой (0 байт): выберите файл реестра ещё раз.")
    name = safe_source_name(name)
    stored = default_storage.save(batch_source_path(None, name), file)
    try:
        with transaction.atomic():
            upload = RegistryUpload.objects.create(
                organization=organization,
                period=first_of_month(period),
                format_code=format_code,
                file=stored,
                source_name=name[:255],
                file_size=size,
                uploaded_by=by,
            )
            transaction.on_commit(lambda: enqueue.import_upload_parse(upload.pk))
    except BaseException:
        default_storage.delete(stored)
        raise
    return upload


def _progress(upload_id: int, status: str):
    def report(rows: int) -> None:
        # Also the cancel signal: once the user cancelled, the status no longer matches.
        if not RegistryUpload.objects.filter(pk=upload_id, status=status).update(
            rows_read=rows, updated_at=timezone.now()
        ):
            raise Cancelled

    return report


INTERRUPTED = (
    "Проверка файла прервалась: обработчик остановился, не закончив (например, из-за нехватки памяти). "
    "Файл удалён; загрузите его ещё раз, а если это повторится, сообщите администратору."
)


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
        _finish_failed(
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
    _finish_failed(upload, INTERRUPTED, status=status)
    return "failed"


def _parse(upload: RegistryUpload) -> str:
    upload_id = upload.pk
    arguments = {
        "organization": upload.organization,
        "period": upload.period,
        "source_name": upload.source_name,
        "format_code": upload.format_code,
        "progress": _progress(upload_id, Status.PARSING),
        "on_inspected": lambda total: RegistryUpload.objects.filter(pk=upload_id).update(rows_total=total),
        "keep_drafts": False,
    }
    preview_discard(upload_id=upload_id)
    with local_path(upload.file.name) as path:
        # The receipts go to the preview's rows as they are read (registry_preview.py); a file
        # whose accounts stand apart is read again grouped on disk.
        result = registry_parse(**arguments, path=path, sink=PreviewStage(upload))
        if result.scattered:
            preview_discard(upload_id=upload_id)
            result = registry_parse(**arguments, path=path, sink=PreviewStage(upload), grouped=True)
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
    _finish_refused(upload, result)
    return "refused"


def _finish_refused(upload: RegistryUpload, result: ImportResult) -> None:
    errors = [error.as_dict() for error in result.errors]
    # A refused file leaves nothing behind but the list of its errors.
    file_job_finish(
        upload,
        source=(Status.PARSING, Status.CONFIRMING),
        to=Status.REFUSED,
        drop_file=True,
        detected_format=result.format_code,
        errors=errors[:SHOWN_ERRORS],
        errors_report=errors,
        errors_count=result.errors_count,
    )


def _finish_failed(upload: RegistryUpload, message: str, *, status: str) -> None:
    file_job_finish(upload, source=status, to=Status.FAILED, drop_file=True, message=message, preview={})
    preview_discard(upload_id=upload.pk)


def upload_confirm(*, upload: RegistryUpload, by: AbstractBaseUser) -> RegistryUpload:
    """Queue creation of the batch from a checked upload."""
    _require_owner(upload, by)
    with transaction.atomic():
        if not file_job_move(RegistryUpload, upload.pk, source=Status.READY, to=Status.CONFIRMING, rows_read=0):
            raise ApplicationError("Эту загрузку уже подтвердили или отменили. Обновите страницу.")
        transaction.on_commit(lambda: enqueue.import_upload_write(upload.pk))
    upload.refresh_from_db()
    return upload


def upload_write(*, upload_id: int) -> str:
    """The confirm task's work: read the stored file again, writing the draft batch as it is read.

    The stored file is the one checked for the preview; reading it again is cheaper than keeping
    a large month's rows between two requests, and trusts nothing from the browser. The write
    streams in one transaction (imports.registry_write): a file refused now leaves nothing.
    """
    upload = RegistryUpload.objects.select_related("organization__default_recipient", "uploaded_by").get(pk=upload_id)
    if upload.status != Status.CONFIRMING or upload.batch_id:
        return "skipped"

    def mark_done(batch, result) -> None:
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
            _finish_refused(upload, outcome.result)
            return "refused"
        batch = outcome.batch
    except Cancelled:
        return "cancelled"
    except Exception:
        logger.exception("registry upload %s: creating the batch failed", upload_id)
        _finish_failed(
            upload,
            "Не удалось создать пакет из-за внутренней ошибки. Сообщите администратору.",
            status=Status.CONFIRMING,
        )
        return "failed"
    logger.info("registry upload %s became batch %s", upload_id, batch.pk)
    return "done"


# What a cancelled upload forgets: its file and everything read from it.
_FORGET = {"file": "", "preview": {}, "errors_report": []}


def upload_cancel(*, upload: RegistryUpload, by: AbstractBaseUser) -> RegistryUpload:
    """Discard an upload that has not become a batch, with its stored file."""
    _require_owner(upload, by)
    if not file_job_move(RegistryUpload, upload.pk, source=UPLOAD_OPEN, to=Status.CANCELLED, **_FORGET):
        raise ApplicationError("Эту загрузку уже нельзя отменить: пакет создаётся или уже создан.")
    preview_discard(upload_id=upload.pk)
    if upload.file.name:
        default_storage.delete(upload.file.name)
    upload.refresh_from_db()
    return upload


def uploads_expire() -> int:
    """Cancel the uploads left open longer than IMPORT_UPLOAD_KEEP_DAYS, with their files and previews.

    A checked registry nobody confirmed, or a refused one nobody came back to, would otherwise
    keep its file (up to IMPORT_MAX_FILE_BYTES) and its error list forever. The conditional
    UPDATE leaves alone an upload the user acts on meanwhile.
    """
    days = settings.IMPORT_UPLOAD_KEEP_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    # A check whose worker died and was never redelivered (the broker gave up) ends «Ошибка» first.
    silent = timezone.now() - timedelta(seconds=2 * (settings.Q_CLUSTER.get("retry") or 3600))
    for upload in RegistryUpload.objects.filter(status=Status.PARSING, updated_at__lt=silent).only("pk", "file"):
        _finish_failed(upload, INTERRUPTED, status=Status.PARSING)
    stale = RegistryUpload.objects.filter(status__in=UPLOAD_OPEN, updated_at__lt=cutoff)
    expired = 0
    for upload_id, stored in stale.values_list("pk", "file"):
        if file_job_move(
            RegistryUpload,
            upload_id,
            source=UPLOAD_OPEN,
            to=Status.CANCELLED,
            also=Q(updated_at__lt=cutoff),
            message=f"Отменена автоматически: загрузку не подтвердили и не отменили за {days} дн.",
            **_FORGET,
        ):
            expired += 1
            preview_discard(upload_id=upload_id)
            if stored:
                default_storage.delete(stored)
    if expired:
        logger.info("registry uploads: %s left open over %s days were cancelled", expired, days)
    return expired


def upload_errors(*, upload: RegistryUpload) -> list[RowError]:
    report = RegistryUpload.objects.filter(pk=upload.pk).values_list("errors_report", flat=True).first() or []
    return [RowError.from_dict(item) for item in report]
