"""What a check found, kept in bounded memory: counts, a few examples per kind, the rest streamed out.

Every finding goes to the sink (the workbook) as it is found; only `EXAMPLES_KEPT` per kind stay
in memory, unless the caller asks for the full lists (`check_batch --json` prints them).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Protocol

EXAMPLES_KEPT = 10
KINDS = ("problems", "new", "missing", "changed")


class FindingSink(Protocol):
    def write(self, kind: str, item: dict[str, Any]) -> None: ...


class Findings:
    def __init__(
        self, *, sink: FindingSink | None = None, keep_all: bool = False, examples: int = EXAMPLES_KEPT
    ) -> None:
        self.counts: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()
        self.examples: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
        self.everything: dict[str, list[dict[str, Any]]] | None = {kind: [] for kind in KINDS} if keep_all else None
        self._sink = sink
        self._limit = examples

    def add(self, kind: str, item: dict[str, Any]) -> None:
        self.counts[kind] += 1
        if kind == "problems":
            self.codes[item["code"]] += 1
        if len(self.examples[kind]) < self._limit:
            self.examples[kind].append(item)
        if self.everything is not None:
            self.everything[kind].append(item)
        if self._sink is not None:
            self._sink.write(kind, item)

    def examples_json(self) -> dict[str, Any]:
        return {**self.examples, "codes": dict(self.codes.most_common())}
