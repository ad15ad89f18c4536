"""The exports panel: Excel downloads of a batch's receipts and of the monthly summary.

`export_receipts_action` goes into BatchAdmin's `actions`; the reconciliation download is
integration's (integration/admin_panels/reconciliation.py). Every view checks `billing.view_batch`
itself: admin_view only asks for staff. The xlsx is written to a temporary file on disk and
streamed (see billing.exports.writer).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, reverse

from billing.admin.file_jobs import owned_file_job
from billing.admin.object_tools import ObjectTool
from billing.admin.panels.base import BatchPanel, actor, batch_page, door_path
from billing.errors import ApplicationError
from billing.exports.receipts import receipts_export
from billing.exports.summary import summary_export
from billing.exports.writer import XLSX_CONTENT_TYPE, export_to_tempfile
from billing.models import Batch, Organization, ReceiptsExport
from billing.periods import previous_month
from billing.selectors.batches import batch_with_organization
from billing.services.receipts_exports import export_in_background, receipts_export_request

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

EXPORT_PERMISSION = "billing.view_batch"


def xlsx_response(export, *, filename: str, **kwargs) -> HttpResponseBase:
    """Stream an export from a temporary file; FileResponse closes (and so deletes) it."""
    return FileResponse(
        export_to_tempfile(export, **kwargs), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )


def _require_export_permission(request: HttpRequest) -> None:
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied


class SummaryForm(forms.Form):
    period = forms.DateField(
        label="Период",
        input_formats=["%Y-%m", "%m.%Y"],
        help_text="Месяц начислений, например 2026-10.",
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.order_by("name"),
        required=False,
        label="Управляющая компания",
        empty_label="Все управляющие компании",
    )

    def clean_period(self) -> date:
        return self.cleaned_data["period"].replace(day=1)


def export_urls(model_admin: ModelAdmin) -> list[URLPattern]:
    """`export/summary/`, `export/file/<token>/` (and its download) and `<pk>/export/receipts/`."""
    return [
        door_path(model_admin, "export/summary/", export_summary_view, "billing_batch_export_summary"),
        door_path(model_admin, "export/file/<uuid:token>/", export_file_view, "billing_batch_export_file"),
        door_path(
            model_admin,
            "export/file/<uuid:token>/download/",
            export_file_download_view,
            "billing_batch_export_file_download",
        ),
        door_path(
            model_admin, "<path:object_id>/export/receipts/", export_receipts_view, "billing_batch_export_receipts"
        ),
    ]


def export_tools(request: HttpRequest) -> list[ObjectTool]:
    if not request.user.has_perm(EXPORT_PERMISSION):
        return []
    return [ObjectTool(reverse("admin:billing_batch_export_summary"), "Сводка за месяц (Excel)")]


def export_batch(request: HttpRequest, object_id: str) -> Batch:
    """The batch of an export URL, for whoever may view batches."""
    _require_export_permission(request)
    batch = batch_with_organization(batch_id=_int_or_404(unquote(object_id)))
    if batch is None:
        raise Http404("Пакет не найден.")
    return batch


def export_receipts_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponseBase:
    batch = export_batch(request, object_id)
    try:
        return receipts_download(request, [batch], filename=f"kvitancii-paket-{batch.pk}.xlsx")
    except ApplicationError as error:
        messages.error(request, error.message)
        return batch_page(batch)


def _own_export(request: HttpRequest, token) -> ReceiptsExport:
    return owned_file_job(
        request,
        ReceiptsExport.objects.all(),
        token,
        permission=EXPORT_PERMISSION,
        missing="Выгрузка не найдена: файлы хранятся ограниченное время, запросите выгрузку ещё раз.",
    )


def export_file_view(model_admin: ModelAdmin, request: HttpRequest, token) -> HttpResponseBase:
    export = _own_export(request, token)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Выгрузка квитанций",
        "export": export,
        "working": export.working,
        "keep_hours": settings.EXPORT_KEEP_HOURS,
        "download_url": reverse("admin:billing_batch_export_file_download", args=[export.token]),
    }
    return TemplateResponse(request, "admin/billing/batch/export_file.html", context)


def export_file_download_view(model_admin: ModelAdmin, request: HttpRequest, token) -> HttpResponseBase:
    export = _own_export(request, token)
    if export.status != ReceiptsExport.Status.READY or not export.file.name:
        return HttpResponseRedirect(reverse("admin:billing_batch_export_file", args=[export.token]))
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=export.filename, content_type=XLSX_CONTENT_TYPE
    )


def export_summary_view(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponseBase:
    """Without `?period=` a small form; with it the file (`&organization=<id>` narrows it)."""
    _require_export_permission(request)
    if "period" in request.GET:
        form = SummaryForm(request.GET)
        if form.is_valid():
            period, organization = form.cleaned_data["period"], form.cleaned_data["organization"]
            suffix = f"-{organization.tin}" if organization else ""
            return xlsx_response(
                summary_export,
                period=period,
                organization=organization,
                filename=f"svodka-{period:%Y-%m}{suffix}.xlsx",
            )
    else:
        form = SummaryForm(initial={"period": previous_month()})
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Сводка за месяц",
        "form": form,
    }
    return TemplateResponse(request, "admin/billing/batch/export_summary.html", context)


@admin.action(description="Выгрузить квитанции выбранных пакетов в Excel", permissions=["view"])
def export_receipts_action(modeladmin, request: HttpRequest, queryset: QuerySet[Batch]) -> HttpResponseBase | None:
    _require_export_permission(request)
    batches = list(queryset.order_by("pk"))
    if len(batches) == 1:
        filename = f"kvitancii-paket-{batches[0].pk}.xlsx"
    else:
        filename = f"kvitancii-{len(batches)}-paketov.xlsx"
    try:
        return receipts_download(request, batches, filename=filename)
    except ApplicationError as error:
        modeladmin.message_user(request, error.message, level=messages.ERROR)
        return None


def receipts_download(request: HttpRequest, batches: list[Batch], *, filename: str) -> HttpResponseBase:
    """The workbook at once, or, for many receipts, a page that follows a worker writing it."""
    if not export_in_background(batches):
        return xlsx_response(receipts_export, batches=batches, filename=filename)
    export = receipts_export_request(batches=batches, filename=filename, by=actor(request))
    return HttpResponseRedirect(reverse("admin:billing_batch_export_file", args=[export.token]))


def _int_or_404(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Http404("Пакет не найден.") from None


exports_panel = BatchPanel(
    name="exports",
    urls=export_urls,
    sections=(("exports", "admin/billing/batch/review_exports.html"),),
    object_tools=export_tools,
)
