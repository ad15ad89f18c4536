"""What the approver signed is exactly what Condo gets, once, and keeps (issue 13's five scenarios).

Every test goes through the real services, the real importer, real HTTP to the sandbox and
django-q2 (run inline by the test settings), and asserts on what the sandbox holds.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.errors import ActionForbidden, ApplicationError
from billing.importers.desk_template import demo_registry_rows, write_desk_registry
from billing.models import ApprovalSeal, Batch, BatchCheck, Receipt, ReceiptPdf
from billing.roles import ACCOUNTANT, APPROVER
from billing.services.batches import batch_approve, batch_submit
from billing.services.receipt_pdfs import receipt_pdfs_attach
from billing.services.registry.write import registry_import
from billing.services.seals import batch_pdf_addendum_approve
from integration.checking.run import batch_check_run
from integration.publishing.publisher import batch_publish
from integration.publishing.retry import batch_publish_again
from integration.sandbox.faults import FaultConfig
from integration.tasks import retry_failed_batches
from tests.billing.importers.conftest import RECIPIENT
from tests.billing.pdfs.support import make_pdf, pdf_storage, zip_of  # noqa: F401 - a fixture
from tests.factories import OrganizationFactory, RecipientFactory, UserFactory
from tests.integration.publishing.builders import batch_with_receipts, live_receipts
from tests.sandbox_fixtures import SANDBOX_CONTEXT_ID

Status = Batch.Status
pytestmark = pytest.mark.django_db(transaction=False)
OCTOBER = date(2026, 10, 1)


@pytest.fixture
def organization():
    payee = RecipientFactory(tin=RECIPIENT[0], bic=RECIPIENT[1], bank_account=RECIPIENT[2])
    return OrganizationFactory(tin="7736207543", condo_context_id=SANDBOX_CONTEXT_ID, default_recipient=payee)


@pytest.fixture
def people():
    return {
        "importer": UserFactory(username="importer", role=ACCOUNTANT),
        "submitter": UserFactory(username="submitter", role=ACCOUNTANT),
        "approver": UserFactory(username="approver", role=APPROVER),
        "second": UserFactory(username="second-approver", role=APPROVER),
    }


def _import(tmp_path, organization, by, *, period=OCTOBER, name="Иванов Иван Иванович", address=None, amount_shift=0):
    rows = list(demo_registry_rows(period=period, recipient=RECIPIENT, accounts=4, seed=7))
    for row in rows:
        row["full_name"] = name
        if address:
            row["address"] = address
        row["charge"] += amount_shift
        row["to_pay"] += amount_shift
    path = tmp_path / f"{period:%Y%m}-{name[:3]}-{amount_shift}.xlsx"
    write_desk_registry(path, iter(rows))
    outcome = registry_import(organization=organization, period=period, path=path, by=by)
    assert outcome.result.errors == [], outcome.result.errors
    return outcome.batch


def _approved(batch, people):
    batch = batch_submit(batch=batch, by=people["submitter"])
    for check in BatchCheck.objects.filter(batch=batch):  # what the worker does once the submit is committed
        batch_check_run(check_id=check.pk)
    return batch_approve(batch=batch, by=people["approver"])


def test_a_later_import_never_changes_what_an_approved_batch_sends_or_shows(
    tmp_path, organization, people, condo_sandbox, client
):
    october = _approved(_import(tmp_path, organization, people["importer"]), people)
    # November: the same accounts with another payer and another address.
    _import(
        tmp_path,
        organization,
        people["importer"],
        period=date(2026, 11, 1),
        name="Петрова Анна Сергеевна",
        address="г Москва, ул Новая, д 99",
    )

    report = batch_publish(batch_id=october.pk)

    assert report.status == Status.PUBLISHED, report.summary
    held = [r for r in condo_sandbox.receipts(SANDBOX_CONTEXT_ID, include_deleted=False) if "2026-10" in r["importId"]]
    assert len(held) == october.receipts_count
    assert {r["account"]["fullName"] for r in held} == {"Иванов Иван Иванович"}
    assert not any("ул Новая" in r["property"]["address"] for r in held)
    client.force_login(people["approver"])
    page = client.get(f"/admin/billing/batch/{october.pk}/change/").content.decode()
    receipts = client.get(f"/admin/billing/receipt/?batch__id__exact={october.pk}").content.decode()
    assert "Петрова" not in page + receipts and "ул Новая" not in page + receipts
    assert "Иванов Иван Иванович" in receipts


def test_an_older_batch_of_the_month_never_overwrites_a_newer_one(
    tmp_path, organization, people, condo_sandbox, settings
):
    settings.CONDO_MAX_ATTEMPTS = 1
    old = _approved(_import(tmp_path, organization, people["importer"]), people)
    condo_sandbox.faults = FaultConfig(error_every_nth=1)  # Condo unreachable
    assert batch_publish(batch_id=old.pk).status == Status.FAILED
    condo_sandbox.faults = FaultConfig()
    corrected = _approved(_import(tmp_path, organization, people["importer"], amount_shift=Decimal("7.00")), people)
    assert batch_publish(batch_id=corrected.pk).status == Status.PUBLISHED
    expected = dict(Receipt.objects.filter(batch=corrected).values_list("import_id", "to_pay"))

    # Every way an old batch used to be sent again now refuses it, naming the newer batch.
    Batch.objects.filter(pk=old.pk).update(next_retry_at=None)
    retry_failed_batches()
    with pytest.raises(CommandError, match=f"№{corrected.pk}"):
        call_command("publish_batch", str(old.pk))
    old.refresh_from_db()
    if old.status == Status.FAILED:
        with pytest.raises(ApplicationError, match=f"№{corrected.pk}"):
            batch_publish_again(batch=old, by=people["approver"])
    assert batch_publish(batch_id=old.pk).refused

    held = live_receipts(condo_sandbox)
    assert {k: Decimal(v["toPay"]) for k, v in held.items()} == expected
    old.refresh_from_db()
    assert old.status == Status.SUPERSEDED


def test_an_older_batch_that_sent_part_of_the_month_is_superseded_and_its_dropped_receipts_withdrawn(
    condo_sandbox, settings, django_capture_on_commit_callbacks
):
    settings.CONDO_CHUNK_SIZE, settings.CONDO_MAX_ATTEMPTS = 10, 1
    old = batch_with_receipts(receipts=30)
    condo_sandbox.faults = FaultConfig(error_every_nth=2)  # the second call fails: 10 accepted, then failure
    assert batch_publish(batch_id=old.pk).status == Status.FAILED
    condo_sandbox.faults = FaultConfig()
    corrected = batch_with_receipts(receipts=5, organization=old.organization, amount=Decimal("5.55"))
    with django_capture_on_commit_callbacks(execute=True):  # the worker that supersedes runs inline
        assert batch_publish(batch_id=corrected.pk).status == Status.PUBLISHED

    old.refresh_from_db()
    assert old.status == Status.SUPERSEDED
    held = live_receipts(condo_sandbox)
    assert set(held) == set(Receipt.objects.filter(batch=corrected).values_list("import_id", flat=True))
    assert {Decimal(r["toPay"]) for r in held.values()} == {Decimal("5.55")}


def test_neither_the_importer_nor_the_submitter_may_approve(tmp_path, organization, people, capsys):
    batch = _import(tmp_path, organization, people["importer"])
    importer_approver = UserFactory(username="importer-approver", role=APPROVER)
    batch.created_by = importer_approver  # a person with both roles imported it
    Batch.objects.filter(pk=batch.pk).update(created_by=importer_approver)
    batch = batch_submit(batch=batch, by=people["submitter"])

    with pytest.raises(ActionForbidden, match="загрузили"):
        batch_approve(batch=batch, by=importer_approver)
    with pytest.raises(CommandError):
        call_command("batch", "approve", str(batch.pk), "--user", importer_approver.username)
    superuser = UserFactory(username="root-submitter", is_superuser=True)
    other = _import(tmp_path, organization, people["importer"], amount_shift=Decimal("1.00"))
    other = batch_submit(batch=other, by=superuser)
    with pytest.raises(ActionForbidden, match="отправили"):
        batch_approve(batch=other, by=superuser)
    assert Batch.objects.get(pk=batch.pk).status == Status.SUBMITTED


def test_pdfs_attached_after_submission_wait_for_a_second_persons_approval(
    tmp_path, organization, people, condo_sandbox, pdf_storage
):
    batch = _approved(_import(tmp_path, organization, people["importer"]), people)
    numbers = sorted(
        set(Receipt.objects.filter(batch=batch, category="housing").values_list("account_number", flat=True))
    )
    receipt_pdfs_attach(
        batch=batch,
        by=people["importer"],
        archive=io.BytesIO(zip_of({f"{n}_{OCTOBER:%m%Y}_housing.pdf": make_pdf(n) for n in numbers})),
    )

    assert batch_publish(batch_id=batch.pk).status == Status.PUBLISHED
    assert condo_sandbox.calls_of("registerBillingReceiptFile") == []  # unapproved: nothing sent
    with pytest.raises(ActionForbidden):
        batch_pdf_addendum_approve(
            batch=batch,
            by=UserFactory(username="both", role=APPROVER, is_superuser=True) if False else people["importer"],
        )
    seal = batch_pdf_addendum_approve(batch=Batch.objects.get(pk=batch.pk), by=people["second"])
    call_command("publish_batch", str(batch.pk))

    assert seal.kind == ApprovalSeal.Kind.PDF_ADDENDUM and seal.pdfs_count == len(numbers)
    assert ReceiptPdf.objects.filter(batch=batch, state="sent").count() == len(numbers)


def test_every_accepted_call_is_stored_even_when_a_later_call_of_the_same_slice_fails(condo_sandbox, settings):
    settings.CONDO_CHUNK_SIZE, settings.CONDO_MAX_ATTEMPTS, settings.PUBLISH_READ_SIZE = 20, 1, 1000
    batch = batch_with_receipts(receipts=100)
    condo_sandbox.faults = FaultConfig(error_every_nth=4)  # the fourth call of the one slice gives up

    report = batch_publish(batch_id=batch.pk)

    assert report.status == Status.FAILED
    held = live_receipts(condo_sandbox)
    accepted = Receipt.objects.filter(batch=batch, publish_state="accepted")
    assert len(held) == accepted.count() == 60  # before: 0 stored, 60 held
    assert set(accepted.values_list("import_id", flat=True)) == set(held)
    batch.refresh_from_db()
    assert batch.accepted_count == 60


def test_the_approval_fingerprint_is_checked_before_sending(organization, people, tmp_path, condo_sandbox, client):
    batch = _approved(_import(tmp_path, organization, people["importer"]), people)
    seal = ApprovalSeal.objects.get(batch=batch, kind="batch")
    client.force_login(people["approver"])
    page = client.get(f"/admin/billing/batch/{batch.pk}/change/").content.decode()
    assert seal.short_fingerprint in page

    # The organization's Condo context is changed after approval: the documents would go elsewhere.
    organization.condo_context_id = "00000000-0000-4000-8000-000000000000"
    organization.save()
    report = batch_publish(batch_id=batch.pk)

    assert report.refused and "не совпадают с утверждёнными" in report.message
    assert condo_sandbox.calls_of("registerBillingReceipts") == []
    batch.refresh_from_db()
    assert batch.status == Status.FAILED and batch.next_retry_at is None
    assert len(mail.outbox) == 1 and "не совпадают с утверждёнными" in mail.outbox[0].body


def test_the_batch_page_says_that_what_was_sent_is_what_was_approved(
    organization, people, tmp_path, condo_sandbox, client
):
    batch = _approved(_import(tmp_path, organization, people["importer"]), people)
    client.force_login(people["approver"])
    assert (
        "Отправлено то, что утверждено" not in client.get(f"/admin/billing/batch/{batch.pk}/change/").content.decode()
    )

    assert batch_publish(batch_id=batch.pk).status == Status.PUBLISHED

    page = client.get(f"/admin/billing/batch/{batch.pk}/change/").content.decode()
    assert "Отправлено то, что утверждено" in page
    assert ApprovalSeal.objects.get(batch=batch).verified_at is not None


def test_the_database_refuses_to_change_a_written_receipt(organization, people, tmp_path):
    from django.db import IntegrityError, transaction

    batch = _import(tmp_path, organization, people["importer"])
    receipt = Receipt.objects.filter(batch=batch).first()
    for change in ({"to_pay": Decimal("1.00")}, {"payer_name": "Кто-то другой"}, {"address": "г Тверь"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Receipt.objects.filter(pk=receipt.pk).update(**change)
    Receipt.objects.filter(pk=receipt.pk).update(publish_state="accepted", condo_id="c-1")  # outcomes still move


def test_a_missing_approved_digest_stops_the_batch_before_anything_is_sent(
    organization, people, tmp_path, condo_sandbox
):
    from billing.models import ApprovedDocument

    batch = _approved(_import(tmp_path, organization, people["importer"]), people)
    ApprovedDocument.objects.filter(receipt__batch=batch).order_by("pk").first().delete()

    report = batch_publish(batch_id=batch.pk)

    assert report.refused and "не совпадают с утверждёнными" in report.message
    assert condo_sandbox.calls_of("registerBillingReceipts") == []


def test_the_client_sends_no_document_but_the_approved_one(organization, people, tmp_path, condo_sandbox, condo_client):
    from integration.condo import CondoError
    from integration.condo.payloads import receipt_json
    from integration.publishing.fingerprint import document_digest
    from integration.publishing.rows import pending_receipts

    batch = _approved(_import(tmp_path, organization, people["importer"]), people)
    [(_, receipt)] = pending_receipts(batch_id=batch.pk, limit=1)
    assert receipt.digest == document_digest(receipt_json(receipt))  # what approval stored

    receipt.to_pay += Decimal("0.01")  # the document is no longer the approved one
    with pytest.raises(CondoError) as refused:
        condo_client.register_receipts(SANDBOX_CONTEXT_ID, [receipt])
    assert refused.value.code == "SEAL_MISMATCH"
    assert condo_sandbox.calls_of("registerBillingReceipts") == []
