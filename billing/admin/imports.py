"""«Загрузить реестр»: upload → progress → preview → confirm or cancel, as a ModelAdmin mixin.

The views are thin doors into billing.services.registry (upload.py, tasks.py); the parsing runs in a django-q2
task, and the page polls the file jobs' progress endpoint (file_jobs.py) for the progress bar.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_POST

from billing.admin.file_jobs import owned_file_job
from billing.admin.import_preview import full_preview
from billing.admin.object_tools import ObjectTool
from billing.errors import ApplicationError
from billing.exports.import_errors import import_errors_export
from billing.exports.writer import XLSX_CONTENT_TYPE, export_to_tempfile
from billing.importers.desk_template import desk_template_bytes
from billing.importers.formats import AUTO, format_choices
from billing.models import Organization, RegistryUpload, SberColumnMap
from billing.periods import month_parse, previous_month
from billing.services.registry.upload import IMPORT_PERMISSION, upload_cancel, upload_confirm, upload_create

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _replaced(kinds: dict) -> dict:
    """What a correction does to the receipts Condo holds for the month (billing.differences kinds)."""
    return {
        "updated": kinds.get("changed", 0) + kinds.get("unchanged", 0),
        "changed": kinds.get("changed", 0),
        "added": kinds.get("new", 0),
        "withdrawn": kinds.get("vanished", 0),
    }


def _upload_initial(query) -> dict:
    """The form's first values; «Загрузить исправленный реестр» links carry the organization and month."""
    initial = {"period": previous_month(), "format_code": AUTO}
    with contextlib.suppress(ValueError):
        initial["period"] = month_parse(query.get("period", ""))
    if query.get("organization", "").isdigit():
        initial["organization"] = int(query["organization"])
    return initial


class RegistryUploadForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.filter(is_active=True), label="Управляющая компания"
    )
    period = forms.DateField(
        label="Период",
        input_formats=["%Y-%m", "%m.%Y"],
        help_text="Месяц начислений, например 2026-10.",
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    format_code = forms.ChoiceField(label="Формат", initial=AUTO)
    file = forms.FileField(label="Файл реестра", help_text="xlsx, xls, ods или текстовый реестр Сбербанка (.txt).")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        maps = SberColumnMap.objects.filter(is_active=True).select_related("organization")
        layouts = []
        for column_map in maps:
            layout = column_map.layout()
            layouts.append(replace(layout, label=f"{layout.label} — {column_map.organization.name}"))
        self.fields["format_code"].choices = format_choices(layouts)
        self._maps = {column_map.format_code: column_map.organization_id for column_map in maps}

    def clean(self):
        data = super().clean()
        code, organization = data.get("format_code"), data.get("organization")
        if code in self._maps and organization and self._maps[code] != organization.pk:
            self.add_error("format_code", "Эта раскладка описана для другой управляющей компании.")
        return data


class RegistryUploadAdminMixin:
    """Adds the registry upload pages to a ModelAdmin (meant for BatchAdmin)."""

    import_template_dir = "admin/billing/import"

    def _import_url_name(self, step: str) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_import{step}"

    def registry_upload_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_upload_view), name=self._import_url_name("")),
            path(
                "import/template/<slug:kind>.xlsx",
                view(self.import_template_view),
                name=self._import_url_name("_template"),
            ),
            path("import/<uuid:token>/", view(self.import_status_view), name=self._import_url_name("_status")),
            path(
                "import/<uuid:token>/confirm/", view(self.import_confirm_view), name=self._import_url_name("_confirm")
            ),
            path("import/<uuid:token>/cancel/", view(self.import_cancel_view), name=self._import_url_name("_cancel")),
            path(
                "import/<uuid:token>/errors.xlsx", view(self.import_errors_view), name=self._import_url_name("_errors")
            ),
        ]

    def registry_upload_tools(self, request: HttpRequest) -> list[ObjectTool]:
        if not request.user.has_perm(IMPORT_PERMISSION):
            return []
        return [ObjectTool(reverse(f"admin:{self._import_url_name('')}"), "Загрузить реестр")]

    # --- helpers ---------------------------------------------------------------------------------

    def _check_permission(self, request: HttpRequest) -> None:
        if not request.user.has_perm(IMPORT_PERMISSION):
            raise PermissionDenied

    def _upload(self, request: HttpRequest, token) -> RegistryUpload:
        return owned_file_job(
            request,
            RegistryUpload.objects.select_related("organization", "batch").defer("errors_report"),
            token,
            permission=IMPORT_PERMISSION,
        )

    def _render(self, request: HttpRequest, template: str, context: dict) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            **context,
            "url_names": {
                (step.lstrip("_") or "upload"): f"admin:{self._import_url_name(step)}"
                for step in ("", "_template", "_status", "_confirm", "_cancel", "_errors")
            },
        }
        return TemplateResponse(request, f"{self.import_template_dir}/{template}", context)

    # --- views -----------------------------------------------------------------------------------

    def import_upload_view(self, request: HttpRequest) -> HttpResponse:
        self._check_permission(request)
        if request.method == "POST":
            form = RegistryUploadForm(request.POST, request.FILES)
            if form.is_valid():
                data, file = form.cleaned_data, form.cleaned_data["file"]
                try:
                    upload = upload_create(
                        organization=data["organization"],
                        period=data["period"],
                        format_code=data["format_code"],
                        file=file,
                        name=file.name,
                        size=file.size,
                        by=request.user,
                    )
                except ApplicationError as error:
                    form.add_error("file", error.message)
                else:
                    return HttpResponseRedirect(
                        reverse(f"admin:{self._import_url_name('_status')}", args=[upload.token])
                    )
        else:
            form = RegistryUploadForm(initial=_upload_initial(request.GET))
        return self._render(request, "upload.html", {"title": "Загрузить реестр", "form": form})

    def import_template_view(self, request: HttpRequest, kind: str) -> HttpResponse:
        self._check_permission(request)
        if kind not in ("template", "example"):
            raise Http404
        name = "shablon-reestra.xlsx" if kind == "template" else "primer-reestra.xlsx"
        response = HttpResponse(desk_template_bytes(example=kind == "example"), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def import_status_view(self, request: HttpRequest, token) -> HttpResponse:
        upload = self._upload(request, token)
        batch_url = None
        if upload.batch_id:
            try:
                batch_url = reverse(f"admin:{self.model._meta.app_label}_batch_change", args=[upload.batch_id])
            except NoReverseMatch:
                batch_url = None
        if upload.status == RegistryUpload.Status.DONE and batch_url:
            # Confirmed: land on the new batch itself (the page following the worker reloads into it).
            messages.success(request, f"Пакет №{upload.batch_id} создан из «{upload.source_name}».")
            return HttpResponseRedirect(batch_url)
        preview = upload.preview or {}
        anomalies = preview.get("anomalies") or {}
        return self._render(
            request,
            "status.html",
            {
                "title": f"Загрузка реестра «{upload.source_name}»",
                "upload": upload,
                "working": upload.working,
                "preview": preview,
                "anomalies": anomalies,
                # A comparison with the same month is a correction: the preview says what it replaces.
                "upload_period": f"{upload.period:%m.%Y}",
                "replaced": _replaced(anomalies.get("kinds") or {}),
                "full": full_preview(request, upload, anomalies)
                if upload.status == RegistryUpload.Status.READY
                else None,
                "batch_url": batch_url,
                "more_errors": max(upload.errors_count - len(upload.errors), 0),
            },
        )

    def import_confirm_view(self, request: HttpRequest, token) -> HttpResponse:
        return require_POST(self._confirm)(request, token)

    def import_cancel_view(self, request: HttpRequest, token) -> HttpResponse:
        return require_POST(self._cancel)(request, token)

    def _confirm(self, request: HttpRequest, token) -> HttpResponse:
        upload = self._upload(request, token)
        try:
            upload = upload_confirm(upload=upload, by=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        return HttpResponseRedirect(reverse(f"admin:{self._import_url_name('_status')}", args=[upload.token]))

    def _cancel(self, request: HttpRequest, token) -> HttpResponse:
        upload = self._upload(request, token)
        try:
            upload_cancel(upload=upload, by=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(reverse(f"admin:{self._import_url_name('_status')}", args=[upload.token]))
        messages.info(request, f"Загрузка «{upload.source_name}» отменена, файл удалён.")
        return HttpResponseRedirect(reverse(f"admin:{self._import_url_name('')}"))

    def import_errors_view(self, request: HttpRequest, token) -> HttpResponse:
        upload = self._upload(request, token)
        # The same writer as `manage.py export import-errors`: every value a text cell, never a formula.
        return FileResponse(
            export_to_tempfile(import_errors_export, upload=upload),
            as_attachment=True,
            filename=f"oshibki-reestra-{upload.pk}.xlsx",
            content_type=XLSX_CONTENT_TYPE,
        )


@admin.register(SberColumnMap)
class SberColumnMapAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "layout_text", "encoding", "is_active")
    list_select_related = ("organization",)
    list_filter = ("is_active",)
    search_fields = ("name", "organization__name", "=organization__tin")
    raw_id_fields = ("organization",)
    fieldsets = (
        (None, {"fields": ("organization", "name", "is_active", "encoding")}),
        (
            "Номера полей (через «;», с 1)",
            {
                "fields": (*SberColumnMap.COLUMN_FIELDS, "services_from_column"),
            },
        ),
    )

    @admin.display(description="раскладка")
    def layout_text(self, column_map: SberColumnMap) -> str:
        return column_map.layout().describe()
