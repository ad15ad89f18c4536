"""Retries, waits, the circuit breaker and every injected fault, over real loopback HTTP."""

from __future__ import annotations

import random
import time

import pytest

from integration.condo import CondoError
from integration.condo.resilience import Backoff, CircuitBreaker, retry_after_seconds
from tests.integration.condo_data import FakeClock, make_receipts
from tests.sandbox_fixtures import SANDBOX_CONTEXT_ID, sandbox_client

CTX = SANDBOX_CONTEXT_ID


def _client(server, clock, **options):
    options.setdefault("backoff", Backoff(base=1.0, cap=8.0, max_wait=120.0, rng=random.Random(7)))
    return sandbox_client(server, clock=clock, **options)


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    backoff = Backoff(base=1.0, cap=8.0, rng=random.Random(1))
    delays = [backoff.delay(attempt, now=0.0) for attempt in range(1, 7)]
    for attempt, delay in enumerate(delays, start=1):
        ceiling = min(8.0, 2.0 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert delays[-1] <= 8.0


def test_backoff_honours_the_servers_reset_time_and_gives_up_when_it_is_too_far():
    backoff = Backoff(base=0.5, max_wait=60.0, rng=random.Random(1))
    assert 30.0 <= backoff.delay(1, now=1000.0, reset_at=1030.0) <= 30.5
    assert 12.0 <= backoff.delay(1, now=1000.0, retry_after=12.0) <= 12.5
    assert backoff.delay(1, now=1000.0, reset_at=4600.0) is None  # an hour away: give the task back


def test_retry_after_takes_seconds_or_an_http_date():
    assert retry_after_seconds("7", now=0.0) == 7.0
    assert retry_after_seconds("Thu, 01 Jan 1970 00:01:40 GMT", now=40.0) == 60.0
    assert retry_after_seconds("soon", now=0.0) is None


def test_http_500_every_other_call_is_retried_after_a_backoff(condo_sandbox):
    clock = FakeClock(time.time())
    condo_sandbox.faults.error_every_nth = 2
    with _client(condo_sandbox, clock, chunk_size=3) as client:
        outcomes = client.register_receipts(CTX, make_receipts(6))
    assert all(o.accepted for o in outcomes)
    statuses = [c.status for c in condo_sandbox.calls_of("registerBillingReceipts")]
    assert statuses == [200, 500, 200]
    assert len(clock.sleeps) == 1 and 0.5 <= clock.sleeps[0] <= 1.0


def test_persistent_5xx_gives_up_after_the_bounded_attempts(condo_sandbox):
    clock = FakeClock(time.time())
    condo_sandbox.faults.error_every_nth = 1
    with _client(condo_sandbox, clock, max_attempts=4) as client, pytest.raises(CondoError) as caught:
        client.register_receipts(CTX, make_receipts(2))
    assert caught.value.transient and caught.value.code == "INTERNAL_SERVER_ERROR"
    assert len(condo_sandbox.calls_of("registerBillingReceipts")) == 4
    assert len(clock.sleeps) == 3
    assert clock.sleeps[0] < clock.sleeps[1] < clock.sleeps[2]


@pytest.mark.parametrize("status", [400, 429])
def test_rate_limit_waits_until_condos_reset_time(condo_sandbox, status):
    clock = FakeClock(time.time())
    with _client(condo_sandbox, clock) as client:
        client.check_token()
        condo_sandbox.faults.rate_limit_calls = 1
        condo_sandbox.faults.rate_limit_status = status
        condo_sandbox.faults.rate_limit_reset_seconds = 30
        outcomes = client.register_receipts(CTX, make_receipts(2))
    assert all(o.accepted for o in outcomes)
    assert [c.status for c in condo_sandbox.calls_of("registerBillingReceipts")] == [status, 200]
    assert 28.0 <= clock.sleeps[0] <= 31.0  # resetTime (and Retry-After on 429), not the 1 s backoff


def test_a_rate_limit_reset_too_far_away_fails_as_transient(condo_sandbox):
    clock = FakeClock(time.time())
    condo_sandbox.faults.rate_limit_calls = 1
    condo_sandbox.faults.rate_limit_reset_seconds = 3600
    with _client(condo_sandbox, clock) as client, pytest.raises(CondoError) as caught:
        client.register_receipts(CTX, make_receipts(1))
    assert caught.value.transient and caught.value.code == "TOO_MANY_REQUESTS"
    assert clock.sleeps == []


def test_answers_slower_than_the_read_timeout_are_retried_then_given_up(condo_sandbox):
    receipts = make_receipts(2)
    with sandbox_client(condo_sandbox, read_timeout=0.2, max_attempts=2) as client:
        client.check_token()
        condo_sandbox.faults.latency_seconds = 0.6
        started = time.monotonic()
        with pytest.raises(CondoError) as caught:
            client.register_receipts(CTX, receipts)
        assert caught.value.transient and caught.value.code == "TIMEOUT"
        assert time.monotonic() - started < 1.0  # two attempts of 0.2 s, not two answers of 0.6 s
        time.sleep(0.8)  # let the server finish the calls the client gave up on
        condo_sandbox.faults.latency_seconds = 0
        outcomes = client.register_receipts(CTX, receipts)
    assert all(o.accepted for o in outcomes)
    # The timed-out calls were stored late; the resend matched them by importId: no duplicates.
    assert len(condo_sandbox.receipts(CTX)) == 2


def test_a_connection_closed_after_storing_is_retried_without_duplicates(condo_sandbox, condo_client):
    receipts = make_receipts(3)
    condo_sandbox.faults.drop_after_store = 1
    outcomes = condo_client.register_receipts(CTX, receipts)

    assert all(o.accepted for o in outcomes)
    calls = condo_sandbox.calls_of("registerBillingReceipts")
    assert [c.dropped for c in calls] == [True, False]
    stored = condo_sandbox.receipts(CTX)
    assert len(stored) == 3 and all(r["v"] == 1 for r in stored)
    assert {o.condo_id for o in outcomes} == {r["id"] for r in stored}


def test_the_circuit_opens_after_repeated_failures_and_closes_after_the_cool_down(condo_sandbox):
    clock = FakeClock(time.time())
    breaker = CircuitBreaker(threshold=3, cooldown=30.0, clock=clock)
    with _client(condo_sandbox, clock, breaker=breaker, max_attempts=10) as client:
        client.check_token()
        condo_sandbox.faults.error_every_nth = 1
        with pytest.raises(CondoError) as caught:
            client.register_receipts(CTX, make_receipts(1))
        assert caught.value.code == "CIRCUIT_OPEN" and caught.value.transient
        assert breaker.state == "open"
        assert len(condo_sandbox.calls_of("registerBillingReceipts")) == 3

        with pytest.raises(CondoError, match="приостановлены"):
            client.register_receipts(CTX, make_receipts(1))
        assert len(condo_sandbox.calls_of("registerBillingReceipts")) == 3  # no call while open

        clock.advance(31)
        assert breaker.state == "half_open"
        with pytest.raises(CondoError):
            client.register_receipts(CTX, make_receipts(1))  # the trial call fails: open again
        assert breaker.state == "open"
        assert len(condo_sandbox.calls_of("registerBillingReceipts")) == 4

        clock.advance(31)
        condo_sandbox.faults.error_every_nth = 0
        outcomes = client.register_receipts(CTX, make_receipts(1))
    assert outcomes[0].accepted and breaker.state == "closed"


def test_permanent_errors_do_not_open_the_circuit(condo_sandbox):
    breaker = CircuitBreaker(threshold=2, cooldown=30.0)
    condo_sandbox.add_context("0c0c0c0c-0000-4000-8000-000000000002", "InProgress")
    with sandbox_client(condo_sandbox, breaker=breaker) as client:
        for _ in range(3):
            with pytest.raises(CondoError):
                client.register_receipts("0c0c0c0c-0000-4000-8000-000000000002", make_receipts(1))
    assert breaker.state == "closed"


def test_every_call_is_reported_to_on_call(condo_sandbox):
    records = []
    condo_sandbox.faults.reject = {make_receipts(1)[0].import_id: "WRONG_MONTH"}
    condo_sandbox.faults.error_every_nth = 2
    with sandbox_client(condo_sandbox, on_call=records.append, chunk_size=1) as client:
        client.register_receipts(CTX, make_receipts(2))
    assert [(r.operation, r.outcome, r.error_class, r.attempt) for r in records] == [
        ("signin", "ok", "", 1),
        ("registerBillingReceipts", "partial", "", 1),
        ("registerBillingReceipts", "error", "transient", 1),
        ("registerBillingReceipts", "ok", "", 2),
    ]
    assert records[2].error_code == "INTERNAL_SERVER_ERROR"
    assert records[1].receipts == 1 and records[1].bytes > 500
    seen = [c.request_id for c in condo_sandbox.calls]
    assert [r.request_id for r in records] == seen  # the X-Request-Id we sent


def test_a_dead_server_is_a_transient_network_error(condo_sandbox):
    url = condo_sandbox.url
    condo_sandbox.stop()
    clock = FakeClock(time.time())
    with _client(condo_sandbox, clock, api_url=url, max_attempts=2) as client, pytest.raises(CondoError) as caught:
        client.register_receipts(CTX, make_receipts(1))
    assert caught.value.transient and caught.value.code == "NETWORK"
