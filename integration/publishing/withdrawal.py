"""Take a published batch's receipts back out of Condo (soft delete), or replace it by a newer batch."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TypeVar

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from billing import enqueue
from billing.errors import ApplicationError
from billing.models import Batch, Receipt
from billing.plurals import counted
from billing.services.batches import batch_transition, batch_transition_check
from integration.condo import CondoClient, CondoError, ReceiptError
from integration.publishing.recorder import CallRecorder

logger = logging.getLogger(__name__)
T = TypeVar("T")
Status = Batch.Status
PublishState = Receipt.PublishState

# Batches whose accepted receipts are live in Condo: their Condo ids must never be withdrawn
# on behalf of another batch (a corrected batch reuses the same importIds, so the same ids).
_LIVE = (Status.PUBLISHING, Status.PUBLISHED, Status.PARTIALLY_PUBLISHED)
WITHDRAW_CHUNK = 100


def batch_withdraw_from_condo(*, batch: Batch, by: User, reason: str, client: CondoClient | None = None) -> Batch:
    """Soft-delete the batch's receipts in Condo, then mark the batch withdrawn.

    Receipts already withdrawn are skipped, so after a failure half-way the same call finishes
    the job. Receipts that a newer live batch also holds stay in Condo.
    """
    batch_transition_check(batch=batch, to=Status.WITHDRAWN, by=by, reason=reason)
    _withdraw(batch=batch, receipts=_own_live_receipts(batch), client=client)
    return batch_transition(batch=batch, to=Status.WITHDRAWN, by=by, reason=reason)


def batch_supersede(
    *, old: Batch, new: Batch, by: User | None, reason: str, client: CondoClient | None = None
) -> Batch:
    """Replace `old` by the newer published batch `new` of the same organization and month.

    The receipts both hold were already updated in Condo by publishing `new` (same importIds);
    the ones only `old` holds are withdrawn from Condo; `old` becomes superseded.
    """
    if (old.organization_id, old.period) != (new.organization_id, new.period) or old.pk == new.pk:
        raise ApplicationError("Заменить можно только пакет той же УК за тот же месяц.")
    if new.status not in (Status.PUBLISHED, Status.PARTIALLY_PUBLISHED):
        raise ApplicationError(f"Новый пакет №{new.pk} ещё не опубликован.")
    batch_transition_check(batch=old, to=Status.SUPERSEDED, by=by, reason=reason)
    absent = _own_live_receipts(old).exclude(import_id__in=Receipt.objects.filter(batch=new).values("import_id"))
    _withdraw(batch=old, receipts=absent, client=client)
    return batch_transition(batch=old, to=Status.SUPERSEDED, by=by, reason=reason)


def superseded_candidates(*, batch: Batch) -> list[Batch]:
    """Older published batches of the same organization and month that `batch` should replace."""
    return list(_published_same_month(batch, created_at__lt=batch.created_at).order_by("created_at"))


def superseded_by_candidates(*, old: Batch) -> list[Batch]:
    """Newer published batches of the same organization and month that could replace `old`."""
    return list(_published_same_month(old, created_at__gt=old.created_at).order_by("-created_at"))


def _published_same_month(batch: Batch, **newer_or_older: object) -> QuerySet[Batch]:
    published = (Status.PUBLISHED, Status.PARTIALLY_PUBLISHED)
    if batch.status not in published:
        return Batch.objects.none()
    return Batch.objects.filter(
        organization_id=batch.organization_id, period=batch.period, status__in=published, **newer_or_older
    )


def _own_live_receipts(batch: Batch) -> QuerySet[Receipt]:
    shared = Receipt.objects.filter(
        organization_id=batch.organization_id,
        period=batch.period,
        batch__status__in=_LIVE,
        publish_state=PublishState.ACCEPTED,
    ).exclude(batch=batch)
    return Receipt.objects.filter(batch=batch, publish_state=PublishState.ACCEPTED).exclude(
        condo_id__in=shared.values("condo_id")
    )


def _withdraw(*, batch: Batch, receipts: QuerySet[Receipt], client: CondoClient | None) -> None:

    pending = list(receipts.values_list("pk", "condo_id"))
    if not pending:
        return
    try:
        client = client or CondoClient.from_settings(on_call=CallRecorder(batch_id=batch.pk))
    except CondoError as error:
        raise ApplicationError(f"Нет доступа к Condo: {error}") from error
    failures: list[str] = []
    for chunk in _chunks(pending, WITHDRAW_CHUNK):
        try:
            results = client.withdraw_receipts([condo_id for _, condo_id in chunk])
        except CondoError as error:
            raise ApplicationError(f"Condo не ответил при отзыве квитанций: {error}. Повторите отзыв позже.") from error
        done = [pk for pk, condo_id in chunk if _withdrawn(results.get(condo_id))]
        failures.extend(
            f"{condo_id}: {refusal.message}"
            for _, condo_id in chunk
            if (refusal := results.get(condo_id)) is not None and not _withdrawn(refusal)
        )
        _mark_withdrawn(batch_id=batch.pk, receipt_ids=done)
    if failures:
        raise ApplicationError(
            f"Condo не отозвал {counted(len(failures), 'receipt')} (например, {failures[0]}). Пакет остался опубликованным; "
            "повторите отзыв — уже отозванные квитанции повторно не отправляются."
        )


def _withdrawn(error: ReceiptError | None) -> bool:
    # Condo refuses to update a deleted receipt: after a half-done withdrawal that means done.
    return error is None or "Already deleted" in (error.message or "")


def _mark_withdrawn(*, batch_id: int, receipt_ids: list[int]) -> None:
    if not receipt_ids:
        return
    with transaction.atomic():
        count = Receipt.objects.filter(pk__in=receipt_ids, publish_state=PublishState.ACCEPTED).update(
            publish_state=PublishState.WITHDRAWN, updated_at=timezone.now()
        )
        Batch.objects.filter(pk=batch_id).update(
            withdrawn_count=F("withdrawn_count") + count, accepted_count=F("accepted_count") - count
        )


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def batch_withdraw_request(*, batch: Batch, by: User, reason: str) -> Batch:
    """An approver asks to withdraw: checked now, carried out by a worker (it may be 100,000 calls' worth)."""
    batch_transition_check(batch=batch, to=Status.WITHDRAWN, by=by, reason=reason)
    batch_id, user_id, reason = batch.pk, by.pk, reason.strip()
    transaction.on_commit(lambda: enqueue.batch_withdraw(batch_id, user_id, reason))
    return batch


def batch_supersede_request(*, old: Batch, new: Batch, by: User, reason: str) -> Batch:
    """An approver confirms that `new` replaces `old`; a worker withdraws what only `old` holds."""
    if new not in superseded_by_candidates(old=old):
        raise ApplicationError(f"Пакет №{new.pk} не заменяет пакет №{old.pk}: он не новее или ещё не опубликован.")
    batch_transition_check(batch=old, to=Status.SUPERSEDED, by=by, reason=reason)
    old_id, new_id, user_id, reason = old.pk, new.pk, by.pk, reason.strip()
    transaction.on_commit(lambda: enqueue.batch_supersede(old_id, new_id, user_id, reason))
    return old
