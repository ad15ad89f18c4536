"""A receipt's text is sized for chunking exactly as Condo measures its value (contract 13.3)."""

from __future__ import annotations

import json

import pytest

from integration.condo.payloads import receipt_json
from integration.condo.sizing import compact_size, object_sizeof
from tests.integration.condo_data import make_receipt


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
    text = receipt_json(make_receipt(**overrides))
    assert compact_size(text) == object_sizeof(json.loads(text))
