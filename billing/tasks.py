"""django-q2 tasks of the desk: thin, given ids, safe to run twice (the services claim the work)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from billing.models import ReceiptPdfUpload, ReceiptsExport
from billing.selectors.review import organization_figures_warm as organization_figures_warm_selector
from billing.services.checks import batch_checks_expire
from billing.services.file_jobs import file_jobs_expire
from billing.services.pdf_uploads import pdf_archive_attach as pdf_archive_attach_service
from billing.services.receipts_exports import receipts_export_write as receipts_export_write_service
from billing.services.registry.tasks import upload_parse, upload_write
from billing.services.registry.upload import uploads_expire


def import_upload_parse(upload_id: int) -> str:
    return upload_parse(upload_id=upload_id)


def import_upload_write(upload_id: int) -> str:
    return upload_write(upload_id=upload_id)


def organization_figures_warm(organization_id: int) -> str:
    return f"batches warmed: {organization_figures_warm_selector(organization_id=organization_id)}"


def receipts_export_write(export_id: int) -> str:
    return receipts_export_write_service(export_id=export_id)


def nightly_cleanup() -> str:
    """Uploads nobody confirmed or cancelled, old PDF uploads, exports past their keeping time, replaced checks."""
    pdfs = file_jobs_expire(ReceiptPdfUpload, older_than=timedelta(days=settings.IMPORT_UPLOAD_KEEP_DAYS))
    exports = file_jobs_expire(ReceiptsExport, older_than=timedelta(hours=settings.EXPORT_KEEP_HOURS))
    return (
        f"uploads cancelled: {uploads_expire()}; PDF uploads removed: {pdfs}; "
        f"exports removed: {exports}; checks removed: {batch_checks_expire()}"
    )


def pdf_archive_attach(upload_id: int) -> str:
    return pdf_archive_attach_service(upload_id=upload_id)
