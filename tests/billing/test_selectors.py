from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.models import Batch, Receipt
from billing.selectors.batches import (
    batch_previous_published,
    batch_service_totals,
    batch_totals,
    batches_awaiting_approval,
)
from billing.selectors.receipt_states import batch_state_counts
from billing.selectors.review import Anomaly, batch_anomalies, batch_receipts
from tests.factories import AccountFactory, BatchFactory, OrganizationFactory, ReceiptFactory, ServiceLineFactory

SEPTEMBER = date(2026, 9, 1)
OCTOBER = date(2026, 10, 1)


@pytest.fixture
def month_pair(db):
    """September published, October under review: B moved 60 %, C 40 %, D gone, E and F new."""
    organization = OrganizationFactory(anomaly_threshold_percent=Decimal("50"))
    previous = BatchFactory(organization=organization, period=SEPTEMBER, status=Batch.Status.PUBLISHED)
    current = BatchFactory(organization=organization, period=OCTOBER)
    accounts = {name: AccountFactory(organization=organization) for name in "ABCDEF"}
    for name, amount in {"A": "100", "B": "100", "C": "100", "D": "100"}.items():
        ReceiptFactory(batch=previous, account=accounts[name], to_pay=Decimal(amount))
    for name, amount in {"A": "100", "B": "160", "C": "140", "E": "50", "F": "0"}.items():
        ReceiptFactory(batch=current, account=accounts[name], to_pay=Decimal(amount))
    return previous, current, accounts


def _numbers(receipts) -> set[str]:
    return {receipt.account.number for receipt in receipts}


def test_anomalies_against_the_last_published_batch(month_pair):
    previous, current, accounts = month_pair
    anomalies = batch_anomalies(batch=current)
    assert anomalies.previous == previous
    assert (anomalies.new_accounts, anomalies.disappeared_accounts) == (2, 1)
    assert (anomalies.moved_receipts, anomalies.nonpositive_receipts) == (1, 1)
    assert _numbers(anomalies.samples[Anomaly.NEW]) == {accounts["E"].number, accounts["F"].number}
    assert _numbers(anomalies.samples[Anomaly.DISAPPEARED]) == {accounts["D"].number}
    assert _numbers(anomalies.samples[Anomaly.MOVED]) == {accounts["B"].number}
    assert _numbers(anomalies.samples[Anomaly.NONPOSITIVE]) == {accounts["F"].number}


def test_a_lower_threshold_flags_smaller_moves(month_pair):
    _, current, accounts = month_pair
    current.organization.anomaly_threshold_percent = Decimal("39.99")
    current.organization.save()
    current.refresh_from_db()
    assert _numbers(
        batch_receipts(batch=current, anomaly=Anomaly.MOVED, previous=batch_previous_published(batch=current))
    ) == {
        accounts["B"].number,
        accounts["C"].number,
    }


def test_receipts_filtered_by_anomaly_carry_the_previous_total(month_pair):
    previous, current, accounts = month_pair
    moved = list(batch_receipts(batch=current, anomaly=Anomaly.MOVED, previous=previous))
    assert [(r.account.number, r.previous_to_pay, r.to_pay) for r in moved] == [
        (accounts["B"].number, Decimal("100.00"), Decimal("160.00"))
    ]
    assert _numbers(batch_receipts(batch=current, anomaly=Anomaly.NEW, previous=previous)) == {
        accounts["E"].number,
        accounts["F"].number,
    }
    assert batch_receipts(batch=current, previous=previous).count() == 5


def test_without_a_published_batch_nothing_is_compared(db):
    organization = OrganizationFactory()
    BatchFactory(organization=organization, period=SEPTEMBER, status=Batch.Status.REJECTED)
    current = BatchFactory(organization=organization, period=OCTOBER)
    ReceiptFactory(batch=current, to_pay=Decimal("-5"))
    anomalies = batch_anomalies(batch=current)
    assert anomalies.previous is None
    assert (anomalies.new_accounts, anomalies.moved_receipts, anomalies.nonpositive_receipts) == (0, 0, 1)
    assert not batch_receipts(batch=current, anomaly=Anomaly.NEW).exists()


def test_previous_batch_is_the_latest_published_of_the_same_organization_up_to_the_month(db):
    organization = OrganizationFactory()
    BatchFactory(organization=organization, period=date(2026, 8, 1), status=Batch.Status.PUBLISHED)
    september = BatchFactory(organization=organization, period=SEPTEMBER, status=Batch.Status.PARTIALLY_PUBLISHED)
    BatchFactory(organization=organization, period=date(2026, 11, 1), status=Batch.Status.PUBLISHED)
    BatchFactory(period=SEPTEMBER, status=Batch.Status.PUBLISHED)  # another organization
    current = BatchFactory(organization=organization, period=OCTOBER, status=Batch.Status.PUBLISHED)
    assert batch_previous_published(batch=current) == september


def test_totals_overall_per_service_and_per_state(db):
    batch = BatchFactory()
    first = ReceiptFactory(batch=batch, to_pay=Decimal("100.10"), publish_state=Receipt.PublishState.PENDING)
    second = ReceiptFactory(batch=batch, to_pay=Decimal("0.20"), publish_state=Receipt.PublishState.REJECTED)
    ServiceLineFactory(receipt=first, service_id="heat", name="Отопление", to_pay=Decimal("60.05"))
    ServiceLineFactory(receipt=first, service_id="water", name="ХВС", to_pay=Decimal("40.05"))
    ServiceLineFactory(receipt=second, service_id="heat", name="Отопление", to_pay=Decimal("0.20"))
    ReceiptFactory(to_pay=Decimal("999"))  # another batch
    Batch.objects.filter(pk=batch.pk).update(total_to_pay=Decimal("100.30"))  # as the import writes it
    batch.refresh_from_db()

    totals = batch_totals(batch=batch)
    assert (totals.receipts, totals.accounts, totals.to_pay, totals.nonpositive) == (2, 2, Decimal("100.30"), 0)
    assert [(s.name, s.lines, s.to_pay) for s in batch_service_totals(batch=batch)] == [
        ("Отопление", 2, Decimal("60.25")),
        ("ХВС", 1, Decimal("40.05")),
    ]
    assert batch_state_counts(batch=batch) == {"pending": 1, "accepted": 0, "rejected": 1, "withdrawn": 0}


def test_awaiting_approval_leaves_out_own_submissions(approver, accountant):
    mine = BatchFactory(submitted=True, created_by=approver)
    theirs = BatchFactory(submitted=True, created_by=accountant)
    BatchFactory(created_by=accountant)
    assert list(batches_awaiting_approval(user=approver)) == [theirs]
    assert mine.submitted_by == approver
