"""Condo's wire text of money agrees with the desk's own rounding to kopecks."""

from decimal import Decimal

import pytest

from billing.money import quantize_money
from integration.condo.money import money_from_wire, money_to_wire

EDGES = [
    "0",
    "-0",
    "0.00",
    "0.005",
    "-0.005",
    "1259.53",
    "1000",
    "1E+3",
    "1.5E+2",
    "0.1",
    "-1872.61",
    "999999999999.995",
    "12345678901234.56",
    "2.675",
    "0.0000001",
    "-0.0049",
]


@pytest.mark.parametrize("text", EDGES)
def test_wire_text_is_the_rounded_amount_with_two_places_and_a_dot(text):
    value = Decimal(text)
    wire = money_to_wire(value)
    rounded = quantize_money(value)
    # Whatever rounds to zero, from either side, is plain "0.00", never "-0.00".
    assert wire == (f"{rounded:.2f}" if rounded else "0.00")
    assert "E" not in wire and wire.split(".")[1].__len__() == 2


@pytest.mark.parametrize("text", ["0", "-0", "0.000", "-0E+5"])
def test_zero_of_any_sign_or_scale_is_plain_zero(text):
    assert money_to_wire(Decimal(text)) == "0.00"


def test_half_a_kopeck_rounds_up_as_in_accounting():
    assert money_to_wire(Decimal("2.675")) == "2.68"
    assert money_to_wire(Decimal("-0.005")) == "-0.01"


def test_condo_answers_come_back_exact():
    assert money_from_wire("1520.40000000") == Decimal("1520.40")
    assert money_from_wire(None) is None
    with pytest.raises(ValueError, match="1,5"):
        money_from_wire("1,5")
