"""What an approver signed: a digest of the exact documents a batch will send to Condo."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class SealKind(models.TextChoices):
    BATCH = "batch", "Пакет"
    PDF_ADDENDUM = "pdf_addendum", "Дополнение: PDF"


class ApprovalSeal(models.Model):
    """One approval and the fingerprint of what it covers.

    A batch's approval covers its receipts' documents and the PDFs attached before submission;
    PDFs attached later form an addendum with its own approval. The publisher recomputes the
    fingerprint before it sends and refuses a batch whose documents no longer match.
    """

    Kind = SealKind
    batch = models.ForeignKey("billing.Batch", verbose_name="пакет", on_delete=models.CASCADE, related_name="seals")
    kind = models.CharField("что утверждено", max_length=16, choices=SealKind.choices)
    fingerprint = models.CharField(
        "отпечаток", max_length=64, help_text="SHA-256 документов, которые получит Condo, и файлов PDF."
    )
    receipts_count = models.PositiveIntegerField("квитанций", default=0)
    pdfs_count = models.PositiveIntegerField("PDF", default=0)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="утвердил", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("утверждено", auto_now_add=True)
    verified_at = models.DateTimeField(
        "сверено перед отправкой",
        null=True,
        blank=True,
        help_text="Когда публикатор в последний раз пересчитал отпечаток перед отправкой и он совпал.",
    )

    class Meta:
        verbose_name = "утверждение"
        verbose_name_plural = "утверждения"
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SealKind.values), name="seal_kind_known"),
            models.CheckConstraint(condition=Q(fingerprint__regex=r"^[0-9a-f]{64}$"), name="seal_fingerprint_hex"),
            # One approval of the batch itself; addenda may be many.
            models.UniqueConstraint(fields=["batch"], condition=Q(kind="batch"), name="seal_one_batch_approval"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} №{self.batch_id}: {self.short_fingerprint}"

    @property
    def short_fingerprint(self) -> str:
        return " ".join(self.fingerprint[i : i + 4] for i in range(0, 16, 4))


class ApprovedDocument(models.Model):
    """The SHA-256 of one receipt's document as approved: the publisher sends only a document that matches.

    Written once, at approval, for every receipt of the batch; the approval's fingerprint is
    taken over these digests in receipt order, so the publisher can check the whole batch
    before it sends without building every document again, and each document as it sends it.
    """

    receipt = models.OneToOneField(
        "billing.Receipt",
        verbose_name="квитанция",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="approved_document",
    )
    sha256 = models.CharField("SHA-256 документа", max_length=64)

    class Meta:
        verbose_name = "утверждённый документ"
        verbose_name_plural = "утверждённые документы"

    def __str__(self) -> str:
        return self.sha256
