"""A minimal admin mounting the upload mixin, as BatchAdmin will (the coordinator mixes it in)."""

from django.contrib import admin
from django.urls import path

from billing.admin.imports import RegistryUploadAdminMixin
from billing.models import Batch


class UploadBatchAdmin(RegistryUploadAdminMixin, admin.ModelAdmin):
    pass


site = admin.AdminSite(name="admin")
site.register(Batch, UploadBatchAdmin)

urlpatterns = [path("admin/", site.urls)]
