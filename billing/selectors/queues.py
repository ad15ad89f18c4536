"""Each person's queues on the dashboard and the batch list: what waits for them, not what to hunt for.

A queue is a named filter of batches (`Queue.KEYS`, the `queue` parameter of the batch list) with
a count. Who sees which queue follows the roles' permissions: an accountant imports and submits,
an approver approves, confirms replacements and restarts publishing. The batches table is small;
every count is one aggregate over it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from billing.models import Batch, BatchCheck, BatchTransition

Status = Batch.Status
PUBLISHED = (Status.PUBLISHED, Status.PARTIALLY_PUBLISHED)

MY_DRAFTS = "my_drafts"
MY_REJECTED = "my_rejected"
AWAITING_ME = "awaiting_me"
REPLACEMENTS = "replacements"
FAILED = "failed"
CHECK_PROBLEMS = "check_problems"

LABELS = {
    MY_DRAFTS: "Мои черновики",
    MY_REJECTED: "Отклонены, ждут моего исправления",
    AWAITING_ME: "Ждут моего утверждения",
    REPLACEMENTS: "Замены ждут подтверждения",
    FAILED: "Сбои публикации",
    CHECK_PROBLEMS: "Проверка перед утверждением нашла нарушения",
}
# Who sees a queue: the permission of the step the queue waits for.
PERMISSIONS = {
    MY_DRAFTS: "billing.submit_batch",
    MY_REJECTED: "billing.import_registry",
    AWAITING_ME: "billing.approve_batch",
    REPLACEMENTS: "billing.withdraw_batch",
    FAILED: "billing.view_batch",
    CHECK_PROBLEMS: "billing.view_batch",
}


def _newer_of_same_month():
    return Batch.objects.filter(
        organization_id=OuterRef("organization_id"), period=OuterRef("period"), created_at__gt=OuterRef("created_at")
    )


def queue_batches(*, key: str, user: User) -> QuerySet[Batch]:
    """The batches of one queue for this user."""
    batches = Batch.objects.all()
    if key == MY_DRAFTS:
        return batches.filter(status=Status.DRAFT, created_by_id=user.pk)
    if key == MY_REJECTED:
        # Fixed once a corrected registry of the same month was uploaded: then it waits for nobody.
        mine = Q(created_by_id=user.pk) | Q(submitted_by_id=user.pk)
        return batches.filter(mine, status=Status.REJECTED).exclude(Exists(_newer_of_same_month()))
    if key == AWAITING_ME:
        # Four eyes: neither one's own submission nor one's own import.
        return batches.filter(status=Status.SUBMITTED).exclude(submitted_by_id=user.pk).exclude(created_by_id=user.pk)
    if key == REPLACEMENTS:
        older_still_shown = Batch.objects.filter(
            organization_id=OuterRef("organization_id"),
            period=OuterRef("period"),
            created_at__lt=OuterRef("created_at"),
            status__in=PUBLISHED,
        )
        return batches.filter(status__in=PUBLISHED).filter(Exists(older_still_shown))
    if key == FAILED:
        return batches.filter(status=Status.FAILED)
    if key == CHECK_PROBLEMS:
        # Submitted batches whose newest check found a rule violation: approval waits for a fix.
        newest = BatchCheck.objects.filter(batch_id=OuterRef("pk")).order_by("-pk").values("blocking")[:1]
        return batches.filter(status=Status.SUBMITTED).annotate(check_blocks=Subquery(newest)).filter(check_blocks=True)
    return batches.none()


@dataclass(frozen=True)
class RejectedItem:
    batch: Batch
    reason: str


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    count: int
    alarm: bool = False  # shown in red when not empty
    items: tuple[RejectedItem, ...] = ()


REJECTED_SHOWN = 5


def user_queues(*, user: User) -> list[Queue]:
    """The queues this user's role works on, with counts; the rejected ones with their reasons."""
    keys = [key for key in LABELS if user.has_perm(PERMISSIONS[key])]
    if not keys:
        return []
    counts = Batch.objects.aggregate(
        **{key: Count("pk", filter=Q(pk__in=queue_batches(key=key, user=user).values("pk"))) for key in keys}
    )
    queues = []
    for key in keys:
        items = _rejected_items(user) if key == MY_REJECTED and counts[key] else ()
        alarm = key in (FAILED, CHECK_PROBLEMS)
        queues.append(Queue(key=key, label=LABELS[key], count=counts[key], alarm=alarm, items=items))
    return queues


def _rejected_items(user: User) -> tuple[RejectedItem, ...]:
    reason = (
        BatchTransition.objects.filter(batch_id=OuterRef("pk"), target=Status.REJECTED)
        .order_by("-created_at", "-pk")
        .values("reason")[:1]
    )
    batches = (
        queue_batches(key=MY_REJECTED, user=user)
        .select_related("organization")
        .annotate(rejection=Subquery(reason))
        .order_by("-updated_at", "-pk")[:REJECTED_SHOWN]
    )
    return tuple(RejectedItem(batch=batch, reason=batch.rejection or "") for batch in batches)


def batch_rejection(*, batch: Batch) -> BatchTransition | None:
    """The latest rejection of a rejected batch (who, when, why), for the banner on its page."""
    if batch.status != Status.REJECTED:
        return None
    return (
        BatchTransition.objects.filter(batch=batch, target=Status.REJECTED)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
