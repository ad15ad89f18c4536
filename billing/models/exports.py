"""Receipts exports too large to write while the browser waits: a worker writes them, the user downloads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from billing.models.file_jobs import FileJob, status_field


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "В очереди"
    RUNNING = "running", "Формируется"
    READY = "ready", "Готов"
    FAILED = "failed", "Сбой"


def export_file_path(instance: ReceiptsExport, filename: str) -> str:
    return f"exports/{instance.token.hex}.xlsx"


class ReceiptsExport(FileJob):
    """One «Квитанции пакета» workbook written by a task; kept for EXPORT_KEEP_HOURS."""

    Status = ExportStatus
    OWNER_FIELD = "requested_by"
    FILE_FIELD = "file"
    WORKING = frozenset({ExportStatus.QUEUED, ExportStatus.RUNNING})
    batch_ids = models.JSONField("пакеты", default=list)
    filename = models.CharField("имя файла", max_length=128)
    file = models.FileField("файл", upload_to=export_file_path, blank=True)
    status = status_field(ExportStatus)
    rows = models.PositiveIntegerField("строк", default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="запросил", on_delete=models.CASCADE, related_name="+"
    )
    # Asked for, not uploaded; ready, not checked.
    created_at = models.DateTimeField("запрошен", auto_now_add=True)
    finished_at = models.DateTimeField("готов", null=True, blank=True)

    class Meta:
        verbose_name = "выгрузка квитанций"
        verbose_name_plural = "выгрузки квитанций"
        constraints = [models.CheckConstraint(condition=Q(status__in=ExportStatus.values), name="export_status_known")]
        indexes = [models.Index(fields=["created_at"], name="export_created")]

    def __str__(self) -> str:
        return self.filename
