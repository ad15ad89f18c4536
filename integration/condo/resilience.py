"""Waiting between retries, and not calling a server that keeps failing.

Both take an injectable clock so tests can check the waits without sleeping.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime


class Clock:
    """Wall time (for Condo's resetTime), monotonic time (for durations) and sleep."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass
class Backoff:
    """Exponential backoff with jitter, capped; honours the server's own reset time.

    `max_wait` bounds how long one call may wait for a rate-limit window: Condo's window is
    an hour, and a worker should rather give the task back to the queue than sleep that long.
    """

    base: float = 0.5
    cap: float = 30.0
    max_wait: float = 120.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(
        self, attempt: int, *, now: float, reset_at: float | None = None, retry_after: float | None = None
    ) -> float | None:
        """Seconds to wait before attempt `attempt + 1`; None when the server asks for too long."""
        if reset_at is not None or retry_after is not None:
            wanted = max(reset_at - now if reset_at is not None else 0.0, retry_after or 0.0, 0.0)
            if wanted > self.max_wait:
                return None
            # A little jitter after the reset, so that every worker does not return at once.
            return wanted + self.rng.uniform(0, self.base)
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)


def retry_after_seconds(value: str | None, *, now: float) -> float | None:
    """The Retry-After header: delta seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(parsedate_to_datetime(value).timestamp() - now, 0.0)
    except (TypeError, ValueError):
        return None


class CircuitBreaker:
    """Closed → open after `threshold` failures in a row → half-open after `cooldown` seconds.

    Half-open lets one trial call through: success closes the circuit, failure opens it for
    another cool-down. Shared by every client of one Condo URL in the process.
    """

    CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"

    def __init__(self, *, threshold: int = 5, cooldown: float = 30.0, clock: Clock | None = None) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.clock = clock or Clock()
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at = 0.0
        self._state = self.CLOSED
        self._trial_in_flight = False

    @property
    def state(self) -> str:
        with self._lock:
            if self._state == self.OPEN and self.clock.monotonic() - self._opened_at >= self.cooldown:
                return self.HALF_OPEN
            return self._state

    def allow(self) -> bool:
        with self._lock:
            if self._state == self.CLOSED:
                return True
            if self._state == self.OPEN:
                if self.clock.monotonic() - self._opened_at < self.cooldown:
                    return False
                self._state = self.HALF_OPEN
                self._trial_in_flight = False
            if self._trial_in_flight:
                return False
            self._trial_in_flight = True
            return True

    def retry_in(self) -> float:
        with self._lock:
            return max(self.cooldown - (self.clock.monotonic() - self._opened_at), 0.0)

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._state = self.CLOSED
            self._trial_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._state == self.HALF_OPEN or self._failures >= self.threshold:
                self._state = self.OPEN
                self._opened_at = self.clock.monotonic()
                self._trial_in_flight = False


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def shared_breaker(url: str, *, threshold: int, cooldown: float) -> CircuitBreaker:
    with _breakers_lock:
        breaker = _breakers.get(url)
        if breaker is None:
            breaker = _breakers[url] = CircuitBreaker(threshold=threshold, cooldown=cooldown)
        return breaker


def forget_shared_breakers() -> None:
    """Drop every process-wide breaker (tests start a new sandbox, maybe on a reused port)."""
    with _breakers_lock:
        _breakers.clear()
