"""Every HTTP call to Condo, stored for the batch page and the audit; a publisher's lease kept fresh."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from integration.condo import CallRecord
from integration.models import CondoCall
from integration.publishing.lease import lease_renew


class CallRecorder:
    """Records every HTTP call to Condo for the batch page, and keeps a publisher's lease fresh.

    A publisher's recorder is `buffered`: its calls are written with the outcomes they brought
    (one INSERT per chunk, in the outcome's transaction) rather than one transaction per call.
    Whatever is still buffered is written when the lease is renewed here and when publishing
    ends, however it ends. Stored progress renews the lease too; here it is renewed between
    calls only once a sixth of it has passed, which still covers a chunk that spends minutes
    in retries.
    """

    def __init__(self, *, batch_id: int, owner: str = "", buffered: bool = False) -> None:
        self.batch_id = batch_id
        self.owner = owner
        self.buffered = buffered
        self.chunk = 0
        self._unwritten: list[tuple] = []  # rows of _INSERT
        self._renewed_at = time.monotonic()

    def __call__(self, record: CallRecord) -> None:
        self._unwritten.append(self._call(record))
        renew = self.owner and time.monotonic() - self._renewed_at >= settings.PUBLISH_LEASE_SECONDS / 6
        if not self.buffered or renew:
            with transaction.atomic():
                self.flush()
                if renew:
                    lease_renew(batch_id=self.batch_id, owner=self.owner)
                    self._renewed_at = time.monotonic()

    def flush(self) -> None:
        if self._unwritten:
            with connection.cursor() as cursor:
                # A publisher's PDF calls wait here till the next lease renewal: slices keep each
                # statement under the databases' limits on parameters.
                for start in range(0, len(self._unwritten), _ROWS_A_STATEMENT):
                    rows = self._unwritten[start : start + _ROWS_A_STATEMENT]
                    values = ", ".join([_ROW_PLACEHOLDERS] * len(rows))
                    cursor.execute(f"{_INSERT} {values}", [value for row in rows for value in row])
            self._unwritten = []

    def _call(self, record: CallRecord) -> tuple:
        return (
            self.batch_id,
            record.operation,
            self.chunk,
            record.receipts,
            record.bytes,
            record.attempt,
            record.duration_ms,
            record.outcome,
            record.error_class,
            record.error_code,
            record.request_id,
            connection.ops.adapt_datetimefield_value(timezone.now()),
        )


# One plain INSERT of a chunk's calls, with the outcomes it brought: the ORM's instance and
# bulk_create cost three times the statement (0.92 ms against about 0.3 ms of CPU a call).
_COLUMNS = (
    "batch",
    "operation",
    "chunk",
    "receipts",
    "bytes",
    "attempt",
    "duration_ms",
    "outcome",
    "error_class",
    "error_code",
    "request_id",
    "created_at",
)
_COLUMN_OF = {field.name: field.column for field in CondoCall._meta.concrete_fields}
_INSERT = f"INSERT INTO {CondoCall._meta.db_table} ({', '.join(_COLUMN_OF[name] for name in _COLUMNS)}) VALUES"
_ROW_PLACEHOLDERS = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
_ROWS_A_STATEMENT = 500
