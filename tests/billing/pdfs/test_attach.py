"""Attaching a ZIP of PDFs to a batch: matching by name, refusals per file, what is stored."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import InMemoryStorage

from billing.errors import ActionForbidden, ApplicationError
from billing.models import Batch, Receipt, ReceiptPdf
from billing.models.pdfs import receipt_pdf_storage
from billing.services.receipt_pdfs import receipt_pdfs_attach
from tests.billing.pdfs.support import make_pdf, pdf_of_size, stored_files, zip_of
from tests.factories import ReceiptFactory

pytestmark = pytest.mark.django_db


def attach(batch, entries: dict[str, bytes], by):
    return receipt_pdfs_attach(batch=batch, archive=io.BytesIO(zip_of(entries)), by=by)


def pdf_of(batch, account: str) -> ReceiptPdf:
    return ReceiptPdf.objects.get(receipt__batch=batch, receipt__account__number=account)


def test_both_name_forms_match_their_receipts_and_the_rest_is_listed(batch, accountant, pdf_storage):
    first, second = make_pdf("first"), make_pdf("second")
    report = attach(
        batch,
        {"00000000.pdf": first, "pdfs/00000001_102026.PDF": second, "99999999.pdf": make_pdf("stranger")},
        accountant,
    )

    assert (report.files, report.attached, report.unchanged) == (3, 2, 0)
    assert report.unmatched == ["99999999.pdf"]
    assert report.refused == []
    assert report.receipts_without_file == 1
    assert report.receipts_without_file_sample == ["00000002 (ЖКУ)"]
    stored = pdf_of(batch, "00000000")
    assert stored.state == ReceiptPdf.State.PENDING and stored.size == len(first)
    assert stored.batch_id == batch.pk and stored.attached_by == accountant
    assert stored.source_name == "00000000.pdf"
    with receipt_pdf_storage().open(stored.file.name, "rb") as handle:
        assert handle.read() == first
    assert pdf_of(batch, "00000001").sha256 != stored.sha256
    # Random names under our own prefix; the archive's names never become paths.
    assert len(stored_files(pdf_storage)) == 2
    assert all("0000000" not in path.name for path in stored_files(pdf_storage))
    assert stored.file.name.startswith("receipt-pdfs/")


def test_a_month_other_than_the_batchs_is_refused_with_both_months(batch, accountant, pdf_storage):
    report = attach(batch, {"00000000_092026.pdf": make_pdf()}, accountant)
    assert report.attached == 0
    [refusal] = report.refused
    assert refusal.name == "00000000_092026.pdf"
    assert "09.2026" in refusal.reason and "10.2026" in refusal.reason


def test_non_pdf_and_corrupt_files_are_refused_one_by_one(batch, accountant, pdf_storage):
    good = make_pdf("good")
    report = attach(
        batch,
        {
            "00000000.pdf": b"PK-not-a-pdf, just text pretending" * 3,
            "00000001.pdf": good[: len(good) // 2],  # cut in the middle: %PDF header, no xref or trailer
            "00000002.pdf": good,
            "readme.txt": b"hello",
        },
        accountant,
    )

    reasons = {refusal.name: refusal.reason for refusal in report.refused}
    assert "не начинается с «%PDF-»" in reasons["00000000.pdf"]
    assert "повреждён" in reasons["00000001.pdf"]
    assert "это не PDF" in reasons["readme.txt"]
    assert report.attached == 1
    assert list(ReceiptPdf.objects.values_list("receipt__account__number", flat=True)) == ["00000002"]
    assert len(stored_files(pdf_storage)) == 1


def test_a_file_over_the_contract_limit_is_refused_naming_the_limit(batch, accountant, pdf_storage, settings):
    limit = settings.RECEIPT_PDF_MAX_BYTES
    report = attach(batch, {"00000000.pdf": pdf_of_size(limit), "00000001.pdf": pdf_of_size(limit + 1)}, accountant)

    assert report.attached == 1
    [refusal] = report.refused
    assert refusal.name == "00000001.pdf"
    assert "RECEIPT_PDF_MAX_BYTES" in refusal.reason and str(limit) in refusal.reason
    assert pdf_of(batch, "00000000").size == limit


def test_the_limit_is_a_setting(batch, accountant, pdf_storage, settings):
    settings.RECEIPT_PDF_MAX_BYTES = 1000
    report = attach(batch, {"00000000.pdf": make_pdf(pad=2000)}, accountant)
    assert report.attached == 0 and "1000 байт" in report.refused[0].reason


def test_default_limit_fits_condo_variables_with_the_longest_envelope(settings):
    """A PDF at the limit, with a 128-character importId, stays under the client's variables cap (contract §1)."""
    import base64

    from integration.condo.sizing import object_sizeof

    encoded = base64.b64encode(b"x" * settings.RECEIPT_PDF_MAX_BYTES).decode()
    variables = {
        "data": {
            "dv": 1,
            "sender": {"dv": 1, "fingerprint": "f" * 42},
            "context": {"id": "c" * 36},
            "receipt": {"importId": "и" * 128},
            "base64EncodedPDF": encoded,
        }
    }
    assert object_sizeof(variables) <= settings.CONDO_MAX_VARIABLES_BYTES < 512 * 1024
    assert 380 * 1024 <= settings.RECEIPT_PDF_MAX_BYTES < 384 * 1024  # about 384 KiB at most (contract 13.3)


def test_an_account_with_several_receipts_needs_the_category_in_the_name(batch, accountant, pdf_storage):
    housing = Receipt.objects.get(batch=batch, account__number="00000000")
    repair = ReceiptFactory(batch=batch, account=housing.account, category=Receipt.Category.CAPITAL_REPAIR)

    report = attach(batch, {"00000000.pdf": make_pdf("a")}, accountant)
    assert report.attached == 0 and "несколько квитанций" in report.refused[0].reason

    report = attach(
        batch, {"00000000_102026_capital_repair.pdf": make_pdf("b"), "00000000_ЖКУ.pdf": make_pdf("c")}, accountant
    )
    assert report.attached == 2 and report.refused == []
    assert set(ReceiptPdf.objects.values_list("receipt_id", flat=True)) == {housing.pk, repair.pk}


def test_two_files_for_one_receipt_are_both_refused(batch, accountant, pdf_storage):
    report = attach(batch, {"00000000.pdf": make_pdf("a"), "other/00000000_102026.pdf": make_pdf("b")}, accountant)
    assert report.attached == 0
    assert {refusal.name for refusal in report.refused} == {"00000000.pdf", "other/00000000_102026.pdf"}


def test_the_same_archive_again_changes_nothing_and_a_changed_pdf_replaces_the_old(
    batch, accountant, pdf_storage, django_capture_on_commit_callbacks
):
    attach(batch, {"00000000.pdf": make_pdf("v1"), "00000001.pdf": make_pdf("same")}, accountant)
    old = pdf_of(batch, "00000000")
    ReceiptPdf.objects.update(state=ReceiptPdf.State.SENT, condo_status="CREATED", sent_at=old.created_at)

    again = attach(batch, {"00000000.pdf": make_pdf("v1"), "00000001.pdf": make_pdf("same")}, accountant)
    assert (again.attached, again.unchanged) == (0, 2)
    assert set(ReceiptPdf.objects.values_list("state", flat=True)) == {"sent"}

    with django_capture_on_commit_callbacks(execute=True):
        changed = attach(batch, {"00000000.pdf": make_pdf("v2"), "00000001.pdf": make_pdf("same")}, accountant)
    assert (changed.attached, changed.unchanged) == (1, 1)
    new = pdf_of(batch, "00000000")
    assert new.pk == old.pk and new.sha256 != old.sha256 and new.file.name != old.file.name
    assert (new.state, new.condo_status, new.sent_at) == ("pending", "", None)
    assert pdf_of(batch, "00000001").state == "sent"
    # The replaced file is gone from storage once the new one is committed.
    assert not receipt_pdf_storage().exists(old.file.name)
    assert len(stored_files(pdf_storage)) == 2


def test_attaching_to_a_published_batch_marks_the_changed_pdf_pending(accountant, pdf_storage):
    from tests.integration.publishing.builders import batch_with_receipts

    batch = batch_with_receipts(receipts=2, status=Batch.Status.PUBLISHED)
    report = attach(batch, {"00000000.pdf": make_pdf()}, accountant)
    assert report.attached == 1 and pdf_of(batch, "00000000").state == "pending"
    batch.refresh_from_db()
    assert batch.status == Batch.Status.PUBLISHED


@pytest.mark.parametrize("status", [Batch.Status.WITHDRAWN, Batch.Status.SUPERSEDED])
def test_withdrawn_and_superseded_batches_take_no_pdfs(accountant, pdf_storage, status):
    from tests.integration.publishing.builders import batch_with_receipts

    batch = batch_with_receipts(receipts=1, status=status)
    with pytest.raises(ApplicationError, match="не прикрепляются"):
        attach(batch, {"00000000.pdf": make_pdf()}, accountant)
    assert not ReceiptPdf.objects.exists() and stored_files(pdf_storage) == []


def test_only_accountants_and_superusers_attach(batch, approver, superuser, pdf_storage):
    with pytest.raises(ActionForbidden):
        attach(batch, {"00000000.pdf": make_pdf()}, approver)
    assert attach(batch, {"00000000.pdf": make_pdf()}, superuser).attached == 1


def test_another_storage_is_chosen_by_settings(batch, accountant, settings):
    settings.STORAGES = {**settings.STORAGES, "receipt_pdfs": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    attach(batch, {"00000000.pdf": make_pdf("memory")}, accountant)
    storage = receipt_pdf_storage()
    assert isinstance(storage, InMemoryStorage)
    with storage.open(pdf_of(batch, "00000000").file.name, "rb") as handle:
        assert handle.read() == make_pdf("memory")


def test_names_from_russian_windows_archivers_are_shown_readably(batch, accountant, pdf_storage):
    import zipfile

    class Cp866Info(zipfile.ZipInfo):  # what archivers on Russian Windows write: CP866, no UTF-8 flag
        def _encodeFilenameFlags(self):
            return self.filename.encode("cp866"), self.flag_bits

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(Cp866Info("квитанция.pdf"), make_pdf())
    report = receipt_pdfs_attach(batch=batch, archive=io.BytesIO(buffer.getvalue()), by=accountant)
    assert report.unmatched == ["квитанция.pdf"]


@pytest.mark.parametrize("suffix", ["капремонт", "Капремонт", "КАПИТАЛЬНЫЙ_РЕМОНТ", "capital_repair"])
def test_the_category_is_read_from_its_russian_word_in_any_case(batch, accountant, pdf_storage, suffix):
    housing = Receipt.objects.get(batch=batch, account__number="00000000")
    repair = ReceiptFactory(batch=batch, account=housing.account, category=Receipt.Category.CAPITAL_REPAIR)
    report = attach(
        batch, {f"00000000_102026_{suffix}.pdf": make_pdf("r"), "00000000_жкх.pdf": make_pdf("h")}, accountant
    )
    assert report.attached == 2 and report.refused == []
    assert ReceiptPdf.objects.get(receipt=housing).source_name == "00000000_жкх.pdf"
    assert ReceiptPdf.objects.get(receipt=repair).source_name == f"00000000_102026_{suffix}.pdf"


def test_the_refusal_suggests_a_name_with_the_russian_word(batch, accountant, pdf_storage):
    housing = Receipt.objects.get(batch=batch, account__number="00000000")
    ReceiptFactory(batch=batch, account=housing.account, category=Receipt.Category.CAPITAL_REPAIR)
    report = attach(batch, {"00000000.pdf": make_pdf("a")}, accountant)
    reason = report.refused[0].reason
    assert "00000000_102026_жку.pdf" in reason or "00000000_102026_капремонт.pdf" in reason
    assert "housing" not in reason and "capital_repair" not in reason
