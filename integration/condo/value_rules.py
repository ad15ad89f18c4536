"""Condo's rules for single values, one implementation each (contract 13.2, 13.5, 13.6).

big.js numbers and the services' sum, a recipient's `isApproved`, and the guess of a person
from a name. `rules.py` applies them, with the rest of section 13, over whole documents.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal
from typing import Any

# --- 13.2 invalidServicesError (apps/condo/domains/billing/schema/BillingReceipt.js) ---------------

# big.js's NUMERIC: what `Big(string)` accepts; anything else throws "[big.js] Invalid number".
_BIG_NUMERIC = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?\Z", re.IGNORECASE)
_EXACT = Context(prec=4000)  # big.js adds without rounding


class InvalidNumber(ValueError):
    """What big.js throws for a text it cannot read ("12,50", "")."""

    def __init__(self, value: Any) -> None:
        super().__init__("[big.js] Invalid number")
        self.value = value


def big(value: Any) -> Decimal:
    if type(value) is int or type(value) is float:
        value = str(value)
    if type(value) is not str or not _BIG_NUMERIC.match(value):
        raise InvalidNumber(value)
    return Decimal(value)


def big_string(value: Decimal) -> str:
    """big.js `toString`: no trailing zeros, exponential below 1e-6 and from 1e21."""
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):  # NaN or an infinity, which big.js never holds
        raise InvalidNumber(value)
    text = "".join(map(str, digits)).rstrip("0")
    if not text:
        return "0"
    e = len(digits) - 1 + exponent  # the power of ten of the first digit
    text = text.lstrip("0") or "0"
    if e <= -7 or e >= 21:
        text = text[0] + ("." + text[1:] if len(text) > 1 else "") + ("e" if e < 0 else "e+") + str(e)
    elif e < 0:
        text = "0." + "0" * (-e - 1) + text
    elif e + 1 < len(text):
        text = text[: e + 1] + "." + text[e + 1 :]
    else:
        text += "0" * (e + 1 - len(text))
    return "-" + text if sign else text


def services_sum_error(document: dict[str, Any], *, paid: Any = None) -> str | None:
    """Condo's `invalidServicesError` for a receipt: Σ services.toPay must equal toPay + paid, exactly.

    `paid` is the receipt's stored `paid` column when the caller knows it (a later
    toPayDetails without `paid` keeps the old one); by default the document's own
    toPayDetails.paid. Raises InvalidNumber where Condo's read of the field fails.
    """
    services = document.get("services")
    if not services:
        return None
    if paid is None:
        paid = (document.get("toPayDetails") or {}).get("paid")
    to_pay = big(document.get("toPay") or 0)  # `get(receipt, 'toPay') || 0`
    expected = _EXACT.add(to_pay, big(paid or 0))
    total = Decimal(0)
    for service in services:
        if not isinstance(service, dict):
            raise InvalidNumber(service)
        total = _EXACT.add(total, big(service.get("toPay", 0)))  # `{ toPay = 0 }`: only a missing key is 0
    if total.compare(expected) == 0:
        return None
    return f"Services sum ({big_string(total)}) does not add up to the toPay ({big_string(to_pay)}) amount correctly"


# --- 13.5 isApproved (apps/condo/domains/billing/schema/BillingRecipient.js) ----------------------


def recipient_is_approved(
    *,
    tin: str,
    bic: str,
    bank_account: str,
    organization_tin: str | None,
    approved_bank_accounts: set[tuple[str, str]] | frozenset,
    alive: bool = True,
) -> bool:
    """Condo's virtual `BillingRecipient.isApproved`, computed on every read.

    True when the context and its organization are alive and either the recipient's TIN is the
    organization's, or the organization has an approved, live BankAccount with this BIC and
    number (the TIN is not compared then). Only Condo's support approves a BankAccount.
    """
    if not alive:
        return False
    return (organization_tin is not None and tin == organization_tin) or (bic, bank_account) in approved_bank_accounts


# --- 13.6 isPerson (apps/condo/domains/billing/schema/resolvers/utils.js) -------------------------

COMPANY_WORDS = (
    "ИП",
    "ООО",
    "ОАО",
    "АО",
    "ПАО",
    "НКО",
    "КО",
    "ПК",
    "ПКК",
    "СППК",
    "КПК",
    "ЖСК",
    "КСК",
    "ЖНК",
    "ЖК",
    "ТСН",
    "ТСЖ",
    "ТСК",
    "СА",
    "РХ",
    "КХ",
    "ОВС",
    "ЗАО",
    "ТОО",
)
_FIO = re.compile(r"^[А-ЯЁ][а-яё]*([-' .][А-ЯЁ][а-яё]*){0,2}\s+[IVА-ЯЁ][a-zа-яё.]*([- .'ёЁ][IVА-ЯЁ][a-zа-яё.]*)*\Z")
_FIO_ENDING = re.compile(r"\s(?:оглы|кызы)\Z")
_LATIN_TWINS = str.maketrans("abcehkmoptxyABCEHKMOPTXY", "абсенкмортхуАВСЕНКМОРТХУ")
_CAPITALS = re.compile(r"([А-ЯЁ])([А-ЯЁ]+)")


def _word_char(char: str) -> bool:
    # COMPANY_REGEXP's boundary class [^\p{L}\d_] with the `u` flag: \d is ASCII only.
    return char.isalpha() or char in "0123456789_"


def has_company_word(name: str) -> bool:
    """Any of COMPANY_WORDS as a separate word, in any letter case."""
    upper = name.upper()
    for word in COMPANY_WORDS:
        start = upper.find(word)
        while start != -1:
            end = start + len(word)
            if (start == 0 or not _word_char(name[start - 1])) and (end == len(name) or not _word_char(name[end])):
                return True
            start = upper.find(word, start + 1)
    return False


def is_person(full_name: str) -> bool:
    """Condo's guess of `ownerType` from a name when none is sent: person or company."""
    if not full_name or not isinstance(full_name, str):
        return False
    name = full_name.strip()
    if has_company_word(name):
        return False
    name = _FIO_ENDING.split(name)[0].translate(_LATIN_TWINS)
    name = _CAPITALS.sub(lambda match: match[1] + match[2].lower(), name)
    return bool(_FIO.match(name))
