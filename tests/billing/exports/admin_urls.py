"""The real BatchAdmin with the export mixin and action, as the coordinator wires them."""

from django.contrib import admin
from django.urls import path

from billing.admin.batches import BatchAdmin
from billing.admin.exports import ExportAdminMixin, export_receipts_action
from billing.models import Batch


class ExportBatchAdmin(ExportAdminMixin, BatchAdmin):
    actions = [export_receipts_action]


site = admin.AdminSite(name="admin")
site.register(Batch, ExportBatchAdmin)

urlpatterns = [path("admin/", site.urls)]
