"""Cut a list of receipts into calls Condo accepts: by count, and by size as Condo measures it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from integration.condo.sizing import sizeof_upper_bound


@dataclass(slots=True)
class Item:
    index: int  # position in the caller's list
    wire: dict[str, Any]
    size: int


@dataclass(slots=True)
class Oversized:
    index: int
    size: int


def plan_chunks(
    wires: Iterable[tuple[int, dict[str, Any]]],
    *,
    max_count: int,
    max_bytes: int,
    sizeof: Callable[[Any], int] = sizeof_upper_bound,
) -> Iterator[list[Item] | Oversized]:
    """Yield chunks of at most `max_count` items whose sizes add up to at most `max_bytes`.

    `max_bytes` is what is left for the receipts once the envelope is counted. An item that
    alone is over it is yielded as Oversized, to fail on its own. Items are built lazily, so
    memory stays at one chunk however long the input.
    """
    chunk: list[Item] = []
    used = 0
    for index, wire in wires:
        size = sizeof(wire)
        if size > max_bytes:
            yield Oversized(index, size)
            continue
        if chunk and (len(chunk) >= max_count or used + size > max_bytes):
            yield chunk
            chunk, used = [], 0
        chunk.append(Item(index, wire, size))
        used += size
    if chunk:
        yield chunk


def halves(chunk: list[Item]) -> tuple[list[Item], list[Item]]:
    middle = len(chunk) // 2
    return chunk[:middle], chunk[middle:]
