"""What the public calls (register, reads, withdraw) need of the client: one operation with retries.

They take this protocol rather than `CondoClient`, so the client can import them and they never
import the client back.
"""

from __future__ import annotations

from typing import Any, Protocol

from integration.condo.calls import Verdict
from integration.condo.transport import HttpAnswer


class CondoCaller(Protocol):
    chunk_size: int
    withdraw_chunk_size: int
    max_variables_bytes: int
    sender: dict[str, Any]

    def call(
        self, name: str, variables: dict[str, Any], *, receipts: int = 0, per_item: bool = False
    ) -> tuple[HttpAnswer, Verdict]: ...
