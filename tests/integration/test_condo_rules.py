"""Condo's resolver rules (contract section 13), one implementation shared by the sandbox and the
check before approval. Each test names the Condo source whose behaviour it pins."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from integration.condo.rules import (
    InvalidNumber,
    address_from_receipt,
    big_string,
    document_problems,
    is_person,
    services_sum_error,
    variables_size,
)
from integration.condo.sizing import compact_size

EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "condo" / "examples"


# --- 13.4: packages/clients/address-service-client/utils/parseAddressesFromString.js ------------


@pytest.mark.parametrize(
    ("text", "house", "unit_type", "unit_name", "invented"),
    [
        # The contract's table (13.4).
        ("г Москва, ул Тверская, д 7, кв 12", "г Москва, ул Тверская, д 7", "flat", "12", False),
        ("г Москва, ул Тверская, д 9", "г Москва, ул Тверская, д 9", "flat", "1", True),
        ("г Москва, ул Тверская, д 7 корп 2", "г Москва, ул Тверская", "flat", "д 7 корп 2", False),
        ("г Москва, ул Тверская, д 7, стр 1", "г Москва, ул Тверская, д 7", "flat", "стр 1", False),
        ("Московская обл, г Химки, ул Ленина, 12", "Московская обл, г Химки, ул Ленина", "flat", "12", False),
        ("г Москва, ул Тверская, д 7, пом 1Н", "г Москва, ул Тверская, д 7", "warehouse", "1Н", False),
        # Cases of Condo's own parseAddressesFromString.spec.js.
        ("пер.Малый Козихинский, д.7, м/м 3,4 (1 ур.)", "пер.Малый Козихинский, д.7", "parking", "3,4 (1 ур.)", False),
        ("г.Копейск ул.Короленко д.4Б кв.39/ЖП", "г.Копейск ул.Короленко д.4Б", "flat", "39/ЖП", False),
        ("УЛ СЪЕЗДОВСКАЯ Д. 11 КВ. 410 К.", "УЛ СЪЕЗДОВСКАЯ Д. 11", "flat", "410 К", False),
        ("ул.2-я Линейная, д.19, кл.кл. 3 (19Б кв. 14)", "ул.2-я Линейная, д.19", "warehouse", "3 (19Б 14)", False),
        ("ул.Щорса,103,212", "ул.Щорса, 103", "flat", "212", False),
        ("ул.Щорса двлд. 12", "ул.Щорса двлд. 12", "flat", "1", True),
        ("ул.Щорса участок. 12,к/п.4", "ул.Щорса участок. 12", "apartment", "4", False),
        (
            "Свердловская обл, Сысертский р-н, Сысерть г, Чернышевского ул, д. 10,",
            "Свердловская обл, Сысертский р-н, Сысерть г, Чернышевского ул, д. 10",
            "flat",
            "1",
            True,
        ),
        ("г. Тест, ул. Пример, д. 1, НП10", "г. Тест, ул. Пример, д. 1", "warehouse", "НП10", False),
        ("г. Тест, ул. Пример, д. 1, клад12", "г. Тест, ул. Пример, д. 1", "warehouse", "клад12", False),
    ],
)
def test_an_address_without_both_unit_fields_is_parsed_as_condo_parses_it(text, house, unit_type, unit_name, invented):
    parsed = address_from_receipt({"address": text, "addressMeta": {"unitType": "flat"}})
    assert (parsed.house, parsed.unit_type, parsed.unit_name) == (house, unit_type, unit_name)
    assert parsed.reparsed and parsed.invented is invented


def test_both_unit_fields_keep_the_address_text_as_it_is():
    """propertyResolver.js getAddressFromReceipt: no parsing when unitName and unitType are both set."""
    parsed = address_from_receipt(
        {"address": "г Москва, ул Тверская, д 7, стр 1", "addressMeta": {"unitName": "0", "unitType": "commercial"}}
    )
    assert parsed == type(parsed)("г Москва, ул Тверская, д 7, стр 1", "commercial", "0", reparsed=False)


def test_a_unit_type_outside_the_five_is_read_with_the_parser_keywords():
    parsed = address_from_receipt(
        {"address": "г Москва, ул Тверская, д 7", "addressMeta": {"unitName": "3", "unitType": "офис"}}
    )
    assert (parsed.house, parsed.unit_type, parsed.reparsed) == ("г Москва, ул Тверская, д 7", "commercial", False)


def test_an_address_without_a_comma_leaves_no_house():
    parsed = address_from_receipt({"address": "г Москва ул Тверская"})
    assert parsed.house == "" and parsed.reparsed


# --- 13.6: apps/condo/domains/billing/schema/resolvers/utils.js isPerson ------------------------


@pytest.mark.parametrize(
    ("name", "person"),
    [
        ("Иванов Иван Иванович", True),
        ("ПЕТРОВА АННА", True),
        ("Сидоров П.И.", True),
        ("Алиев Рашид оглы", True),
        ("Васильев И А\n", True),
        ("Capaев Иван", True),  # Latin look-alikes become Cyrillic
        ('ООО "Ромашка"', False),
        ("ИП Петров П.П.", False),
        ("Иванов", False),
        ("иванов иван", False),
        ("ОАО Буравчик\n", False),
        ("Жск-12 Заря", False),
        ("тсж Заря", False),
        ("", False),
        (None, False),
        (123, False),
    ],
)
def test_is_person_follows_condo(name, person):
    assert is_person(name) is person


# --- 13.2: apps/condo/domains/billing/schema/BillingReceipt.js invalidServicesError -------------


def _receipt(to_pay: str, paid: str | None, *services: str) -> dict:
    details = {"formula": "", "charge": "0"} | ({"paid": paid} if paid is not None else {})
    return {
        "toPay": to_pay,
        "toPayDetails": details,
        "services": [{"name": f"s{n}", "toPay": amount} for n, amount in enumerate(services)],
    }


def test_services_add_up_to_to_pay_plus_paid():
    assert services_sum_error(_receipt("900.00", "100.00", "600.00", "400.00")) is None
    # Services with the payment already subtracted (summing to toPay) are what Condo flags.
    assert services_sum_error(_receipt("900.00", "100.00", "500.00", "400.00")) == (
        "Services sum (900) does not add up to the toPay (900) amount correctly"
    )


def test_the_sum_is_exact_and_printed_like_big_js():
    assert services_sum_error(_receipt("100.50", None, "100.4999999")) == (
        "Services sum (100.4999999) does not add up to the toPay (100.5) amount correctly"
    )
    assert services_sum_error(_receipt("0", None, "0.0000001")) == (
        "Services sum (1e-7) does not add up to the toPay (0) amount correctly"
    )
    assert services_sum_error({"toPay": "5", "services": []}) is None


def test_the_stored_paid_is_used_when_the_caller_knows_it():
    # A later toPayDetails without `paid` keeps the column: the sandbox passes it.
    assert services_sum_error(_receipt("900", None, "1000"), paid="100.00000000") is None


def test_an_amount_big_js_cannot_read_fails_the_field():
    with pytest.raises(InvalidNumber):
        services_sum_error(_receipt("10", None, "12,50"))
    with pytest.raises(InvalidNumber):
        services_sum_error(_receipt("10", None, ""))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("100.50000000", "100.5"),
        ("-12.50", "-12.5"),
        ("0.00", "0"),
        ("-0", "0"),
        ("0.000001", "0.000001"),
        ("0.0000001", "1e-7"),
        ("1500", "1500"),
        ("123456789012345678901", "123456789012345678901"),
        ("1234567890123456789012", "1.234567890123456789012e+21"),
    ],
)
def test_big_string(value, text):
    assert big_string(Decimal(value)) == text


# --- 13.3: packages/keystone/apolloServerPlugins/requestLimiting/size.utils.js (object-sizeof) ---


def test_sizes_as_object_sizeof_on_node():
    assert variables_size({"abc": "def"}) == 32
    assert variables_size("0.00") == 16
    assert variables_size("") == 12
    assert variables_size("x" * 244_736) == 244_748
    assert variables_size("ж" * 5) == variables_size("z" * 5) == 20  # Cyrillic costs the same
    assert variables_size({"a": [1, True, None]}) == 16 + 8 + 4
    assert variables_size("😀") == 16  # two UTF-16 code units


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="the contract's examples (../shared) are not beside the project")
def test_the_contract_example_receipts_measure_as_stated():
    receipts = json.loads((EXAMPLES / "register_receipts.request.json").read_text())["body"]["variables"]["data"][
        "receipts"
    ]
    assert [variables_size(receipt) for receipt in receipts] == [1724, 1212]


@pytest.mark.parametrize(
    "value",
    [
        {"a": "x" * 4097, "b": [1, -2.5, 3e5], "c": True, "d": False, "e": None, "ж": "ёлка"},
        {"name": 'ООО "Ромашка"', "n": 12, "s": "1,5"},
        {"emoji": "😀 дом", "nested": [{"k": ""}, []]},
        # Separators and literals inside strings are text, not structure: only the ones outside count.
        {"t": "true, false: null {x} [1]", "n": [1, 2.5, -3e-7, 0], "ok": [True, False, None], "": "дом 5"},
    ],
)
def test_compact_text_is_measured_like_the_value(value):
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert compact_size(text) == variables_size(value)


# --- Every rule over one call's documents ------------------------------------------------------


def _document(**changes) -> dict:
    document = {
        "importId": "r-1",
        "address": "г Москва, ул Тверская, д 7",
        "accountNumber": "100",
        "toPay": "900.00",
        "toPayDetails": {"formula": "f", "charge": "1000.00", "paid": "100.00"},
        "services": [{"name": "Отопление", "toPay": "1000.00"}],
        "category": {"id": "c"},
        "month": 5,
        "year": 2026,
        "tin": "7701234567",
        "routingNumber": "044525225",
        "bankAccount": "40702810000000000001",
        "addressMeta": {"unitName": "12", "unitType": "flat"},
        "accountMeta": {"isClosed": False, "fullName": "Иванов Иван Иванович"},
    }
    document.update(changes)
    return document


def test_a_good_set_has_no_problems():
    assert document_problems([_document(), _document(importId="r-2", accountNumber="101")]) == []


def test_each_rule_is_found_and_named():
    documents = [
        _document(),
        _document(importId="r-2", accountNumber="102", tin="7709999999"),  # 13.8: second TIN for the bank account
        _document(importId="r-3", accountNumber="103", services=[{"name": "x", "toPay": "900.00"}]),  # 13.2
        _document(importId="r-4", accountNumber="104", addressMeta={}),  # 13.4: flat «1» invented
        _document(
            importId="r-5",
            accountNumber="105",
            address="г Москва, ул Тверская, д 7, стр 1",
            addressMeta={"unitType": "flat"},
        ),  # 13.4: house cut at the last comma
        _document(importId="r-6", accountNumber="106", accountMeta={"fullName": "иванов иван"}),  # 13.6
        _document(
            importId="r-7", accountNumber="107", month=13, routingNumber="123", bankAccount="40702810000000000007"
        ),
        _document(importId="r-1", accountNumber="108"),  # the same importId twice
        _document(importId="r-9", accountNumber="109", toPay="12,50"),
        _document(importId="r-10", accountNumber="110", services=[{"name": "x" * 600_000, "toPay": "1000.00"}]),
        _document(importId="r-11", accountNumber="111", unitName="1"),  # a field the SDL does not have
    ]
    found = {(problem.index, problem.code) for problem in document_problems(documents)}
    assert found == {
        (1, "BANK_ACCOUNT_TWO_RECIPIENTS"),
        (2, "INVALID_SERVICES"),
        (3, "UNIT_INVENTED"),
        (4, "ADDRESS_REPARSED"),
        (5, "OWNER_TYPE_GUESSED"),
        (6, "WRONG_MONTH"),
        (6, "BAD_BIC"),
        (7, "DUPLICATE_IMPORT_ID"),
        (9, "RECEIPT_TOO_LARGE"),
        (8, "INVALID_AMOUNT"),
        (10, "SCHEMA"),
    }


def test_messages_name_what_to_fix_without_the_payer():
    documents = [_document(accountMeta={"fullName": "иванов иван петрович"}, addressMeta={})]
    problems = document_problems(documents)
    assert {problem.code for problem in problems} == {"UNIT_INVENTED", "OWNER_TYPE_GUESSED"}
    for problem in problems:
        assert (problem.import_id, problem.account) == ("r-1", "100")
        assert "иванов" not in problem.message.lower() and "Укажите" in problem.message


def test_an_explicit_owner_type_is_not_second_guessed():
    assert document_problems([_document(accountMeta={"fullName": "иванов иван", "ownerType": "person"})]) == []
    assert document_problems([_document(accountMeta={"fullName": "ООО Ромашка"})]) == []
