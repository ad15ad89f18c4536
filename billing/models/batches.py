"""A batch: one registry for one management company and one month, and its audit trail."""

from __future__ import annotations

import re
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from billing.money import MONEY_DECIMAL_PLACES, TOTAL_MAX_DIGITS

_PLAIN_SUFFIX = re.compile(r"\.[a-z0-9]{1,7}")


def batch_source_path(instance: Batch | None, filename: str) -> str:
    # Random names: an uploaded file name is user input and must never become a path. Only a
    # plain extension survives (readers look at it); anything else is dropped.
    suffix = PurePath(filename).suffix.lower()
    return f"registries/{uuid.uuid4().hex}{suffix if _PLAIN_SUFFIX.fullmatch(suffix) else ''}"


class BatchStatus(models.TextChoices):
    DRAFT = "draft", "Черновик"
    SUBMITTED = "submitted", "На утверждении"
    REJECTED = "rejected", "Отклонён"
    APPROVED = "approved", "Утверждён"
    PUBLISHING = "publishing", "Публикуется"
    PUBLISHED = "published", "Опубликован"
    PARTIALLY_PUBLISHED = "partially_published", "Опубликован частично"
    FAILED = "failed", "Сбой публикации"
    WITHDRAWN = "withdrawn", "Отозван"
    SUPERSEDED = "superseded", "Заменён"
    # A draft nobody will submit, or a failed batch Condo accepted nothing of: kept for the audit.
    CANCELLED = "cancelled", "Отменён"


class Batch(models.Model):
    Status = BatchStatus

    organization = models.ForeignKey(
        "billing.Organization", verbose_name="УК", on_delete=models.PROTECT, related_name="batches"
    )
    period = models.DateField("период", help_text="Первое число месяца, за который начислено.")
    status = models.CharField("статус", max_length=24, choices=Status.choices, default=Status.DRAFT, editable=False)

    source_file = models.FileField("файл реестра", upload_to=batch_source_path, blank=True)
    source_name = models.CharField("имя файла", max_length=255, blank=True)
    source_format = models.CharField("формат", max_length=32, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="загрузил", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("загружен", auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="отправил",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField("отправлен", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="утвердил",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("утверждён", null=True, blank=True)
    updated_at = models.DateTimeField("изменён", auto_now=True)

    # Cached at import time: a batch's receipts never change after the import.
    accounts_count = models.PositiveIntegerField("лицевых счетов", default=0)
    receipts_count = models.PositiveIntegerField("квитанций", default=0)
    service_lines_count = models.PositiveIntegerField("строк услуг", default=0)
    total_to_pay = models.DecimalField(
        "итого к оплате", max_digits=TOTAL_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, default=0
    )

    # Publishing progress, updated in the same transaction as the receipts' outcomes.
    accepted_count = models.PositiveIntegerField("принято Condo", default=0)
    rejected_count = models.PositiveIntegerField("отклонено Condo", default=0)
    withdrawn_count = models.PositiveIntegerField("отозвано", default=0)
    lease_owner = models.CharField("публикатор", max_length=128, blank=True, editable=False)
    lease_until = models.DateTimeField("аренда до", null=True, blank=True, editable=False)
    publish_attempts = models.PositiveIntegerField("попыток публикации", default=0, editable=False)
    next_retry_at = models.DateTimeField("следующая попытка", null=True, blank=True, editable=False)
    last_error = models.TextField("последняя ошибка", blank=True, editable=False)
    published_at = models.DateTimeField("опубликован", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "пакет"
        verbose_name_plural = "пакеты"
        ordering = ["-period", "-created_at"]
        permissions = [
            ("import_registry", "Может загружать реестры"),
            ("submit_batch", "Может отправлять пакеты на утверждение"),
            ("approve_batch", "Может утверждать и отклонять пакеты"),
            ("publish_batch", "Может запускать публикацию пакетов"),
            ("withdraw_batch", "Может отзывать опубликованные пакеты"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BatchStatus.values), name="batch_status_known"),
            models.CheckConstraint(condition=Q(period__day=1), name="batch_period_first_day"),
            models.CheckConstraint(
                condition=Q(accepted_count__lte=F("receipts_count"))
                & Q(rejected_count__lte=F("receipts_count"))
                & Q(withdrawn_count__lte=F("receipts_count")),
                name="batch_progress_within_receipts",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "period"], name="batch_org_period"),
            models.Index(fields=["status", "-period"], name="batch_status_period"),
            models.Index(fields=["-created_at"], name="batch_created"),
            models.Index(fields=["lease_until"], condition=Q(status="publishing"), name="batch_publishing_lease"),
        ]

    def __str__(self) -> str:
        return f"Пакет №{self.pk} · {self.organization.name} · {self.period:%m.%Y}"

    @property
    def pending_count(self) -> int:
        return max(self.receipts_count - self.accepted_count - self.rejected_count - self.withdrawn_count, 0)

    @property
    def publish_percent(self) -> int:
        """How far publishing went, the one figure of the batch list and the batch page: receipts with
        an outcome (accepted, rejected, or withdrawn after Condo accepted them) in whole percent, rounded
        down so that 100 means every receipt is done."""
        if not self.receipts_count:
            return 0
        return (self.receipts_count - self.pending_count) * 100 // self.receipts_count


class BatchTransition(models.Model):
    """One recorded move of a batch between states: who, when, from, to, why."""

    batch = models.ForeignKey(Batch, verbose_name="пакет", on_delete=models.CASCADE, related_name="transitions")
    source = models.CharField("из", max_length=24, choices=Batch.Status.choices)
    target = models.CharField("в", max_length=24, choices=Batch.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Пусто, если переход сделала фоновая задача.",
    )
    reason = models.TextField("причина", blank=True)
    created_at = models.DateTimeField("когда", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "переход пакета"
        verbose_name_plural = "история переходов"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["batch", "-created_at"], name="transition_batch_time")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} → {self.get_target_display()}"
