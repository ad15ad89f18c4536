"""npm `object-sizeof` as Condo's request limiter applies it to the parsed variables (contract §1).

Deliberately separate from the client's own estimate (integration/condo/sizing.py), so that
a test comparing the two catches a mistake in either.
"""

from __future__ import annotations

from typing import Any


def _text(value: str) -> int:
    # ASCII is one UTF-16 code unit per character; anything else is measured in UTF-16.
    return 2 * len(value) if value.isascii() else len(value.encode("utf-16-le"))


def _leaf(value: Any) -> int:
    kind = type(value)
    if kind is str:
        return _text(value)
    if kind is dict or kind is list:
        return object_sizeof(value)
    if kind is bool:
        return 4
    if kind is int or kind is float:
        return 8
    return 0


def object_sizeof(value: Any) -> int:
    """Two bytes per UTF-16 code unit of every string and key, 8 per number, 4 per boolean.

    Strings are measured inline rather than through a call per leaf: a publish call carries
    tens of thousands of them.
    """
    kind = type(value)
    if kind is dict:
        total = 0
        for key, item in value.items():
            total += 2 * len(key) if key.isascii() else _text(key)
            if type(item) is str:
                total += 2 * len(item) if item.isascii() else len(item.encode("utf-16-le"))
            elif item is not None:
                total += _leaf(item)
        return total
    if kind is list:
        total = 0
        for item in value:
            if type(item) is str:
                total += 2 * len(item) if item.isascii() else len(item.encode("utf-16-le"))
            elif item is not None:
                total += _leaf(item)
        return total
    return _leaf(value)
