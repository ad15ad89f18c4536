"""Compact JSON text, with arrays whose items were encoded before the request is.

Each receipt is encoded once, when it is sized for chunking; the request body then takes
those texts as they are instead of encoding every receipt a second time.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


class EncodedArray:
    """A JSON array given as the JSON texts of its items."""

    __slots__ = ("items",)

    def __init__(self, items: list[str]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def text(self) -> str:
        return "[" + ",".join(self.items) + "]"


def dumps(value: Any) -> str:
    """Compact JSON of `value`, where each EncodedArray inside it is spliced in as is."""
    arrays: dict[str, EncodedArray] = {}

    def placeholder(item: Any) -> str:
        if not isinstance(item, EncodedArray):
            raise TypeError(f"{type(item).__name__} is not JSON serializable")
        # A fresh random token per array: no string of the payload can be mistaken for it.
        token = uuid.uuid4().hex
        arrays[token] = item
        return token

    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=placeholder)
    for token, array in arrays.items():
        text = text.replace(f'"{token}"', array.text(), 1)
    return text
