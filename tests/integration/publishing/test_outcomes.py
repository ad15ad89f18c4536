"""One chunk's outcomes land on their receipts in one statement, or per row where SQLite is old."""

from __future__ import annotations

import pytest

from billing.models import Batch, Receipt
from integration.condo import ReceiptError, ReceiptOutcome
from integration.publishing import outcomes as outcomes_module
from integration.publishing.outcomes import outcomes_store
from tests.integration.publishing.builders import batch_with_receipts

pytestmark = pytest.mark.django_db(transaction=True)
State = Receipt.PublishState


@pytest.fixture(params=["one statement", "per row"])
def storage(request, monkeypatch):
    if request.param == "per row":
        monkeypatch.setattr(outcomes_module, "set_based_update_supported", lambda: False)
    return request.param


def _publishing(receipts: int) -> tuple[Batch, list[Receipt]]:
    batch = batch_with_receipts(receipts=receipts)
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.PUBLISHING, lease_owner="worker-1")
    return batch, list(Receipt.objects.filter(batch=batch).order_by("id"))


def test_each_outcome_lands_on_its_receipt(storage):
    batch, receipts = _publishing(4)
    answered = [
        ReceiptOutcome(receipts[0].import_id, True, condo_id="condo-0"),
        ReceiptOutcome(
            receipts[1].import_id, False, error=ReceiptError(code="WRONG_FORMAT", variable="bic", message="bad bic")
        ),
        ReceiptOutcome(
            receipts[2].import_id, False, error=ReceiptError(code="INTERNAL_ERROR", message="boom", retryable=True)
        ),
        ReceiptOutcome(receipts[3].import_id, True, condo_id="condo-3 «кавычки» \"и\" 'апострофы'"),
    ]
    result = outcomes_store(
        batch_id=batch.pk, owner="worker-1", receipt_ids=[r.pk for r in receipts], outcomes=answered
    )

    assert (result.accepted, result.rejected, result.deferred) == (2, 1, [receipts[2].pk])
    stored = {r.pk: r for r in Receipt.objects.filter(batch=batch)}
    first, rejected, deferred, last = (stored[r.pk] for r in receipts)
    assert (first.publish_state, first.condo_id, first.error_code, first.error_message) == (
        State.ACCEPTED,
        "condo-0",
        "",
        "",
    )
    assert first.published_at is not None and first.updated_at == first.published_at
    assert last.condo_id == "condo-3 «кавычки» \"и\" 'апострофы'"
    assert (rejected.publish_state, rejected.error_code, rejected.published_at) == (
        State.REJECTED,
        "WRONG_FORMAT",
        None,
    )
    assert rejected.error_message  # explained in the accountant's words, checked in test_explain
    assert (deferred.publish_state, deferred.error_code, deferred.published_at) == (
        State.PENDING,
        "INTERNAL_ERROR",
        None,
    )
    batch.refresh_from_db()
    assert (batch.accepted_count, batch.rejected_count) == (2, 1)


def test_a_worker_that_lost_the_lease_writes_nothing(storage):
    batch, receipts = _publishing(2)
    answered = [ReceiptOutcome(r.import_id, True, condo_id=f"condo-{r.pk}") for r in receipts]
    assert (
        outcomes_store(batch_id=batch.pk, owner="worker-2", receipt_ids=[r.pk for r in receipts], outcomes=answered)
        is None
    )
    assert set(Receipt.objects.filter(batch=batch).values_list("publish_state", flat=True)) == {State.PENDING}


def test_other_receipts_are_left_alone(storage):
    batch, receipts = _publishing(3)
    outcomes_store(
        batch_id=batch.pk,
        owner="worker-1",
        receipt_ids=[receipts[1].pk],
        outcomes=[ReceiptOutcome(receipts[1].import_id, True, condo_id="condo-1")],
    )
    states = dict(Receipt.objects.filter(batch=batch).values_list("pk", "publish_state"))
    assert states == {receipts[0].pk: State.PENDING, receipts[1].pk: State.ACCEPTED, receipts[2].pk: State.PENDING}


def test_an_accepted_receipt_keeps_condos_warning_and_what_to_do(storage):
    batch, receipts = _publishing(4)
    answered = [
        ReceiptOutcome(receipts[0].import_id, True, condo_id="c0", receiver_approved=True),
        ReceiptOutcome(receipts[1].import_id, True, condo_id="c1", receiver_approved=False),
        ReceiptOutcome(
            receipts[2].import_id,
            True,
            condo_id="c2",
            receiver_approved=True,
            services_error="Services sum (900) does not add up to the toPay (900) amount correctly",
        ),
        ReceiptOutcome(
            receipts[3].import_id,
            True,
            condo_id="c3",
            receiver_approved=False,
            services_error="[big.js] Invalid number",
        ),
    ]
    outcomes_store(batch_id=batch.pk, owner="worker-1", receipt_ids=[r.pk for r in receipts], outcomes=answered)

    stored = dict(Receipt.objects.filter(batch=batch).values_list("pk", "condo_warning"))
    assert [stored[r.pk] for r in receipts] == [
        "",
        "RECIPIENT_NOT_APPROVED",
        "INVALID_SERVICES",
        "RECIPIENT_NOT_APPROVED",
    ]
    messages = dict(Receipt.objects.filter(batch=batch).values_list("pk", "condo_warning_message"))
    assert messages[receipts[0].pk] == ""
    assert "поддержку Condo" in messages[receipts[1].pk] and "расчётный счёт" in messages[receipts[1].pk]
    assert "Services sum (900)" in messages[receipts[2].pk]
    assert "поддержку Condo" in messages[receipts[3].pk] and "big.js" in messages[receipts[3].pk]
