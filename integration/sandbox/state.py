"""What one sandbox server keeps between requests: its storage, its faults, the calls seen, the login guard."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from integration.condo.documents import project_schema
from integration.condo.inputs import InputChecker
from integration.sandbox.faults import FaultConfig
from integration.sandbox.storage import Storage

MAX_CALLS_KEPT = 10_000
PHONE_GUARD_ATTEMPTS = 10  # per phone per hour (contract §2)


class LoginGuard:
    """Condo's brute-force guard on the phone mutation: attempts per phone in the last hour."""

    def __init__(self) -> None:
        self._attempts: dict[str, deque[float]] = defaultdict(deque)

    def allows(self, phone: str) -> bool:
        now = time.time()
        attempts = self._attempts[phone]
        while attempts and attempts[0] < now - 3600:
            attempts.popleft()
        attempts.append(now)  # every attempt counts, successful ones included
        return len(attempts) <= PHONE_GUARD_ATTEMPTS


@dataclass(frozen=True)
class CallSeen:
    operation: str
    status: int
    request_id: str
    receipts: int
    bytes: int
    authorized: bool
    dropped: bool


@dataclass
class SandboxState:
    storage: Storage
    faults: FaultConfig
    max_variables_bytes: int = 512 * 1024
    max_query_length: int = 8192
    receipts_limit: int = 1000
    logins: int = 0
    # The latest calls, for tests and the curious; bounded so a demo left running stays small.
    calls: deque[CallSeen] = field(default_factory=lambda: deque(maxlen=MAX_CALLS_KEPT))
    schema: Any = field(default_factory=project_schema)
    checker: InputChecker = field(default_factory=InputChecker)
    guard: LoginGuard = field(default_factory=LoginGuard)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count_login(self) -> None:
        with self.lock:
            self.logins += 1

    def guard_allows(self, phone: str) -> bool:
        with self.lock:
            return self.guard.allows(phone)

    def seen(self, call: CallSeen) -> None:
        with self.lock:
            self.calls.append(call)
