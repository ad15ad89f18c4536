"""The seven amounts are declared once (billing/amounts.py) and are every money column of the models."""

from __future__ import annotations

import pytest
from django.db.models import DecimalField

from billing.amounts import AMOUNT_FIELDS
from billing.models import Receipt, ServiceLine
from billing.models.receipts import AmountFields
from billing.selectors.batches import BatchTotals, ServiceTotal


@pytest.mark.parametrize("model", [Receipt, ServiceLine])
def test_the_amount_fields_are_every_money_column_of_a_receipt_and_a_service_line(model):
    money = {
        field.name
        for field in model._meta.get_fields()
        if isinstance(field, DecimalField) and field.decimal_places == 2
    }
    assert money == set(AMOUNT_FIELDS)
    assert len(AMOUNT_FIELDS) == len(set(AMOUNT_FIELDS)) == 7


def test_a_receipt_and_a_service_line_take_their_amount_columns_from_one_declaration_in_its_order():
    assert tuple(field.name for field in AmountFields._meta.fields) == AMOUNT_FIELDS
    assert issubclass(Receipt, AmountFields) and issubclass(ServiceLine, AmountFields)


def test_the_sums_of_the_selectors_carry_the_same_amounts():
    for sums in (BatchTotals, ServiceTotal):
        assert set(AMOUNT_FIELDS) <= set(sums.__dataclass_fields__)
