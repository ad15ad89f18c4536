"""Upload: a registry file stored under a random name, and the upload's life around its two steps.

The admin's door (registry/__init__.py): `upload_create` stores the file and queues its parse
(tasks.py), `upload_confirm` queues its write, `upload_cancel` and `uploads_expire` discard it.
The upload's status moves only along RegistryUpload's table in file_jobs.py, by conditional
UPDATEs, so a task delivered twice, or a cancel racing a running parse, never does the work
twice or resurrects a cancelled upload.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from billing import enqueue
from billing.errors import ActionForbidden, ApplicationError
from billing.formatting import format_mebibytes
from billing.importers.base import FORBIDDEN_CHARACTERS, RowError
from billing.importers.drafts import ImportResult
from billing.models import (
    Organization,
    RegistryUpload,
)
from billing.models.batches import batch_source_path
from billing.services.file_jobs import UPLOAD_OPEN, file_job_finish, file_job_move, file_job_owned
from billing.services.registry.parse import first_of_month
from billing.services.registry.preview import preview_discard

logger = logging.getLogger(__name__)


IMPORT_PERMISSION = "billing.import_registry"
logger = logging.getLogger(__name__)


Status = RegistryUpload.Status


SHOWN_ERRORS = 200


def _require_permission(by: User) -> None:
    if not by.has_perm(IMPORT_PERMISSION):
        raise ActionForbidden("У вашей роли нет права загружать реестры.")


def _require_owner(upload: RegistryUpload, by: User) -> None:
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
    by: User,
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


INTERRUPTED = (
    "Проверка файла прервалась: обработчик остановился, не закончив (например, из-за нехватки памяти). "
    "Файл удалён; загрузите его ещё раз, а если это повторится, сообщите администратору."
)


def finish_refused(upload: RegistryUpload, result: ImportResult) -> None:
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


def finish_failed(upload: RegistryUpload, message: str, *, status: str) -> None:
    file_job_finish(upload, source=status, to=Status.FAILED, drop_file=True, message=message, preview={})
    preview_discard(upload_id=upload.pk)


def upload_confirm(*, upload: RegistryUpload, by: User) -> RegistryUpload:
    """Queue creation of the batch from a checked upload."""
    _require_owner(upload, by)
    with transaction.atomic():
        if not file_job_move(RegistryUpload, upload.pk, source=Status.READY, to=Status.CONFIRMING, rows_read=0):
            raise ApplicationError("Эту загрузку уже подтвердили или отменили. Обновите страницу.")
        transaction.on_commit(lambda: enqueue.import_upload_write(upload.pk))
    upload.refresh_from_db()
    return upload


# What a cancelled upload forgets: its file and everything read from it.
_FORGET: dict[str, Any] = {"file": "", "preview": {}, "errors_report": []}


def upload_cancel(*, upload: RegistryUpload, by: User) -> RegistryUpload:
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
        finish_failed(upload, INTERRUPTED, status=Status.PARSING)
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


def safe_source_name(name: str) -> str:
    """The file's name as shown and stored: control characters (base.FORBIDDEN_CHARACTERS) replaced."""
    return FORBIDDEN_CHARACTERS.sub("_", name)[:255]


def store_file(path: Path, name: str) -> str:
    """Copy a file into the default storage under a random name (never the user's name)."""
    from billing.models.batches import batch_source_path

    with Path(path).open("rb") as handle:
        return default_storage.save(batch_source_path(None, name), handle)


@contextmanager
def local_path(stored_name: str) -> Iterator[Path]:
    """A filesystem path for a stored file: the file itself on local storage, a temporary copy otherwise."""
    try:
        local = default_storage.path(stored_name)
    except NotImplementedError:
        local = None
    if local is not None:
        yield Path(local)
        return
    suffix = Path(stored_name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy, default_storage.open(stored_name, "rb") as source:
        shutil.copyfileobj(source, copy)
        copy.flush()
        yield Path(copy.name)


def errors_as_text(errors: list[RowError]) -> list[str]:
    return [str(error) for error in errors]
