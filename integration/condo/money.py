"""Money on Condo's wire: decimal strings, two places and a dot out, up to eight places back.

The client owns this format so that it needs nothing from `billing`: it rounds half up to
kopecks, the rule of Russian accounting documents that the desk itself keeps.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

KOPECK = Decimal("0.01")
# Passed positionally: quantize(KOPECK, rounding=...) parses a keyword on every call (twice the cost).
_HALF_UP = Context(rounding=ROUND_HALF_UP)


def to_kopecks(value: Decimal) -> Decimal:
    """Round half up to kopecks, as the amounts Condo stores."""
    return value.quantize(KOPECK, None, _HALF_UP)


def money_to_wire(value: Decimal) -> str:
    """A decimal string with two places and a dot, as Condo expects (`"1520.40"`).

    `str` of a value quantized to kopecks is already that text (never exponent notation at
    exponent -2); formatting it again cost as much as the rounding, 100,000 times a month.
    Zero, most of a receipt's amounts (balance, recalculation, privilege, paid), skips both.
    """
    if not value:
        return "0.00"
    rounded = to_kopecks(value)
    # An amount that rounds to zero from below is "0.00" on the wire, never "-0.00".
    return str(rounded) if rounded else "0.00"


def money_from_wire(value: str | None) -> Decimal | None:
    """Condo answers money as strings with 8 places ("1520.40000000")."""
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except InvalidOperation as error:
        raise ValueError(f"not a decimal amount: {value!r}") from error
