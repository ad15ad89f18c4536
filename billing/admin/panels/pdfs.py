"""The PDF panel: upload a ZIP to a batch, send what waits, approve the addendum, download one PDF.

Its views are thin doors into billing.services.receipt_pdfs. PDFs are never served from a media
URL: the download view checks the user may view batches and streams the file from storage.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from billing.admin.panels.base import BatchPanel, actor, batch_page, door_path
from billing.errors import ActionForbidden, ApplicationError
from billing.models import Batch, ReceiptPdfUpload
from billing.models.pdfs import receipt_pdf_storage
from billing.selectors.pdfs import batch_pdf_counts, batch_pdf_upload, batch_receipt_pdf
from billing.services.file_jobs import file_job_owned
from billing.services.pdf_check import pdf_max_bytes
from billing.services.pdf_names import RULE, receipt_pdf_name
from billing.services.pdf_uploads import pdf_archive_upload, pdf_upload_report
from billing.services.receipt_pdfs import (
    ATTACHABLE,
    PDF_PERMISSION,
    SEND_PERMISSION,
    SEND_SEPARATELY,
    receipt_pdfs_send_request,
)
from billing.services.seals import APPROVE_PERMISSION, addendum_pending, batch_pdf_addendum_approve

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

VIEW_PERMISSION = "billing.view_batch"


class ReceiptPdfUploadForm(forms.Form):
    archive = forms.FileField(label="ZIP-архив с PDF", help_text=f"Имя каждого файла — {RULE}.")


def pdf_urls(model_admin: ModelAdmin) -> list[URLPattern]:
    """`…/<batch>/pdfs/`, `…/pdfs/send/`, `…/pdfs/addendum/` and `…/pdfs/<receipt>/download/`."""

    on_batch = "<path:object_id>/pdfs"
    return [
        door_path(model_admin, f"{on_batch}/", pdfs_upload_view, "billing_batch_pdfs"),
        door_path(model_admin, f"{on_batch}/send/", pdfs_send_view, "billing_batch_pdfs_send", require_POST),
        door_path(model_admin, f"{on_batch}/addendum/", pdfs_approve_view, "billing_batch_pdfs_approve", require_POST),
        door_path(
            model_admin, f"{on_batch}/<int:receipt_id>/download/", pdf_download_view, "billing_batch_pdf_download"
        ),
    ]


def pdf_context(model_admin: ModelAdmin, request: HttpRequest, batch: Batch) -> dict:
    """What `admin/billing/batch/pdfs_summary.html` needs, for the batch page."""
    return {
        "pdf_counts": batch_pdf_counts(batch=batch),
        "pdf_upload_url": reverse("admin:billing_batch_pdfs", args=[batch.pk]),
        "pdf_send_url": reverse("admin:billing_batch_pdfs_send", args=[batch.pk]),
        "pdf_can_upload": request.user.has_perm(PDF_PERMISSION) and batch.status in ATTACHABLE,
        "pdf_can_send": request.user.has_perm(SEND_PERMISSION) and batch.status in SEND_SEPARATELY,
        "pdf_addendum_pending": addendum_pending(batch=batch).count(),
        "pdf_approve_url": reverse("admin:billing_batch_pdfs_approve", args=[batch.pk]),
        "pdf_can_approve": request.user.has_perm(APPROVE_PERMISSION),
    }


def pdfs_upload_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponseBase:
    # Whoever may view batches sees the PDF state; only an accountant uploads. The archive is
    # checked by a worker: the page then follows its upload (?upload=<token>) to the report.
    batch = _pdf_batch(model_admin, request, object_id, VIEW_PERMISSION)
    if request.method == "POST":
        if not request.user.has_perm(PDF_PERMISSION):
            raise PermissionDenied
        form = ReceiptPdfUploadForm(request.POST, request.FILES)
        if form.is_valid():
            archive = form.cleaned_data["archive"]
            try:
                started = pdf_archive_upload(batch=batch, archive=archive, name=archive.name, by=actor(request))
            except ActionForbidden:
                raise PermissionDenied from None
            except ApplicationError as error:
                form.add_error("archive", f"Архив не принят, ничего не сохранено. {error.message}")
            else:
                return HttpResponseRedirect(
                    f"{reverse('admin:billing_batch_pdfs', args=[batch.pk])}?upload={started.token}"
                )
    else:
        form = ReceiptPdfUploadForm()
    upload = _pdf_upload(request, batch)
    context = {
        **model_admin.admin_site.each_context(request),
        **pdf_context(model_admin, request, batch),
        "opts": model_admin.model._meta,
        "title": f"PDF квитанций · {batch}",
        "batch": batch,
        "form": form,
        "upload": upload,
        "upload_working": upload is not None and upload.working,
        "report": pdf_upload_report(upload) if upload else None,
        "rule": RULE,
        "max_pdf_bytes": pdf_max_bytes(),
    }
    return TemplateResponse(request, "admin/billing/batch/pdfs_upload.html", context)


def _pdf_upload(request: HttpRequest, batch: Batch) -> ReceiptPdfUpload | None:
    """The upload the page follows: the user's own (or any, for a superuser), of this batch."""
    try:
        token = uuid.UUID(request.GET.get("upload", ""))
    except ValueError:
        return None
    upload = batch_pdf_upload(batch=batch, token=token)
    return upload if upload is not None and file_job_owned(upload, request.user) else None


def pdfs_send_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponseBase:
    batch = _pdf_batch(model_admin, request, object_id, SEND_PERMISSION)
    try:
        waiting = receipt_pdfs_send_request(batch=batch, by=actor(request))
    except ActionForbidden:
        raise PermissionDenied from None
    except ApplicationError as error:
        model_admin.message_user(request, error.message, level=messages.ERROR)
    else:
        model_admin.message_user(
            request, f"PDF поставлены в очередь на отправку в Condo: {waiting}.", level=messages.SUCCESS
        )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("admin:billing_batch_pdfs", args=[batch.pk])
    return HttpResponseRedirect(back)


def pdfs_approve_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponseBase:
    """A second person approves the PDFs attached after submission (the addendum)."""
    batch = _pdf_batch(model_admin, request, object_id, APPROVE_PERMISSION)
    try:
        seal = batch_pdf_addendum_approve(batch=batch, by=actor(request))
    except ActionForbidden as error:
        model_admin.message_user(request, error.message, level=messages.ERROR)
    except ApplicationError as error:
        model_admin.message_user(request, error.message, level=messages.ERROR)
    else:
        model_admin.message_user(
            request,
            f"PDF утверждены: {seal.pdfs_count}, отпечаток {seal.short_fingerprint}.",
            level=messages.SUCCESS,
        )
    return batch_page(batch)


def pdf_download_view(
    model_admin: ModelAdmin, request: HttpRequest, object_id: str, receipt_id: int
) -> HttpResponseBase:
    batch = _pdf_batch(model_admin, request, object_id, VIEW_PERMISSION)
    pdf = batch_receipt_pdf(batch=batch, receipt_id=receipt_id)
    if pdf is None:
        raise Http404("PDF этой квитанции нет.")
    try:
        handle = receipt_pdf_storage().open(pdf.file.name, "rb")
    except OSError:
        raise Http404("Файл PDF не найден в хранилище.") from None
    name = receipt_pdf_name(
        account_number=pdf.receipt.account_number, period=pdf.receipt.period, category=pdf.receipt.category
    )
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/pdf")


def _pdf_batch(model_admin: ModelAdmin, request: HttpRequest, object_id: str, permission: str) -> Batch:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    batch = model_admin.get_object(request, unquote(object_id))
    if batch is None:
        raise Http404("Пакет не найден.")
    return batch


pdfs_panel = BatchPanel(
    name="pdfs",
    urls=pdf_urls,
    context=pdf_context,
    sections=(("pdfs", "admin/billing/batch/pdfs_summary.html"),),
)
