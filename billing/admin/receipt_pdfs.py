"""Receipt PDFs in the admin: upload a ZIP to a batch, send what waits, download one receipt's PDF.

`ReceiptPdfAdminMixin` goes into BatchAdmin's bases; its views are thin doors into
billing.services.receipt_pdfs. PDFs are never served from a media URL: the download view checks
the user may view batches and streams the file from storage.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString

from billing.errors import ActionForbidden, ApplicationError
from billing.models import Batch, Receipt, ReceiptPdf, ReceiptPdfUpload
from billing.models.pdfs import PdfUploadStatus, receipt_pdf_storage
from billing.selectors.pdfs import batch_pdf_counts, receipt_pdf
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

VIEW_PERMISSION = "billing.view_batch"


class ReceiptPdfUploadForm(forms.Form):
    archive = forms.FileField(label="ZIP-архив с PDF", help_text=f"Имя каждого файла — {RULE}.")


class ReceiptPdfAdminMixin:
    """Adds `…/<batch>/pdfs/`, `…/pdfs/send/` and `…/pdfs/<receipt>/download/` to a Batch ModelAdmin."""

    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path("<path:object_id>/pdfs/", view(self.pdfs_upload_view), name="billing_batch_pdfs"),
            path("<path:object_id>/pdfs/send/", view(self.pdfs_send_view), name="billing_batch_pdfs_send"),
            path("<path:object_id>/pdfs/addendum/", view(self.pdfs_approve_view), name="billing_batch_pdfs_approve"),
            path(
                "<path:object_id>/pdfs/<int:receipt_id>/download/",
                view(self.pdf_download_view),
                name="billing_batch_pdf_download",
            ),
        ]
        return [*urls, *super().get_urls()]

    def receipt_pdf_context(self, request: HttpRequest, batch: Batch) -> dict:
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

    # --- views -----------------------------------------------------------------------------------

    def pdfs_upload_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        # Whoever may view batches sees the PDF state; only an accountant uploads. The archive is
        # checked by a worker: the page then follows its upload (?upload=<token>) to the report.
        batch = self._pdf_batch(request, object_id, VIEW_PERMISSION)
        if request.method == "POST":
            if not request.user.has_perm(PDF_PERMISSION):
                raise PermissionDenied
            form = ReceiptPdfUploadForm(request.POST, request.FILES)
            if form.is_valid():
                archive = form.cleaned_data["archive"]
                try:
                    upload = pdf_archive_upload(batch=batch, archive=archive, name=archive.name, by=request.user)
                except ActionForbidden:
                    raise PermissionDenied from None
                except ApplicationError as error:
                    form.add_error("archive", f"Архив не принят, ничего не сохранено. {error.message}")
                else:
                    return HttpResponseRedirect(
                        f"{reverse('admin:billing_batch_pdfs', args=[batch.pk])}?upload={upload.token}"
                    )
        else:
            form = ReceiptPdfUploadForm()
        upload = self._pdf_upload(request, batch)
        context = {
            **self.admin_site.each_context(request),
            **self.receipt_pdf_context(request, batch),
            "opts": self.model._meta,
            "title": f"PDF квитанций · {batch}",
            "batch": batch,
            "form": form,
            "upload": upload,
            "upload_working": upload is not None and upload.status in (PdfUploadStatus.QUEUED, PdfUploadStatus.RUNNING),
            "report": pdf_upload_report(upload) if upload else None,
            "rule": RULE,
            "max_pdf_bytes": pdf_max_bytes(),
        }
        return TemplateResponse(request, "admin/billing/batch/pdfs_upload.html", context)

    def _pdf_upload(self, request: HttpRequest, batch: Batch) -> ReceiptPdfUpload | None:
        """The upload the page follows: the user's own (or any, for a superuser), of this batch."""
        try:
            token = uuid.UUID(request.GET.get("upload", ""))
        except ValueError:
            return None
        upload = ReceiptPdfUpload.objects.filter(token=token, batch=batch).first()
        if upload is None or (upload.uploaded_by_id != request.user.pk and not request.user.is_superuser):
            return None
        return upload

    def pdfs_send_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        batch = self._pdf_batch(request, object_id, SEND_PERMISSION)
        try:
            waiting = receipt_pdfs_send_request(batch=batch, by=request.user)
        except ActionForbidden:
            raise PermissionDenied from None
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)
        else:
            self.message_user(
                request, f"PDF поставлены в очередь на отправку в Condo: {waiting}.", level=messages.SUCCESS
            )
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("admin:billing_batch_pdfs", args=[batch.pk])
        return HttpResponseRedirect(back)

    def pdfs_approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A second person approves the PDFs attached after submission (the addendum)."""
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        batch = self._pdf_batch(request, object_id, APPROVE_PERMISSION)
        try:
            seal = batch_pdf_addendum_approve(batch=batch, by=request.user)
        except ActionForbidden as error:
            self.message_user(request, error.message, level=messages.ERROR)
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)
        else:
            self.message_user(
                request,
                f"PDF утверждены: {seal.pdfs_count}, отпечаток {seal.short_fingerprint}.",
                level=messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:billing_batch_change", args=[batch.pk]))

    def pdf_download_view(self, request: HttpRequest, object_id: str, receipt_id: int) -> FileResponse:
        batch = self._pdf_batch(request, object_id, VIEW_PERMISSION)
        pdf = get_object_or_404(
            ReceiptPdf.objects.select_related("receipt__account"), receipt_id=receipt_id, batch_id=batch.pk
        )
        try:
            handle = receipt_pdf_storage().open(pdf.file.name, "rb")
        except OSError:
            raise Http404("Файл PDF не найден в хранилище.") from None
        name = receipt_pdf_name(
            account_number=pdf.receipt.account_number, period=pdf.receipt.period, category=pdf.receipt.category
        )
        return FileResponse(handle, as_attachment=True, filename=name, content_type="application/pdf")

    # --- helpers ---------------------------------------------------------------------------------

    def _pdf_batch(self, request: HttpRequest, object_id: str, permission: str) -> Batch:
        if not request.user.has_perm(permission):
            raise PermissionDenied
        batch = self.get_object(request, unquote(object_id))
        if batch is None:
            raise Http404("Пакет не найден.")
        return batch


class ReceiptPdfStateAdminMixin:
    """For ReceiptAdmin: a read-only `pdf_state` field showing the receipt's PDF and its state."""

    @admin.display(description="PDF квитанции")
    def pdf_state(self, receipt: Receipt) -> SafeString:
        return receipt_pdf_state_html(receipt=receipt)


def receipt_pdf_state_html(*, receipt: Receipt, pdf: ReceiptPdf | None = None) -> SafeString:
    pdf = pdf if pdf is not None else receipt_pdf(receipt=receipt)
    return SafeString(render_to_string("admin/billing/receipt/_pdf_state.html", {"receipt": receipt, "pdf": pdf}))
