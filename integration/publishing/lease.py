"""One publisher per batch, across processes and machines: a lease taken by a conditional UPDATE."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from billing.errors import ConcurrentTransition
from billing.models import Batch
from billing.selectors.month import taken_over_condition
from billing.services.batches import batch_transition

Status = Batch.Status

# States from which a publisher may (re)start sending without anyone's decision.
STARTABLE = (Status.APPROVED, Status.FAILED)


def lease_owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_expiry() -> datetime:
    return timezone.now() + timedelta(seconds=settings.PUBLISH_LEASE_SECONDS)


def lease_claim(*, batch_id: int, owner: str) -> Batch | None:
    """Take the batch for publishing, or return None when another worker holds it.

    An approved or failed batch moves to `publishing` with the lease in the same conditional
    UPDATE; a batch already `publishing` is taken only when its lease has run out.
    """
    batch = Batch.objects.select_related("organization").get(pk=batch_id)
    if batch.status in STARTABLE:
        try:
            return batch_transition(
                batch=batch,
                to=Status.PUBLISHING,
                by=None,
                changes={"lease_owner": owner, "lease_until": lease_expiry(), "next_retry_at": None},
            )
        except ConcurrentTransition:
            return None
    if batch.status != Status.PUBLISHING:
        return None
    taken = (
        Batch.objects.filter(pk=batch_id, status=Status.PUBLISHING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now()))
        .update(lease_owner=owner, lease_until=lease_expiry())
    )
    if not taken:
        return None
    batch.refresh_from_db()
    return batch


def lease_renew(*, batch_id: int, owner: str) -> bool:
    """Extend the lease; False means another worker has taken the batch over."""
    return bool(
        Batch.objects.filter(pk=batch_id, status=Status.PUBLISHING, lease_owner=owner).update(
            lease_until=lease_expiry()
        )
    )


def lease_release(*, batch_id: int, owner: str) -> None:
    Batch.objects.filter(pk=batch_id, lease_owner=owner).update(lease_owner="", lease_until=None)


def batches_without_live_publisher(*, approved_grace_seconds: int = 120) -> list[int]:
    """Batches that should be publishing but nobody is: the worker died, or the enqueue was lost."""
    now = timezone.now()
    stalled = Q(status=Status.PUBLISHING) & (Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    forgotten = Q(status=Status.APPROVED, approved_at__lt=now - timedelta(seconds=approved_grace_seconds))
    # A stalled batch whose month was taken over still gets a worker, which closes it as failed.
    return list(Batch.objects.filter(stalled | (forgotten & ~taken_over_condition())).values_list("pk", flat=True))
