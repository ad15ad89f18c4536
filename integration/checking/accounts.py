"""The registry's accounts against what Condo holds for the organization's context.

- new: an account number of the batch that no BillingAccount of the context has;
- vanished: an account that had a live receipt in Condo for the previous month, is absent from
  the batch and is not closed in Condo;
- changed: an account Condo holds whose house or unit differs from what Condo would take from
  the document we will send (the same reading of address and unit fields the rules use). The house is compared by FIAS id when both sides have one, else by the address text with case,
  «ё», dots, commas and spacing ignored. Condo keeps the address its address service normalised
  (contract 13.4), so a registry that spells a house differently shows here: that is the point,
  Condo would then resolve the text anew. Condo may hold one number in several houses; the
  account is changed only when none of them matches.

Both Condo lists are paged (integration.condo.reads). Memory: the batch's accounts (one small
tuple per number, address strings shared between the accounts of a house) and the vanished
numbers; Condo's own accounts pass through without being kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from billing.periods import previous_month
from integration.checking.findings import Findings
from integration.condo import CondoAccount, CondoClient, ReceiptIn
from integration.condo.rules import address_from_receipt

_PUNCTUATION = re.compile(r"[.,]")


class Place(NamedTuple):
    address: str
    unit_name: str
    unit_type: str
    house_id: str


class RegistryAccounts:
    """The batch's accounts as they will be sent, in receipt order: number → Place."""

    def __init__(self) -> None:
        self.places: dict[str, Place] = {}
        self._shared: dict[str, str] = {}

    def add(self, receipt: ReceiptIn, document: dict[str, Any] | None) -> None:
        """The place Condo would take from the document (rules.address_from_receipt), else the receipt's own."""
        if receipt.account_number in self.places:
            return  # another category of the same account: same place
        address, unit_name, unit_type = receipt.address, receipt.unit_name, receipt.unit_type
        if document is not None:
            parsed = address_from_receipt(document)
            address, unit_name, unit_type = parsed.house or address, parsed.unit_name, parsed.unit_type
        share = self._shared.setdefault
        self.places[receipt.account_number] = Place(
            share(address, address),
            share(unit_name, unit_name),
            share(unit_type, unit_type),
            share(receipt.address_global_id, receipt.address_global_id),
        )


@dataclass
class CondoSide:
    accounts: int = 0
    previous_receipts: int = 0


def compare_with_condo(
    *, client: CondoClient, context_id: str, period: date, ours: RegistryAccounts, findings: Findings
) -> CondoSide:
    """Stream Condo's receipts of the previous month, then its accounts; report into `findings`."""
    side = CondoSide()
    places = ours.places
    vanished: dict[str, CondoAccount | None] = {}
    for receipt in client.iter_receipts(context_id, previous_month(today=period)):
        side.previous_receipts += 1
        if receipt.account_number and receipt.account_number not in places:
            vanished.setdefault(receipt.account_number, None)
    matched: set[str] = set()
    mismatched: dict[str, CondoAccount] = {}
    seen: set[str] = set()
    for account in client.iter_accounts(context_id):
        side.accounts += 1
        number = account.number
        place = places.get(number)
        if place is None:
            kept = vanished.get(number)
            if number in vanished and (kept is None or kept.is_closed):
                vanished[number] = account  # an open one wins: it is what residents still see
            continue
        seen.add(number)
        if number in matched:
            continue
        if differences(place, account):
            mismatched.setdefault(number, account)
        else:
            matched.add(number)
            mismatched.pop(number, None)
    for number, left in vanished.items():
        if left is not None and left.is_closed:
            continue
        findings.add(
            "missing",
            {
                "account": number,
                "address": left.address if left else "",
                "unit_name": left.unit_name if left else "",
                "unit_type": left.unit_type if left else "",
            },
        )
    for number, place in places.items():
        if number not in seen:
            findings.add(
                "new",
                {
                    "account": number,
                    "address": place.address,
                    "unit_name": place.unit_name,
                    "unit_type": place.unit_type,
                },
            )
        elif number in mismatched:
            findings.add("changed", {"account": number, **differences(place, mismatched[number])})
    return side


def differences(place: Place, account: CondoAccount) -> dict[str, dict[str, str]]:
    """What differs between the registry and Condo: {"address"|"unit_name"|"unit_type": {"registry", "condo"}}.

    A unit field the registry leaves empty is not compared: the rules part reports that receipt.
    """
    found: dict[str, dict[str, str]] = {}
    if place.house_id and account.property_global_id:
        same_house = place.house_id.casefold() == account.property_global_id.casefold()
    else:
        same_house = _plain(place.address) == _plain(account.address)
    if not same_house:
        found["address"] = {"registry": place.address, "condo": account.address}
    if place.unit_name and _plain(place.unit_name) != _plain(account.unit_name):
        found["unit_name"] = {"registry": place.unit_name, "condo": account.unit_name}
    if place.unit_type and place.unit_type != account.unit_type:
        found["unit_type"] = {"registry": place.unit_type, "condo": account.unit_type}
    return found


def _plain(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", text.casefold().replace("ё", "е")).split())
