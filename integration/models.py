"""Records of what was said to Condo: every call, and every reconciliation."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

# Condo's GraphQL operations (integration/condo's documents) and error classes in words, for pages.
OPERATION_LABELS = {
    "allBillingAccounts": "Чтение лицевых счетов",
    "allBillingReceipts": "Чтение квитанций",
    "authenticatedUser": "Проверка входа",
    "countBillingReceipts": "Подсчёт квитанций",
    "receiptsDeletedAt": "Чтение отозванных квитанций",
    "registerBillingReceiptFile": "Отправка PDF",
    "registerBillingReceipts": "Отправка квитанций",
    "signin": "Вход",
    "signinByPhone": "Вход по телефону",
    "updateBillingReceipts": "Изменение квитанций",
}
ERROR_CLASS_LABELS = {"transient": "временная", "permanent": "постоянная"}


class CondoCall(models.Model):
    """One HTTP call to Condo made while publishing, withdrawing or reconciling a batch."""

    class Outcome(models.TextChoices):
        OK = "ok", "Успешно"
        PARTIAL = "partial", "Частично"
        ERROR = "error", "Ошибка"

    batch = models.ForeignKey(
        "billing.Batch", verbose_name="пакет", on_delete=models.CASCADE, related_name="condo_calls"
    )
    operation = models.CharField("операция", max_length=64)
    chunk = models.PositiveIntegerField("порция", default=0)
    receipts = models.PositiveIntegerField("квитанций", default=0)
    bytes = models.PositiveIntegerField("байт", default=0)
    attempt = models.PositiveSmallIntegerField("попытка", default=1)
    duration_ms = models.PositiveIntegerField("длительность, мс", default=0)
    outcome = models.CharField("результат", max_length=16, choices=Outcome.choices)
    error_class = models.CharField("класс ошибки", max_length=16, blank=True)
    error_code = models.CharField("код ошибки", max_length=64, blank=True)
    request_id = models.CharField("X-Request-Id", max_length=128, blank=True)
    # When the call ended; set by the recorder, which may write a chunk's calls together later.
    created_at = models.DateTimeField("когда", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "вызов Condo"
        verbose_name_plural = "вызовы Condo"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["batch", "-created_at"], name="condo_call_batch_time"),
            models.Index(fields=["-created_at"], condition=~Q(outcome="ok"), name="condo_call_failures"),
        ]

    def __str__(self) -> str:
        return f"{self.operation_label} · {self.get_outcome_display()}"

    @property
    def operation_label(self) -> str:
        return OPERATION_LABELS.get(self.operation, self.operation)

    @property
    def error_class_label(self) -> str:
        return ERROR_CLASS_LABELS.get(self.error_class, self.error_class)


class Reconciliation(models.Model):
    """What Condo holds for a batch's context and period, compared with the batch by importId."""

    batch = models.ForeignKey(
        "billing.Batch", verbose_name="пакет", on_delete=models.CASCADE, related_name="reconciliations"
    )
    created_at = models.DateTimeField("когда", auto_now_add=True)
    is_consistent = models.BooleanField("расхождений нет")
    # The batch's side is its receipts but those Condo rejected (never in Condo): not the batch's
    # total to pay (Batch.total_to_pay), and named so wherever it is shown.
    batch_receipts = models.PositiveIntegerField("квитанций пакета без отклонённых")
    condo_receipts = models.PositiveIntegerField("квитанций в Condo")
    missing_in_condo = models.PositiveIntegerField("нет в Condo")
    extra_in_condo = models.PositiveIntegerField("лишние в Condo")
    amount_differs = models.PositiveIntegerField("сумма отличается")
    batch_total = models.DecimalField("сумма пакета без отклонённых", max_digits=18, decimal_places=2)
    condo_total = models.DecimalField("сумма в Condo", max_digits=18, decimal_places=2)
    # PDFs: receipts whose PDF we sent, and how many of our receipts Condo holds with a file.
    files_expected = models.PositiveIntegerField("PDF отправлено", default=0)
    files_in_condo = models.PositiveIntegerField("PDF в Condo", default=0)
    # The differences themselves, as [{"kind", "import_id", "account", "batch_to_pay", "condo_to_pay"}];
    # money as decimal strings.
    differences = models.JSONField("расхождения", default=list)

    class Meta:
        verbose_name = "сверка с Condo"
        verbose_name_plural = "сверки с Condo"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["batch", "-created_at"], name="reconciliation_batch_time")]

    def __str__(self) -> str:
        return f"Сверка пакета №{self.batch_id}: {'без расхождений' if self.is_consistent else 'есть расхождения'}"
