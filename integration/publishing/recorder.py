"""Every HTTP call to Condo, stored for the batch page and the audit; a publisher's lease kept fresh."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction
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
        self._unwritten: list[CondoCall] = []
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
            CondoCall.objects.bulk_create(self._unwritten)
            self._unwritten = []

    def _call(self, record: CallRecord) -> CondoCall:
        return CondoCall(
            batch_id=self.batch_id,
            operation=record.operation,
            chunk=self.chunk,
            receipts=record.receipts,
            bytes=record.bytes,
            attempt=record.attempt,
            duration_ms=record.duration_ms,
            outcome=record.outcome,
            error_class=record.error_class,
            error_code=record.error_code,
            request_id=record.request_id,
            created_at=timezone.now(),
        )
