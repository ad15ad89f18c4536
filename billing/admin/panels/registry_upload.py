"""The registry upload panel, «Загрузить реестр»: upload → progress → preview → confirm or cancel.

The views are thin doors into billing.services.registry (upload.py, tasks.py); the parsing runs in a django-q2
task, and the page polls the file jobs' progress endpoint (panels/file_jobs.py) for the progress bar.
BatchAdmin lists this panel right after the file jobs panel: `import/<token>/…` would otherwise read as
a batch's own pages (`<path:object_id>/…`).
"""

from __future__ import annotations

import contextlib
import uuid
from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, reverse
from django.views.decorators.http import require_POST

from billing.admin.file_jobs import owned_file_job
from billing.admin.import_preview import full_preview
from billing.admin.object_tools import ObjectTool
from billing.admin.panels.base import BatchPanel, actor, door_path
from billing.admin.registry_upload_form import RegistryUploadForm
from billing.errors import ApplicationError
from billing.exports.import_errors import import_errors_export
from billing.exports.writer import XLSX_CONTENT_TYPE, export_to_tempfile
from billing.importers.desk_template import desk_template_bytes
from billing.importers.formats import AUTO
from billing.models import RegistryUpload
from billing.periods import month_parse, previous_month
from billing.services.registry.upload import IMPORT_PERMISSION, upload_cancel, upload_confirm, upload_create

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_DIR = "admin/billing/import"
# The steps' URL names are `billing_batch_import{step}`; the pages' templates know them by the step's name.
STEPS = ("", "_template", "_status", "_confirm", "_cancel", "_errors")


def import_url_name(step: str) -> str:
    return f"billing_batch_import{step}"


def registry_upload_urls(model_admin: ModelAdmin) -> list[URLPattern]:
    return [
        door_path(model_admin, "import/", import_upload_view, import_url_name("")),
        door_path(model_admin, "import/template/<slug:kind>.xlsx", import_template_view, import_url_name("_template")),
        door_path(model_admin, "import/<uuid:token>/", import_status_view, import_url_name("_status")),
        door_path(
            model_admin, "import/<uuid:token>/confirm/", import_confirm_view, import_url_name("_confirm"), require_POST
        ),
        door_path(
            model_admin, "import/<uuid:token>/cancel/", import_cancel_view, import_url_name("_cancel"), require_POST
        ),
        door_path(model_admin, "import/<uuid:token>/errors.xlsx", import_errors_view, import_url_name("_errors")),
    ]


def registry_upload_tools(request: HttpRequest) -> list[ObjectTool]:
    if not request.user.has_perm(IMPORT_PERMISSION):
        return []
    return [ObjectTool(reverse(f"admin:{import_url_name('')}"), "Загрузить реестр")]


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


def _check_permission(request: HttpRequest) -> None:
    if not request.user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied


def _upload(request: HttpRequest, token: uuid.UUID) -> RegistryUpload:
    return owned_file_job(
        request,
        RegistryUpload.objects.select_related("organization", "batch").defer("errors_report"),
        token,
        permission=IMPORT_PERMISSION,
    )


def _status_page(upload: RegistryUpload) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse(f"admin:{import_url_name('_status')}", args=[upload.token]))


def _render(model_admin: ModelAdmin, request: HttpRequest, template: str, context: dict) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        **context,
        "url_names": {(step.lstrip("_") or "upload"): f"admin:{import_url_name(step)}" for step in STEPS},
    }
    return TemplateResponse(request, f"{TEMPLATE_DIR}/{template}", context)


def import_upload_view(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponse:
    _check_permission(request)
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
                    by=actor(request),
                )
            except ApplicationError as error:
                form.add_error("file", error.message)
            else:
                return _status_page(upload)
    else:
        form = RegistryUploadForm(initial=_upload_initial(request.GET))
    return _render(model_admin, request, "upload.html", {"title": "Загрузить реестр", "form": form})


def import_template_view(model_admin: ModelAdmin, request: HttpRequest, kind: str) -> HttpResponse:
    _check_permission(request)
    if kind not in ("template", "example"):
        raise Http404
    name = "shablon-reestra.xlsx" if kind == "template" else "primer-reestra.xlsx"
    response = HttpResponse(desk_template_bytes(example=kind == "example"), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def import_status_view(model_admin: ModelAdmin, request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    upload = _upload(request, token)
    batch_url = None
    if upload.batch_id:
        try:
            batch_url = reverse(f"admin:{model_admin.model._meta.app_label}_batch_change", args=[upload.batch_id])
        except NoReverseMatch:
            batch_url = None
    if upload.status == RegistryUpload.Status.DONE and batch_url:
        # Confirmed: land on the new batch itself (the page following the worker reloads into it).
        messages.success(request, f"Пакет №{upload.batch_id} создан из «{upload.source_name}».")
        return HttpResponseRedirect(batch_url)
    preview = upload.preview or {}
    anomalies = preview.get("anomalies") or {}
    return _render(
        model_admin,
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
            "full": full_preview(request, upload, anomalies) if upload.status == RegistryUpload.Status.READY else None,
            "batch_url": batch_url,
            "more_errors": max(upload.errors_count - len(upload.errors), 0),
        },
    )


def import_confirm_view(model_admin: ModelAdmin, request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    upload = _upload(request, token)
    try:
        upload = upload_confirm(upload=upload, by=actor(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    return _status_page(upload)


def import_cancel_view(model_admin: ModelAdmin, request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    upload = _upload(request, token)
    try:
        upload_cancel(upload=upload, by=actor(request))
    except ApplicationError as error:
        messages.error(request, error.message)
        return _status_page(upload)
    messages.info(request, f"Загрузка «{upload.source_name}» отменена, файл удалён.")
    return HttpResponseRedirect(reverse(f"admin:{import_url_name('')}"))


def import_errors_view(model_admin: ModelAdmin, request: HttpRequest, token: uuid.UUID) -> FileResponse:
    upload = _upload(request, token)
    # The same writer as `manage.py export import-errors`: every value a text cell, never a formula.
    return FileResponse(
        export_to_tempfile(import_errors_export, upload=upload),
        as_attachment=True,
        filename=f"oshibki-reestra-{upload.pk}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


registry_upload_panel = BatchPanel(
    name="registry_upload", urls=registry_upload_urls, object_tools=registry_upload_tools
)
