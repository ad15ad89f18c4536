"""npm `object-sizeof` as Condo's request limiter applies it to the parsed variables (contract §1).

Deliberately separate from the client's own estimate (integration/condo/sizing.py), so that
a test comparing the two catches a mistake in either.
"""

from __future__ import annotations

from typing import Any


def object_sizeof(value: Any) -> int:
    """Two bytes per UTF-16 code unit of every string and key, 8 per number, 4 per boolean."""
    kind = type(value)
    if kind is str:
        # ASCII is one code unit per character; anything else is measured in UTF-16.
        return 2 * len(value) if value.isascii() else len(value.encode("utf-16-le"))
    if kind is dict:
        total = 0
        for key, item in value.items():
            total += (2 * len(key) if key.isascii() else len(key.encode("utf-16-le"))) + object_sizeof(item)
        return total
    if kind is list:
        total = 0
        for item in value:
            total += object_sizeof(item)
        return total
    if kind is bool:
        return 4
    if kind is int or kind is float:
        return 8
    return 0
