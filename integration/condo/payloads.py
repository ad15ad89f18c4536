"""Domain values → Condo's JSON, exactly as the contract (§5.1) wants it, and its size.

Plain dicts and strings only: this runs for every receipt of a month (100,000+), so no gql
variable serialization and no per-receipt schema validation. Empty optional fields are left
out; money is a decimal string with two places.
"""

from __future__ import annotations

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


def receipt_to_wire(receipt: ReceiptIn) -> dict[str, Any]:
    period = receipt.period
    if not 1 <= period.month <= 12:
        # Condo itself takes month 0 as December of the previous year (contract §11.2).
        raise PayloadError(f"month {period.month} is outside 1..12")
    wire: dict[str, Any] = {
        "importId": receipt.import_id,
        "address": receipt.address,
        "accountNumber": receipt.account_number,
        "toPay": money_to_wire(receipt.to_pay),
        # Receipt level: no volume/tariff/measure, the stored field rejects unknown keys.
        "toPayDetails": {
            "formula": FORMULA,
            "charge": money_to_wire(receipt.charge),
            "balance": money_to_wire(receipt.balance),
            "recalculation": money_to_wire(receipt.recalculation),
            "privilege": money_to_wire(receipt.privilege),
            "penalty": money_to_wire(receipt.penalty),
            "paid": money_to_wire(receipt.paid),
        },
        "services": [service_to_wire(service) for service in receipt.services],
        "category": {"id": receipt.category_id},
        "month": period.month,
        "year": period.year,
        "tin": receipt.tin,
        "routingNumber": receipt.bic,
        "bankAccount": receipt.bank_account,
    }
    if not receipt.import_id:
        raise PayloadError("importId is empty")
    # Condo ignores the top-level unitName/unitType/fullName (contract §11.8): use the metas.
    address_meta = {}
    if receipt.unit_name:
        address_meta["unitName"] = receipt.unit_name
    if receipt.unit_type:
        address_meta["unitType"] = receipt.unit_type
    if receipt.address_global_id:
        address_meta["globalId"] = receipt.address_global_id
    if address_meta:
        wire["addressMeta"] = address_meta
    # isClosed is always sent: False is how a reopened account is told apart from "unknown".
    account_meta: dict[str, Any] = {"isClosed": bool(receipt.is_closed)}
    if receipt.full_name:
        account_meta["fullName"] = receipt.full_name
    if receipt.owner_type:
        account_meta["ownerType"] = receipt.owner_type
    if receipt.account_global_id:
        account_meta["globalId"] = receipt.account_global_id
    wire["accountMeta"] = account_meta
    return wire


def service_to_wire(service: ServiceIn) -> dict[str, Any]:
    details = {
        "formula": FORMULA,
        "charge": money_to_wire(service.charge),
        "balance": money_to_wire(service.balance),
        "recalculation": money_to_wire(service.recalculation),
        "privilege": money_to_wire(service.privilege),
        "penalty": money_to_wire(service.penalty),
        "paid": money_to_wire(service.paid),
    }
    if service.volume is not None:
        details["volume"] = quantity_to_wire(service.volume)
    if service.tariff is not None:
        details["tariff"] = quantity_to_wire(service.tariff)
    if service.measure:
        details["measure"] = service.measure
    wire = {"name": service.name, "toPay": money_to_wire(service.to_pay), "toPayDetails": details}
    if service.id:
        wire["id"] = service.id
    return wire


def quantity_to_wire(value: Decimal) -> str:
    """A volume or tariff as a plain decimal string without trailing zeros ("54.2")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def period_from_wire(value: str) -> date:
    return date.fromisoformat(value[:10])
