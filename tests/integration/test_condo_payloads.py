"""Domain receipts → Condo's JSON exactly as the contract wants it (§5.1), and its size (§1)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from integration.condo import CATEGORY_IDS
from integration.condo.chunking import Oversized, plan_chunks
from integration.condo.jsontext import compact
from integration.condo.payloads import FORMULA, PayloadError, quantity_to_wire, receipt_json, receipt_to_wire
from integration.condo.rules import address_from_receipt, services_sum_error
from integration.condo.sizing import compact_size, object_sizeof
from tests.integration.condo_data import FULL_NAME, make_receipt, make_service


def test_receipt_maps_to_condo_fields():
    wire = receipt_to_wire(make_receipt(7, to_pay=Decimal("1520.4"), paid=Decimal("0.005")))

    assert wire["importId"] == "7701234567:2025-01:0000000007:housing"
    assert wire["accountNumber"] == "0000000007"
    assert wire["toPay"] == "1520.40"
    assert wire["toPayDetails"] == {
        "formula": FORMULA,
        "charge": "1180.40",
        "balance": "0.00",
        "recalculation": "0.00",
        "privilege": "0.00",
        "penalty": "20.00",
        "paid": "0.01",
    }
    assert (wire["month"], wire["year"]) == (1, 2025)
    assert (wire["tin"], wire["routingNumber"], wire["bankAccount"]) == (
        "7701234567",
        "044525225",
        "40702810938000012345",
    )
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
    receipt = make_receipt(
        unit_type="", full_name="", owner_type="", services=(make_service(volume=None, tariff=None, measure="", id=""),)
    )
    wire = receipt_to_wire(receipt)
    assert wire["addressMeta"] == {"unitName": "1", "unitType": "flat"}  # both unit fields, always (13.4)
    assert wire["accountMeta"] == {"isClosed": False}  # no ownerType: unknown, Condo guesses (13.6)
    service = wire["services"][0]
    assert "id" not in service
    assert not {"volume", "tariff", "measure"} & set(service["toPayDetails"])


def test_global_ids_go_into_the_metas():
    wire = receipt_to_wire(
        make_receipt(account_global_id="12АБ345678", address_global_id="1d6f3a1e-0000-4000-8000-000000000001")
    )
    assert wire["accountMeta"]["globalId"] == "12АБ345678"
    assert wire["addressMeta"]["globalId"] == "1d6f3a1e-0000-4000-8000-000000000001"


def test_money_never_goes_through_float():
    wire = receipt_to_wire(make_receipt(to_pay=Decimal("0.1") + Decimal("0.2"), charge=Decimal("-15.005")))
    assert wire["toPay"] == "0.30"
    assert wire["toPayDetails"]["charge"] == "-15.01"  # half up, away from zero


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("54.200000"), "54.2"),
        (Decimal("3"), "3"),
        (Decimal("0.000000"), "0"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.0000001"), "0.0000001"),
        (Decimal("-2.50"), "-2.5"),
        (Decimal("120"), "120"),
    ],
)
def test_quantities_are_plain_decimal_strings(value, text):
    assert quantity_to_wire(value) == text


def test_both_unit_fields_go_out_so_condo_keeps_the_house_text():
    wire = receipt_to_wire(
        make_receipt(address="г Москва, ул Тверская, д 7, стр 1", unit_name="1Н", unit_type="commercial")
    )
    assert wire["address"] == "г Москва, ул Тверская, д 7, стр 1"
    assert wire["addressMeta"] == {"unitName": "1Н", "unitType": "commercial"}
    assert not address_from_receipt(wire).reparsed


def test_an_account_without_a_unit_is_not_sent():
    """Condo would parse the address and invent flat «1» (propertyResolver.js, contract 13.4)."""
    with pytest.raises(PayloadError) as raised:
        receipt_to_wire(make_receipt(unit_name=" "))
    assert raised.value.code == "NO_UNIT" and "помещение" in str(raised.value)


def test_services_carry_the_amount_before_the_payment():
    """BillingReceipt.js invalidServicesError: Σ services.toPay = toPay + paid (contract 13.2)."""
    services = (
        make_service(
            1, to_pay=Decimal("900.00"), charge=Decimal("1000.00"), penalty=Decimal("0"), paid=Decimal("100.00")
        ),
        make_service(2, to_pay=Decimal("50.00"), charge=Decimal("50.00"), penalty=Decimal("0")),
    )
    receipt = make_receipt(
        to_pay=Decimal("950.00"),
        charge=Decimal("1050.00"),
        penalty=Decimal("0"),
        paid=Decimal("100.00"),
        services=services,
    )
    wire = receipt_to_wire(receipt)
    assert [service["toPay"] for service in wire["services"]] == ["1000.00", "50.00"]
    assert wire["services"][0]["toPayDetails"]["paid"] == "100.00"
    assert services_sum_error(wire) is None


@pytest.mark.parametrize(
    ("balance", "name"),
    [(Decimal("100.00"), "Задолженность на начало периода"), (Decimal("-40.00"), "Аванс на начало периода")],
)
def test_a_receipt_level_balance_goes_out_as_its_own_service(balance, name):
    # A GIS ЖКХ document states the debt for the whole receipt; no service line carries it.
    services = (make_service(1, to_pay=Decimal("1500.40"), charge=Decimal("1500.40"), penalty=Decimal("0")),)
    receipt = make_receipt(
        to_pay=Decimal("1500.40") + balance - Decimal("100"), balance=balance, paid=Decimal("100.00"), services=services
    )
    wire = receipt_to_wire(receipt)
    rest = wire["services"][-1]
    assert (rest["name"], rest["toPay"], rest["toPayDetails"]["balance"]) == (name, f"{balance:.2f}", f"{balance:.2f}")
    assert services_sum_error(wire) is None


def test_a_difference_that_is_not_the_balance_is_named_as_such():
    receipt = make_receipt(to_pay=Decimal("1200.41"))  # a total stated apart from its services
    wire = receipt_to_wire(receipt)
    assert wire["services"][-1]["name"].startswith("Прочее") and wire["services"][-1]["toPay"] == "0.01"
    assert services_sum_error(wire) is None


def test_import_id_is_required():
    with pytest.raises(PayloadError):
        receipt_to_wire(make_receipt(import_id=""))


def test_month_outside_1_to_12_is_refused_on_our_side():
    class Month0:  # Condo would take month 0 as December of the previous year
        month, year = 0, 2025

    with pytest.raises(PayloadError):
        receipt_to_wire(make_receipt(period=Month0()))
    assert receipt_to_wire(make_receipt(period=date(2025, 12, 1)))["month"] == 12


@pytest.mark.parametrize(
    ("value", "size"),
    [
        # object-sizeof 2.6.5 on Node (contract 13.3): a string or key is 12 + 4·⌈L/4⌉.
        ({"a": "bc"}, 16 + 16),
        ({"n": 1, "b": True, "z": None}, 16 + 8 + 16 + 4 + 16),
        ({"list": ["ab", 1.5]}, 16 + 16 + 8),
        ({"кв": "Иванов"}, 16 + 20),
        ({"e": "😀"}, 16 + 16),  # outside the BMP: two UTF-16 code units
    ],
)
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


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {
            "full_name": 'Ёлкина «Анна» "в кавычках" \\ обратная косая',
            "address": "ул.\tТаб\nНовая строка \x01 \u2028 😀 𝔘",
        },
        {"unit_type": "", "full_name": "", "owner_type": "", "is_closed": True, "account_global_id": "12АБ"},
        {"address_global_id": "1d6f3a1e-0000-4000-8000-000000000001", "services": ()},
        {"services": (make_service(volume=None, tariff=None, measure="", id=""), make_service(id='x"y', name="Вода"))},
    ],
)
def test_receipt_json_is_exactly_what_the_compact_encoder_prints(overrides):
    text = receipt_json(make_receipt(**overrides))
    assert text == compact(json.loads(text))  # so sizing.compact_size measures what is sent
