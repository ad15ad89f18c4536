"""Receipt PDFs after publishing: reconciliation counts them, the admin's send button and the retry schedule send them."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from billing.models import Batch, Receipt, ReceiptPdf
from integration.publishing.files import batch_send_pending_files
from integration.publishing.publisher import batch_publish
from integration.publishing.reconciliation import batch_reconcile
from integration.sandbox.faults import FaultConfig
from integration.tasks import retry_failed_batches
from tests.billing.pdfs.support import pdf_storage  # noqa: F401 - a fixture
from tests.integration.publishing.builders import batch_with_receipts
from tests.integration.publishing.test_pdfs import attach, condo_files, small_chunks  # noqa: F401 - an autouse fixture

Status = Batch.Status
pytestmark = pytest.mark.django_db


def test_reconciliation_counts_files(condo_sandbox, accountant):
    batch = batch_with_receipts(receipts=4)
    attach(batch, accountant, range(3))
    batch_publish(batch_id=batch.pk)

    result = batch_reconcile(batch=Batch.objects.select_related("organization").get(pk=batch.pk))
    assert (result.files_expected, result.files_in_condo, result.is_consistent) == (3, 3, True)

    # We believe the fourth PDF was sent, but Condo holds no file for that receipt.
    fourth = Receipt.objects.get(batch=batch, account__number="00000003")
    ReceiptPdf.objects.create(
        receipt=fourth,
        batch=batch,
        file="receipt-pdfs/none.pdf",
        sha256="0" * 64,
        size=1,
        state="sent",
        condo_status="CREATED",
        sent_at=fourth.published_at,
    )
    result = batch_reconcile(batch=Batch.objects.select_related("organization").get(pk=batch.pk))
    assert (result.files_expected, result.files_in_condo, result.is_consistent) == (4, 3, False)
    assert [d["kind"] for d in result.differences] == ["file_missing"]
    assert result.differences[0]["import_id"] == fourth.import_id


def test_the_admin_send_button_sends_a_published_batchs_pdfs(
    condo_sandbox, accountant, approver, client, django_capture_on_commit_callbacks
):
    batch = batch_with_receipts(receipts=2)
    batch_publish(batch_id=batch.pk)
    attach(batch, accountant, range(2))

    client.force_login(approver)
    with django_capture_on_commit_callbacks(execute=True):  # the ORM queue runs tasks inline in tests
        response = client.post(reverse("admin:billing_batch_pdfs_send", args=[batch.pk]), follow=True)

    assert "поставлены в очередь на отправку в Condo: 2" in response.content.decode()
    assert set(ReceiptPdf.objects.values_list("state", flat=True)) == {"sent"}
    assert len(condo_files(condo_sandbox)) == 2


def test_the_reconcile_command_reports_files(condo_sandbox, accountant, capsys):
    batch = batch_with_receipts(receipts=2)
    attach(batch, accountant, range(2))
    batch_publish(batch_id=batch.pk)
    call_command("reconcile_batch", str(batch.pk), "--json")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["files_expected"], summary["files_in_condo"], summary["consistent"]) == (2, 2, True)


def test_pdfs_a_published_batch_could_not_send_are_sent_by_the_retry_schedule(condo_sandbox, accountant, settings):
    batch = batch_with_receipts(receipts=3)
    batch_publish(batch_id=batch.pk)
    attach(batch, accountant, range(3))
    settings.CONDO_MAX_ATTEMPTS = 1
    condo_sandbox.faults = FaultConfig(error_every_nth=1)
    assert batch_send_pending_files(batch_id=batch.pk).error
    assert ReceiptPdf.objects.filter(batch=batch, state="pending").count() == 3

    condo_sandbox.faults = FaultConfig()
    assert retry_failed_batches() == 1  # the task runs inline in tests

    assert ReceiptPdf.objects.filter(batch=batch, state="sent").count() == 3
    assert len(condo_files(condo_sandbox)) == 3
    assert Batch.objects.get(pk=batch.pk).status == Status.PUBLISHED
