"""A receipt's printable PDF (ЕПД) and whether Condo holds it (contract §7)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import Storage, default_storage, storages
from django.db import models
from django.db.models import Q

from billing.models.file_jobs import FileJob, status_field

STORAGE_ALIAS = "receipt_pdfs"


def receipt_pdf_storage() -> Storage:
    """The `receipt_pdfs` entry of STORAGES when a deployment defines one (e.g. S3), else the default."""
    if STORAGE_ALIAS in settings.STORAGES:
        return storages[STORAGE_ALIAS]
    return default_storage


def receipt_pdf_path(instance: ReceiptPdf, filename: str) -> str:
    # A random name: the archive's member names are user input and never become paths.
    name = uuid.uuid4().hex
    return f"receipt-pdfs/{name[:2]}/{name}.pdf"


class PdfState(models.TextChoices):
    PENDING = "pending", "Ожидает отправки"
    SENT = "sent", "Отправлен в Condo"
    FAILED = "failed", "Condo не принял"


class CondoFileStatus(models.TextChoices):
    CREATED = "CREATED", "Создан"
    UPDATED = "UPDATED", "Заменён"
    SKIPPED = "SKIPPED", "Не изменился"


class ReceiptPdf(models.Model):
    State = PdfState
    CondoStatus = CondoFileStatus

    receipt = models.OneToOneField(
        "billing.Receipt", verbose_name="квитанция", on_delete=models.CASCADE, related_name="pdf"
    )
    # The receipt's batch, repeated so that "the pending files of a batch" is one indexed scan.
    batch = models.ForeignKey("billing.Batch", verbose_name="пакет", on_delete=models.CASCADE, related_name="+")
    file = models.FileField("файл", upload_to=receipt_pdf_path, storage=receipt_pdf_storage, max_length=255)
    source_name = models.CharField("имя в архиве", max_length=255, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField("размер, байт")
    state = models.CharField("состояние", max_length=16, choices=PdfState.choices, default=PdfState.PENDING)
    condo_status = models.CharField(
        "ответ Condo",
        max_length=16,
        choices=CondoFileStatus.choices,
        blank=True,
        help_text="CREATED — файл создан, UPDATED — заменён, SKIPPED — в Condo уже этот же файл.",
    )
    error_message = models.TextField("ошибка", blank=True)
    sent_at = models.DateTimeField("отправлен", null=True, blank=True)
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="загрузил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    seal = models.ForeignKey(
        "billing.ApprovalSeal",
        verbose_name="утверждение",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pdfs",
        help_text="Пусто, пока файл никто не утвердил: такой файл в Condo не отправляется.",
    )
    created_at = models.DateTimeField("загружен", auto_now_add=True)
    updated_at = models.DateTimeField("изменён", auto_now=True)

    class Meta:
        verbose_name = "PDF квитанции"
        verbose_name_plural = "PDF квитанций"
        constraints = [
            models.CheckConstraint(condition=Q(state__in=PdfState.values), name="receipt_pdf_state_known"),
            models.CheckConstraint(
                condition=Q(condo_status="") | Q(condo_status__in=CondoFileStatus.values),
                name="receipt_pdf_condo_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | (~Q(condo_status="") & Q(sent_at__isnull=False)),
                name="receipt_pdf_sent_has_answer",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="receipt_pdf_not_empty"),
        ]
        indexes = [
            models.Index(fields=["batch", "id"], condition=Q(state="pending"), name="receipt_pdf_pending"),
            models.Index(fields=["batch", "state"], name="receipt_pdf_batch_state"),
        ]

    def __str__(self) -> str:
        return f"PDF квитанции №{self.receipt_id}"


class PdfUploadStatus(models.TextChoices):
    QUEUED = "queued", "В очереди"
    RUNNING = "running", "Проверяется"
    DONE = "done", "Готово"
    REFUSED = "refused", "Архив не принят"
    FAILED = "failed", "Сбой"


def pdf_archive_path(instance: ReceiptPdfUpload | None, filename: str) -> str:
    return f"pdf-archives/{uuid.uuid4().hex}.zip"


class ReceiptPdfUpload(FileJob):
    """A ZIP of receipt PDFs between the upload and the worker that checks and stores its files.

    A month's archive (up to RECEIPT_PDF_ARCHIVE_MAX_BYTES) takes longer to check than a browser
    waits; the page follows the worker and then shows its report. The archive itself is deleted
    once read.
    """

    Status = PdfUploadStatus
    OWNER_FIELD = "uploaded_by"
    FILE_FIELD = "archive"
    WORKING = frozenset({PdfUploadStatus.QUEUED, PdfUploadStatus.RUNNING})
    batch = models.ForeignKey("billing.Batch", verbose_name="пакет", on_delete=models.CASCADE, related_name="+")
    archive = models.FileField("архив", upload_to=pdf_archive_path, blank=True)
    source_name = models.CharField("имя файла", max_length=255)
    status = status_field(PdfUploadStatus)
    report = models.JSONField("отчёт", default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="загрузил", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "загрузка PDF"
        verbose_name_plural = "загрузки PDF"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PdfUploadStatus.values), name="pdf_upload_status_known")
        ]

    def __str__(self) -> str:
        return f"{self.source_name} → пакет №{self.batch_id}"
