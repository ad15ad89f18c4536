"""The check before approval, on billing's side: asking for one, storing its result, and the approval guard.

The check itself talks to Condo and runs Condo's rules, so it lives in integration.checking; billing
only enqueues it by dotted path and stores what it hands back through `batch_check_finish`.

What approval needs (`batch_check_blocking_reason`):
- the newest finished check of the batch decides; a later re-run still in progress does not
  undo a finished one (a batch's receipts never change after the import);
- a rule violation found by it blocks, with the reason;
- no finished check yet (queued, running, lost or failed) blocks too: the rules part needs no
  Condo and always finishes (minutes for 100,000 receipts), so "not checked" only ever means
  "wait" or "check again"; a check queued or running longer than a task may run (Q_TIMEOUT)
  counts as lost;
- Condo unreachable does not block: the rules part still ran; the new, vanished and changed
  accounts are information and are then simply unknown (the panel says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from billing import enqueue
from billing.errors import ActionForbidden, ApplicationError
from billing.labels import check_code_label
from billing.models import Batch, BatchCheck
from billing.plurals import counted
from billing.services.cleanup import delete_with_files

Status = BatchCheck.Status
CHECKABLE = (Batch.Status.DRAFT, Batch.Status.SUBMITTED, Batch.Status.REJECTED)


@dataclass
class CheckOutcome:
    """What a check found; counts plus a few examples per kind (the workbook has them all)."""

    receipts_checked: int = 0
    problems_count: int = 0
    receipts_with_problems: int = 0
    condo_checked: bool = False
    condo_error: str = ""
    condo_accounts: int = 0
    previous_receipts: int = 0
    accounts_new: int = 0
    accounts_missing: int = 0
    accounts_changed: int = 0
    examples: dict[str, Any] = field(default_factory=dict)


def batch_check_request(*, batch: Batch, by: User | None) -> BatchCheck:
    """Queue a check of the batch; a worker runs it once this transaction commits. `by=None`: on submit."""
    if by is not None and not by.has_perm("billing.view_batch"):
        raise ActionForbidden("У вашей роли нет права на это действие.")
    if batch.status not in CHECKABLE:
        raise ApplicationError("Проверять перед утверждением можно только пакет, который ещё не утверждён.")
    check = BatchCheck.objects.create(batch=batch, requested_by=by)
    check_id = check.pk
    # Robust, like publishing: the submit stands even if the queue is down; «Проверить ещё раз» repeats it.
    transaction.on_commit(lambda: enqueue.batch_check(check_id), robust=True)
    return check


def batch_check_claim(*, check_id: int) -> BatchCheck | None:
    """Take a queued check for this worker; None when another worker has it or it is finished.

    A check left running longer than a task may run (Q_TIMEOUT) lost its worker and may be taken again.
    """
    now = timezone.now()
    taken = (
        BatchCheck.objects.filter(pk=check_id)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING, started_at__lt=now - _task_time()))
        .update(status=Status.RUNNING, started_at=now)
    )
    if not taken:
        return None
    return BatchCheck.objects.select_related("batch__organization").get(pk=check_id)


def _task_time() -> timedelta:
    return timedelta(seconds=settings.Q_CLUSTER["timeout"])


def batch_check_finish(*, check: BatchCheck, outcome: CheckOutcome, report: IO[bytes] | None) -> BatchCheck:
    """Store what the check found, with its workbook, and mark it done."""
    for name in (item.name for item in fields(CheckOutcome)):
        setattr(check, name, getattr(outcome, name))
    check.blocking = outcome.problems_count > 0
    check.status = Status.DONE
    check.finished_at = timezone.now()
    check.message = ""
    if report is not None:
        check.report.save(f"proverka-paket-{check.batch_id}.xlsx", File(report), save=False)
    check.save()
    return check


def batch_check_fail(*, check_id: int, message: str) -> None:
    BatchCheck.objects.filter(pk=check_id).update(status=Status.FAILED, finished_at=timezone.now(), message=message)


def batch_check_latest(*, batch: Batch) -> BatchCheck | None:
    return BatchCheck.objects.filter(batch=batch).order_by("-created_at", "-pk").first()


def batch_check_deciding(*, batch: Batch, latest: BatchCheck | None) -> BatchCheck | None:
    """The check approval goes by: the newest finished one (usually `latest` itself)."""
    if latest is None or latest.status == Status.DONE:
        return latest
    return BatchCheck.objects.filter(batch=batch, status=Status.DONE).order_by("-created_at", "-pk").first()


def batch_check_blocking_reason(*, batch: Batch) -> str | None:
    """Why the batch may not be approved yet because of its check, or None. See the module docstring."""
    latest = batch_check_latest(batch=batch)
    return check_blocking_reason(latest=latest, deciding=batch_check_deciding(batch=batch, latest=latest))


def check_blocking_reason(*, latest: BatchCheck | None, deciding: BatchCheck | None) -> str | None:
    if deciding is not None:
        if not deciding.blocking:
            return None
        codes = sorted((deciding.examples or {}).get("codes", {}))
        kinds = ", ".join(f"«{check_code_label(code)}»" for code in codes) or "—"
        return (
            f"Проверка перед утверждением нашла нарушения правил Condo: {deciding.problems_count} "
            f"{counted(deciding.receipts_with_problems, 'in_receipts')} ({kinds}). Condo принял бы такие квитанции "
            "не так, как задумано. Исправьте реестр и загрузите его заново; подробности в отчёте проверки."
        )
    if latest is None:
        return "Пакет ещё не проверен перед утверждением. Нажмите «Проверить ещё раз» и дождитесь результата."
    if latest.status == Status.FAILED:
        return f"Проверка перед утверждением не выполнилась: {latest.message or 'сбой'}. Нажмите «Проверить ещё раз»."
    if latest.created_at < timezone.now() - _task_time():
        return "Проверка перед утверждением не завершилась (её процесс остановлен). Нажмите «Проверить ещё раз»."
    return "Проверка перед утверждением ещё идёт. Дождитесь её результата на странице пакета и утвердите снова."


def batch_checks_expire() -> int:
    """Remove checks, with their workbooks, that a newer check of the same batch replaced long ago.

    The newest check of every batch stays (it is the one the page shows and approval went by);
    older ones are kept EXPORT_KEEP_HOURS, like other generated files.
    """
    cutoff = timezone.now() - timedelta(hours=settings.EXPORT_KEEP_HOURS)
    newer = BatchCheck.objects.filter(batch=OuterRef("batch"), created_at__gt=OuterRef("created_at"))
    return delete_with_files(BatchCheck.objects.filter(created_at__lt=cutoff).filter(Exists(newer)), "report")
