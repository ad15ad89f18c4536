"""Forgetting records that carry a stored file: the file goes first, then the row."""

from __future__ import annotations

from django.db.models import QuerySet


def delete_with_files(records: QuerySet, file_field: str) -> int:
    """Delete each record and the file its `file_field` names (if any); returns how many were deleted."""
    deleted = 0
    for record in records:
        stored = getattr(record, file_field)
        if stored.name:
            stored.storage.delete(stored.name)
        record.delete()
        deleted += 1
    return deleted
