"""Receipts for the client and sandbox tests: realistic values, one overridable field at a time."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from integration.condo import CATEGORY_IDS, ReceiptIn, ServiceIn

FULL_NAME = "Иванов Иван Иванович"
PERIOD = date(2025, 1, 1)
# The receipt's amounts are its one service's.
AMOUNTS = {
    "to_pay": Decimal("1200.40"),
    "charge": Decimal("1180.40"),
    "balance": Decimal("0"),
    "recalculation": Decimal("0"),
    "privilege": Decimal("0"),
    "penalty": Decimal("20.00"),
    "paid": Decimal("0"),
}


def make_service(number: int = 1, **overrides) -> ServiceIn:
    service = ServiceIn(
        id=f"service-{number}",
        name="Содержание жилого помещения",
        **AMOUNTS,
        volume=Decimal("54.200000"),
        tariff=Decimal("21.780000"),
        measure="м²",
    )
    return replace(service, **overrides)


def make_receipt(number: int = 1, **overrides) -> ReceiptIn:
    receipt = ReceiptIn(
        import_id=f"7701234567:2025-01:{number:010d}:housing",
        address="г Москва, ул Тверская, д 7",
        unit_name=str(number),
        unit_type="flat",
        account_number=f"{number:010d}",
        full_name=FULL_NAME,
        owner_type="person",
        account_global_id="",
        address_global_id="",
        is_closed=False,
        period=PERIOD,
        **AMOUNTS,
        services=(make_service(),),
        category_id=CATEGORY_IDS["housing"],
        tin="7701234567",
        bic="044525225",
        bank_account="40702810938000012345",
    )
    return replace(receipt, **overrides)


def make_receipts(count: int, start: int = 1, **overrides) -> list[ReceiptIn]:
    return [make_receipt(number, **overrides) for number in range(start, start + count)]


class FakeClock:
    """Wall and monotonic time that only move when the client sleeps; records every sleep."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.mono = 1000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.mono += seconds
