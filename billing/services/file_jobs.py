"""The life of a file job (registry upload, PDF archive, receipts export): one table of moves per kind.

A job's status changes only through `file_job_move`: it checks the edge against its kind's
table and moves the job with a conditional UPDATE on the expected states, so a task delivered
twice, or a cancel racing a worker, never does the work twice or brings an ended job back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils import timezone

from billing.models import ReceiptPdfUpload, ReceiptsExport, RegistryUpload
from billing.models.file_jobs import QUEUED, FileJob
from billing.services.cleanup import delete_with_files

Job = TypeVar("Job", bound=FileJob)
Upload = RegistryUpload.Status
Pdfs = ReceiptPdfUpload.Status
Export = ReceiptsExport.Status

# Not a batch yet, nor on the way to one: the user may still cancel these, and they expire.
UPLOAD_OPEN = (Upload.QUEUED, Upload.PARSING, Upload.READY, Upload.REFUSED, Upload.FAILED)

TRANSITIONS: dict[type[FileJob], frozenset[tuple[str, str]]] = {
    RegistryUpload: frozenset(
        {
            (Upload.QUEUED, Upload.PARSING),
            (Upload.PARSING, Upload.READY),
            (Upload.PARSING, Upload.REFUSED),
            (Upload.PARSING, Upload.FAILED),
            # «Подтвердить»: the batch is written from the file read again, which may still refuse it.
            (Upload.READY, Upload.CONFIRMING),
            (Upload.CONFIRMING, Upload.DONE),
            (Upload.CONFIRMING, Upload.REFUSED),
            (Upload.CONFIRMING, Upload.FAILED),
            *((source, Upload.CANCELLED) for source in UPLOAD_OPEN),
        }
    ),
    ReceiptPdfUpload: frozenset(
        {
            (Pdfs.QUEUED, Pdfs.RUNNING),
            (Pdfs.RUNNING, Pdfs.DONE),
            (Pdfs.RUNNING, Pdfs.REFUSED),
            (Pdfs.RUNNING, Pdfs.FAILED),
        }
    ),
    ReceiptsExport: frozenset(
        {(Export.QUEUED, Export.RUNNING), (Export.RUNNING, Export.READY), (Export.RUNNING, Export.FAILED)}
    ),
}


def file_job_move(
    model: type[FileJob], job_id: int, *, source: str | Iterable[str], to: str, also: Q | None = None, **changes: Any
) -> bool:
    """Move the job from any of `source` to `to`, writing `changes` in the same UPDATE.

    False when the job is no longer in `source` (another delivery or the user got there first)
    or no longer matches `also`.
    An edge missing from the kind's table is a programming error, raised at once.
    """
    sources = [source] if isinstance(source, str) else list(source)
    missing = [start for start in sources if (start, to) not in TRANSITIONS[model]]
    if missing:
        raise ValueError(f"{model.__name__}: no move from {missing} to {to!r}")
    if any(field.name == "updated_at" for field in model._meta.get_fields()):
        changes.setdefault("updated_at", timezone.now())
    jobs = model._default_manager.filter(Q(pk=job_id), Q(status__in=sources), also or Q())
    return bool(jobs.update(status=to, **changes))


def file_job_claim(model: type[FileJob], job_id: int, *, to: str, **changes: Any) -> bool:
    """Take a queued job for this delivery of its task; False: another delivery has it."""
    return file_job_move(model, job_id, source=QUEUED, to=to, **changes)


def file_job_finish(
    job: FileJob, *, source: str | Iterable[str], to: str, drop_file: bool = False, **changes: Any
) -> bool:
    """End the job in `to` with its finishing time; `drop_file`: its stored file goes too, if the move won."""
    stored = job.stored_name
    if drop_file:
        changes[job.FILE_FIELD] = ""
    moved = file_job_move(type(job), job.pk, source=source, to=to, finished_at=timezone.now(), **changes)
    if moved and drop_file and stored:
        getattr(job, job.FILE_FIELD).storage.delete(stored)
    return moved


def file_jobs_expire(model: type[FileJob], *, older_than: timedelta) -> int:
    """Forget the jobs created before `older_than` ago, whatever their status, with their files.

    One still "running" that old lost its worker (a task may run 30 minutes), and the retried
    task finds it taken, so nothing else would ever end it.
    """
    cutoff = timezone.now() - older_than
    return delete_with_files(model._default_manager.filter(created_at__lt=cutoff), model.FILE_FIELD)


def file_job_owned(job: FileJob, user: User | AnonymousUser) -> bool:
    """Only who asked for a job (or a superuser) follows it: its link is no key to its file."""
    return job.owner_id == user.pk or bool(getattr(user, "is_superuser", False))


def file_job_for_owner(jobs: QuerySet[Job], token: uuid.UUID | str, user: User | AnonymousUser) -> Job | None:
    """The job of `token` among `jobs` if `user` may follow it; None when there is none or it is another's."""
    job = jobs.filter(token=token).first()
    return job if job is not None and file_job_owned(job, user) else None
