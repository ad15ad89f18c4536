"""The file jobs panel: the one progress endpoint that every file job's page polls.

`jobs/<kind>/<token>/progress/` answers for a registry upload, a PDF archive or a receipts
export, to its owner (or a superuser) only. BatchAdmin lists this panel first: a batch's own
`<path:object_id>/progress/` would otherwise read the path as a batch's.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.http import Http404, HttpRequest, JsonResponse
from django.urls import URLPattern
from django.views.decorators.cache import never_cache

from billing.admin.file_jobs import KINDS, file_job_progress, owned_file_job
from billing.admin.panels.base import BatchPanel, door_path

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin


def file_job_urls(model_admin: ModelAdmin) -> list[URLPattern]:
    return [
        door_path(
            model_admin,
            "jobs/<slug:kind>/<uuid:token>/progress/",
            file_job_progress_view,
            "billing_batch_job_progress",
            never_cache,
        )
    ]


def file_job_progress_view(model_admin: ModelAdmin, request: HttpRequest, kind: str, token: uuid.UUID) -> JsonResponse:
    if kind not in KINDS:
        raise Http404
    model, permission = KINDS[kind]
    job = owned_file_job(request, model._default_manager.all(), token, permission=permission)
    return JsonResponse(file_job_progress(job))


file_jobs_panel = BatchPanel(name="file_jobs", urls=file_job_urls)
