"""The size of GraphQL variables as Condo measures them (npm `object-sizeof`, contract §1).

Strings count 2 bytes per UTF-16 code unit, keys included; numbers 8; booleans 4; null 0.
Used for every receipt of a publish, so leaf strings are measured inline, not by a call each.
"""

from __future__ import annotations

from typing import Any

from integration.condo.jsontext import compact

STRING_BYTES = 2
NUMBER_BYTES = 8
BOOLEAN_BYTES = 4


def text_size(value: str) -> int:
    if value.isascii():
        return len(value) * STRING_BYTES
    # Characters outside the BMP are two UTF-16 units in JavaScript.
    return len(value.encode("utf-16-le"))


def object_sizeof(value: Any) -> int:
    kind = type(value)
    if kind is dict:
        total = 0
        for key, item in value.items():
            total += len(key) * STRING_BYTES if key.isascii() else text_size(key)
            if type(item) is str:
                total += len(item) * STRING_BYTES if item.isascii() else len(item.encode("utf-16-le"))
            elif item is not None:
                total += object_sizeof(item)
        return total
    if kind is list or kind is tuple:
        total = 0
        for item in value:
            if type(item) is str:
                total += len(item) * STRING_BYTES if item.isascii() else len(item.encode("utf-16-le"))
            elif item is not None:
                total += object_sizeof(item)
        return total
    if kind is str:
        return text_size(value)
    if kind is bool:
        return BOOLEAN_BYTES
    if kind is int or kind is float:
        return NUMBER_BYTES
    return 0


def sizeof_upper_bound(value: Any) -> int:
    """Never less than `object_sizeof(value)` for our payloads, at a fraction of its CPU.

    Twice the UTF-16 length of the compact JSON text: every key and string appears in it with
    at least its own characters, and each number that is a dict value (month, year, dv) brings
    at least four characters with its quotes, colon and comma, so 2 x 4 >= the 8 bytes Condo
    counts for it. Booleans ("true", "false") likewise exceed their 4 bytes. The bound over-
    counts by the punctuation (about a tenth), which only makes chunks a little smaller; the
    JSON encoder is C code where the exact walk is Python, and this runs for every receipt.
    """
    return text_size(compact(value))
