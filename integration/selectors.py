"""Reads of what was said to Condo about a batch, for the batch page and the exports."""

from __future__ import annotations

from billing.models import Batch
from integration.models import CondoCall, Reconciliation


def batch_latest_reconciliation(*, batch_id: int, with_differences: bool = False) -> Reconciliation | None:
    found = Reconciliation.objects.select_related("batch__organization").filter(batch_id=batch_id)
    if not with_differences:
        found = found.defer("differences")
    return found.order_by("-created_at", "-pk").first()


def reconciliation_by_id(*, reconciliation_id: int) -> Reconciliation | None:
    return Reconciliation.objects.select_related("batch__organization").filter(pk=reconciliation_id).first()


def batch_condo_calls(*, batch: Batch, limit: int) -> list[CondoCall]:
    return list(CondoCall.objects.filter(batch=batch).order_by("-created_at", "-pk")[:limit])


def batch_last_condo_error_code(*, batch: Batch) -> str:
    """The code of Condo's newest refusal in the batch's calls, or ''."""
    return (
        CondoCall.objects.filter(batch=batch)
        .exclude(error_code="")
        .order_by("-created_at", "-pk")
        .values_list("error_code", flat=True)
        .first()
        or ""
    )
