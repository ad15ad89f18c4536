"""The batch page's figures over all of a batch's receipts, kept in the database when the batch changes."""

from __future__ import annotations

from django.db import models


class BatchFiguresRecord(models.Model):
    """What the batch page computes over all of a batch's receipts, written when the batch changes.

    Written at the end of the import and again when what they compare with moves (a batch of the
    organization published, withdrawn or superseded): billing/selectors/review.py. The page reads
    them, so its first request costs what later ones do. In the database rather than the cache: a
    cache restarted or evicting handed that cost back to the next reviewer (2.2 s at 300,000 receipts).
    """

    batch = models.OneToOneField(
        "billing.Batch", verbose_name="пакет", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    receipts_total = models.PositiveIntegerField(
        "квитанций", help_text="Сколько квитанций в пакете: считается один раз, после импорта их число не меняется."
    )
    depends_on = models.CharField(
        "рассчитано для",
        max_length=200,
        blank=True,
        help_text="Версия расчёта, число квитанций, пакет для сравнения, порог и размер примеров: "
        "показатели пересчитываются, когда что-то из этого меняется.",
    )
    figures = models.BinaryField(
        "показатели",
        null=True,
        help_text="Итоги, суммы по услугам, аномалии и их примеры (записаны этим приложением).",
    )
    updated_at = models.DateTimeField("записано", auto_now=True)

    class Meta:
        verbose_name = "показатели пакета"
        verbose_name_plural = "показатели пакетов"

    def __str__(self) -> str:
        return f"Показатели пакета {self.batch_id}"
