"""One month, one truth: which batch of an organization's month is the one Condo should hold.

Condo matches receipts by importId, which is stable for an organization, account and month, and
the last call wins (contract 13.7). So once a newer batch of the month is approved, every older
batch of that month must stop sending: its resend would silently restore the older amounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from billing.models import ApprovalSeal, Batch


def batch_taken_over_by(batch: Batch) -> Batch | None:
    """The newest batch of the same organization and month approved after `batch` was made, if any."""
    return (
        Batch.objects.filter(
            organization_id=batch.organization_id, period=batch.period, pk__gt=batch.pk, approved_at__isnull=False
        )
        .order_by("-pk")
        .first()
    )


def batch_publish_refusal(batch: Batch) -> str | None:
    """Why this batch may not send anything to Condo any more, or None when it may."""
    newer = batch_taken_over_by(batch)
    if newer is None:
        return None
    return (
        f"Пакет №{batch.pk} не отправляется: месяц {batch.period:%m.%Y} перешёл к более новому утверждённому "
        f"пакету №{newer.pk}. Отправка старого пакета вернула бы в Condo его суммы вместо исправленных."
    )


def older_batches_in_flight(batch: Batch) -> list[int]:
    """Older batches of the month whose publisher may still be sending (a live lease)."""
    return list(
        Batch.objects.filter(
            organization_id=batch.organization_id,
            period=batch.period,
            pk__lt=batch.pk,
            status=Batch.Status.PUBLISHING,
            lease_until__gt=timezone.now(),
        ).values_list("pk", flat=True)
    )


def taken_over_condition() -> Q:
    """For querysets of batches: a newer batch of the same month has been approved."""
    newer = Batch.objects.filter(
        organization_id=OuterRef("organization_id"),
        period=OuterRef("period"),
        pk__gt=OuterRef("pk"),
        approved_at__isnull=False,
    )
    return Q(Exists(newer))


@dataclass(frozen=True)
class BatchApproval:
    seals: list[ApprovalSeal]
    taken_over_by: Batch | None
    sent_as_approved: bool  # the publisher checked the fingerprint before sending, and the batch is out


def batch_approval_state(batch: Batch) -> BatchApproval:
    """For the batch page: its approvals with their fingerprints, and whether a newer batch took the month."""
    seals = list(ApprovalSeal.objects.filter(batch=batch).select_related("approved_by").order_by("pk"))
    main = next((seal for seal in seals if seal.kind == ApprovalSeal.Kind.BATCH), None)
    published = batch.status in (Batch.Status.PUBLISHED, Batch.Status.PARTIALLY_PUBLISHED)
    return BatchApproval(
        seals=seals,
        taken_over_by=batch_taken_over_by(batch),
        sent_as_approved=bool(published and main is not None and main.verified_at is not None),
    )
