"""Domain receipts → Condo's JSON exactly as the contract wants it (§5.1), and its size (§1)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from integration.condo import CATEGORY_IDS
from integration.condo.jsontext import compact
from integration.condo.chunking import Oversized, plan_chunks
from integration.condo.payloads import FORMULA, PayloadError, quantity_to_wire, receipt_json, receipt_to_wire
from integration.condo.sizing import compact_size, object_sizeof
from tests.integration.condo_data import FULL_NAME, make_receipt, make_service


def test_receipt_maps_to_condo_fields():
    wire = receipt_to_wire(make_receipt(7, to_pay=Decimal("1520.4"), paid=Decimal("0.005")))

    assert wire["importId"] == "7701234567:2025-01:0000000007:housing"
    assert wire["accountNumber"] == "0000000007"
    assert wire["toPay"] == "1520.40"
    assert wire["toPayDetails"] == {
        "formula": FORMULA, "charge": "1180.40", "balance": "0.00", "recalculation": "0.00",
        "privilege": "0.00", "penalty": "20.00", "paid": "0.01",
    }
    assert (wire["month"], wire["year"]) == (1, 2025)
    assert (wire["tin"], wire["routingNumber"], wire["bankAccount"]) == ("7701234567", "044525225", "40702810938000012345")
    assert wire["category"] == {"id": CATEGORY_IDS["housing"]}
    assert wire["addressMeta"] == {"unitName": "7", "unitType": "flat"}
    assert wire["accountMeta"] == {"fullName": FULL_NAME, "ownerType": "person", "isClosed": False}


def test_ignored_top_level_fields_are_never_sent():
    wire = receipt_to_wire(make_receipt())
    for ignored in ("unitName", "unitType", "fullName", "normalizedAddress", "tinMeta", "routingNumberMeta"):
        assert ignored not in wire


def test_receipt_level_details_carry_no_volume_tariff_or_measure():
    wire = receipt_to_wire(make_receipt())
    assert not {"volume", "tariff", "measure"} & set(wire["toPayDetails"])
    service = wire["services"][0]
    assert service["toPayDetails"]["volume"] == "54.2"
    assert service["toPayDetails"]["tariff"] == "21.78"
    assert service["toPayDetails"]["measure"] == "м²"
    assert service["toPay"] == "1200.40"
    assert (service["id"], service["name"]) == ("service-1", "Содержание жилого помещения")


def test_empty_optional_fields_are_left_out():
    receipt = make_receipt(unit_name="", unit_type="", full_name="", owner_type="",
                           services=(make_service(volume=None, tariff=None, measure="", id=""),))
    wire = receipt_to_wire(receipt)
    assert "addressMeta" not in wire
    assert wire["accountMeta"] == {"isClosed": False}
    service = wire["services"][0]
    assert "id" not in service
    assert not {"volume", "tariff", "measure"} & set(service["toPayDetails"])


def test_global_ids_go_into_the_metas():
    wire = receipt_to_wire(make_receipt(account_global_id="12АБ345678",
                                        address_global_id="1d6f3a1e-0000-4000-8000-000000000001"))
    assert wire["accountMeta"]["globalId"] == "12АБ345678"
    assert wire["addressMeta"]["globalId"] == "1d6f3a1e-0000-4000-8000-000000000001"


def test_money_never_goes_through_float():
    wire = receipt_to_wire(make_receipt(to_pay=Decimal("0.1") + Decimal("0.2"), charge=Decimal("-15.005")))
    assert wire["toPay"] == "0.30"
    assert wire["toPayDetails"]["charge"] == "-15.01"  # half up, away from zero


@pytest.mark.parametrize("value, text", [(Decimal("54.200000"), "54.2"), (Decimal("3"), "3"), (Decimal("0.000000"), "0"),
                                         (Decimal("1E+2"), "100"), (Decimal("0.0000001"), "0.0000001"),
                                         (Decimal("-2.50"), "-2.5"), (Decimal("120"), "120")])
def test_quantities_are_plain_decimal_strings(value, text):
    assert quantity_to_wire(value) == text


def test_import_id_is_required():
    with pytest.raises(PayloadError):
        receipt_to_wire(make_receipt(import_id=""))


def test_month_outside_1_to_12_is_refused_on_our_side():
    class Month0:  # Condo would take month 0 as December of the previous year
        month, year = 0, 2025

    with pytest.raises(PayloadError):
        receipt_to_wire(make_receipt(period=Month0()))
    assert receipt_to_wire(make_receipt(period=date(2025, 12, 1)))["month"] == 12


@pytest.mark.parametrize("value, size", [
    # object-sizeof 2.6.5 on Node (contract 13.3): a string or key is 12 + 4·⌈L/4⌉.
    ({"a": "bc"}, 16 + 16),
    ({"n": 1, "b": True, "z": None}, 16 + 8 + 16 + 4 + 16),
    ({"list": ["ab", 1.5]}, 16 + 16 + 8),
    ({"кв": "Иванов"}, 16 + 20),
    ({"e": "😀"}, 16 + 16),  # outside the BMP: two UTF-16 code units
])
def test_sizes_are_measured_like_object_sizeof(value, size):
    assert object_sizeof(value) == size
    assert compact_size(compact(value)) == size


def test_a_receipt_text_measures_as_its_value():
    text = receipt_json(make_receipt(full_name="Петров Пётр 😀 Петрович"))
    assert compact_size(text) == object_sizeof(json.loads(text)) > 1000


def test_chunks_respect_count_and_size():
    texts = [(index, compact({"s": "x" * 50})) for index in range(10)]  # 16 + 64 = 80 bytes each
    chunks = list(plan_chunks(texts, max_count=4, max_bytes=300))
    assert [len(chunk) for chunk in chunks] == [3, 3, 3, 1]
    assert all(sum(item.size for item in chunk) <= 300 for chunk in chunks)
    assert [item.index for chunk in chunks for item in chunk] == list(range(10))
    chunks = list(plan_chunks(texts, max_count=4, max_bytes=10_000))
    assert [len(chunk) for chunk in chunks] == [4, 4, 2]


def test_an_oversized_item_is_set_apart():
    texts = [(0, compact({"s": "x"})), (1, compact({"s": "x" * 500})), (2, compact({"s": "y"}))]
    planned = list(plan_chunks(texts, max_count=10, max_bytes=100))
    oversized = [p for p in planned if isinstance(p, Oversized)]
    chunks = [p for p in planned if not isinstance(p, Oversized)]
    assert [(o.index, o.size) for o in oversized] == [(1, object_sizeof({"s": "x" * 500}))]
    assert [[item.index for item in chunk] for chunk in chunks] == [[0, 2]]


@pytest.mark.parametrize("overrides", [
    {},
    {"full_name": 'Ёлкина «Анна» "в кавычках" \\ обратная косая', "address": "ул.\tТаб\nНовая строка \x01 \u2028 😀 𝔘"},
    {"unit_name": "", "unit_type": "", "full_name": "", "owner_type": "", "is_closed": True, "account_global_id": "12АБ"},
    {"address_global_id": "1d6f3a1e-0000-4000-8000-000000000001", "services": ()},
    {"services": (make_service(volume=None, tariff=None, measure="", id=""), make_service(id="x\"y", name="Вода"))},
])
def test_receipt_json_is_exactly_what_the_compact_encoder_prints(overrides):
    text = receipt_json(make_receipt(**overrides))
    assert text == compact(json.loads(text))  # so sizing.compact_size measures what is sent
