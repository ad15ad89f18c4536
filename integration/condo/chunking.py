"""Cut a list of receipts into calls Condo accepts: by count, and by size as Condo measures it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from integration.condo.sizing import compact_size


@dataclass(slots=True)
class Item:
    index: int  # position in the caller's list
    text: str  # the item's compact JSON, sent as it is
    size: int  # Condo's measure of it (sizing.compact_size)


@dataclass(slots=True)
class Oversized:
    index: int
    size: int


def plan_chunks(
    texts: Iterable[tuple[int, str]], *, max_count: int, max_bytes: int
) -> Iterator[list[Item] | Oversized]:
    """Yield chunks of at most `max_count` items whose sizes add up to at most `max_bytes`.

    Items come as (index, compact JSON text); each is sized from its text exactly as Condo
    counts it. `max_bytes` is what is left for the receipts once the envelope is counted. An
    item that alone is over it is yielded as Oversized, to fail on its own. Items are taken
    lazily, so memory stays at one chunk however long the input.
    """
    chunk: list[Item] = []
    used = 0
    for index, text in texts:
        size = compact_size(text)
        if size > max_bytes:
            yield Oversized(index, size)
            continue
        if chunk and (len(chunk) >= max_count or used + size > max_bytes):
            yield chunk
            chunk, used = [], 0
        chunk.append(Item(index, text, size))
        used += size
    if chunk:
        yield chunk


def halves(chunk: list[Item]) -> tuple[list[Item], list[Item]]:
    middle = len(chunk) // 2
    return chunk[:middle], chunk[middle:]
