"""One definition of a difference and of an anomaly, for the import preview, the batch page and the check.

What is compared: a receipt, keyed by its account number and category (exactly what its Condo
importId is made of, billing.models.receipt_import_id), with the receipt of the same key in the last
published batch of the organization up to this month (billing.selectors.batches.previous_published_batch;
for a correction that is the published batch of the same month). Never per account: an account with
a housing and a capital repair receipt has two receipts, and Condo shows two.

Differences of a receipt (`kind`):
    NEW        no receipt of this key before;
    VANISHED   a receipt of this key before, none now (Condo will drop it once a replacement is confirmed);
    CHANGED    both, and the amount to pay differs by at least a kopeck;
    UNCHANGED  both, and the same amount.

Anomalies, shown for a person to look at before approving:
    new accounts and vanished accounts     — accounts (not receipts) that appear or disappear;
    moved receipts                         — CHANGED with |now − before| > |before| × threshold / 100,
                                             decided exactly in Decimal (amounts are whole kopecks,
                                             the threshold has two places: nothing is rounded before
                                             the comparison); a change from zero always moves;
    zero or negative receipts              — to pay ≤ 0.

The change in percent is only shown, never decided on: |now − before| / |before| × 100 rounded
half up (as Russian accounting rounds, billing.money) to one place; None when before is zero.
The batch page decides the same in SQL (billing.selectors.review_receipts.MOVED); tests/billing/test_differences.py
holds the two to the same answers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

NEW = "new"
CHANGED = "changed"
UNCHANGED = "unchanged"
VANISHED = "vanished"
KIND_LABELS = {NEW: "Новая", CHANGED: "Изменилась", UNCHANGED: "Без изменений", VANISHED: "Исчезла"}
TENTH = Decimal("0.1")


def difference_kind(before: Decimal | None, now: Decimal | None) -> str:
    if before is None:
        return NEW
    if now is None:
        return VANISHED
    return UNCHANGED if before == now else CHANGED


def is_moved(before: Decimal | None, now: Decimal | None, threshold_percent: Decimal) -> bool:
    """The «сумма изменилась больше порога» anomaly of one receipt."""
    if before is None or now is None or before == now:
        return False
    return abs(now - before) * 100 > abs(before) * threshold_percent


def change_percent(before: Decimal | None, now: Decimal | None) -> Decimal | None:
    """For showing only: «+12,5 %» is `change_percent(...)` with its sign; None when before is zero."""
    if before is None or now is None or before == 0:
        return None
    return ((now - before) * 100 / abs(before)).quantize(TENTH, rounding=ROUND_HALF_UP)


def is_nonpositive(now: Decimal) -> bool:
    return now <= 0
