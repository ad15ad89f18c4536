"""Publishing a batch to the sandbox: everything once, every outcome stored, resumable."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.core import mail

from billing.models import Batch, BatchTransition, Receipt
from integration.models import CondoCall
from integration.publishing.publisher import batch_publish
from integration.publishing.retry import batch_retry_rejected
from integration.sandbox.faults import FaultConfig
from tests.integration.publishing.builders import batch_with_receipts, live_receipts

Status = Batch.Status
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_chunks(settings):
    settings.CONDO_CHUNK_SIZE = 20


def _published_under(condo_sandbox, faults: FaultConfig, *, receipts: int):
    """A batch of `receipts` receipts, published once while the sandbox plays `faults`: (the batch, the report)."""
    batch = batch_with_receipts(receipts=receipts)
    condo_sandbox.faults = faults
    return batch, batch_publish(batch_id=batch.pk)


def test_an_approved_batch_reaches_condo_whole_with_equal_sums(condo_sandbox):
    batch = batch_with_receipts(receipts=45, amounts={0: Decimal("1259.53"), 1: Decimal("-12.40")})

    report = batch_publish(batch_id=batch.pk)

    assert report.status == Status.PUBLISHED, report.summary
    held = live_receipts(condo_sandbox)
    ours = dict(Receipt.objects.filter(batch=batch).values_list("import_id", "to_pay"))
    assert set(held) == set(ours)
    assert {k: Decimal(v["toPay"]) for k, v in held.items()} == ours
    assert Receipt.objects.filter(batch=batch, publish_state="accepted").exclude(condo_id="").count() == 45
    batch.refresh_from_db()
    assert (batch.accepted_count, batch.rejected_count, batch.pending_count) == (45, 0, 0)
    assert batch.published_at is not None and batch.lease_owner == ""
    assert CondoCall.objects.filter(batch=batch, operation="registerBillingReceipts", outcome="ok").count() == 3
    assert list(batch.transitions.order_by("pk").values_list("target", flat=True)) == [
        Status.PUBLISHING,
        Status.PUBLISHED,
    ]


def test_rejected_receipts_are_explained_and_can_be_sent_again(condo_sandbox, approver):
    batch = batch_with_receipts(receipts=10)
    bad = Receipt.objects.filter(batch=batch).order_by("pk")[3]
    condo_sandbox.faults = FaultConfig(reject={bad.import_id: "BANK_FOUND_ERROR"})

    report = batch_publish(batch_id=batch.pk)

    assert report.status == Status.PARTIALLY_PUBLISHED
    bad.refresh_from_db()
    assert bad.publish_state == "rejected"
    assert bad.error_code == "BAD_USER_INPUT"
    assert "БИК" in bad.error_message
    assert bad.import_id not in live_receipts(condo_sandbox)
    assert len(live_receipts(condo_sandbox)) == 9
    assert len(mail.outbox) == 1 and f"№{batch.pk}" in mail.outbox[0].subject

    condo_sandbox.faults = FaultConfig()
    batch_retry_rejected(batch=Batch.objects.get(pk=batch.pk), by=approver, enqueue=False)
    report = batch_publish(batch_id=batch.pk)

    assert report.status == Status.PUBLISHED
    assert len(live_receipts(condo_sandbox)) == 10
    assert BatchTransition.objects.filter(batch=batch, target=Status.PUBLISHING, actor=approver).count() == 1


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param(FaultConfig(error_every_nth=2), id="http-500-every-2nd-call"),
        pytest.param(
            FaultConfig(rate_limit_calls=2, rate_limit_status=400, rate_limit_reset_seconds=0.05), id="rate-limit-400"
        ),
        pytest.param(
            FaultConfig(rate_limit_calls=2, rate_limit_status=429, rate_limit_reset_seconds=0.05), id="rate-limit-429"
        ),
        pytest.param(FaultConfig(drop_after_store=2), id="connection-closed-after-store"),
        pytest.param(FaultConfig(token_ttl_seconds=0.0), id="token-expiry"),
    ],
)
def test_every_fault_kind_ends_with_each_receipt_held_exactly_once(condo_sandbox, faults):
    batch, report = _published_under(condo_sandbox, faults, receipts=50)

    assert report.status == Status.PUBLISHED, report.summary
    every = condo_sandbox.receipts(batch.organization.condo_context_id, include_deleted=True)
    assert len(every) == 50
    assert len({r["importId"] for r in every}) == 50
    assert Receipt.objects.filter(batch=batch, publish_state="accepted").count() == 50
    assert set(Receipt.objects.filter(batch=batch).values_list("condo_id", flat=True)) == {r["id"] for r in every}


def test_answers_slower_than_the_read_timeout_are_retried_without_duplicates(condo_sandbox, settings):
    settings.CONDO_READ_TIMEOUT = 0.3
    settings.CONDO_BREAKER_COOLDOWN = 0.2
    batch, report = _published_under(condo_sandbox, FaultConfig(latency_seconds=0.6), receipts=20)
    # Every answer is too slow, so publishing fails transiently and keeps its progress for a retry.
    assert report.status == Status.FAILED
    batch.refresh_from_db()
    assert batch.next_retry_at is not None and batch.last_error

    condo_sandbox.faults = FaultConfig()
    time.sleep(0.3)  # the circuit breaker opened on the timeouts; let it cool down
    report = batch_publish(batch_id=batch.pk)
    assert report.status == Status.PUBLISHED
    every = condo_sandbox.receipts(batch.organization.condo_context_id)
    assert len(every) == len({r["importId"] for r in every}) == 20


def test_transient_failures_that_outlast_the_retries_fail_the_batch_and_keep_progress(condo_sandbox, settings):
    settings.CONDO_MAX_ATTEMPTS = 2
    batch, report = _published_under(condo_sandbox, FaultConfig(error_every_nth=1), receipts=40)

    assert report.status == Status.FAILED
    batch.refresh_from_db()
    assert batch.publish_attempts == 1 and batch.next_retry_at is not None
    assert "500" in batch.last_error or "Condo" in batch.last_error
    assert CondoCall.objects.filter(batch=batch, outcome="error", error_class="transient").count() >= 2
    assert len(mail.outbox) == 1


def test_a_published_batch_published_again_changes_nothing_in_condo(condo_sandbox):
    batch = batch_with_receipts(receipts=15)
    batch_publish(batch_id=batch.pk)
    before = {r["importId"]: (r["id"], r["v"]) for r in condo_sandbox.receipts(batch.organization.condo_context_id)}
    calls = len(condo_sandbox.calls_of("registerBillingReceipts"))

    report = batch_publish(batch_id=batch.pk)

    assert report.status == Status.PUBLISHED
    assert len(condo_sandbox.calls_of("registerBillingReceipts")) == calls
    after = {r["importId"]: (r["id"], r["v"]) for r in condo_sandbox.receipts(batch.organization.condo_context_id)}
    assert after == before


def test_a_corrected_batch_for_the_same_month_updates_only_what_changed(condo_sandbox):
    first = batch_with_receipts(receipts=12, status=Status.APPROVED)
    batch_publish(batch_id=first.pk)
    context = first.organization.condo_context_id
    before = {r["importId"]: (r["id"], r["v"]) for r in condo_sandbox.receipts(context)}

    corrected = batch_with_receipts(
        receipts=12, organization=first.organization, amounts={2: Decimal("999.99"), 7: Decimal("10.00")}
    )
    assert batch_publish(batch_id=corrected.pk).status == Status.PUBLISHED

    after = {r["importId"]: (r["id"], r["v"]) for r in condo_sandbox.receipts(context)}
    assert set(after) == set(before)
    changed = {k for k in after if after[k] != before[k]}
    expected = set(
        Receipt.objects.filter(batch=corrected, to_pay__in=[Decimal("999.99"), Decimal("10.00")]).values_list(
            "import_id", flat=True
        )
    )
    assert changed == expected
    assert all(after[k][0] == before[k][0] for k in after)  # same Condo receipts, updated in place


def test_a_second_publisher_backs_off_while_the_first_holds_the_lease(condo_sandbox):
    from integration.publishing.lease import lease_claim

    batch = batch_with_receipts(receipts=5)
    assert lease_claim(batch_id=batch.pk, owner="worker-a") is not None

    report = batch_publish(batch_id=batch.pk, owner="worker-b")

    assert "другой процесс" in report.message
    assert condo_sandbox.calls_of("registerBillingReceipts") == []
    assert Batch.objects.get(pk=batch.pk).lease_owner == "worker-a"


def test_a_batch_whose_publisher_died_is_finished_by_another_after_the_lease_expires(condo_sandbox, settings):
    from django.utils import timezone

    from integration.publishing.lease import lease_claim
    from integration.tasks import requeue_expired_leases

    batch = batch_with_receipts(receipts=30)
    lease_claim(batch_id=batch.pk, owner="dead-worker")
    Batch.objects.filter(pk=batch.pk).update(lease_until=timezone.now() - timezone.timedelta(seconds=1))

    assert requeue_expired_leases() == 1  # the task runs inline in tests (Q_CLUSTER sync)

    batch.refresh_from_db()
    assert batch.status == Status.PUBLISHED
    assert len(live_receipts(condo_sandbox)) == 30


def test_a_save_failure_is_stored_without_the_payer(condo_sandbox, caplog):
    """receiptResolver.js rejects with the whole receipt, full name included (contract 13.9)."""
    batch = batch_with_receipts(receipts=3)
    bad = Receipt.objects.filter(batch=batch).order_by("pk")[1]
    condo_sandbox.faults = FaultConfig(reject={bad.import_id: "RECEIPT_SAVE_FAILED"})

    assert batch_publish(batch_id=batch.pk).status == Status.PARTIALLY_PUBLISHED

    bad.refresh_from_db()
    assert (bad.publish_state, bad.error_code) == ("rejected", "RECEIPT_SAVE_FAILED")
    assert "не смог сохранить квитанцию" in bad.error_message
    stored = " ".join([bad.error_message, *CondoCall.objects.filter(batch=batch).values_list("error_code", flat=True)])
    for text in (stored, caplog.text):
        assert "Иванов" not in text and bad.import_id not in text
