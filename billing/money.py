"""Money is Decimal end to end: one place that parses and rounds it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

CENT = Decimal("0.01")
MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2
TOTAL_MAX_DIGITS = 18
# Passed positionally: quantize(CENT, rounding=...) parses a keyword on every call (twice the cost).
_HALF_UP = Context(rounding=ROUND_HALF_UP)


def quantize_money(value: Decimal) -> Decimal:
    """Round half up to kopecks: the rounding rule of Russian accounting documents."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_to_wire(value: Decimal) -> str:
    """A decimal string with two places and a dot, as Condo expects (`"1520.40"`).

    `str` of a value quantized to kopecks is already that text (never exponent notation at
    exponent -2); formatting it again cost as much as the rounding, 100,000 times a month.
    Zero, most of a receipt's amounts (balance, recalculation, privilege, paid), skips both.
    """
    if not value:
        return "0.00"
    return str(value.quantize(CENT, None, _HALF_UP))


def money_from_wire(value: str | None) -> Decimal | None:
    """Condo answers money as strings with 8 places ("1520.40000000")."""
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except InvalidOperation as error:
        raise ValueError(f"not a decimal amount: {value!r}") from error
