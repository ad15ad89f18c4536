"""django-q2 tasks of the desk: thin, given ids, safe to run twice (the services claim the work)."""

from __future__ import annotations

from billing.services.checks import batch_checks_expire
from billing.services.imports_flow import upload_parse, upload_write, uploads_expire
from billing.services.pdf_uploads import pdf_archive_attach as pdf_archive_attach_service
from billing.services.pdf_uploads import pdf_uploads_expire
from billing.services.receipts_exports import exports_expire
from billing.services.receipts_exports import receipts_export_write as receipts_export_write_service


def import_upload_parse(upload_id: int) -> str:
    return upload_parse(upload_id=upload_id)


def import_upload_write(upload_id: int) -> str:
    return upload_write(upload_id=upload_id)


def receipts_export_write(export_id: int) -> str:
    return receipts_export_write_service(export_id=export_id)


def nightly_cleanup() -> str:
    """Uploads nobody confirmed or cancelled, old PDF uploads, exports past their keeping time, replaced checks."""
    return (
        f"uploads cancelled: {uploads_expire()}; PDF uploads removed: {pdf_uploads_expire()}; "
        f"exports removed: {exports_expire()}; checks removed: {batch_checks_expire()}"
    )


def pdf_archive_attach(upload_id: int) -> str:
    return pdf_archive_attach_service(upload_id=upload_id)
