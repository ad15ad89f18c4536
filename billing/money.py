"""Money is Decimal end to end: one place that rounds it (Condo's wire text: integration/condo/money.py)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2
TOTAL_MAX_DIGITS = 18


def quantize_money(value: Decimal) -> Decimal:
    """Round half up to kopecks: the rounding rule of Russian accounting documents."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
