"""Reads about the checks before approval, for the batch page."""

from __future__ import annotations

from billing.models import Batch, BatchCheck


def batch_check(*, batch: Batch, check_id: int) -> BatchCheck | None:
    return BatchCheck.objects.filter(pk=check_id, batch=batch).first()
