"""Filters of the audit pages (transitions, Condo calls, reconciliations): all through the batch.

Each one lists choices from a small table (organizations, batch months, staff users), never
from the audited rows themselves, so the sidebar costs the same however long the journal is.
"""

from __future__ import annotations

from datetime import date

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from billing.admin.filters import PeriodFilter
from billing.models import Organization


class BatchOrganizationFilter(admin.SimpleListFilter):
    title = "управляющая компания"
    parameter_name = "organization"
    field = "batch__organization_id"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Organization.objects.order_by("name").values_list("pk", "name")]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(**{self.field: int(value)})


class BatchPeriodFilter(PeriodFilter):
    """The batch's month (the billing period), spelt YYYY-MM in the audit pages' URLs."""

    field = "batch__period"

    def choice(self, period: date) -> str:
        return f"{period:%Y-%m}"

    def period(self, choice: str) -> date:
        return date.fromisoformat(f"{choice}-01")


class ActorFilter(admin.SimpleListFilter):
    """Who made the transition; «Фоновая задача» for the publishing workers."""

    title = "пользователь"
    parameter_name = "actor"
    field = "actor_id"
    SYSTEM = "system"

    def lookups(self, request, model_admin):
        users = get_user_model().objects.filter(Q(is_staff=True) | Q(is_superuser=True)).order_by("username")
        return [(self.SYSTEM, "Фоновая задача"), *((str(pk), name) for pk, name in users.values_list("pk", "username"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        if value == self.SYSTEM:
            return queryset.filter(**{f"{self.field}__isnull": True})
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(**{self.field: int(value)})
