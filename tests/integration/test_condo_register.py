"""registerBillingReceipts through the real client against the sandbox over loopback HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from integration.condo import CondoError, ReceiptOutcome
from integration.sandbox import REJECTIONS
from tests.integration.condo_data import make_receipt, make_receipts, make_service
from tests.sandbox_fixtures import SANDBOX_CONTEXT_ID, sandbox_client

CTX = SANDBOX_CONTEXT_ID


def test_all_receipts_are_accepted_in_input_order(condo_sandbox, condo_client):
    receipts = make_receipts(5)
    outcomes = condo_client.register_receipts(CTX, receipts)

    assert [o.import_id for o in outcomes] == [r.import_id for r in receipts]
    assert all(o.accepted and o.error is None for o in outcomes)
    stored = {r["importId"]: r for r in condo_sandbox.receipts(CTX)}
    for outcome in outcomes:
        assert stored[outcome.import_id]["id"] == outcome.condo_id
    assert outcomes[0].to_pay == Decimal("1200.40")
    assert stored[outcomes[0].import_id]["toPay"] == "1200.40000000"  # Condo's numeric(18,8)


def test_what_condo_stores_is_what_the_contract_says(condo_sandbox, condo_client):
    receipt = make_receipt(
        3, to_pay=Decimal("2400.80"), services=(make_service(1), make_service(2, name="ХВС", measure="м³"))
    )
    condo_client.register_receipts(CTX, [receipt])
    stored = condo_sandbox.receipt(CTX, receipt.import_id)

    assert stored["period"] == "2025-01-01"
    assert stored["account"]["number"] == "0000000003"
    assert stored["account"]["unitName"] == "3" and stored["account"]["unitType"] == "flat"
    assert stored["account"]["fullName"] == "Иванов Иван Иванович"
    assert stored["receiver"]["tin"] == "7701234567" and stored["receiver"]["bic"] == "044525225"
    assert stored["toPayDetails"]["paid"] == "0.00"
    assert {s["name"] for s in stored["services"]} == {"Содержание жилого помещения", "ХВС"}


def test_partial_failure_keeps_each_receipt_with_its_own_error(condo_sandbox, condo_client):
    receipts = make_receipts(4)
    condo_sandbox.faults.reject = {
        receipts[1].import_id: "WRONG_MONTH",
        receipts[2].import_id: "ACCOUNT_SAVE_FAILED",
        receipts[3].import_id: "ADDRESS_NOT_RECOGNIZED_VALUE",
    }
    outcomes = condo_client.register_receipts(CTX, receipts)

    assert outcomes[0].accepted
    month = outcomes[1].error
    assert not outcomes[1].accepted and outcomes[1].condo_id is None
    assert (month.code, month.type, month.variable, month.retryable) == (
        "BAD_USER_INPUT",
        "WRONG_FORMAT",
        "month",
        False,
    )
    assert month.message == REJECTIONS["WRONG_MONTH"].message
    server_side = outcomes[2].error
    assert (server_side.code, server_side.variable, server_side.retryable) == ("INTERNAL_ERROR", "accountNumber", True)
    address = outcomes[3].error
    assert address.code == "INTERNAL_SERVER_ERROR" and address.variable == "address" and not address.retryable
    assert "Address is not recognized" in address.message
    assert [r["importId"] for r in condo_sandbox.receipts(CTX)] == [receipts[0].import_id]


def test_the_first_receipt_of_a_bank_account_decides_its_bic(condo_sandbox, condo_client):
    bad_first = make_receipts(3, bic="999")  # Condo checks the BIC once per bank account (contract §11.7)
    outcomes = condo_client.register_receipts(CTX, bad_first)
    assert [o.error.variable for o in outcomes] == ["bic", "bic", "bic"]
    assert all(o.error.type == "WRONG_VALUE" and not o.error.retryable for o in outcomes)


def test_resending_unchanged_receipts_changes_nothing(condo_sandbox, condo_client):
    receipts = make_receipts(3)
    first = condo_client.register_receipts(CTX, receipts)
    versions = {r["importId"]: r["v"] for r in condo_sandbox.receipts(CTX)}

    again = condo_client.register_receipts(CTX, receipts)

    assert [o.condo_id for o in again] == [o.condo_id for o in first]
    assert {r["importId"]: r["v"] for r in condo_sandbox.receipts(CTX)} == versions


def test_a_changed_receipt_is_updated_in_place(condo_sandbox, condo_client):
    receipt = make_receipt(1)
    first = condo_client.register_receipts(CTX, [receipt])[0]
    changed = make_receipt(1, to_pay=Decimal("999.99"))
    second = condo_client.register_receipts(CTX, [changed])[0]

    assert second.condo_id == first.condo_id and second.to_pay == Decimal("999.99")
    stored = condo_sandbox.receipts(CTX)
    assert len(stored) == 1 and stored[0]["v"] == 2 and stored[0]["balanceUpdatedAt"] is not None


def test_receipts_are_sent_in_chunks_of_the_configured_count(condo_sandbox):
    with sandbox_client(condo_sandbox, chunk_size=4) as client:
        outcomes = client.register_receipts(CTX, make_receipts(10))
    assert all(o.accepted for o in outcomes)
    assert [c.receipts for c in condo_sandbox.calls_of("registerBillingReceipts")] == [4, 4, 2]


def test_chunk_size_never_exceeds_condos_limit_of_1000(condo_sandbox):
    with sandbox_client(condo_sandbox, chunk_size=5000) as client:
        assert client.chunk_size == 1000


def test_chunks_are_cut_by_size_as_condo_measures_it(condo_sandbox):
    with sandbox_client(condo_sandbox, chunk_size=1000, max_variables_bytes=8 * 1024) as client:
        outcomes = client.register_receipts(CTX, make_receipts(12))
    calls = condo_sandbox.calls_of("registerBillingReceipts")
    assert all(o.accepted for o in outcomes)
    assert len(calls) > 1 and sum(c.receipts for c in calls) == 12
    assert all(c.status == 200 for c in calls)


def test_a_chunk_condo_finds_too_large_is_split_and_resent(condo_sandbox):
    condo_sandbox.state.max_variables_bytes = 10 * 1024  # the server is stricter than the client thinks
    with sandbox_client(condo_sandbox, max_variables_bytes=480 * 1024) as client:
        outcomes = client.register_receipts(CTX, make_receipts(16))
    statuses = [c.status for c in condo_sandbox.calls_of("registerBillingReceipts")]
    assert all(o.accepted for o in outcomes)
    assert statuses[0] == 500 and 200 in statuses  # PAYLOAD_TOO_LARGE comes as HTTP 500
    assert len(condo_sandbox.receipts(CTX)) == 16


def test_a_receipt_too_large_on_its_own_fails_alone(condo_sandbox):
    huge = make_receipt(2, services=tuple(make_service(n, name="Очень длинная услуга " * 20) for n in range(40)))
    receipts = [make_receipt(1), huge, make_receipt(3)]
    with sandbox_client(condo_sandbox, max_variables_bytes=16 * 1024) as client:
        outcomes = client.register_receipts(CTX, receipts)
    assert outcomes[0].accepted and outcomes[2].accepted
    assert (outcomes[1].error.code, outcomes[1].error.retryable) == ("RECEIPT_TOO_LARGE", False)
    assert {c.receipts for c in condo_sandbox.calls_of("registerBillingReceipts")} == {2}


def test_a_receipt_the_server_alone_finds_too_large_fails_alone(condo_sandbox):
    condo_sandbox.state.max_variables_bytes = 12 * 1024
    huge = make_receipt(2, services=tuple(make_service(n, name="Очень длинная услуга " * 5) for n in range(20)))
    with sandbox_client(condo_sandbox) as client:
        outcomes = client.register_receipts(CTX, [make_receipt(1), huge, make_receipt(3)])
    assert outcomes[0].accepted and outcomes[2].accepted
    assert outcomes[1].error.code == "RECEIPT_TOO_LARGE"


@pytest.mark.parametrize(("status", "deleted"), [("InProgress", False), ("Error", False), ("Finished", True)])
def test_a_context_that_is_not_finished_is_refused_at_once(condo_sandbox, condo_client, status, deleted):
    condo_sandbox.add_context("0c0c0c0c-0000-4000-8000-000000000001", status, deleted=deleted)
    with pytest.raises(CondoError) as caught:
        condo_client.register_receipts("0c0c0c0c-0000-4000-8000-000000000001", make_receipts(2))
    assert (caught.value.transient, caught.value.code) == (False, "ACCESS_DENIED")
    assert len(condo_sandbox.calls_of("registerBillingReceipts")) == 1  # no retries


def test_outcomes_known_before_a_whole_call_failure_are_kept(condo_sandbox):
    with sandbox_client(condo_sandbox, chunk_size=2, max_attempts=1) as client:
        client.register_receipts(CTX, [])  # logs in
        condo_sandbox.faults.error_every_nth = 2
        with pytest.raises(CondoError) as caught:
            client.register_receipts(CTX, make_receipts(4))
    known = caught.value.outcomes
    assert caught.value.transient
    assert all(isinstance(o, ReceiptOutcome) and o.accepted for o in known[:2]) and known[2:] == [None, None]


def test_nothing_to_send_makes_no_call(condo_sandbox, condo_client):
    assert condo_client.register_receipts(CTX, []) == []
    assert condo_sandbox.calls_of("registerBillingReceipts") == []
