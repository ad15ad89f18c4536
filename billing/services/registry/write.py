"""Write: a checked registry becomes a draft batch as it is read, in one transaction, all or nothing.

The last step of both doors: the admin's confirm task (tasks.upload_write) and the command line
(`registry_import`: the upload step's store_file, then this step). Rows: write_rows.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from billing.bulk import references_checked_as_written, unique_violated
from billing.errors import ActionForbidden
from billing.importers.drafts import AccountDraft, ImportResult, Slice
from billing.models import (
    Batch,
    Organization,
    Receipt,
)
from billing.services.registry.directory import accounts_ensure, properties_ensure, recipients_ensure
from billing.services.registry.parse import first_of_month, registry_parse
from billing.services.registry.upload import IMPORT_PERMISSION, local_path, safe_source_name, store_file
from billing.services.registry.write_rows import receipts_insert

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportOutcome:
    result: ImportResult
    batch: Batch | None


def registry_import(
    *,
    organization: Organization,
    period: date,
    path: Path,
    by: User,
    format_code: str = "auto",
    source_name: str | None = None,
) -> ImportOutcome:
    """The command line's door through the admin's steps: store the file as an upload does
    (upload.store_file), then write the batch from the stored copy as a confirmed upload does.

    No preview in between: nobody is there to look at it, and the write checks every row again.
    """
    if not by.has_perm(IMPORT_PERMISSION):
        raise ActionForbidden("У вашей роли нет права загружать реестры.")
    path = Path(path)
    name = safe_source_name(source_name or path.name)
    stored = store_file(path, name)
    try:
        with local_path(stored) as stored_path:
            outcome = registry_write(
                organization=organization,
                period=period,
                path=stored_path,
                by=by,
                format_code=format_code,
                source_file=stored,
                source_name=name,
            )
    except BaseException:
        default_storage.delete(stored)
        raise
    if outcome.batch is None:
        default_storage.delete(stored)
    return outcome


class _Refused(Exception):
    """Leaves the transaction of a streaming write, rolling back what the slices wrote."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result


def registry_write(
    *,
    organization: Organization,
    period: date,
    path: Path,
    by: User,
    source_file: str,
    source_name: str,
    format_code: str = "auto",
    progress: Callable[[int], None] | None = None,
    before_commit: Callable[[Batch, ImportResult], None] | None = None,
) -> ImportOutcome:
    """Parse a stored file and write its draft batch as it is read, in one transaction: all or nothing.

    Slices of receipts are inserted while the parse goes on, so memory does not grow with the
    file; a refused file rolls them back and comes back with its errors. A file whose accounts
    stand apart (rare: registries list an account's lines together) is rolled back and read
    again grouped on disk (regroup.py), streaming all the same. `before_commit` runs inside the
    transaction once the batch is complete.
    """
    period = first_of_month(period)
    for grouped in (False, True):
        try:
            with transaction.atomic():
                references_checked_as_written()
                stream = BatchStream(
                    organization=organization, period=period, by=by, source_file=source_file, source_name=source_name
                )
                result = registry_parse(
                    organization=organization,
                    period=period,
                    path=path,
                    source_name=source_name,
                    format_code=format_code,
                    progress=progress,
                    keep_drafts=False,
                    sink=stream,
                    grouped=grouped,
                )
                if not result.ok or result.scattered:
                    raise _Refused(result)
                batch = stream.close(result)
                if before_commit is not None:
                    before_commit(batch, result)
                transaction.on_commit(partial(figures_warm, batch))
                return ImportOutcome(result=result, batch=batch)
        except _Refused as refused:
            if not refused.result.scattered:
                return ImportOutcome(result=refused.result, batch=None)
        except Scattered:
            pass
    raise RuntimeError("a registry read grouped by account came back scattered")


def figures_warm(batch: Batch) -> None:
    """The new batch's review figures, computed by the import rather than by its first reviewer."""
    from billing.selectors.review import batch_figures_warm

    try:
        batch_figures_warm(batch=batch)
    except Exception:
        # The batch is written; its page computes the figures itself if this did not.
        logger.exception("batch %s: warming its review figures failed", batch.pk)


class Scattered(Exception):
    """An account of this batch came back later in the file: the caller rolls back and groups in memory."""


class BatchStream:
    """The sink of a streaming parse: each slice of clean receipts goes to the draft batch at once.

    Call it only inside a transaction that the caller rolls back when the file turns out refused
    (or scattered); `close` sets the batch's counts from the finished result.
    """

    def __init__(
        self, *, organization: Organization, period: date, by: User, source_file: str, source_name: str
    ) -> None:
        self.organization, self.period = organization, period
        self._batch_fields = {
            "organization": organization,
            "period": period,
            "created_by": by,
            "source_file": source_file,
            "source_name": source_name[:255],
        }
        self.batch: Batch | None = None
        self._recipients: dict[tuple[str, str, str], int] = {}
        self._codes: dict[str, str] = {}

    def __call__(self, pending: Slice) -> None:
        if self.batch is None:
            self.batch = Batch.objects.create(**self._batch_fields)
        drafts = [receipt for receipt, _ in pending]
        directory: dict[str, AccountDraft] = {receipt.account: account for receipt, account in pending}
        missing = {r.recipient for r in drafts} - self._recipients.keys()
        if missing:
            self._recipients.update(recipients_ensure(missing))
        properties = properties_ensure(directory, self.organization)
        accounts = accounts_ensure(directory, self.organization, properties)
        try:
            receipts_insert(
                drafts,
                directory,
                batch=self.batch,
                organization=self.organization,
                period=self.period,
                accounts=accounts,
                recipients=self._recipients,
                codes=self._codes,
            )
        except IntegrityError as error:
            # An account met again in a later slice: its receipt is already in the batch (the
            # database may name either constraint, the import id being made of the same keys).
            # The transaction is spoilt either way; the whole file is read again grouped. Asking
            # first cost a query of every slice's accounts: 0.5 s of a 100,000-row import.
            if unique_violated(error, Receipt, "receipt_one_per_account_category", "receipt_import_id_unique"):
                raise Scattered from error
            raise

    def close(self, result: ImportResult) -> Batch:
        if self.batch is None:
            raise ValueError("a clean registry has receipts")
        Batch.objects.filter(pk=self.batch.pk).update(
            source_format=result.format_code,
            accounts_count=result.accounts_count,
            receipts_count=result.receipts_count,
            service_lines_count=result.service_lines,
            total_to_pay=result.total_to_pay,
        )
        self.batch.refresh_from_db()
        return self.batch
