"""The batch workflow: one table of allowed transitions and the one function that moves a batch.

Everything that changes `Batch.status` comes through `batch_transition`: it checks the edge
and its guard, moves the batch with a conditional UPDATE on the expected state (so two
racing approvers cannot both win) and records the move in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from billing import enqueue
from billing.errors import ActionForbidden, ApplicationError, ConcurrentTransition, TransitionNotAllowed
from billing.models import Batch, BatchTransition
from billing.plurals import counted
from billing.selectors.month import batch_taken_over_by
from billing.services.checks import batch_check_blocking_reason, batch_check_request
from billing.services.seals import batch_seal

Status = Batch.Status
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Edge:
    # The permission a person needs to take this edge; None: only background tasks take it.
    permission: str | None
    reason_required: bool = False
    system_may: bool = False
    # Four eyes: whoever imported or submitted the batch may never take this edge, superusers included.
    forbid_author: bool = False


TRANSITIONS: dict[tuple[str, str], Edge] = {
    (Status.DRAFT, Status.SUBMITTED): Edge("billing.submit_batch"),
    (Status.SUBMITTED, Status.APPROVED): Edge("billing.approve_batch", forbid_author=True),
    (Status.SUBMITTED, Status.REJECTED): Edge("billing.approve_batch", reason_required=True),
    (Status.APPROVED, Status.PUBLISHING): Edge("billing.publish_batch", system_may=True),
    (Status.PUBLISHING, Status.PUBLISHED): Edge(None),
    (Status.PUBLISHING, Status.PARTIALLY_PUBLISHED): Edge(None),
    (Status.PUBLISHING, Status.FAILED): Edge(None),
    (Status.FAILED, Status.PUBLISHING): Edge("billing.publish_batch", system_may=True),
    (Status.PARTIALLY_PUBLISHED, Status.PUBLISHING): Edge("billing.publish_batch", system_may=True),
    (Status.PUBLISHED, Status.WITHDRAWN): Edge("billing.withdraw_batch", reason_required=True),
    (Status.PARTIALLY_PUBLISHED, Status.WITHDRAWN): Edge("billing.withdraw_batch", reason_required=True),
    (Status.PUBLISHED, Status.SUPERSEDED): Edge("billing.withdraw_batch", reason_required=True, system_may=True),
    (Status.PARTIALLY_PUBLISHED, Status.SUPERSEDED): Edge(
        "billing.withdraw_batch", reason_required=True, system_may=True
    ),
    # An older batch of a month that a newer approved batch took over, once the newer one is published.
    (Status.APPROVED, Status.SUPERSEDED): Edge(None, reason_required=True),
    (Status.FAILED, Status.SUPERSEDED): Edge("billing.withdraw_batch", reason_required=True, system_may=True),
    (Status.DRAFT, Status.CANCELLED): Edge("billing.submit_batch", reason_required=True),
    (Status.FAILED, Status.CANCELLED): Edge("billing.publish_batch", reason_required=True),
}

ALLOWED: dict[str, frozenset[str]] = {
    status: frozenset(target for (source, target) in TRANSITIONS if source == status) for status in Status.values
}


def batch_transition(
    *,
    batch: Batch,
    to: str,
    by: User | None,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> Batch:
    """Move `batch` to `to`, or raise. `by=None` means a background task acts.

    `changes` are other fields written by the same conditional UPDATE (who submitted, when).
    """
    reason = (reason or "").strip()
    batch_transition_check(batch=batch, to=to, by=by, reason=reason)
    with transaction.atomic():
        now = timezone.now()
        moved = Batch.objects.filter(pk=batch.pk, status=batch.status).update(
            status=to, updated_at=now, **(changes or {})
        )
        if moved != 1:
            raise ConcurrentTransition(
                f"Пакет №{batch.pk} уже изменён другим пользователем или задачей. Обновите страницу."
            )
        BatchTransition.objects.create(batch=batch, source=batch.status, target=to, actor=by, reason=reason)
        if _COMPARED_WITH & {batch.status, to}:
            transaction.on_commit(lambda: _followers_warm(batch))
    batch.refresh_from_db()
    return batch


# A batch entering or leaving these is what later batches compare with (selectors.previous_published_batch).
_COMPARED_WITH = {Status.PUBLISHED, Status.PARTIALLY_PUBLISHED}


def _followers_warm(batch: Batch) -> None:
    from billing.selectors.review import batch_figures_warm_followers

    try:
        batch_figures_warm_followers(batch=batch)
    except Exception:
        # The transition is done; a batch page computes its figures itself if this did not.
        logger.exception("batch %s: warming the figures of later batches failed", batch.pk)


def batch_transition_check(*, batch: Batch, to: str, by: User | None, reason: str = "") -> None:
    """Raise unless `by` may move the batch to `to` now; for side effects that must precede the move."""
    edge = TRANSITIONS.get((batch.status, to))
    if edge is None:
        raise TransitionNotAllowed(
            f"Пакет №{batch.pk} в статусе «{Status(batch.status).label}» нельзя перевести "
            f"в статус «{Status(to).label}»."
        )
    _check_actor(batch=batch, edge=edge, by=by)
    if edge.reason_required and not (reason or "").strip():
        raise ApplicationError("Укажите причину: без неё это действие не выполняется.")


def _check_actor(*, batch: Batch, edge: Edge, by: User | None) -> None:
    if by is None:
        if edge.permission is not None and not edge.system_may:
            raise ActionForbidden("Это действие выполняет только пользователь, не фоновая задача.")
        return
    if edge.permission is None:
        raise ActionForbidden("Этот переход выполняет только фоновая задача публикации.")
    if not by.has_perm(edge.permission):
        raise ActionForbidden("У вашей роли нет права на это действие.")
    if edge.forbid_author and by.pk == batch.submitted_by_id:
        raise ActionForbidden("Нельзя утвердить пакет, который вы сами отправили на утверждение.")
    if edge.forbid_author and by.pk == batch.created_by_id:
        raise ActionForbidden("Нельзя утвердить пакет, реестр которого вы сами загрузили.")


def available_targets(*, batch: Batch, user: User) -> list[str]:
    """The states this user may move the batch to now, for showing only the allowed buttons."""
    targets = []
    for target in ALLOWED[batch.status]:
        edge = TRANSITIONS[(batch.status, target)]
        try:
            _check_actor(batch=batch, edge=edge, by=user)
        except ApplicationError:
            continue
        targets.append(target)
    return targets


# --- The named actions of people ---------------------------------------------------------------


def batch_submit(*, batch: Batch, by: User) -> Batch:
    """Submit for approval; a worker checks the batch against Condo once the submit is committed."""
    with transaction.atomic():
        batch = batch_transition(
            batch=batch, to=Status.SUBMITTED, by=by, changes={"submitted_by": by, "submitted_at": timezone.now()}
        )
        batch_check_request(batch=batch, by=None)
    return batch


def batch_approve(*, batch: Batch, by: User) -> Batch:
    """Approve a submitted batch with the fingerprint of its documents; publishing starts once committed.

    From this moment the batch holds its month: every older batch of the same organization and
    month leaves the publishing path (billing.selectors.month), so it can never overwrite this one.
    """
    organization = batch.organization
    newer = batch_taken_over_by(batch)
    if newer is not None:
        raise ApplicationError(
            f"За {batch.period:%m.%Y} уже утверждён более новый пакет №{newer.pk}: этот пакет устарел, "
            "утвердить его нельзя. Отклоните его."
        )
    if not organization.is_active:
        raise ApplicationError(f"Организация «{organization.name}» отключена: её пакеты не публикуются.")
    if not organization.condo_context_id:
        raise ApplicationError(
            f"У организации «{organization.name}» не указан ID контекста биллинга в Condo: "
            "пакет некуда публиковать. Обратитесь к администратору."
        )
    # Role and four eyes first: their refusal says more than the check's.
    batch_transition_check(batch=batch, to=Status.APPROVED, by=by)
    if (blocked := batch_check_blocking_reason(batch=batch)) is not None:
        raise ApplicationError(blocked)
    with transaction.atomic():
        batch = batch_transition(
            batch=batch, to=Status.APPROVED, by=by, changes={"approved_by": by, "approved_at": timezone.now()}
        )
        batch_seal(batch=batch, by=by)
        # Older batches of the month waiting for an automatic retry wait no more.
        Batch.objects.filter(
            organization_id=batch.organization_id, period=batch.period, pk__lt=batch.pk, status=Status.FAILED
        ).update(next_retry_at=None)
        batch_id = batch.pk
        # Robust: the approval stands even if the queue is down; the watchdog enqueues it later.
        transaction.on_commit(lambda: enqueue.batch_publish(batch_id), robust=True)
    return batch


def batch_reject(*, batch: Batch, by: User, reason: str) -> Batch:
    return batch_transition(batch=batch, to=Status.REJECTED, by=by, reason=reason)


def batch_cancel(*, batch: Batch, by: User, reason: str) -> Batch:
    """Cancel a draft, or a failed batch of which Condo holds nothing (else it must be withdrawn)."""
    if batch.accepted_count:
        raise ApplicationError(
            f"Condo уже принял {counted(batch.accepted_count, 'receipt')} пакета №{batch.pk}: отменить его нельзя. "
            "Опубликуйте его снова и отзовите, если он не нужен."
        )
    return batch_transition(batch=batch, to=Status.CANCELLED, by=by, reason=reason)
