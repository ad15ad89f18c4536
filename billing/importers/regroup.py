"""A file whose accounts stand apart, read again with each account's rows together, in flat memory.

Registries list an account's lines together, and the streaming import relies on it (collect.py).
When one does not, its rows go to a temporary SQLite file on disk and come back grouped: each
account's rows in file order, the accounts in the order of their first row, a parser's row
error where it stood. Memory holds one slice of rows whatever the file's size.
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from billing.importers.base import ParsedRow, RowError

SPOOL_SLICE = 5000
PROGRESS_EVERY = 5000


def grouped_by_account(
    items: Iterable[ParsedRow | RowError], *, progress: Callable[[int], None] | None = None
) -> Iterator[ParsedRow | RowError]:
    """`items` again, each account's rows together; `progress` hears the rows read while spooling."""
    with tempfile.TemporaryDirectory(prefix="registry-regroup-") as directory:
        spool = sqlite3.connect(Path(directory) / "rows.sqlite3")
        try:
            spool.execute("PRAGMA journal_mode = OFF")
            spool.execute("PRAGMA synchronous = OFF")
            spool.execute("CREATE TABLE item (seq INTEGER PRIMARY KEY, grouping TEXT NOT NULL, data BLOB NOT NULL)")
            _spool(spool, items, progress)
            # An error is a group of its own: it stays where the file had it.
            ordered = spool.execute("SELECT data FROM item ORDER BY min(seq) OVER (PARTITION BY grouping), seq")
            for (data,) in ordered:
                yield pickle.loads(data)  # our own rows, pickled above by this very process
        finally:
            spool.close()


def _spool(spool: sqlite3.Connection, items: Iterable[ParsedRow | RowError], progress) -> None:
    pending: list[tuple[int, str, bytes]] = []
    next_report = PROGRESS_EVERY
    for seq, item in enumerate(items):
        grouping = "a" + item.account if type(item) is ParsedRow else f"e{seq}"
        pending.append((seq, grouping, pickle.dumps(item, pickle.HIGHEST_PROTOCOL)))
        if len(pending) >= SPOOL_SLICE:
            spool.executemany("INSERT INTO item VALUES (?, ?, ?)", pending)
            pending.clear()
        row = item.row or 0
        if progress is not None and row >= next_report:
            progress(row)
            next_report = row + PROGRESS_EVERY
    spool.executemany("INSERT INTO item VALUES (?, ?, ?)", pending)
    spool.execute("CREATE INDEX item_grouping ON item (grouping, seq)")
