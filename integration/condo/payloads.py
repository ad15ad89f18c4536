"""Domain values → Condo's JSON, exactly as the contract (§5.1) wants it.

A receipt is written straight to compact JSON text from fixed templates: this runs for every
receipt of a month (100,000+), and building a dict to hand to the JSON encoder cost twice as
much. The text is what the encoder would print (tests hold it to that), so the size bound in
sizing.py holds for it. Empty optional fields are left out; money is a decimal string with two
places.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from billing.money import money_to_wire
from integration.condo.records import ReceiptIn, ServiceIn

# Condo's fixed BillingCategory ids (apps/condo/domains/billing/constants/constants.js).
CATEGORY_IDS = {
    "housing": "928c97ef-5289-4daa-b80e-4b9fed50c629",
    "capital_repair": "c0b9db6a-c351-4bf4-aa35-8e5a500d0195",
    "electricity": "9c29b499-6594-4479-a2a7-b6553587d6e2",
}

# How our totals add up; Condo requires a non-null formula and only stores it.
FORMULA = "charge + balance + recalculation - privilege + penalty - paid"
DV = 1


class PayloadError(ValueError):
    """A receipt we must not send as it is (Condo would accept it wrongly or fail later)."""


def sender(fingerprint: str) -> dict[str, Any]:
    return {"dv": DV, "fingerprint": fingerprint}


# A JSON string literal with non-ASCII characters kept as they are, as the compact encoder writes it.
_string = json.encoder.encode_basestring


def receipt_json(receipt: ReceiptIn) -> str:
    """The receipt as compact JSON text, one item of `registerBillingReceipts`' `receipts`."""
    period = receipt.period
    if not 1 <= period.month <= 12:
        # Condo itself takes month 0 as December of the previous year (contract §11.2).
        raise PayloadError(f"month {period.month} is outside 1..12")
    if not receipt.import_id:
        raise PayloadError("importId is empty")
    services = ",".join([service_json(service) for service in receipt.services])
    # isClosed is always sent: False is how a reopened account is told apart from "unknown".
    is_closed = "true" if receipt.is_closed else "false"
    return (
        f'{{"importId":{_string(receipt.import_id)},"address":{_string(receipt.address)},'
        f'"accountNumber":{_string(receipt.account_number)},{_amounts(receipt)}}},"services":[{services}],'
        f'"category":{{"id":{_string(receipt.category_id)}}},"month":{period.month},"year":{period.year},'
        f'"tin":{_string(receipt.tin)},"routingNumber":{_string(receipt.bic)},"bankAccount":{_string(receipt.bank_account)}'
        f'{_address_meta(receipt)},"accountMeta":{{"isClosed":{is_closed}{_account_meta(receipt)}}}}}'
    )


def service_json(service: ServiceIn) -> str:
    # Service level: volume, tariff and measure join the details; the receipt's own details reject them.
    extra = ""
    if service.volume is not None:
        extra += f',"volume":"{quantity_to_wire(service.volume)}"'
    if service.tariff is not None:
        extra += f',"tariff":"{quantity_to_wire(service.tariff)}"'
    if service.measure:
        extra += ',"measure":' + _string(service.measure)
    identity = ',"id":' + _string(service.id) if service.id else ""
    return f'{{"name":{_string(service.name)},{_amounts(service)}{extra}}}{identity}}}'


def _amounts(item: ReceiptIn | ServiceIn) -> str:
    """`toPay` and the open `toPayDetails` object. Money is digits, a sign and a dot: no escaping needed."""
    money = money_to_wire
    return (
        f'"toPay":"{money(item.to_pay)}","toPayDetails":{{"formula":"{FORMULA}","charge":"{money(item.charge)}",'
        f'"balance":"{money(item.balance)}","recalculation":"{money(item.recalculation)}",'
        f'"privilege":"{money(item.privilege)}","penalty":"{money(item.penalty)}","paid":"{money(item.paid)}"'
    )


def _address_meta(receipt: ReceiptIn) -> str:
    # Condo ignores the top-level unitName/unitType/fullName (contract §11.8): the metas carry them.
    fields = ""
    if receipt.unit_name:
        fields += ',"unitName":' + _string(receipt.unit_name)
    if receipt.unit_type:
        fields += ',"unitType":' + _string(receipt.unit_type)
    if receipt.address_global_id:
        fields += ',"globalId":' + _string(receipt.address_global_id)
    return f',"addressMeta":{{{fields[1:]}}}' if fields else ""


def _account_meta(receipt: ReceiptIn) -> str:
    fields = ""
    if receipt.full_name:
        fields += ',"fullName":' + _string(receipt.full_name)
    if receipt.owner_type:
        fields += ',"ownerType":' + _string(receipt.owner_type)
    if receipt.account_global_id:
        fields += ',"globalId":' + _string(receipt.account_global_id)
    return fields


def receipt_to_wire(receipt: ReceiptIn) -> dict[str, Any]:
    """The same receipt as a dict (for tests and tools; publishing sends `receipt_json`)."""
    return json.loads(receipt_json(receipt))


def quantity_to_wire(value: Decimal) -> str:
    """A volume or tariff as a plain decimal string without trailing zeros ("54.2")."""
    text = str(value)
    if "E" in text:  # str() writes very small and very large values with an exponent
        text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def period_from_wire(value: str) -> date:
    return date.fromisoformat(value[:10])
