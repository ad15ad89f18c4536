"""billing/services/registry/read_aside.py: the read runs in its own thread, the database work stays in
the caller's, and whichever side fails stops the other, leaving no thread behind."""

from __future__ import annotations

import threading

import pytest

from billing.models import Account
from billing.services.registry.read_aside import DatabaseFromReadThread, ReadAside
from tests.factories import AccountFactory


def _read_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "registry-read"]


class Recorder:
    def __init__(self, *, fail_at: int | None = None) -> None:
        self.slices: list[list] = []
        self.rows: list[int] = []
        self.threads: set[int] = set()
        self.fail_at = fail_at

    def sink(self, pending) -> None:
        self.threads.add(threading.get_ident())
        if len(self.slices) == self.fail_at:
            raise ValueError("the sink failed")
        self.slices.append(pending)

    def progress(self, rows: int) -> None:
        self.threads.add(threading.get_ident())
        self.rows.append(rows)


def test_slices_and_progress_are_handled_in_the_calling_thread_in_order():
    recorder = Recorder()
    aside = ReadAside(sink=recorder.sink, progress=recorder.progress)
    read_in: list[int] = []

    def read():
        read_in.append(threading.get_ident())
        for number in range(5):
            aside.sink([("receipt", number)])
            assert aside.progress is not None
            aside.progress(number * 100)
        return "the result"

    assert aside.run(read) == "the result"
    assert recorder.slices == [[("receipt", number)] for number in range(5)]
    assert recorder.rows == [0, 100, 200, 300, 400]
    assert recorder.threads == {threading.get_ident()}
    assert read_in and read_in[0] != threading.get_ident()
    assert _read_threads() == []


def test_an_error_of_the_read_is_raised_in_the_caller_after_what_it_handed_over():
    recorder = Recorder()
    aside = ReadAside(sink=recorder.sink, progress=None)
    assert aside.progress is None

    def read():
        aside.sink(["first"])
        raise LookupError("row 7 is unreadable")

    with pytest.raises(LookupError, match="row 7"):
        aside.run(read)
    assert recorder.slices == [["first"]]
    assert _read_threads() == []


def test_an_error_of_the_sink_stops_the_read_at_its_next_handover():
    recorder = Recorder(fail_at=1)
    aside = ReadAside(sink=recorder.sink, progress=None)
    handed: list[int] = []

    def read():
        for number in range(10_000):
            aside.sink([number])
            handed.append(number)
        return "read to the end"

    with pytest.raises(ValueError, match="the sink failed"):
        aside.run(read)
    assert recorder.slices == [[0]]
    # The queue holds one slice: the read got at most a couple past the failing one.
    assert len(handed) <= 4, handed
    assert _read_threads() == []


@pytest.mark.django_db
def test_the_read_thread_may_not_query_the_database_but_may_ask_the_caller():
    AccountFactory.create_batch(3)
    aside = ReadAside(sink=Recorder().sink, progress=None)
    assert aside.run(lambda: aside.here(Account.objects.count)) == 3

    aside = ReadAside(sink=Recorder().sink, progress=None)
    with pytest.raises(DatabaseFromReadThread):
        aside.run(Account.objects.count)
    assert _read_threads() == []


@pytest.mark.django_db
def test_an_error_of_a_lookup_is_raised_in_the_read_and_from_there_in_the_caller():
    aside = ReadAside(sink=Recorder().sink, progress=None)

    def read():
        try:
            aside.here(lambda: Account.objects.get(number="nobody"))
        except Account.DoesNotExist:
            return "the read saw it"
        return "no error"

    assert aside.run(read) == "the read saw it"
