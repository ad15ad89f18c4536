"""The monthly summary per management company: what each one published for a month.

Two queries whatever the month holds: the organizations and the month's batches. Figures
come from the batch rows' counters, which publishing keeps in the same transaction as each
receipt's outcome, so no receipt is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q

from billing.models import Batch, Organization

# Batches that went to Condo (or are on their way) describe the month better than a newer draft.
REACHED_CONDO = frozenset(
    {
        Batch.Status.APPROVED,
        Batch.Status.PUBLISHING,
        Batch.Status.PUBLISHED,
        Batch.Status.PARTIALLY_PUBLISHED,
        Batch.Status.FAILED,
        Batch.Status.WITHDRAWN,
    }
)


@dataclass(frozen=True)
class SummaryRow:
    organization: Organization
    batch: Batch | None  # the batch that stands for the month; None when there is none
    batches: int
    last_published_at: datetime | None
    # The standing batch's counters; a month without a batch shows these zeros.
    receipts: int = 0
    to_pay: Decimal = Decimal("0.00")
    accepted: int = 0
    rejected: int = 0
    withdrawn: int = 0
    pending: int = 0


def monthly_summary(*, period: date, organization: Organization | None = None) -> list[SummaryRow]:
    """One row per active organization, or any with a batch that month, ordered by name.

    A month may hold several batches (a rejected draft, a superseded one and its correction):
    the row shows the newest batch that reached Condo, or else the newest of any kind, and
    superseded batches never stand for the month.
    """
    batches = Batch.objects.filter(period=period).order_by("created_at", "pk")
    organizations = Organization.objects.filter(Q(is_active=True) | Q(batches__period=period)).distinct()
    if organization is not None:
        batches = batches.filter(organization=organization)
        organizations = organizations.filter(pk=organization.pk)
    by_organization: dict[int, list[Batch]] = {}
    for batch in batches:
        by_organization.setdefault(batch.organization_id, []).append(batch)
    rows = []
    for org in organizations.order_by("name", "pk"):
        month = by_organization.get(org.pk, [])
        published = [batch.published_at for batch in month if batch.published_at]
        standing = standing_batch(month)
        rows.append(
            SummaryRow(
                organization=org,
                batch=standing,
                batches=len(month),
                last_published_at=max(published, default=None),
                **_counters(standing),
            )
        )
    return rows


def _counters(batch: Batch | None) -> dict[str, Any]:
    if batch is None:
        return {}
    return {
        "receipts": batch.receipts_count,
        "to_pay": batch.total_to_pay,
        "accepted": batch.accepted_count,
        "rejected": batch.rejected_count,
        "withdrawn": batch.withdrawn_count,
        "pending": batch.pending_count,
    }


def standing_batch(batches: list[Batch]) -> Batch | None:
    """The batch that stands for an organization's month, from its batches oldest first."""
    # A cancelled batch stands only for a month that has nothing else.
    candidates = [batch for batch in batches if batch.status not in (Batch.Status.SUPERSEDED, Batch.Status.CANCELLED)]
    candidates = candidates or [batch for batch in batches if batch.status == Batch.Status.CANCELLED]
    reached = [batch for batch in candidates if batch.status in REACHED_CONDO]
    chosen = reached or candidates
    return chosen[-1] if chosen else None
