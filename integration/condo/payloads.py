"""Domain values → Condo's JSON, exactly as the contract (§5.1) wants it.

A receipt is written straight to compact JSON text from fixed templates: this runs for every
receipt of a month (100,000+), and building a dict to hand to the JSON encoder cost twice as
much. The text is what the encoder would print (tests hold it to that), so sizing.compact_size
measures it as Condo measures the value. Empty optional fields are left out; money is a
decimal string with two places.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from integration.condo.money import money_to_wire, to_kopecks
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
DEFAULT_UNIT_TYPE = "flat"  # an account with a unit name and no type: what Condo assumes too


class PayloadError(ValueError):
    """A receipt we must not send as it is (Condo would accept it wrongly or fail later).

    The message is Russian, for the accountant; `code` names the reason.
    """

    def __init__(self, message: str, *, code: str = "INVALID_RECEIPT") -> None:
        super().__init__(message)
        self.code = code


def sender(fingerprint: str) -> dict[str, Any]:
    return {"dv": DV, "fingerprint": fingerprint}


# A JSON string literal with non-ASCII characters kept as they are, as the compact encoder writes it.
_string = json.encoder.encode_basestring


def receipt_json(receipt: ReceiptIn) -> str:
    """The receipt as compact JSON text, one item of `registerBillingReceipts`' `receipts`."""
    period = receipt.period
    if not 1 <= period.month <= 12:
        # Condo itself takes month 0 as December of the previous year (contract §11.2).
        raise PayloadError(f"Месяц периода {period.month} вне 1..12.", code="WRONG_MONTH")
    if not receipt.import_id:
        raise PayloadError("У квитанции нет importId.", code="NO_IMPORT_ID")
    services = ",".join(services_json(receipt))
    # isClosed is always sent: False is how a reopened account is told apart from "unknown".
    is_closed = "true" if receipt.is_closed else "false"
    return (
        f'{{"importId":{_string(receipt.import_id)},"address":{_string(receipt.address)},'
        f'"accountNumber":{_string(receipt.account_number)},{_amounts(receipt)}}},"services":[{services}],'
        f'"category":{{"id":{_string(receipt.category_id)}}},"month":{period.month},"year":{period.year},'
        f'"tin":{_string(receipt.tin)},"routingNumber":{_string(receipt.bic)},"bankAccount":{_string(receipt.bank_account)}'
        f'{_address_meta(receipt)},"accountMeta":{{"isClosed":{is_closed}{_account_meta(receipt)}}}}}'
    )


def services_json(receipt: ReceiptIn) -> list[str]:
    """The services as Condo adds them up: Σ services.toPay = toPay + paid (contract 13.2).

    Our service lines hold what is left to pay, the payment already taken off (to_pay =
    balance + charge + recalculation - privilege + penalty - paid); Condo wants each service's
    amount before the payment, so `paid` goes back on. What the lines still do not cover is a
    receipt-level amount no service carries (a GIS ЖКХ document states the debt or advance
    for the whole receipt): it goes out as one more service, named for what it is, so that
    the services add up and residents see where the difference comes from.
    """
    if not receipt.services:
        return []
    texts = []
    covered = Decimal(0)
    balances = Decimal(0)
    for service in receipt.services:
        before_payment = to_kopecks(service.to_pay) + to_kopecks(service.paid)
        covered += before_payment
        balances += to_kopecks(service.balance)
        texts.append(service_json(service, before_payment))
    rest = to_kopecks(receipt.to_pay) + to_kopecks(receipt.paid) - covered
    if rest:
        texts.append(_rest_json(rest, is_balance=rest == to_kopecks(receipt.balance) - balances))
    return texts


def service_json(service: ServiceIn, to_pay: Decimal | None = None) -> str:
    # Service level: volume, tariff and measure join the details; the receipt's own details reject them.
    extra = ""
    if service.volume is not None:
        extra += f',"volume":"{quantity_to_wire(service.volume)}"'
    if service.tariff is not None:
        extra += f',"tariff":"{quantity_to_wire(service.tariff)}"'
    if service.measure:
        extra += ',"measure":' + _string(service.measure)
    identity = ',"id":' + _string(service.id) if service.id else ""
    return f'{{"name":{_string(service.name)},{_amounts(service, to_pay)}{extra}}}{identity}}}'


# The extra service that carries what the receipt states beyond its service lines.
REST_SERVICE_ID = "receipt-balance"
REST_NAMES = {
    "debt": "Задолженность на начало периода",
    "advance": "Аванс на начало периода",
    "other": "Прочее по квитанции (не распределено по услугам)",
}


def _rest_json(amount: Decimal, *, is_balance: bool) -> str:
    name = REST_NAMES["other" if not is_balance else "debt" if amount > 0 else "advance"]
    text = money_to_wire(amount)
    zero = "0.00"
    return (
        f'{{"name":"{name}","toPay":"{text}","toPayDetails":{{"formula":"{FORMULA}","charge":"{zero}",'
        f'"balance":"{text if is_balance else zero}","recalculation":"{zero}","privilege":"{zero}",'
        f'"penalty":"{zero}","paid":"{zero}"}},"id":"{REST_SERVICE_ID}"}}'
    )


def _amounts(item: ReceiptIn | ServiceIn, to_pay: Decimal | None = None) -> str:
    """`toPay` and the open `toPayDetails` object. Money is digits, a sign and a dot: no escaping needed."""
    money = money_to_wire
    return (
        f'"toPay":"{money(item.to_pay if to_pay is None else to_pay)}","toPayDetails":{{"formula":"{FORMULA}",'
        f'"charge":"{money(item.charge)}",'
        f'"balance":"{money(item.balance)}","recalculation":"{money(item.recalculation)}",'
        f'"privilege":"{money(item.privilege)}","penalty":"{money(item.penalty)}","paid":"{money(item.paid)}"'
    )


def _address_meta(receipt: ReceiptIn) -> str:
    """Both unit fields, always: with either one missing Condo parses the address text itself,
    cuts the house at its last comma and may invent flat «1» (contract 13.4). An account
    without a unit has no faithful unit to send, so it is not sent (the importer refuses it).
    Condo ignores the top-level unitName/unitType (contract §11.8): addressMeta carries them.
    """
    if not receipt.unit_name.strip():
        raise PayloadError(
            "В квитанции не указано помещение: Condo привязал бы лицевой счёт к выдуманной квартире «1» "
            "или отрезал бы часть адреса дома. Укажите номер помещения (и его тип) в реестре.",
            code="NO_UNIT",
        )
    unit_type = receipt.unit_type or DEFAULT_UNIT_TYPE
    fields = f',"unitName":{_string(receipt.unit_name)},"unitType":{_string(unit_type)}'
    if receipt.address_global_id:
        fields += ',"globalId":' + _string(receipt.address_global_id)
    return f',"addressMeta":{{{fields[1:]}}}'


def _account_meta(receipt: ReceiptIn) -> str:
    fields = ""
    if receipt.full_name:
        fields += ',"fullName":' + _string(receipt.full_name)
    # "" is unknown: left out, Condo guesses from the name (13.6); a guess we know is wrong is
    # worse than none only when we know better, and then owner_type is set.
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
