"""What a corrected batch changes in Condo, and what a withdrawal takes away: numbers for people.

A corrected registry for a month already published becomes a new batch. Its receipts carry the
same importIds as the old batch's for the same account and category (billing.models.receipt_import_id),
so publishing it updates those receipts in Condo and adds the new ones; once an approver confirms the
replacement, the receipts only the old batch holds are withdrawn (integration.publishing.withdrawal).
These selectors count each part before anything is sent, for the batch page and the confirmation pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Sum

from billing.models import Batch, Receipt

Status = Batch.Status
PUBLISHED = (Status.PUBLISHED, Status.PARTIALLY_PUBLISHED)


@dataclass(frozen=True)
class Replacement:
    """`new` replaces the published batch `old` of the same organization and month."""

    old: Batch
    new: Batch
    updated: int  # receipts both batches hold: Condo's copy is updated in place
    changed: int  # of those, the ones whose amount to pay differs
    added: int  # receipts only the new batch holds
    withdrawn: int  # receipts Condo holds from the old batch that the new one lacks
    withdrawn_total: Decimal

    @property
    def confirmed(self) -> bool:
        return self.old.status == Status.SUPERSEDED


def replaced_batch(*, batch: Batch) -> Batch | None:
    """The newest batch of the same organization and month, created before `batch`, that Condo shows.

    A superseded one counts too once `batch` replaced it, so the page keeps saying what it replaced.
    """
    older = Batch.objects.filter(
        organization_id=batch.organization_id, period=batch.period, created_at__lt=batch.created_at
    ).exclude(pk=batch.pk)
    current = older.filter(status__in=PUBLISHED).order_by("-created_at", "-pk").first()
    if current is not None or batch.status not in PUBLISHED:
        return current
    return older.filter(status=Status.SUPERSEDED).order_by("-created_at", "-pk").first()


def batch_replacement(*, batch: Batch) -> Replacement | None:
    """How `batch` changes what Condo holds for its month, or None when it replaces nothing. Four queries."""
    old = replaced_batch(batch=batch)
    if old is None:
        return None
    old_receipts = Receipt.objects.filter(batch=old)
    new_receipts = Receipt.objects.filter(batch=batch)
    same = old_receipts.filter(import_id=OuterRef("import_id"))
    updated = new_receipts.filter(Exists(same)).count()
    changed = new_receipts.filter(Exists(same.exclude(to_pay=OuterRef("to_pay")))).count()
    gone = (
        old_receipts.filter(publish_state=Receipt.PublishState.ACCEPTED)
        .exclude(Exists(new_receipts.filter(import_id=OuterRef("import_id"))))
        .aggregate(count=Count("pk"), total=Sum("to_pay"))
    )
    return Replacement(
        old=old,
        new=batch,
        updated=updated,
        changed=changed,
        added=batch.receipts_count - updated,
        withdrawn=gone["count"],
        withdrawn_total=gone["total"] or Decimal("0.00"),
    )


@dataclass(frozen=True)
class Withdrawal:
    """What «Отозвать» takes out of Condo: the receipts Condo accepted from this batch."""

    receipts: int
    total: Decimal


def batch_withdrawal_preview(*, batch: Batch) -> Withdrawal:
    accepted = Receipt.objects.filter(batch=batch, publish_state=Receipt.PublishState.ACCEPTED)
    figures = accepted.aggregate(count=Count("pk"), total=Sum("to_pay"))
    return Withdrawal(receipts=figures["count"], total=figures["total"] or Decimal("0.00"))
