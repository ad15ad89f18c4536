"""Management companies, houses, accounts, payees and the batch transition log.

Superusers manage organizations and payees (the model permissions give them that);
accountants and approvers hold only view permissions and see read-only pages. Houses and
accounts come from imports and transitions from the workflow: nobody edits those here.
"""

from __future__ import annotations

from functools import partial

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from billing import enqueue
from billing.admin.amounts import percent_fields
from billing.admin.paging import CappedCountPaginator
from billing.admin.readonly import ReadOnlyAdminMixin
from billing.models import Account, BatchTransition, Organization, Property, Recipient

(THRESHOLD_SHOWN,) = percent_fields(Organization, ("anomaly_threshold_percent",))


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "tin", "condo_context_id", "is_active", THRESHOLD_SHOWN, "default_recipient")
    list_select_related = ("default_recipient",)
    list_filter = ("is_active",)
    search_fields = ("name", "=tin")
    search_help_text = "Название или ИНН"
    raw_id_fields = ("default_recipient",)
    readonly_fields = ("created_at", "updated_at")
    fields = (
        "name",
        "tin",
        "condo_context_id",
        "is_active",
        "anomaly_threshold_percent",
        "default_recipient",
        "created_at",
        "updated_at",
    )

    def save_model(self, request: HttpRequest, obj: Organization, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "anomaly_threshold_percent" in form.changed_data:
            # The batches under review compare with the new threshold: their figures are written
            # again by a worker, not by their next reviewer's first request.
            transaction.on_commit(partial(enqueue.organization_figures_warm, obj.pk))

    def get_fields(self, request: HttpRequest, obj=None):
        # Those who only view read the threshold as a percent («25 %»); a superuser edits the number.
        if self.has_change_permission(request, obj):
            return self.fields
        return tuple(THRESHOLD_SHOWN if name == "anomaly_threshold_percent" else name for name in self.fields)


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ("name", "tin", "bic", "bank_account")
    search_fields = ("name", "=tin", "=bank_account")
    search_help_text = "Наименование, ИНН или расчётный счёт (полностью)"


@admin.register(Property)
class PropertyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("address", "organization", "fias_id")
    list_select_related = ("organization",)
    list_filter = ("organization",)
    search_fields = ("^address",)
    search_help_text = "Начало адреса"
    show_full_result_count = False
    paginator = CappedCountPaginator


@admin.register(Account)
class AccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "property", "unit_name", "full_name", "organization", "is_closed")
    list_select_related = ("property", "organization")
    list_filter = ("organization", "is_closed")
    search_fields = ("=number", "^full_name")
    search_help_text = "Лицевой счёт (полностью) или начало ФИО"
    ordering = ("-id",)
    sortable_by = ()
    show_full_result_count = False
    paginator = CappedCountPaginator


@admin.register(BatchTransition)
class BatchTransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "batch", "source", "target", "actor", "reason")
    list_select_related = ("batch", "batch__organization", "actor")
    list_filter = ("target",)
    search_fields = ("=batch__id",)
    search_help_text = "Номер пакета"
    show_full_result_count = False
