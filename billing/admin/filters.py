"""Sidebar filters of the review admin; each reads only small tables or a partial index."""

from __future__ import annotations

from datetime import date

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.formats import date_format

from billing.models import Receipt
from billing.selectors.batches import batch_periods, batches_awaiting_approval
from billing.selectors.queues import LABELS as QUEUE_LABELS
from billing.selectors.queues import PERMISSIONS as QUEUE_PERMISSIONS
from billing.selectors.queues import queue_batches


class PeriodFilter(admin.SimpleListFilter):
    """Months that have batches; read from the small batches table, never from receipts."""

    title = "период"
    parameter_name = "period"
    field = "period"

    def lookups(self, request, model_admin):
        return [(self.choice(period), date_format(period, "F Y")) for period in batch_periods()]

    def choice(self, period: date) -> str:
        return f"{period:%Y-%m-%d}"

    def period(self, choice: str) -> date:
        return date.fromisoformat(choice)

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        try:
            period = self.period(value)
        except ValueError:
            return queryset.none()
        return queryset.filter(**{self.field: period})


class AwaitingApprovalFilter(admin.SimpleListFilter):
    """«Ожидают утверждения»: shown only to those who may approve, without their own submissions."""

    title = "очередь"
    parameter_name = "awaiting"
    MINE = "me"

    def lookups(self, request, model_admin):
        if request.user.has_perm("billing.approve_batch"):
            return [(self.MINE, "Ожидают утверждения")]
        return []

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == self.MINE:
            return queryset.filter(pk__in=batches_awaiting_approval(user=request.user).values("pk"))
        return queryset


class QueueFilter(admin.SimpleListFilter):
    """The dashboard's queues as a filter: «Мои черновики», «Ждут моего утверждения»…"""

    title = "моя очередь"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(key, label) for key, label in QUEUE_LABELS.items() if request.user.has_perm(QUEUE_PERMISSIONS[key])]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        key = self.value()
        if key in QUEUE_LABELS:
            return queryset.filter(pk__in=queue_batches(key=key, user=request.user).values("pk"))
        return queryset


class ErrorCodeFilter(admin.SimpleListFilter):
    """Condo's rejection codes present in the database, read from the partial error-code index."""

    title = "код ошибки"
    parameter_name = "error_code"
    limit = 50

    def lookups(self, request, model_admin):
        codes = (
            Receipt.objects.exclude(error_code="")
            .order_by("error_code")
            .values_list("error_code", flat=True)
            .distinct()[: self.limit]
        )
        return [(code, code) for code in codes]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(error_code=self.value())
        return queryset
