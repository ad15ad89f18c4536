"""The receipt list: read-only, and fast with millions of rows.

Receipts change only through imports and publishing, so nothing here is editable. The list
joins what it shows, never counts the whole table and searches through the accounts.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html

from billing.admin.amounts import money_fields, quantity_fields
from billing.admin.filters import ErrorCodeFilter, PeriodFilter
from billing.admin.paging import CappedCountPaginator
from billing.admin.readonly import ReadOnlyAdminMixin
from billing.admin.receipt_pdf_state import ReceiptPdfStateAdminMixin
from billing.amounts import AMOUNT_FIELDS
from billing.formatting import format_money
from billing.models import Receipt, ServiceLine
from billing.selectors.batches import receipt_list_queryset, receipt_search


class ServiceLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ServiceLine
    extra = 0
    # Not the service's code: a registry's codes are often hashes nobody reads (the name says it).
    fields = (
        "name",
        *money_fields(ServiceLine, AMOUNT_FIELDS),
        *quantity_fields(ServiceLine, ("volume", "tariff")),
        "measure",
    )
    readonly_fields = fields


def _receipt_column(field: str, description: str) -> Callable[[admin.ModelAdmin, Receipt], str]:
    """A list column showing the receipt's own copy of `field`, not sortable (as a model field would be)."""

    @admin.display(description=description)
    def column(model_admin: admin.ModelAdmin, receipt: Receipt) -> str:
        return getattr(receipt, field)

    return column


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdminMixin, ReceiptPdfStateAdminMixin, admin.ModelAdmin):
    list_display = (
        "account_number",
        "address",
        "unit",
        "full_name",
        "organization_name",
        "month",
        "category",
        "amount",
        "publication",
        "batch_link",
    )
    list_select_related = ("organization",)
    list_filter = ("organization", PeriodFilter, "publish_state", ErrorCodeFilter, "condo_warning")
    # Documents what get_search_results does: exact account number, prefixes of name and address.
    search_fields = ("=account__number", "^account__full_name", "^account__property__address")
    search_help_text = "Лицевой счёт (полностью), начало адреса или начало ФИО"
    ordering = ("-id",)
    # Sorting a million rows by an unindexed column is a full sort: newest first only.
    sortable_by = ()
    list_per_page = 100
    paginator = CappedCountPaginator
    show_full_result_count = False
    actions = None
    raw_id_fields = ("batch", "organization", "account", "recipient")
    inlines = (ServiceLineInline,)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "batch",
                    "organization",
                    "account",
                    "address",
                    "unit",
                    "full_name",
                    "owner_type",
                    "period",
                    "category",
                    "recipient",
                    "import_id",
                )
            },
        ),
        ("Суммы", {"fields": money_fields(Receipt, AMOUNT_FIELDS)}),
        (
            "Публикация",
            {
                "fields": (
                    "publish_state",
                    "condo_id",
                    "error_code",
                    "error_message",
                    "condo_warning",
                    "condo_warning_message",
                    "published_at",
                    "pdf_state",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    readonly_fields = tuple(name for _, options in fieldsets for name in options["fields"])

    def get_queryset(self, request: HttpRequest):
        return receipt_list_queryset(super().get_queryset(request))

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        return receipt_search(queryset, search_term), False

    @admin.display(description="УК")
    def organization_name(self, receipt: Receipt) -> str:
        # The name only (the ИНН is on the receipt page): the list must fit a 1366 px screen.
        return receipt.organization.name

    @admin.display(description="публикация")
    def publication(self, receipt: Receipt) -> str:
        state = receipt.get_publish_state_display()
        return f"{state}: {receipt.error_code}" if receipt.error_code else state

    @admin.display(description="к оплате, ₽")
    def amount(self, receipt: Receipt) -> str:
        return format_money(receipt.to_pay)

    account_number = _receipt_column("account_number", "лицевой счёт")
    address = _receipt_column("address", "адрес")
    unit = _receipt_column("unit_name", "помещение")
    full_name = _receipt_column("payer_name", "ФИО / наименование")

    @admin.display(description="период")
    def month(self, receipt: Receipt) -> str:
        return date_format(receipt.period, "m.Y")

    @admin.display(description="пакет")
    def batch_link(self, receipt: Receipt) -> str:
        # The batch id alone: its title would need one more join per row.
        url = reverse("admin:billing_batch_change", args=[receipt.batch_id])
        return format_html('<a href="{}">№{}</a>', url, receipt.batch_id)
