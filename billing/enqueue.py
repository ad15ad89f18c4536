"""Every django-q2 task the desk queues, by its dotted path, in one place.

By path, not by import: `billing` does not depend on `integration`, whose tasks a worker finds
by name. Ids only, since tasks are pickled; the task name carries the id so that the queue's
monitor says what each task is about. Callers decide when to queue (most after their
transaction commits, see `transaction.on_commit`).
"""

from __future__ import annotations

from collections.abc import Callable

from django_q.tasks import async_task


def _queue(func: str, *args: object, name: str) -> None:
    async_task(func, *args, task_name=name)


def _by_id(func: str, name: str) -> Callable[[int], None]:
    """A task that takes one row's id, named `<name>-<id>` in the queue's monitor."""

    def queue(row_id: int) -> None:
        _queue(func, row_id, name=f"{name}-{row_id}")

    queue.__name__ = queue.__qualname__ = func.rpartition(".")[2]
    return queue


# --- billing's own tasks (billing/tasks.py) -------------------------------------------------------

import_upload_parse = _by_id("billing.tasks.import_upload_parse", "import-parse")
import_upload_write = _by_id("billing.tasks.import_upload_write", "import-write")
pdf_archive_attach = _by_id("billing.tasks.pdf_archive_attach", "pdf-upload")
receipts_export_write = _by_id("billing.tasks.receipts_export_write", "receipts-export")
# The batch page's figures of an organization whose anomaly threshold changed (selectors/review.py).
organization_figures_warm = _by_id("billing.tasks.organization_figures_warm", "figures-warm")

# --- Condo's side (integration/tasks.py) ----------------------------------------------------------

batch_check = _by_id("integration.tasks.check_batch", "check-batch")
batch_publish = _by_id("integration.tasks.publish_batch", "publish-batch")
batch_pdfs_send = _by_id("integration.tasks.send_batch_pdfs", "send-pdfs")
batch_reconcile = _by_id("integration.tasks.reconcile_batch", "reconcile-batch")


def batch_withdraw(batch_id: int, user_id: int, reason: str) -> None:
    _queue("integration.tasks.withdraw_batch", batch_id, user_id, reason, name=f"withdraw-batch-{batch_id}")


def batch_supersede(old_id: int, new_id: int, user_id: int | None, reason: str) -> None:
    _queue("integration.tasks.supersede_batch", old_id, new_id, user_id, reason, name=f"supersede-batch-{old_id}")
