"""A minimal admin mounting the PDF mixin, as BatchAdmin will (the coordinator mixes it in)."""

from django.contrib import admin
from django.urls import path

from billing.admin.receipt_pdfs import ReceiptPdfAdminMixin
from billing.models import Batch


class PdfBatchAdmin(ReceiptPdfAdminMixin, admin.ModelAdmin):
    pass


site = admin.AdminSite(name="admin")
site.register(Batch, PdfBatchAdmin)

urlpatterns = [path("admin/", site.urls)]
