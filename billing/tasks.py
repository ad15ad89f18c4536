"""django-q2 tasks of the desk: thin, given ids, safe to run twice (the services claim the work)."""

from __future__ import annotations

from billing.services.imports_flow import upload_parse, upload_write, uploads_expire


def import_upload_parse(upload_id: int) -> str:
    return upload_parse(upload_id=upload_id)


def import_upload_write(upload_id: int) -> str:
    return upload_write(upload_id=upload_id)


def expire_stale_uploads() -> int:
    return uploads_expire()
