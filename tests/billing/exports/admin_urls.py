"""The real BatchAdmin (it carries the export mixin and action) on a site of its own."""

from django.contrib import admin
from django.urls import path

from billing.admin.batches import BatchAdmin
from billing.models import Batch

site = admin.AdminSite(name="admin")
site.register(Batch, BatchAdmin)

urlpatterns = [path("admin/", site.urls)]
