"""The audit journal: the batch transition log under its own admin page and permission."""

from __future__ import annotations

from billing.models.batches import BatchTransition


class AuditTransition(BatchTransition):
    """Transitions as the audit shows them: filterable by organization, period, user and outcome.

    A proxy, so the journal has its own view permission and admin page without a second table.
    """

    class Meta:
        proxy = True
        verbose_name = "запись журнала аудита"
        verbose_name_plural = "журнал аудита: переходы пакетов"
        ordering = ["-created_at", "-pk"]
