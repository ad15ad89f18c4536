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

# Money and quantities are digits, a sign and a dot: safe between quotes without escaping.
_DETAILS = (
    '"toPay":"%s","toPayDetails":{"formula":"' + FORMULA + '","charge":"%s","balance":"%s","recalculation":"%s",'
    '"privilege":"%s","penalty":"%s","paid":"%s"'
)
_RECEIPT = (
    '{"importId":%s,"address":%s,"accountNumber":%s,' + _DETAILS + '},"services":[%s],"category":{"id":%s},'
    '"month":%d,"year":%d,"tin":%s,"routingNumber":%s,"bankAccount":%s%s,"accountMeta":{"isClosed":%s%s}}'
)
# Service level: volume, tariff and measure join the details; the receipt's own details reject them.
_SERVICE = '{"name":%s,' + _DETAILS + '%s}%s}'


def receipt_json(receipt: ReceiptIn) -> str:
    """The receipt as compact JSON text, one item of `registerBillingReceipts`' `receipts`."""
    period = receipt.period
    if not 1 <= period.month <= 12:
        # Condo itself takes month 0 as December of the previous year (contract §11.2).
        raise PayloadError(f"month {period.month} is outside 1..12")
    if not receipt.import_id:
        raise PayloadError("importId is empty")
    money = money_to_wire
    return _RECEIPT % (
        _string(receipt.import_id),
        _string(receipt.address),
        _string(receipt.account_number),
        money(receipt.to_pay),
        money(receipt.charge),
        money(receipt.balance),
        money(receipt.recalculation),
        money(receipt.privilege),
        money(receipt.penalty),
        money(receipt.paid),
        ",".join([service_json(service) for service in receipt.services]),
        _string(receipt.category_id),
        period.month,
        period.year,
        _string(receipt.tin),
        _string(receipt.bic),
        _string(receipt.bank_account),
        _address_meta(receipt),
        # isClosed is always sent: False is how a reopened account is told apart from "unknown".
        "true" if receipt.is_closed else "false",
        _account_meta(receipt),
    )


def _address_meta(receipt: ReceiptIn) -> str:
    # Condo ignores the top-level unitName/unitType/fullName (contract §11.8): the metas carry them.
    fields = []
    if receipt.unit_name:
        fields.append('"unitName":' + _string(receipt.unit_name))
    if receipt.unit_type:
        fields.append('"unitType":' + _string(receipt.unit_type))
    if receipt.address_global_id:
        fields.append('"globalId":' + _string(receipt.address_global_id))
    return ',"addressMeta":{' + ",".join(fields) + "}" if fields else ""


def _account_meta(receipt: ReceiptIn) -> str:
    text = ""
    if receipt.full_name:
        text += ',"fullName":' + _string(receipt.full_name)
    if receipt.owner_type:
        text += ',"ownerType":' + _string(receipt.owner_type)
    if receipt.account_global_id:
        text += ',"globalId":' + _string(receipt.account_global_id)
    return text


def service_json(service: ServiceIn) -> str:
    extra = ""
    if service.volume is not None:
        extra += ',"volume":"' + quantity_to_wire(service.volume) + '"'
    if service.tariff is not None:
        extra += ',"tariff":"' + quantity_to_wire(service.tariff) + '"'
    if service.measure:
        extra += ',"measure":' + _string(service.measure)
    money = money_to_wire
    return _SERVICE % (
        _string(service.name),
        money(service.to_pay),
        money(service.charge),
        money(service.balance),
        money(service.recalculation),
        money(service.privilege),
        money(service.penalty),
        money(service.paid),
        extra,
        ',"id":' + _string(service.id) if service.id else "",
    )


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
