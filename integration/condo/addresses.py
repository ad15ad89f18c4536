"""What Condo makes of a receipt's address and unit (contract 13.4).

A port of `AddressFromStringParser` (packages/clients/address-service-client/utils/
parseAddressesFromString.js) and of `getAddressFromReceipt` (apps/condo/domains/billing/schema/
resolvers/propertyResolver.js) at the contract's Condo commit. The regular expressions keep
JavaScript's meaning: `$` is the end of the text (`\\Z`), `.` stops at line breaks, and
`\\p{L}\\p{N}` (letters and numbers) is `[^\\W_]`. Context settings (`addressTransform`,
`isCottageVillage`) are not modelled: the desk's contexts use neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Order matters: the first type whose keyword is found wins (parking before flat).
KEYWORDS: dict[str, tuple[str, ...]] = {
    "parking": (
        "автоместо",
        "парковка",
        "паркинг",
        "машиноместо",
        "гараж",
        "м/м",
        "мм",
        "место",
        "м/место",
        "а/м",
        "бокс",
        "парк",
    ),
    "apartment": ("аппарт", "апарт", "ап", "к/п"),
    "commercial": ("офис", "оф"),
    "warehouse": ("помещение", "подвал", "помещ", "пом", "кладовка", "кладовая", "клад", "кл", "нп"),
    "flat": ("квартира", "кв", "комн"),
}
UNIT_TYPES = ("flat", "apartment", "parking", "commercial", "warehouse")
DEFAULT_UNIT_TYPE = "flat"
HOUSE_IDENTIFIERS = "д|уч|дом|участок|двлд"
SPLIT_SYMBOL = "%"

_ANY = r"[^\n\r\u2028\u2029]"  # JavaScript's `.`
_LETTER_OR_NUMBER = r"[^\W_]"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-5][0-9a-f]{3}-[089ab][0-9a-f]{3}-[0-9a-f]{12}\Z", re.IGNORECASE)
_FIAS = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", re.IGNORECASE)


def _alternatives(keywords: tuple[str, ...] | list[str]) -> str:
    # Longest first, so that "помещение" is tried before "пом" (a stable sort, as in JavaScript).
    return "|".join(re.escape(keyword) for keyword in sorted(keywords, key=len, reverse=True))


_SPLIT = re.compile(
    rf"[\s,]({HOUSE_IDENTIFIERS})([\s.]{_ANY}*?)[\s,]+({_alternatives([k for ks in KEYWORDS.values() for k in ks])})([.\s])",
    re.IGNORECASE,
)
_HOUSE_AT_END = re.compile(rf"[.\s]({HOUSE_IDENTIFIERS})([.\s]+)([0-9А-Я/\\]+)\Z", re.IGNORECASE)
_DETECT = {
    unit_type: re.compile(rf"(?<!{_LETTER_OR_NUMBER})(?:{_alternatives(words)})(?=\.|[^\w]|_|\Z|\d)", re.IGNORECASE)
    for unit_type, words in KEYWORDS.items()
}
_REMOVE = {
    unit_type: re.compile(rf"(?<!{_LETTER_OR_NUMBER})(?:{_alternatives(words)})(?:\.|(?=[^\w]|_|\Z))", re.IGNORECASE)
    for unit_type, words in KEYWORDS.items()
}


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """The house Condo resolves and the unit it gives the account.

    `reparsed`: Condo cut the address text itself (unitName or unitType was missing), so the
    house may not be the text we sent. `invented`: the unit is not in the data at all (flat
    «1» added to a text that ends with the house number, or to one that ends with a comma).
    """

    house: str
    unit_type: str
    unit_name: str
    reparsed: bool
    invented: bool = False


def _trim(text: str) -> str:
    text = text.strip()
    while text[:1] in (".", ","):
        text = text[1:].lstrip()
    while text[-1:] in (".", ","):
        text = text[:-1].rstrip()
    return text


def _normalize_unit_name(text: str) -> str:
    parts = text.split("(")
    text = "(".join([parts[0], *(part.lstrip() for part in parts[1:])])
    parts = text.split(")")
    text = ")".join([*(part.rstrip() for part in parts[:-1]), parts[-1]])
    return _trim(re.sub(r"\s+", " ", text))


def parse_unit(text: str) -> tuple[str, str]:
    """(unit type, unit name) of a unit text: `parseUnit`."""
    detected = None
    for unit_type in KEYWORDS:
        if detected is None and _DETECT[unit_type].search(text):
            detected = unit_type
        text = _normalize_unit_name(_REMOVE[unit_type].sub("", text))
    return detected or DEFAULT_UNIT_TYPE, text


def parse(text: str) -> tuple[str, str, str, bool]:
    """(house, unit type, unit name, invented) of an address text: `parse`."""
    if _UUID.match(text):
        text += ","
    cut = _SPLIT.sub(lambda m: f" {m[1]}{m[2]}{SPLIT_SYMBOL}{m[3]}{m[4]}", text.replace(SPLIT_SYMBOL, ""), count=1)
    house, _, unit = cut.partition(SPLIT_SYMBOL)
    unit = _trim(unit.split(SPLIT_SYMBOL)[0])
    invented = False
    if unit:
        house = _trim(house)
    else:
        # The text ends with the house number: Condo appends ", кв. 1" (the flat is invented).
        extended = _HOUSE_AT_END.sub(lambda m: f" {m[1]}{m[2]}{m[3]}, кв. 1", text, count=1)
        invented = extended != text
        parts = [part.strip() for part in extended.split(",")]
        last = parts.pop()
        invented = invented or not last
        house, unit = ", ".join(parts), last or "1"
    unit_type, unit_name = parse_unit(unit)
    return house, unit_type, unit_name, invented


def address_from_receipt(document: dict[str, Any]) -> ParsedAddress:
    """What `getAddressFromReceipt` takes from one wire document (13.4)."""
    address = str(document.get("address") or "")
    meta = document.get("addressMeta") or {}
    unit_name_in, unit_type_in = meta.get("unitName") or "", meta.get("unitType") or ""
    global_id = meta.get("globalId") or ""
    names, types, houses = [unit_name_in], [], []
    if unit_type_in:
        types.append(unit_type_in if unit_type_in in UNIT_TYPES else parse_unit(f"{unit_type_in} {unit_name_in}")[0])
    if _FIAS.match(address):
        global_id, address = address, ""
    invented = reparsed = False
    if global_id and _FIAS.match(global_id):
        if "," in global_id:
            house, unit_type, unit_name, _ = parse(global_id)
            names.append(unit_name)
            types.append(unit_type)
            houses.append(f"fiasId:{house.lower()}")
        else:
            houses.append(f"fiasId:{global_id.lower()}")
    if address:
        if unit_name_in and unit_type_in:
            houses.append(address)
        else:
            house, unit_type, unit_name, invented = parse(address)
            reparsed = True
            names.append(unit_name)
            types.append(unit_type)
            houses.append(house)
    if len(types) > 1:
        specific = next((unit_type for unit_type in types if unit_type != DEFAULT_UNIT_TYPE), None)
        if specific:
            types = [specific]
    # The text's house when there is one (that is what we wrote); a FIAS id only otherwise.
    house = houses[-1] if address else next(iter(houses), "")
    unit_name = next((name for name in names if name), "")
    # The invented flat counts only when it is the unit the account gets.
    invented = invented and not unit_name_in and unit_name == "1"
    return ParsedAddress(house, next((t for t in types if t), ""), unit_name, reparsed, invented)
