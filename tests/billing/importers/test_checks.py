from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from billing.importers.checks import CellError, MoneyParser, parse_money, parse_period
from billing.importers.requisites import bank_account_is_valid, bank_account_with_key, tin_is_valid
from billing.services.demo import DEMO_ORGANIZATION_TIN


@pytest.mark.parametrize(
    ("tin", "ok"),
    [
        ("7707083893", True),
        ("7736207543", True),
        ("500100732259", True),
        ("7707083894", False),
        ("500100732258", False),
        ("77070838", False),
        ("77070838９3", False),
    ],
)
def test_tin_check_digits(tin, ok):
    assert tin_is_valid(tin) is ok


def test_demo_organization_tin_is_valid():
    assert tin_is_valid(DEMO_ORGANIZATION_TIN)


@pytest.mark.parametrize(
    ("account", "bic", "ok"),
    [
        ("40702810900000002851", "044030827", True),  # a bank client account
        ("40602810700000000025", "049805746", True),  # the Bank of Russia order 515 example
        ("30101810800000000746", "049805000", True),  # keyed by the settlement centre: "0" + digits 5-6
        ("40702810900000002852", "044030827", False),
        ("40702810900000002851", "034030827", False),  # a BIC must start with 04 or 01
        ("4070281090000000285", "044030827", False),
    ],
)
def test_bank_account_control_key(account, bic, ok):
    assert bank_account_is_valid(account, bic) is ok


def test_bank_account_with_key_produces_valid_accounts():
    assert bank_account_is_valid(bank_account_with_key("40702810000000012345", "044525225"), "044525225")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1259.53, "1259.53"),
        (0.1 + 0.2, "0.30"),
        ("1 259,53", "1259.53"),
        ("\u00a01\u00a0259.5", "1259.50"),
        ("-1872,61", "-1872.61"),
        (1259, "1259.00"),
        ("1259.530", "1259.53"),
        (Decimal("7.1"), "7.10"),
    ],
)
def test_money_is_exact(raw, expected):
    assert str(parse_money(raw)) == expected


@pytest.mark.parametrize(
    "raw",
    ["12.345", 1.005, "1.259,53", "abc", float("nan"), float("inf"), "1e3", True, "100000000", datetime(2026, 1, 1)],
)
def test_bad_money_is_refused(raw):
    with pytest.raises(CellError):
        parse_money(raw)


def test_money_memo_does_not_confuse_true_with_one():
    parser = MoneyParser()
    assert parser(1) == Decimal("1.00")
    with pytest.raises(CellError):
        parser(True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10.2026", date(2026, 10, 1)),
        ("2026-10", date(2026, 10, 1)),
        (datetime(2026, 10, 15), date(2026, 10, 1)),
        ("01.10.2026", date(2026, 10, 1)),
    ],
)
def test_periods(raw, expected):
    assert parse_period(raw) == expected


def test_mmyy_periods_and_the_lost_leading_zero():
    assert parse_period("0622", allow_mmyy=True) == date(2022, 6, 1)
    assert parse_period(922, allow_mmyy=True) == date(2022, 9, 1)
    with pytest.raises(CellError, match="месяц 13"):
        parse_period("1322", allow_mmyy=True)
