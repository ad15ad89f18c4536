"""The reconciliation download of the batch admin: the batch's latest reconciliation with Condo, as xlsx.

The page links it from the exports section (review_exports.html); it lives here because the
reconciliation is integration's record.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern

from billing.admin.panels.base import BatchPanel, batch_page, door_path
from billing.admin.panels.exports import export_batch, xlsx_response
from integration.exports.reconciliation import reconciliation_export
from integration.selectors import batch_latest_reconciliation


def reconciliation_urls(model_admin: ModelAdmin) -> list[URLPattern]:
    route = "<path:object_id>/export/reconciliation/"
    return [door_path(model_admin, route, export_reconciliation_view, "billing_batch_export_reconciliation")]


def export_reconciliation_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponseBase:
    batch = export_batch(request, object_id)
    reconciliation = batch_latest_reconciliation(batch_id=batch.pk, with_differences=True)
    if reconciliation is None:
        messages.warning(request, f"{batch}: сверки с Condo ещё не было.")
        return batch_page(batch)
    return xlsx_response(
        reconciliation_export,
        reconciliation=reconciliation,
        filename=f"sverka-paket-{batch.pk}-{reconciliation.pk}.xlsx",
    )


reconciliation_panel = BatchPanel(name="reconciliation", urls=reconciliation_urls)
