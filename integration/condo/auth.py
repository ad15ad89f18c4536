"""Where the Condo session token lives: Django's cache, shared by every worker and process.

Condo lets an IP log in about 20 times an hour (and 10 for the phone mutation), while a
service user's session lasts 7 days, so one login serves every worker. A short lock in the
cache makes two processes that start together log in once. The token is never written to
the database: where the configured cache is the database one (the embedded default, no
Redis), the processes of the installation share it through files under
CONDO_TOKEN_FILE_CACHE instead (`var/condo-token-cache`), a folder only the desk's user may
enter (0700) holding files only it may read (0600).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.filebased import FileBasedCache

from integration.condo.resilience import Clock

logger = logging.getLogger("integration.condo")

# Condo keeps a service user's session for 7 days; forget it a little before that.
TOKEN_TTL_SECONDS = 6 * 24 * 3600
LOGIN_LOCK_SECONDS = 60
LOCK_SETTLE_SECONDS = 0.05


class LocalTokenCache:
    """A process-wide stand-in for a cache that must not hold secrets (add/get/set/delete)."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._clock = Clock()

    def get(self, key: str) -> str | None:
        with self._lock:
            value = self._values.get(key)
            if value is None or value[1] < self._clock.monotonic():
                return None
            return value[0]

    def set(self, key: str, value: str, timeout: float) -> None:
        with self._lock:
            self._values[key] = (value, self._clock.monotonic() + timeout)

    def add(self, key: str, value: str, timeout: float) -> bool:
        with self._lock:
            current = self._values.get(key)
            if current is not None and current[1] >= self._clock.monotonic():
                return False
            self._values[key] = (value, self._clock.monotonic() + timeout)
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            self._values.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def token_cache(alias: str) -> BaseCache | LocalTokenCache:
    cache = caches[alias]
    if isinstance(cache, DatabaseCache):
        return token_file_cache(str(settings.CONDO_TOKEN_FILE_CACHE))
    return cache


_file_caches: dict[str, FileBasedCache] = {}


def token_file_cache(path: str) -> FileBasedCache:
    """The file cache in `path`, created private to this user if it is not there yet.

    Django's file cache creates its folder 0700 and writes each entry to a mkstemp file (0600)
    that it renames into place; a folder that already exists is narrowed to 0700 here too.
    """
    cache = _file_caches.get(path)
    if cache is None:
        os.makedirs(path, mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)
        cache = _file_caches[path] = FileBasedCache(path, {"TIMEOUT": TOKEN_TTL_SECONDS})
    return cache


class TokenStore:
    def __init__(
        self, *, api_url: str, login: str, cache: BaseCache | LocalTokenCache, clock: Clock | None = None
    ) -> None:
        digest = hashlib.sha256(f"{api_url}\n{login}".encode()).hexdigest()[:32]
        self.key = f"condo:token:{digest}"
        self._lock_key = f"{self.key}:lock"
        self._cache = cache
        self._clock = clock or Clock()

    def get(self) -> str | None:
        return self._cache.get(self.key)

    def set(self, token: str) -> None:
        self._cache.set(self.key, token, TOKEN_TTL_SECONDS)

    def discard(self, token: str) -> None:
        # Another process may already have stored a fresh token: only drop the one Condo refused.
        if self._cache.get(self.key) == token:
            self._cache.delete(self.key)

    def obtain(self, login: Callable[[], str], *, refused: str | None = None) -> str:
        """A token nobody has seen refused: the shared one, or a new login done by one process."""
        if refused:
            self.discard(refused)
        owner = uuid.uuid4().hex
        deadline = self._clock.monotonic() + LOGIN_LOCK_SECONDS + 5
        while True:
            token = self.get()
            if token and token != refused:
                return token
            if self._acquire(owner):
                try:
                    token = self.get()
                    if token and token != refused:
                        return token
                    token = login()
                    self.set(token)
                    return token
                finally:
                    if self._cache.get(self._lock_key) == owner:
                        self._cache.delete(self._lock_key)
            if self._clock.monotonic() > deadline:
                # The lock holder died mid-login and its lock has not expired yet: log in anyway.
                token = login()
                self.set(token)
                return token
            self._clock.sleep(0.05)

    def _acquire(self, owner: str) -> bool:
        if not self._cache.add(self._lock_key, owner, LOGIN_LOCK_SECONDS):
            return False
        # The file cache's add() is a check-then-set, not atomic: let a concurrent writer land,
        # then only the process whose mark survived goes on to log in.
        self._clock.sleep(LOCK_SETTLE_SECONDS)
        return self._cache.get(self._lock_key) == owner
