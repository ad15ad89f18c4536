"""The batch list and the batch review page. Batches change only through the workflow buttons."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import URLPattern, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.module_loading import import_string

from billing.admin.filters import AwaitingApprovalFilter, PeriodFilter, QueueFilter
from billing.admin.object_tools import ObjectTool
from billing.admin.panels.base import BatchAction, BatchPanel
from billing.admin.panels.checks import checks_panel
from billing.admin.panels.confirmations import confirmations_panel
from billing.admin.panels.exports import export_receipts_action, exports_panel
from billing.admin.panels.file_jobs import file_jobs_panel
from billing.admin.panels.pdfs import pdfs_panel
from billing.admin.panels.registry_upload import registry_upload_panel
from billing.admin.panels.review import batch_review_view, review_panel
from billing.formatting import format_count, format_money, format_percent
from billing.models import Batch
from billing.selectors.batches import batches_awaiting_approval, batches_in_flight_exist, publishing_failures_count


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "organization_name",
        "month",
        "status",
        "receipts_count",
        "total",
        "progress",
        "uploaded",
    )
    list_display_links = ("number",)
    list_select_related = ("organization", "created_by")
    list_filter = (
        QueueFilter,
        AwaitingApprovalFilter,
        "status",
        ("organization", admin.RelatedOnlyFieldListFilter),
        PeriodFilter,
    )
    search_fields = ("organization__name", "=organization__tin")
    search_help_text = "Название управляющей компании или её ИНН"
    ordering = ("-period", "-created_at")
    list_per_page = 50
    actions = [export_receipts_action]
    change_list_template = "admin/billing/batch/change_list.html"
    # The features of the batch admin, each with its URLs and its part of the batch page. Panels of
    # other apps come by dotted path from settings.BATCH_PANELS: billing does not import integration.
    panels: tuple[BatchPanel, ...] = (
        file_jobs_panel,
        registry_upload_panel,
        review_panel,
        pdfs_panel,
        exports_panel,
        checks_panel,
        confirmations_panel,
    )
    # The batch page's sections, top to bottom, by the slots the panels fill.
    page_layout = (
        "summary",
        "check",
        "replacement",
        "actions",
        "publishing",
        "pdfs",
        "exports",
        "totals",
        "anomalies",
        "history",
        "receipts",
    )
    # The workflow buttons, left to right; a panel's button not listed here comes last.
    action_order = ("submit", "approve", "reject", "withdraw", "cancel_batch")

    # Batches are created by registry imports and move only through the audited workflow,
    # so nobody adds, edits or deletes them here, superusers included.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Batch | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Batch | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("organization", "created_by", "submitted_by", "approved_by")

    def get_panels(self) -> list[BatchPanel]:
        return [*self.panels, *(import_string(dotted) for dotted in settings.BATCH_PANELS)]

    def workflow_actions(self) -> list[BatchAction]:
        actions = [action for panel in self.get_panels() for action in panel.actions]
        order = {slug: place for place, slug in enumerate(self.action_order)}
        return sorted(actions, key=lambda action: order.get(action.slug, len(order)))

    def page_sections(self) -> list[str]:
        """The templates of the batch page, in page_layout's order."""
        filled = {slot: template for panel in self.get_panels() for slot, template in panel.sections}
        return [filled[slot] for slot in self.page_layout if slot in filled]

    def panels_context(self, request: HttpRequest, batch: Batch) -> dict:
        """What the panels' sections of the batch page need."""
        context: dict = {}
        for panel in self.get_panels():
            if panel.context is not None:
                context.update(panel.context(self, request, batch))
        return context

    def get_urls(self) -> list[URLPattern]:
        # The file jobs and upload panels come first: `jobs/<kind>/<token>/progress/` and `import/<token>/…`
        # would otherwise read as a batch's own pages (`<path:object_id>/…`).
        panel_urls = [url for panel in self.get_panels() for url in panel.urls(self)]
        return [*panel_urls, *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied  # the page is read-only; changes go through the action URLs
        return batch_review_view(self, request, object_id)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "batch_object_tools": self.get_object_tools(request),
            # While something publishes, the list refreshes itself so its progress column is live.
            "auto_refresh_seconds": 5 if batches_in_flight_exist() else None,
        }
        return super().changelist_view(request, extra_context)

    def get_object_tools(self, request: HttpRequest) -> list[ObjectTool]:
        """Buttons above the list: the upload's, the panels', the approver's queue, publishing failures."""
        tools: list[ObjectTool] = []
        for panel in self.get_panels():
            if panel.object_tools is not None:
                tools.extend(panel.object_tools(request))
        url = reverse("admin:billing_batch_changelist")
        if request.user.has_perm("billing.approve_batch"):
            waiting = batches_awaiting_approval(user=request.user).count()
            query = f"?{AwaitingApprovalFilter.parameter_name}={AwaitingApprovalFilter.MINE}"
            tools.append(ObjectTool(url=url + query, label=f"Ожидают утверждения: {waiting}"))
        failed = publishing_failures_count()
        if failed:
            tools.append(
                ObjectTool(url=f"{url}?status__exact={Batch.Status.FAILED}", label=f"Сбои публикации: {failed}")
            )
        return tools

    @admin.display(description="пакет", ordering="pk")
    def number(self, batch: Batch) -> str:
        return f"№{batch.pk}"

    @admin.display(description="УК", ordering="organization__name")
    def organization_name(self, batch: Batch) -> str:
        # The name only: the ИНН is on the batch page and in the search; the list must fit 1366 px.
        return batch.organization.name

    @admin.display(description="загружен", ordering="created_at")
    def uploaded(self, batch: Batch) -> str:
        return f"{date_format(timezone.localtime(batch.created_at), 'd.m.Y H:i')}, {batch.created_by.get_username()}"

    @admin.display(description="итого к оплате, ₽", ordering="total_to_pay")
    def total(self, batch: Batch) -> str:
        return format_money(batch.total_to_pay)

    @admin.display(description="период", ordering="period")
    def month(self, batch: Batch) -> str:
        return date_format(batch.period, "F Y")

    @admin.display(description="публикация")
    def progress(self, batch: Batch) -> str:
        if batch.status == Batch.Status.FAILED:
            return f"сбой: {batch.last_error[:120]}" if batch.last_error else "сбой"
        if not batch.receipts_count or batch.pending_count == batch.receipts_count:
            return "—"
        parts = [format_percent(batch.publish_percent), f"принято {format_count(batch.accepted_count)}"]
        if batch.rejected_count:
            parts.append(f"отклонено {format_count(batch.rejected_count)}")
        if batch.withdrawn_count:
            parts.append(f"отозвано {format_count(batch.withdrawn_count)}")
        return ", ".join(parts)
