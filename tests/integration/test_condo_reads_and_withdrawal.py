"""Reconciliation reads, withdrawal through updateBillingReceipts, and receipt PDFs."""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from decimal import Decimal

import pytest

from integration.condo import CondoAccount, CondoError, CondoReceipt
from tests.integration.condo_data import PERIOD, make_receipt, make_receipts
from tests.sandbox_fixtures import SANDBOX_CONTEXT_ID, sandbox_client

CTX = SANDBOX_CONTEXT_ID


def test_receipts_of_a_month_are_counted_and_paged_by_100_in_id_order(condo_sandbox, condo_client):
    condo_client.register_receipts(CTX, make_receipts(230))
    condo_client.register_receipts(CTX, make_receipts(5, start=1000, period=date(2025, 2, 1)))
    condo_sandbox.state.calls.clear()

    assert condo_client.count_receipts(CTX, PERIOD) == 230
    receipts = list(condo_client.iter_receipts(CTX, PERIOD))

    assert len(receipts) == 230 and all(isinstance(r, CondoReceipt) for r in receipts)
    assert [r.id for r in receipts] == sorted(r.id for r in receipts)
    assert {r.period for r in receipts} == {PERIOD}
    assert receipts[0].to_pay == Decimal("1200.40") and isinstance(receipts[0].to_pay, Decimal)
    assert len(condo_sandbox.calls_of("allBillingReceipts")) == 3
    by_import_id = {r.import_id: r for r in receipts}
    assert by_import_id[make_receipt(7).import_id].account_number == "0000000007"


def test_withdrawn_receipts_are_not_counted(condo_sandbox, condo_client):
    outcomes = condo_client.register_receipts(CTX, make_receipts(3))
    condo_client.withdraw_receipts([outcomes[0].condo_id])
    assert condo_client.count_receipts(CTX, PERIOD) == 2
    assert outcomes[0].condo_id not in {r.id for r in condo_client.iter_receipts(CTX, PERIOD)}


def test_accounts_are_listed_without_personal_data(condo_client):
    condo_client.register_receipts(CTX, make_receipts(3, account_global_id="12АБ345678"))
    accounts = list(condo_client.iter_accounts(CTX))
    assert sorted(a.number for a in accounts) == ["0000000001", "0000000002", "0000000003"]
    first = accounts[0]
    assert isinstance(first, CondoAccount)
    assert first.address == "г Москва, ул Тверская, д 7" and first.unit_type == "flat"
    assert first.global_id == "12АБ345678" and not first.is_closed
    assert not hasattr(first, "full_name")


def test_withdrawal_soft_deletes_and_frees_the_import_id(condo_sandbox, condo_client):
    receipt = make_receipt(1)
    first = condo_client.register_receipts(CTX, [receipt])[0]

    assert condo_client.withdraw_receipts([first.condo_id]) == {first.condo_id: None}

    stored = condo_sandbox.receipts(CTX)
    assert len(stored) == 1 and stored[0]["deletedAt"] is not None  # deletedAt "true" → the server's time
    again = condo_client.register_receipts(CTX, [receipt])[0]
    assert again.accepted and again.condo_id != first.condo_id  # a new receipt, as in Condo
    assert len(condo_sandbox.receipts(CTX)) == 2
    assert condo_sandbox.calls_of("deleteBillingReceipts") == []


def test_withdrawal_goes_in_chunks_and_treats_already_deleted_as_withdrawn(condo_sandbox):
    """Condo denies the whole bulk call for one deleted id (accessSchema.js, contract 13.1): the
    chunk is read back, the deleted id counts as withdrawn and the rest is sent again."""
    with sandbox_client(condo_sandbox, withdraw_chunk_size=4) as client:
        ids = [o.condo_id for o in client.register_receipts(CTX, make_receipts(10))]
        client.withdraw_receipts(ids[:1])
        condo_sandbox.state.calls.clear()

        results = client.withdraw_receipts([*ids, ids[3]])  # duplicates are sent once

    assert results == dict.fromkeys(ids)
    assert all(r["deletedAt"] for r in condo_sandbox.receipts(CTX))
    # The first chunk is denied, read back, and its three live receipts go again.
    assert [c.receipts for c in condo_sandbox.calls_of("updateBillingReceipts")] == [4, 3, 4, 2]
    assert [c.status for c in condo_sandbox.calls_of("allBillingReceipts")] == [200]


def test_a_withdrawal_whose_answer_was_lost_finishes(condo_sandbox):
    with sandbox_client(condo_sandbox) as client:
        ids = [o.condo_id for o in client.register_receipts(CTX, make_receipts(5))]
        # Condo deletes them, the answer never arrives; the client's resend is denied (13.1).
        condo_sandbox.faults.drop_operations = ("updateBillingReceipts",)
        condo_sandbox.faults.drop_after_store = 1
        results = client.withdraw_receipts(ids)

    assert results == dict.fromkeys(ids)
    dropped, denied = condo_sandbox.calls_of("updateBillingReceipts")
    assert dropped.dropped and denied.status == 200
    assert all(r["deletedAt"] for r in condo_sandbox.receipts(CTX))


def test_a_receipt_deleted_in_condo_itself_does_not_block_the_others(condo_sandbox, condo_client):
    ids = [o.condo_id for o in condo_client.register_receipts(CTX, make_receipts(4))]
    condo_sandbox.delete_receipt(ids[2])  # someone withdrew it in Condo's UI
    assert condo_client.withdraw_receipts(ids) == dict.fromkeys(ids)
    assert all(r["deletedAt"] for r in condo_sandbox.receipts(CTX))


def test_a_mix_of_live_deleted_and_unknown_receipts(condo_sandbox, condo_client):
    ids = [o.condo_id for o in condo_client.register_receipts(CTX, make_receipts(5))]
    unknown = "00000000-0000-4000-8000-00000000dead"
    condo_sandbox.delete_receipt(ids[0])
    condo_client.withdraw_receipts([ids[1]])

    results = condo_client.withdraw_receipts([ids[0], unknown, *ids[1:]])

    assert {condo_id: results[condo_id] for condo_id in ids} == dict.fromkeys(ids)
    assert results[unknown].code == "ACCESS_DENIED" and not results[unknown].retryable
    assert all(r["deletedAt"] for r in condo_sandbox.receipts(CTX))


def test_a_pdf_is_created_then_skipped_then_updated(condo_sandbox, condo_client):
    receipt = make_receipt(1)
    condo_client.register_receipts(CTX, [receipt])
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 4

    assert condo_client.register_receipt_file(CTX, receipt.import_id, pdf) == "CREATED"
    assert condo_client.register_receipt_file(CTX, receipt.import_id, pdf) == "SKIPPED"
    assert condo_client.register_receipt_file(CTX, receipt.import_id, pdf + b"%EOF") == "UPDATED"

    stored = condo_sandbox.state.storage.db.execute("SELECT control_sum FROM files").fetchall()
    assert [row[0] for row in stored] == [hashlib.md5(base64.b64encode(pdf + b"%EOF")).hexdigest()]


def test_a_pdf_for_an_unknown_receipt_is_a_permanent_error(condo_client):
    with pytest.raises(CondoError) as caught:
        condo_client.register_receipt_file(CTX, "no-such-import-id", b"%PDF-1.4")
    assert not caught.value.transient and caught.value.code == "BAD_USER_INPUT"
    assert "NO_RECEIPTS_FOUND" in caught.value.message


def test_a_pdf_over_the_size_limit_is_refused_before_sending(condo_sandbox):
    with sandbox_client(condo_sandbox, max_variables_bytes=64 * 1024) as client, pytest.raises(CondoError) as caught:
        client.register_receipt_file(CTX, "any", b"x" * 60_000)
    assert caught.value.code == "PAYLOAD_TOO_LARGE" and not caught.value.transient
    assert condo_sandbox.calls_of("registerBillingReceiptFile") == []


def test_a_pdf_at_the_default_cap_passes_condos_variables_limit(condo_sandbox, settings):
    """requestLimiting/size.utils.js counts the base64 text at about one byte a character (13.3)."""
    receipt = make_receipt(1, import_id="и" * 128)  # the longest importId the desk stores
    with sandbox_client(condo_sandbox, max_variables_bytes=settings.CONDO_MAX_VARIABLES_BYTES) as client:
        client.register_receipts(CTX, [receipt])
        pdf = b"%PDF-1.4\n" + b"x" * (settings.RECEIPT_PDF_MAX_BYTES - 9)
        assert client.register_receipt_file(CTX, receipt.import_id, pdf) == "CREATED"
    assert condo_sandbox.state.max_variables_bytes == 512 * 1024
