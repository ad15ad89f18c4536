"""The check before approval: what Condo would make of a batch, found without sending it.

A worker fills one row per run (on submit, and on demand). Counts and a few examples per kind
live in the row; every finding is in the workbook file, written while the check streams.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class CheckStatus(models.TextChoices):
    QUEUED = "queued", "В очереди"
    RUNNING = "running", "Выполняется"
    DONE = "done", "Готова"
    FAILED = "failed", "Сбой"


def check_report_path(instance: BatchCheck | None, filename: str) -> str:
    return f"checks/{uuid.uuid4().hex}.xlsx"


class BatchCheck(models.Model):
    """One run of «Проверка перед утверждением» for a batch.

    `blocking` is set when a receipt breaks one of Condo's rules: approval is refused then.
    What Condo holds (new, vanished and changed accounts) only informs; when Condo could not be
    asked, `condo_error` says why and the rules part stands on its own.
    """

    Status = CheckStatus
    batch = models.ForeignKey("billing.Batch", verbose_name="пакет", on_delete=models.CASCADE, related_name="checks")
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="запросил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Пусто: проверка запущена при отправке на утверждение.",
    )
    created_at = models.DateTimeField("запрошена", auto_now_add=True)
    started_at = models.DateTimeField("начата", null=True, blank=True)
    finished_at = models.DateTimeField("завершена", null=True, blank=True)

    # Against Condo's rules, run locally on every receipt as it would be sent.
    receipts_checked = models.PositiveIntegerField("квитанций проверено", default=0)
    problems_count = models.PositiveIntegerField("нарушений правил Condo", default=0)
    receipts_with_problems = models.PositiveIntegerField("квитанций с нарушениями", default=0)
    blocking = models.BooleanField("мешает утверждению", default=False)

    # Against Condo's data for the organization's context.
    condo_checked = models.BooleanField("сверено с данными Condo", default=False)
    condo_error = models.TextField("почему не сверено с Condo", blank=True)
    condo_accounts = models.PositiveIntegerField("лицевых счетов в Condo", default=0)
    previous_receipts = models.PositiveIntegerField("квитанций в Condo за прошлый месяц", default=0)
    accounts_new = models.PositiveIntegerField("новых для Condo счетов", default=0)
    accounts_missing = models.PositiveIntegerField("исчезнувших из реестра счетов", default=0)
    accounts_changed = models.PositiveIntegerField("счетов с другим адресом или помещением", default=0)

    # {"problems": [...], "new": [...], "missing": [...], "changed": [...], "codes": {code: count}}: a few of each.
    examples = models.JSONField("примеры", default=dict, blank=True)
    report = models.FileField("отчёт (Excel)", upload_to=check_report_path, blank=True)
    message = models.TextField("ошибка", blank=True)

    class Meta:
        verbose_name = "проверка перед утверждением"
        verbose_name_plural = "проверки перед утверждением"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CheckStatus.values), name="batch_check_status_known")
        ]
        indexes = [models.Index(fields=["batch", "-created_at"], name="batch_check_batch_time")]

    def __str__(self) -> str:
        return f"Проверка пакета №{self.batch_id}: {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (CheckStatus.DONE, CheckStatus.FAILED)
