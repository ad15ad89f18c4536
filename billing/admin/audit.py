"""The audit journal of batch transitions: who moved which batch, when, from what, to what, why.

Filterable by organization, billing period, user and outcome (the state the batch went to);
the Condo calls and reconciliations pages (integration.admin) take the same filters.
Records: nobody adds, edits or deletes them.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html

from billing.admin.audit_filters import ActorFilter, BatchOrganizationFilter, BatchPeriodFilter
from billing.admin.paging import CappedCountPaginator
from billing.admin.readonly import ReadOnlyAdminMixin
from billing.models import AuditTransition, Batch


def batch_link(batch: Batch) -> str:
    return format_html('<a href="{}">№{}</a>', reverse("admin:billing_batch_change", args=[batch.pk]), batch.pk)


class BatchColumnsMixin:
    """Columns of the batch an audited row belongs to; the changelist joins batch and organization."""

    @admin.display(description="пакет", ordering="batch_id")
    def batch_number(self, obj) -> str:
        return batch_link(obj.batch)

    @admin.display(description="УК", ordering="batch__organization__name")
    def organization(self, obj) -> str:
        return obj.batch.organization.name

    @admin.display(description="период", ordering="batch__period")
    def month(self, obj) -> str:
        return date_format(obj.batch.period, "F Y")


@admin.register(AuditTransition)
class AuditTransitionAdmin(BatchColumnsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "batch_number", "organization", "month", "source", "target", "actor", "reason")
    list_display_links = ("created_at",)
    list_select_related = ("batch__organization", "actor")
    list_filter = (BatchOrganizationFilter, BatchPeriodFilter, ActorFilter, "target")
    date_hierarchy = "created_at"
    search_fields = ("=batch__id",)
    search_help_text = "Номер пакета"
    ordering = ("-created_at", "-pk")
    show_full_result_count = False
    paginator = CappedCountPaginator
    fields = ("created_at", "batch", "source", "target", "actor", "reason")
    readonly_fields = fields
