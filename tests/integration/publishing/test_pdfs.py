"""Receipt PDFs reach Condo after their receipts, once in effect, against the sandbox."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.errors import ActionForbidden
from billing.models import Batch, Receipt, ReceiptPdf
from billing.roles import APPROVER
from billing.services.receipt_pdfs import receipt_pdfs_attach
from billing.services.seals import addendum_pending, batch_pdf_addendum_approve
from integration.publishing.files import batch_send_pending_files, pdfs_send_pending
from integration.publishing.publisher import batch_publish
from integration.sandbox.faults import FaultConfig
from tests.billing.pdfs.support import make_pdf, pdf_of_size, pdf_storage, zip_of  # noqa: F401 - a fixture
from tests.factories import UserFactory
from tests.integration.publishing.builders import batch_with_receipts
from tests.sandbox_fixtures import SANDBOX_CONTEXT_ID, sandbox_client

Status = Batch.Status
FILE_CALL = "registerBillingReceiptFile"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_chunks(settings, pdf_storage):
    settings.CONDO_CHUNK_SIZE = 20


def attach(batch, accountant, accounts: range | list[int], version: str = "v1", *, approve: bool = True) -> None:
    """Attach PDFs to an approved batch: an addendum, which a second approver approves (unless told not to)."""
    entries = {f"{n:08d}.pdf": make_pdf(f"{n}-{version}") for n in accounts}
    report = receipt_pdfs_attach(batch=batch, archive=io.BytesIO(zip_of(entries)), by=accountant)
    assert report.refused == [] and report.unmatched == []
    if approve and addendum_pending(batch=batch).exists():
        batch.refresh_from_db()
        batch_pdf_addendum_approve(batch=batch, by=UserFactory(role=APPROVER))


def condo_files(sandbox) -> dict[str, str]:
    """importId → the id of the file Condo holds for that receipt."""
    files = {}
    for receipt in sandbox.receipts(SANDBOX_CONTEXT_ID, include_deleted=False):
        held = receipt["file"]
        held = held() if callable(held) else held  # the sandbox may load it lazily
        if held:
            files[receipt["importId"]] = held["id"]
    return files


def file_calls(sandbox) -> int:
    return len([call for call in sandbox.calls_of(FILE_CALL) if call.status == 200])


def test_pdfs_follow_their_accepted_receipts_in_the_same_publish(condo_sandbox, accountant):
    batch = batch_with_receipts(receipts=25)
    attach(batch, accountant, range(24))  # one receipt without a PDF

    report = batch_publish(batch_id=batch.pk)

    assert report.status == Status.PUBLISHED, report.summary
    operations = [call.operation for call in condo_sandbox.calls if call.operation != "authenticateUserWithPassword"]
    # Every receipt went first (two chunks of at most 20), then every file.
    assert operations == ["registerBillingReceipts"] * 2 + [FILE_CALL] * 24
    pdfs = ReceiptPdf.objects.filter(batch=batch)
    assert set(pdfs.values_list("state", "condo_status")) == {("sent", "CREATED")}
    assert all(pdf.sent_at for pdf in pdfs)
    held = condo_files(condo_sandbox)
    assert set(held) == set(pdfs.values_list("receipt__import_id", flat=True))


def test_republishing_sends_nothing_new_and_a_lost_answer_comes_back_skipped(condo_sandbox, accountant, capsys):
    batch = batch_with_receipts(receipts=5)
    attach(batch, accountant, range(5))
    batch_publish(batch_id=batch.pk)
    held = condo_files(condo_sandbox)
    calls = file_calls(condo_sandbox)
    assert calls == 5

    # Published, nothing pending: the command sends nothing.
    call_command("publish_batch", str(batch.pk))
    assert "отправлять нечего" in capsys.readouterr().out
    # The same archive again changes nothing, so nothing is sent either.
    attach(batch, accountant, range(5))
    assert batch_send_pending_files(batch_id=batch.pk).sent == 0
    assert file_calls(condo_sandbox) == calls

    # A worker that died after Condo stored the files but before we saved the answers: a resend
    # is answered SKIPPED, counts as sent, and Condo keeps the very same files.
    ReceiptPdf.objects.update(state="pending", condo_status="", sent_at=None)
    result = batch_send_pending_files(batch_id=batch.pk)
    assert (result.skipped, result.created, result.updated, result.failed) == (5, 0, 0, 0)
    assert file_calls(condo_sandbox) == calls + 5
    assert set(ReceiptPdf.objects.values_list("state", "condo_status")) == {("sent", "SKIPPED")}
    assert condo_files(condo_sandbox) == held
    batch.refresh_from_db()
    assert batch.status == Status.PUBLISHED and batch.lease_owner == ""


def test_an_approved_pdf_is_never_replaced_and_a_new_one_goes_once_a_second_person_approves_it(
    condo_sandbox, accountant, capsys
):
    batch = batch_with_receipts(receipts=3)
    attach(batch, accountant, range(2))
    batch_publish(batch_id=batch.pk)
    transitions = batch.transitions.count()
    held = condo_files(condo_sandbox)

    replaced = receipt_pdfs_attach(
        batch=batch,
        by=accountant,
        archive=io.BytesIO(
            zip_of(
                {
                    "00000001.pdf": make_pdf("1-v2"),
                    "00000002.pdf": make_pdf("2-v1"),
                }
            )
        ),
    )
    assert [refusal.name for refusal in replaced.refused] == ["00000001.pdf"]
    assert "уже утверждён" in replaced.refused[0].reason
    call_command("publish_batch", str(batch.pk))
    assert file_calls(condo_sandbox) == 2  # the addendum waits for its approval
    with pytest.raises(ActionForbidden):
        batch_pdf_addendum_approve(batch=batch, by=accountant)

    batch_pdf_addendum_approve(batch=batch, by=UserFactory(role=APPROVER))
    call_command("publish_batch", str(batch.pk))

    assert "новых 1, заменено 0" in capsys.readouterr().out
    added = ReceiptPdf.objects.get(batch=batch, receipt__account__number="00000002")
    assert (added.state, added.condo_status, added.seal.kind) == ("sent", "CREATED", "pdf_addendum")
    assert file_calls(condo_sandbox) == 3
    assert {k: v for k, v in condo_files(condo_sandbox).items() if k in held} == held
    batch.refresh_from_db()
    assert batch.status == Status.PUBLISHED and batch.transitions.count() == transitions


def test_pdfs_of_rejected_receipts_wait(condo_sandbox, accountant):
    batch = batch_with_receipts(receipts=4)
    attach(batch, accountant, range(4))
    bad = Receipt.objects.get(batch=batch, account__number="00000002")
    condo_sandbox.faults = FaultConfig(reject={bad.import_id: "BANK_FOUND_ERROR"})

    report = batch_publish(batch_id=batch.pk)

    assert report.status == Status.PARTIALLY_PUBLISHED
    assert file_calls(condo_sandbox) == 3
    assert ReceiptPdf.objects.get(receipt=bad).state == "pending"
    assert bad.import_id not in condo_files(condo_sandbox)


def test_a_transient_failure_on_files_fails_the_batch_and_the_retry_sends_only_what_is_left(
    condo_sandbox, accountant, settings
):
    settings.CONDO_MAX_ATTEMPTS = 1
    batch = batch_with_receipts(receipts=3)
    attach(batch, accountant, range(3))
    # Calls: receipts (1), file (2), file (3) → HTTP 500, not retried within the call.
    condo_sandbox.faults = FaultConfig(error_every_nth=3)

    report = batch_publish(batch_id=batch.pk)

    assert report.status == Status.FAILED
    batch.refresh_from_db()
    assert batch.next_retry_at is not None and "Condo временно недоступен" in batch.last_error
    assert sorted(ReceiptPdf.objects.values_list("state", flat=True)) == ["pending", "pending", "sent"]

    condo_sandbox.faults = FaultConfig()
    report = batch_publish(batch_id=batch.pk)

    assert report.status == Status.PUBLISHED, report.summary
    assert set(ReceiptPdf.objects.values_list("state", flat=True)) == {"sent"}
    assert len(condo_files(condo_sandbox)) == 3
    assert [c.operation for c in condo_sandbox.calls].count("registerBillingReceipts") == 1  # receipts not resent


def test_a_file_condo_refuses_is_marked_failed_and_the_batch_still_publishes(condo_sandbox, accountant, settings):
    settings.CONDO_MAX_VARIABLES_BYTES = 40 * 1024  # a deployment whose Condo takes small requests only
    batch = batch_with_receipts(receipts=3)
    receipt_pdfs_attach(
        batch=batch,
        by=accountant,
        archive=io.BytesIO(
            zip_of(
                {
                    "00000000.pdf": make_pdf("small"),
                    "00000001.pdf": pdf_of_size(60_000),
                    "00000002.pdf": make_pdf("other"),
                }
            )
        ),
    )
    batch_pdf_addendum_approve(batch=batch, by=UserFactory(role=APPROVER))

    report = batch_publish(batch_id=batch.pk)

    assert report.status == Status.PUBLISHED
    big = ReceiptPdf.objects.get(receipt__account__number="00000001")
    assert big.state == "failed" and "слишком велик" in big.error_message
    assert ReceiptPdf.objects.filter(state="sent").count() == 2


def test_a_receipt_gone_from_condo_fails_only_its_file(condo_sandbox, accountant):
    batch = batch_with_receipts(receipts=2)
    batch_publish(batch_id=batch.pk)
    gone = Receipt.objects.get(batch=batch, account__number="00000000")
    with sandbox_client(condo_sandbox) as client:
        client.withdraw_receipts([gone.condo_id])  # someone withdrew it in Condo itself
    attach(batch, accountant, range(2))

    result = batch_send_pending_files(batch_id=batch.pk)

    assert (result.created, result.failed) == (1, 1)
    failed = ReceiptPdf.objects.get(receipt=gone)
    assert failed.state == "failed" and failed.error_message


def test_sending_stops_when_the_lease_is_lost(condo_sandbox, accountant):
    batch = batch_with_receipts(receipts=4)
    batch_publish(batch_id=batch.pk)
    attach(batch, accountant, range(4))
    batch = Batch.objects.select_related("organization").get(pk=batch.pk)

    with sandbox_client(condo_sandbox) as client:
        result = pdfs_send_pending(batch=batch, client=client, owner="gone", renew=lambda **_: False)

    assert result.lease_lost and result.sent == 1
    assert file_calls(condo_sandbox) == 1
    assert ReceiptPdf.objects.filter(state="pending").count() == 3


def test_a_second_sender_backs_off_while_the_first_holds_the_batch(condo_sandbox, accountant):
    from django.utils import timezone

    batch = batch_with_receipts(receipts=2)
    batch_publish(batch_id=batch.pk)
    attach(batch, accountant, range(2))
    Batch.objects.filter(pk=batch.pk).update(
        lease_owner="other", lease_until=timezone.now() + timezone.timedelta(minutes=1)
    )

    assert batch_send_pending_files(batch_id=batch.pk).busy
    assert file_calls(condo_sandbox) == 0
    with pytest.raises(CommandError):
        call_command("publish_batch", str(batch.pk))
