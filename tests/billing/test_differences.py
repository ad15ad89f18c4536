"""One definition of a difference and an anomaly: the preview and the batch page count the same."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.differences import CHANGED, NEW, UNCHANGED, VANISHED, change_percent, difference_kind, is_moved
from billing.models import Batch, Receipt
from billing.selectors.anomalies import registry_anomalies
from billing.selectors.review import batch_review
from tests.factories import AccountFactory, BatchFactory, OrganizationFactory, ReceiptFactory

D = Decimal


@pytest.mark.parametrize(
    ("before", "now", "kind"),
    [
        (None, D("1"), NEW),
        (D("1"), None, VANISHED),
        (D("1.00"), D("1"), UNCHANGED),
        (D("1"), D("1.01"), CHANGED),
    ],
)
def test_kinds(before, now, kind):
    assert difference_kind(before, now) == kind


@pytest.mark.parametrize(
    ("before", "now", "threshold", "moved"),
    [
        (D("100.00"), D("150.00"), D("50"), False),  # exactly at the threshold: not beyond it
        (D("100.00"), D("150.01"), D("50"), True),
        (D("100.00"), D("49.99"), D("50"), True),
        (D("0.00"), D("0.01"), D("50"), True),  # from zero, any change moves
        (D("-100.00"), D("-149.99"), D("50"), False),
        (D("200.01"), D("200.01"), D("0"), False),
        (D("33.33"), D("50.00"), D("50.01"), True),  # +50.015…%: the exact ratio, never a rounded percent
        (D("33.33"), D("50.00"), D("50.02"), False),
    ],
)
def test_moved_is_decided_exactly_without_rounding(before, now, threshold, moved):
    assert is_moved(before, now, threshold) is moved


def test_the_percent_shown_is_rounded_half_up():
    assert change_percent(D("1000.00"), D("1000.25")) == D("0.0")
    assert change_percent(D("200.00"), D("200.10")) == D("0.1")  # 0.05 → 0.1 (HALF_EVEN would give 0.0)
    assert change_percent(D("0"), D("5")) is None
    assert change_percent(D("-100"), D("-90")) == D("10.0")


@pytest.mark.django_db
def test_the_preview_and_the_batch_page_count_the_same_anomalies():
    organization = OrganizationFactory(anomaly_threshold_percent=D("50"))
    previous = BatchFactory(organization=organization, status=Batch.Status.PUBLISHED)
    current = BatchFactory(organization=organization, status=Batch.Status.DRAFT, period=previous.period)
    accounts = [AccountFactory(organization=organization, number=f"{n:08d}") for n in range(6)]

    def receipt(batch, account, category, to_pay):
        return ReceiptFactory(
            batch=batch,
            organization=organization,
            account=account,
            period=batch.period,
            category=category,
            to_pay=D(to_pay),
        )

    # Account 0: housing moves (+60 %), capital repair stays; per account the total moves only +37.5 %.
    receipt(previous, accounts[0], "housing", "100.00")
    receipt(current, accounts[0], "housing", "160.00")
    receipt(previous, accounts[0], "capital_repair", "60.00")
    receipt(current, accounts[0], "capital_repair", "60.00")
    receipt(previous, accounts[1], "housing", "100.00")
    receipt(current, accounts[1], "housing", "150.00")  # at 50 %
    receipt(previous, accounts[2], "housing", "10.00")  # vanished account
    receipt(current, accounts[3], "housing", "0.00")  # new account, zero to pay
    receipt(previous, accounts[4], "housing", "0.00")
    receipt(current, accounts[4], "housing", "-5.00")
    receipt(current, accounts[5], "housing", "70.00")  # new account
    Batch.objects.filter(pk=current.pk).update(receipts_count=Receipt.objects.filter(batch=current).count())
    current.refresh_from_db()

    page = batch_review(batch=current).anomalies
    receipts = sorted((r.account.number, r.category, r.to_pay, "") for r in Receipt.objects.filter(batch=current))
    report: list[list] = []
    preview = registry_anomalies(
        organization=organization, period=current.period, receipts=receipts, report=report.extend, chunk=2
    )

    assert page.previous == previous and preview.previous_batch_id == previous.pk
    assert (preview.moved_count, page.moved_receipts) == (2, 2)  # account 0 housing, account 4 from zero
    assert (preview.new_count, page.new_accounts) == (2, 2)
    assert (preview.gone_count, page.disappeared_accounts) == (1, 1)
    assert (preview.not_positive_count, page.nonpositive_receipts) == (2, 2)
    assert preview.kinds == {NEW: 2, CHANGED: 3, UNCHANGED: 1, VANISHED: 1}
    # Every receipt of either month once, in key order, the vanished one with its amount before.
    assert [row[:3] for row in report] == sorted(row[:3] for row in report) and len(report) == 7
    assert [row[3:5] for row in report if row[2] == VANISHED] == [["10.00", None]]
