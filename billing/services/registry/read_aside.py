"""A registry read in a thread of its own, beside the database work, which stays in the calling thread.

A streaming import alternates two kinds of work: checking rows (Python on the CPU) and writing
slices of receipts (mostly waiting for PostgreSQL: COPY, its indexes and foreign-key checks).
One after the other, the server's time adds to the read's: ~2.3 of 6 s of a 100,000-row import.
Here the rows are read and checked in a second thread while this one writes the slice before:
the connection, its transaction and every query stay where they were, so all or nothing holds
as before. The read thread may not touch the database (a query there would open a connection
and a transaction of its own): any query it makes is refused.

The two meet through a queue of at most `depth` items, so memory holds a few slices whatever the
file's size. What the read hands over runs here: a slice for the sink, a row count for progress
(which writes, and may cancel), a lookup the parser asks for (`here`). Whichever side fails
stops the other: an error of the read is raised here; an error here (the sink's, a cancel)
stops the read at its next hand-over, and the thread is joined before the error goes on.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from typing import Any, NoReturn, TypeVar

from django.db import connections

from billing.importers.drafts import Slice

T = TypeVar("T")

_WAIT = 0.1  # seconds between looks at the other side while waiting on the queue


class ReadStopped(BaseException):
    """Raised in the read thread once the calling thread gave up; unwinds the read quietly."""


class DatabaseFromReadThread(RuntimeError):
    """The read thread asked the database directly instead of through `ReadAside.here`."""


class ReadAside:
    """Hands a read's slices, progress and lookups over to the thread that made it.

    aside = ReadAside(sink=stream, progress=report)
    collector = RegistryCollector(..., sink=aside.sink)
    result = aside.run(lambda: read_with(collector, progress=aside.progress))
    """

    def __init__(
        self, *, sink: Callable[[Slice], None], progress: Callable[[int], None] | None, depth: int = 1
    ) -> None:
        self._sink, self._progress = sink, progress
        self._handover: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
        self._stopped = threading.Event()
        self.progress: Callable[[int], None] | None = None if progress is None else self._report

    # --- the read thread's side -------------------------------------------------------------

    def sink(self, pending: Slice) -> None:
        self._put("slice", pending)

    def _report(self, rows: int) -> None:
        self._put("progress", rows)

    def here(self, lookup: Callable[[], T]) -> T:
        """`lookup()` run in the calling thread (it may query the database); the read waits for it."""
        answer: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)
        self._put("lookup", (lookup, answer))
        while True:
            try:
                ok, value = answer.get(timeout=_WAIT)
            except queue.Empty:
                if self._stopped.is_set():
                    raise ReadStopped from None
                continue
            if ok:
                return value
            raise value

    def _put(self, kind: str, value: Any) -> None:
        while not self._stopped.is_set():
            try:
                self._handover.put((kind, value), timeout=_WAIT)
                return
            except queue.Full:
                continue
        raise ReadStopped

    # --- the calling thread's side ----------------------------------------------------------

    def run(self, read: Callable[[], T]) -> T:
        """`read()` in a thread of its own; its hand-overs handled here until it returns or fails."""
        thread = threading.Thread(target=self._read, args=(read,), name="registry-read", daemon=True)
        thread.start()
        try:
            while True:
                try:
                    kind, value = self._handover.get(timeout=_WAIT)
                except queue.Empty:
                    if not thread.is_alive() and self._handover.empty():
                        raise RuntimeError("the registry read thread ended without its result") from None
                    continue
                if kind == "slice":
                    self._sink(value)
                elif kind == "progress":
                    assert self._progress is not None
                    self._progress(value)
                elif kind == "lookup":
                    self._answer(*value)
                elif kind == "failed":
                    raise value
                else:
                    return value
        finally:
            self._stopped.set()
            thread.join()

    @staticmethod
    def _answer(lookup: Callable[[], Any], answer: queue.Queue[tuple[bool, Any]]) -> None:
        try:
            answer.put((True, lookup()))
        except Exception as error:
            answer.put((False, error))

    def _read(self, read: Callable[[], Any]) -> None:
        try:
            with no_database():
                value = read()
        except ReadStopped:
            return
        except BaseException as error:
            kind, value = "failed", error
        else:
            kind = "done"
        with suppress(ReadStopped):
            self._put(kind, value)


def _refuse(execute: object, sql: str, params: object, many: bool, context: object) -> NoReturn:
    raise DatabaseFromReadThread(
        "the registry read thread may not query the database (its own connection would be outside the "
        "import's transaction): ask through ReadAside.here"
    )


@contextmanager
def no_database() -> Iterator[None]:
    """Every query of this thread refused: its connections are its own, outside the caller's transaction."""
    with ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(_refuse))
        yield
