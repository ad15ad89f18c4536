"""The shape shared by a file a worker reads or writes for one user: a registry upload, a PDF archive, an export.

Each is queued on request, claimed by exactly one delivery of its task, moved only along its
kind's TRANSITIONS (billing/services/file_jobs.py), followed by its owner on a page that polls
one progress endpoint (billing/admin/file_jobs.py), and forgotten after a while with its stored file.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models

QUEUED = "queued"


def status_field(statuses: type[models.TextChoices]) -> models.CharField:
    """Each kind has its own states, all starting «В очереди»."""
    return models.CharField("статус", max_length=16, choices=statuses.choices, default=QUEUED)


class FileJob(models.Model):
    token = models.UUIDField("ключ", default=uuid.uuid4, unique=True, editable=False)
    message = models.TextField("сообщение", blank=True)
    created_at = models.DateTimeField("загружен", auto_now_add=True)
    finished_at = models.DateTimeField("проверен", null=True, blank=True)

    # Declared by each kind.
    status: models.CharField
    OWNER_FIELD: ClassVar[str]  # the user who asked; only they (or a superuser) follow the job
    FILE_FIELD: ClassVar[str]  # the stored file, removed when the job ends or expires
    WORKING: ClassVar[frozenset[str]]  # a worker has it or will: the page keeps polling
    # Whether the job counts rows as it reads (rows_read of rows_total) for a progress bar.
    COUNTS_ROWS: ClassVar[bool] = False

    class Meta:
        abstract = True

    @property
    def working(self) -> bool:
        return self.status in self.WORKING

    @property
    def owner_id(self) -> int:
        return getattr(self, f"{self.OWNER_FIELD}_id")

    @property
    def stored_name(self) -> str:
        return getattr(self, self.FILE_FIELD).name or ""
