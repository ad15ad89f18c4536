"""File jobs in the admin: who may follow one, and what the one progress endpoint answers.

A registry upload, a PDF archive and a receipts export are followed the same way: their page
includes admin/billing/_file_job_progress.html, which polls `jobs/<kind>/<token>/progress/`
(panels/file_jobs.py) and reloads itself once the worker is done.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from billing.models import ReceiptPdfUpload, ReceiptsExport, RegistryUpload
from billing.models.file_jobs import FileJob
from billing.services.file_jobs import file_job_owned
from billing.services.registry.upload import IMPORT_PERMISSION

Job = TypeVar("Job", bound=FileJob)
VIEW_PERMISSION = "billing.view_batch"

# The kind in the endpoint's URL: its model and the permission its pages need.
KINDS: dict[str, tuple[type[FileJob], str]] = {
    "import": (RegistryUpload, IMPORT_PERMISSION),
    "pdfs": (ReceiptPdfUpload, VIEW_PERMISSION),
    "export": (ReceiptsExport, VIEW_PERMISSION),
}


def owned_file_job(
    request: HttpRequest, jobs: QuerySet[Job], token: uuid.UUID, *, permission: str, missing: str = ""
) -> Job:
    """The job of `token` for its owner (or a superuser): 403 to anyone else, 404 when there is none."""
    if not request.user.has_perm(permission):
        raise PermissionDenied
    job = jobs.filter(token=token).first()
    if job is None:
        raise Http404(missing or "Не найдено.")
    if not file_job_owned(job, request.user):
        raise PermissionDenied
    return job


def file_job_progress(job: FileJob) -> dict[str, object]:
    label = dict(type(job)._meta.get_field("status").choices or ()).get(job.status, job.status)
    progress: dict[str, object] = {"status": job.status, "label": label, "working": job.working}
    if job.COUNTS_ROWS:
        progress.update(rows_read=getattr(job, "rows_read", 0), rows_total=getattr(job, "rows_total", None))
    return progress
