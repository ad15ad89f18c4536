"""Records of what was said to Condo: every call and every reconciliation, read-only.

With the transitions journal (billing.admin.audit) these make the audit: filterable by
organization, billing period and outcome. A reconciliation's differences download as xlsx.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from billing.admin.amounts import money_fields
from billing.admin.audit import BatchColumnsMixin
from billing.admin.audit_filters import BatchOrganizationFilter, BatchPeriodFilter
from billing.admin.paging import CappedCountPaginator
from billing.admin.panels.exports import xlsx_response
from billing.admin.readonly import ReadOnlyAdminMixin
from billing.formatting import format_money
from integration.condo.documents import operation_files
from integration.exports.reconciliation import KINDS, reconciliation_export
from integration.models import OPERATION_LABELS, CondoCall, Reconciliation

DIFFERENCES_SHOWN = 50
# Shown both in the list and on the change page.
_CALL_OUTCOME = ("attempt", "duration_ms", "outcome", "error_class_shown", "error_code", "request_id")
_RECONCILIATION_COUNTS = (
    "is_consistent",
    "batch_receipts",
    "condo_receipts",
    "missing_in_condo",
    "extra_in_condo",
    "amount_differs",
)


class OperationFilter(admin.SimpleListFilter):
    """GraphQL operations this desk knows, from its operation documents: no scan of the calls."""

    title = "операция"
    parameter_name = "operation"

    def lookups(self, request, model_admin):
        return [(path.stem, OPERATION_LABELS.get(path.stem, path.stem)) for path in operation_files()]

    def queryset(self, request, queryset):
        return queryset.filter(operation=self.value()) if self.value() else queryset


@admin.register(CondoCall)
class CondoCallAdmin(BatchColumnsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "batch_number",
        "organization",
        "month",
        "operation_shown",
        "chunk",
        "receipts",
        *_CALL_OUTCOME,
    )
    list_display_links = ("created_at",)
    list_select_related = ("batch__organization",)
    list_filter = ("outcome", OperationFilter, BatchOrganizationFilter, BatchPeriodFilter)
    date_hierarchy = "created_at"
    search_fields = ("=batch__id", "=request_id")
    search_help_text = "Номер пакета или X-Request-Id"
    ordering = ("-created_at", "-pk")
    show_full_result_count = False
    paginator = CappedCountPaginator
    fields = (
        "created_at",
        "batch",
        "operation_shown",
        "chunk",
        "receipts",
        "bytes",
        *_CALL_OUTCOME,
    )
    readonly_fields = fields

    @admin.display(description="операция", ordering="operation")
    def operation_shown(self, call: CondoCall) -> str:
        return call.operation_label

    @admin.display(description="класс ошибки")
    def error_class_shown(self, call: CondoCall) -> str:
        return call.error_class_label


@admin.register(Reconciliation)
class ReconciliationAdmin(BatchColumnsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "batch_number",
        "organization",
        "month",
        *_RECONCILIATION_COUNTS,
        "batch_sum",
        "condo_sum",
        "download",
    )
    list_display_links = ("created_at",)
    list_select_related = ("batch__organization",)
    list_filter = ("is_consistent", BatchOrganizationFilter, BatchPeriodFilter)
    search_fields = ("=batch__id",)
    search_help_text = "Номер пакета"
    ordering = ("-created_at", "-pk")
    show_full_result_count = False
    fields = (
        "created_at",
        "batch",
        *_RECONCILIATION_COUNTS,
        *money_fields(Reconciliation, ("batch_total", "condo_total")),
        "files_expected",
        "files_in_condo",
        "download",
        "differences_table",
    )
    readonly_fields = fields

    @admin.display(description="пакет без отклонённых, ₽")
    def batch_sum(self, reconciliation: Reconciliation) -> str:
        return format_money(reconciliation.batch_total)

    @admin.display(description="сумма в Condo, ₽")
    def condo_sum(self, reconciliation: Reconciliation) -> str:
        return format_money(reconciliation.condo_total)

    def get_queryset(self, request: HttpRequest):
        # Up to 5,000 differences per row: only the change page reads them (one query more there).
        return super().get_queryset(request).defer("differences")

    def get_urls(self):
        export = path(
            "<path:object_id>/export/",
            self.admin_site.admin_view(self.export_view),
            name="integration_reconciliation_export",
        )
        return [export, *super().get_urls()]

    def export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            pk = int(unquote(object_id))
        except ValueError:
            raise Http404 from None
        reconciliation = Reconciliation.objects.select_related("batch__organization").filter(pk=pk).first()
        if reconciliation is None:
            raise Http404("Сверка не найдена.")
        return xlsx_response(
            reconciliation_export,
            reconciliation=reconciliation,
            filename=f"sverka-paket-{reconciliation.batch_id}-{reconciliation.pk}.xlsx",
        )

    @admin.display(description="файл Excel")
    def download(self, reconciliation: Reconciliation) -> str:
        url = reverse("admin:integration_reconciliation_export", args=[reconciliation.pk])
        return format_html('<a href="{}">Скачать расхождения</a>', url)

    @admin.display(description=f"расхождения (первые {DIFFERENCES_SHOWN})")
    def differences_table(self, reconciliation: Reconciliation) -> str:
        rows = reconciliation.differences[:DIFFERENCES_SHOWN]
        if not rows:
            return "—"
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    KINDS.get(row.get("kind"), row.get("kind")),
                    row.get("account") or "",
                    row.get("import_id") or "",
                    row.get("batch_to_pay") or "—",
                    row.get("condo_to_pay") or "—",
                )
                for row in rows
            ),
        )
        return format_html(
            "<table><thead><tr><th>расхождение</th><th>лицевой счёт</th><th>importId</th><th>в пакете</th>"
            "<th>в Condo</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )
