"""Every django-q2 task the desk queues, by its dotted path, in one place.

By path, not by import: `billing` does not depend on `integration`, whose tasks a worker finds
by name. Ids only, since tasks are pickled; the task name carries the id so that the queue's
monitor says what each task is about. Callers decide when to queue (most after their
transaction commits, see `transaction.on_commit`).
"""

from __future__ import annotations

from django_q.tasks import async_task


def _queue(func: str, *args: object, name: str) -> None:
    async_task(func, *args, task_name=name)


# --- billing's own tasks (billing/tasks.py) -------------------------------------------------------


def import_upload_parse(upload_id: int) -> None:
    _queue("billing.tasks.import_upload_parse", upload_id, name=f"import-parse-{upload_id}")


def import_upload_write(upload_id: int) -> None:
    _queue("billing.tasks.import_upload_write", upload_id, name=f"import-write-{upload_id}")


def pdf_archive_attach(upload_id: int) -> None:
    _queue("billing.tasks.pdf_archive_attach", upload_id, name=f"pdf-upload-{upload_id}")


def receipts_export_write(export_id: int) -> None:
    _queue("billing.tasks.receipts_export_write", export_id, name=f"receipts-export-{export_id}")


# --- Condo's side (integration/tasks.py) ----------------------------------------------------------


def batch_check(check_id: int) -> None:
    _queue("integration.tasks.check_batch", check_id, name=f"check-batch-{check_id}")


def batch_publish(batch_id: int) -> None:
    _queue("integration.tasks.publish_batch", batch_id, name=f"publish-batch-{batch_id}")


def batch_pdfs_send(batch_id: int) -> None:
    _queue("integration.tasks.send_batch_pdfs", batch_id, name=f"send-pdfs-{batch_id}")


def batch_reconcile(batch_id: int) -> None:
    _queue("integration.tasks.reconcile_batch", batch_id, name=f"reconcile-batch-{batch_id}")


def batch_withdraw(batch_id: int, user_id: int, reason: str) -> None:
    _queue("integration.tasks.withdraw_batch", batch_id, user_id, reason, name=f"withdraw-batch-{batch_id}")


def batch_supersede(old_id: int, new_id: int, user_id: int | None, reason: str) -> None:
    _queue("integration.tasks.supersede_batch", old_id, new_id, user_id, reason, name=f"supersede-batch-{old_id}")
