"""Excel downloads from the batch admin: a batch's receipts, its reconciliation, the monthly summary.

`ExportAdminMixin` goes in front of BatchAdmin's bases; `export_receipts_action` goes into its
`actions`. Every view checks `billing.view_batch` itself: admin_view only asks for staff.
The xlsx is written to a temporary file on disk and streamed (see billing.exports.writer).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from billing.admin.object_tools import ObjectTool
from billing.errors import ApplicationError
from billing.exports.receipts import receipts_export
from billing.exports.reconciliation import reconciliation_export
from billing.exports.summary import summary_export
from billing.exports.writer import XLSX_CONTENT_TYPE, export_to_tempfile
from billing.models import Batch, Organization, ReceiptsExport
from billing.periods import previous_month
from billing.services.receipts_exports import export_in_background, receipts_export_request
from integration.models import Reconciliation

EXPORT_PERMISSION = "billing.view_batch"


def xlsx_response(export, *, filename: str, **kwargs) -> FileResponse:
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


class ExportAdminMixin:
    """Adds `<pk>/export/receipts/`, `<pk>/export/reconciliation/` and `export/summary/` to BatchAdmin."""

    def _export_url_name(self, what: str) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_export_{what}"

    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path("export/summary/", view(self.export_summary_view), name=self._export_url_name("summary")),
            path("export/file/<uuid:token>/", view(self.export_file_view), name=self._export_url_name("file")),
            path(
                "export/file/<uuid:token>/download/",
                view(self.export_file_download_view),
                name=self._export_url_name("file_download"),
            ),
            path(
                "<path:object_id>/export/receipts/",
                view(self.export_receipts_view),
                name=self._export_url_name("receipts"),
            ),
            path(
                "<path:object_id>/export/reconciliation/",
                view(self.export_reconciliation_view),
                name=self._export_url_name("reconciliation"),
            ),
        ]
        return [*urls, *super().get_urls()]

    def get_object_tools(self, request: HttpRequest) -> list:
        tools = list(super().get_object_tools(request)) if hasattr(super(), "get_object_tools") else []
        if request.user.has_perm(EXPORT_PERMISSION):
            tools.append(ObjectTool(reverse(f"admin:{self._export_url_name('summary')}"), "Сводка за месяц (Excel)"))
        return tools

    def _export_batch(self, request: HttpRequest, object_id: str) -> Batch:
        _require_export_permission(request)
        batch = Batch.objects.select_related("organization").filter(pk=_int_or_404(unquote(object_id))).first()
        if batch is None:
            raise Http404("Пакет не найден.")
        return batch

    def export_receipts_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        batch = self._export_batch(request, object_id)
        try:
            return receipts_download(request, [batch], filename=f"kvitancii-paket-{batch.pk}.xlsx")
        except ApplicationError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(reverse("admin:billing_batch_change", args=[batch.pk]))

    def _own_export(self, request: HttpRequest, token) -> ReceiptsExport:
        _require_export_permission(request)
        export = ReceiptsExport.objects.filter(token=token).first()
        if export is None:
            raise Http404("Выгрузка не найдена: файлы хранятся ограниченное время, запросите выгрузку ещё раз.")
        # The link is no key to the file: only who asked for it (or a superuser) may open it.
        if export.requested_by_id != request.user.pk and not request.user.is_superuser:
            raise PermissionDenied
        return export

    def export_file_view(self, request: HttpRequest, token) -> HttpResponse:
        export = self._own_export(request, token)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Выгрузка квитанций",
            "export": export,
            "working": export.status in (ReceiptsExport.Status.QUEUED, ReceiptsExport.Status.RUNNING),
            "keep_hours": settings.EXPORT_KEEP_HOURS,
            "download_url": reverse(f"admin:{self._export_url_name('file_download')}", args=[export.token]),
        }
        return TemplateResponse(request, "admin/billing/batch/export_file.html", context)

    def export_file_download_view(self, request: HttpRequest, token) -> HttpResponse:
        export = self._own_export(request, token)
        if export.status != ReceiptsExport.Status.READY or not export.file.name:
            return HttpResponseRedirect(reverse(f"admin:{self._export_url_name('file')}", args=[export.token]))
        return FileResponse(
            export.file.open("rb"), as_attachment=True, filename=export.filename, content_type=XLSX_CONTENT_TYPE
        )

    def export_reconciliation_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        batch = self._export_batch(request, object_id)
        reconciliation = (
            Reconciliation.objects.select_related("batch__organization")
            .filter(batch=batch)
            .order_by("-created_at", "-pk")
            .first()
        )
        if reconciliation is None:
            messages.warning(request, f"{batch}: сверки с Condo ещё не было.")
            return HttpResponseRedirect(reverse("admin:billing_batch_change", args=[batch.pk]))
        return xlsx_response(
            reconciliation_export,
            reconciliation=reconciliation,
            filename=f"sverka-paket-{batch.pk}-{reconciliation.pk}.xlsx",
        )

    def export_summary_view(self, request: HttpRequest) -> HttpResponse:
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
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Сводка за месяц",
            "form": form,
        }
        return TemplateResponse(request, "admin/billing/batch/export_summary.html", context)


@admin.action(description="Выгрузить квитанции выбранных пакетов в Excel", permissions=["view"])
def export_receipts_action(modeladmin, request: HttpRequest, queryset: QuerySet[Batch]) -> HttpResponse | None:
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


def receipts_download(request: HttpRequest, batches: list[Batch], *, filename: str) -> HttpResponse:
    """The workbook at once, or, for many receipts, a page that follows a worker writing it."""
    if not export_in_background(batches):
        return xlsx_response(receipts_export, batches=batches, filename=filename)
    export = receipts_export_request(batches=batches, filename=filename, by=request.user)
    return HttpResponseRedirect(reverse("admin:billing_batch_export_file", args=[export.token]))


def _int_or_404(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Http404("Пакет не найден.") from None
