"""A receipt's text is sized for chunking exactly as Condo measures its value (contract 13.3)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from integration.condo import ReceiptIn, ServiceIn
from integration.condo.payloads import receipt_json
from integration.condo.sizing import compact_size, object_sizeof


def _receipt(**overrides) -> ReceiptIn:
    fields = {
        "import_id": "7707083893:2026-10:0000000001:housing",
        "address": "г Москва, ул Тверская, д 7",
        "unit_name": "12",
        "unit_type": "flat",
        "account_number": "0000000001",
        "full_name": "Иванов Иван Иванович",
        "owner_type": "person",
        "account_global_id": "",
        "address_global_id": "",
        "is_closed": False,
        "period": date(2026, 10, 1),
        "to_pay": Decimal("1520.40"),
        "charge": Decimal("1500.40"),
        "balance": Decimal("0"),
        "recalculation": Decimal("0"),
        "privilege": Decimal("0"),
        "penalty": Decimal("20.00"),
        "paid": Decimal("0"),
        "services": (
            ServiceIn(
                "maintenance",
                "Содержание жилого помещения",
                Decimal("1520.40"),
                Decimal("1500.40"),
                Decimal("0"),
                Decimal("0"),
                Decimal("0"),
                Decimal("20.00"),
                Decimal("0"),
                Decimal("54.2"),
                Decimal("21.78"),
                "м²",
            ),
        ),
        "category_id": "928c97ef-5289-4daa-b80e-4b9fed50c629",
        "tin": "7701234564",
        "bic": "044525225",
        "bank_account": "40702810938000012345",
    }
    fields.update(overrides)
    return ReceiptIn(**fields)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"full_name": "", "unit_type": "", "services": ()},
        {"address": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🏠 outside the BMP", "full_name": 'Ёлкина Анна «Кавычки» "в кавычках"'},
        {"is_closed": True, "account_global_id": "12АБ345678"},
    ],
)
def test_the_text_is_sized_as_condo_measures_the_value(overrides):
    text = receipt_json(_receipt(**overrides))
    assert compact_size(text) == object_sizeof(json.loads(text))
