"""Publishing with real worker processes: killed mid-batch, racing, and the django-q2 cluster."""

from __future__ import annotations

import os
import signal

import pytest
from django.utils import timezone

from billing.models import Batch, BatchCheck, Receipt
from billing.services.batches import batch_approve, batch_submit
from integration.models import Reconciliation
from integration.publishing.publisher import batch_publish
from integration.sandbox.faults import FaultConfig
from tests.factories import UserFactory
from tests.integration.publishing.builders import batch_with_receipts, live_receipts
from tests.integration.publishing.processes import manage, wait_for, worker_env

Status = Batch.Status
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _held_exactly_once(sandbox, batch: Batch) -> None:
    every = sandbox.receipts(batch.organization.condo_context_id, include_deleted=True)
    ours = set(Receipt.objects.filter(batch=batch).values_list("import_id", flat=True))
    assert len(every) == len(ours)
    assert {r["importId"] for r in every} == ours


def test_a_worker_killed_mid_batch_is_finished_by_another_with_nothing_lost_or_doubled(condo_sandbox):
    batch = batch_with_receipts(receipts=5000)
    condo_sandbox.faults = FaultConfig(latency_seconds=0.05)
    worker = manage(
        ["publish_batch", str(batch.pk)], worker_env(condo_sandbox, CONDO_CHUNK_SIZE="100", PUBLISH_LEASE_SECONDS="2")
    )
    try:
        wait_for(
            lambda: Batch.objects.get(pk=batch.pk).accepted_count >= 1000, timeout=120, what="1000 accepted receipts"
        )
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    killed = Batch.objects.get(pk=batch.pk)
    assert killed.status == Status.PUBLISHING and killed.lease_owner
    assert 1000 <= killed.accepted_count < 5000

    # A second worker backs off while the dead one's lease is still running …
    assert batch_publish(batch_id=batch.pk, owner="second-worker").status == Status.PUBLISHING
    wait_for(lambda: Batch.objects.get(pk=batch.pk).lease_until < timezone.now(), timeout=10, what="lease expiry")
    condo_sandbox.faults = FaultConfig()
    report = batch_publish(batch_id=batch.pk, owner="second-worker")

    assert report.status == Status.PUBLISHED, report.summary
    assert report.accepted == 5000
    _held_exactly_once(condo_sandbox, batch)
    assert not Receipt.objects.filter(batch=batch).exclude(publish_state="accepted").exists()


def test_two_workers_given_the_same_batch_at_once_publish_it_once(condo_sandbox):
    batch = batch_with_receipts(receipts=400)
    condo_sandbox.faults = FaultConfig(latency_seconds=0.05)
    env = worker_env(condo_sandbox, CONDO_CHUNK_SIZE="50")
    workers = [manage(["publish_batch", str(batch.pk)], env) for _ in range(2)]
    results = [worker.communicate(timeout=120) for worker in workers]
    codes = sorted(worker.returncode for worker in workers)

    assert codes == [0, 1], results
    loser_output = next(err for (out, err), w in zip(results, workers) if w.returncode == 1)
    assert "другой процесс" in loser_output
    assert len(condo_sandbox.calls_of("registerBillingReceipts")) == 8
    _held_exactly_once(condo_sandbox, batch)


def test_approval_hands_the_batch_to_the_cluster_which_publishes_and_reconciles(condo_sandbox, monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)  # the real queue: the cluster, not this process, runs the task
    batch = batch_with_receipts(receipts=120, status=Status.DRAFT)
    accountant, approver = UserFactory(role="Бухгалтер"), UserFactory(role="Утверждающий")
    cluster = manage(["qcluster"], worker_env(condo_sandbox, CONDO_CHUNK_SIZE="50", Q_WORKERS="2"))
    try:
        batch = batch_submit(batch=batch, by=accountant)
        # The cluster checks the batch first; approval waits for that check.
        wait_for(lambda: BatchCheck.objects.filter(batch=batch, status="done").exists(), timeout=60, what="the check")
        batch_approve(batch=batch, by=approver)
        wait_for(lambda: Batch.objects.get(pk=batch.pk).status == Status.PUBLISHED, timeout=90, what="published")
        wait_for(lambda: Reconciliation.objects.filter(batch=batch).exists(), timeout=60, what="reconciliation")
    finally:
        cluster.send_signal(signal.SIGINT)
        try:
            cluster.wait(timeout=20)
        except Exception:
            cluster.kill()
    _held_exactly_once(condo_sandbox, batch)
    assert Reconciliation.objects.get(batch=batch).is_consistent
    assert len(live_receipts(condo_sandbox)) == 120
