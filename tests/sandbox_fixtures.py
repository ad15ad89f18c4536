"""pytest plugin: a real Condo sandbox on a free loopback port, and a client pointed at it.

    def test_publish(condo_sandbox, condo_client):
        condo_sandbox.add_context(organization.condo_context_id)
        outcomes = condo_client.register_receipts(organization.condo_context_id, receipts)

`condo_sandbox` also points the CONDO_* settings at itself, so code that calls
`CondoClient.from_settings()` talks to it too (with short retry waits).
"""

from __future__ import annotations

import pytest

from integration.condo import CondoClient
from integration.condo.auth import LocalTokenCache, TokenStore, token_cache
from integration.condo.resilience import Backoff, CircuitBreaker, forget_shared_breakers
from integration.sandbox import SandboxServer

SANDBOX_LOGIN = "publisher@sandbox.test"
SANDBOX_PASSWORD = "sandbox-test-password-7Qm2xL9v"
SANDBOX_CONTEXT_ID = "7d1f0c2e-5b3a-4c8d-9e6f-0a1b2c3d4e5f"
SANDBOX_FINGERPRINT = "test-publisher"


@pytest.fixture
def condo_sandbox(settings):
    # A new sandbox may get the port of an earlier one: nothing learnt about that one may leak in.
    forget_shared_breakers()
    server = SandboxServer(port=0).start()
    server.add_service_user(SANDBOX_LOGIN, SANDBOX_PASSWORD)
    server.add_context(SANDBOX_CONTEXT_ID)
    settings.CONDO_API_URL = server.url
    settings.CONDO_LOGIN = SANDBOX_LOGIN
    settings.CONDO_PASSWORD = SANDBOX_PASSWORD
    settings.CONDO_TOKEN = ""
    settings.CONDO_SENDER_FINGERPRINT = SANDBOX_FINGERPRINT
    settings.CONDO_BACKOFF_BASE = 0.01
    settings.CONDO_BACKOFF_CAP = 0.05
    settings.CONDO_READ_TIMEOUT = 10.0
    shared = token_cache(settings.CONDO_TOKEN_CACHE)  # Redis or files under var/: it outlives the test
    shared.delete(TokenStore(api_url=server.url, login=SANDBOX_LOGIN, cache=shared).key)
    yield server
    server.stop()
    shared.delete(TokenStore(api_url=server.url, login=SANDBOX_LOGIN, cache=shared).key)
    forget_shared_breakers()


def sandbox_client(server: SandboxServer, **options) -> CondoClient:
    """A client for this sandbox with its own token store, fast retries and its own breaker."""
    defaults = {
        "api_url": server.url,
        "login": SANDBOX_LOGIN,
        "password": SANDBOX_PASSWORD,
        "sender_fingerprint": SANDBOX_FINGERPRINT,
        "read_timeout": 10.0,
        "backoff": Backoff(base=0.01, cap=0.05, max_wait=5.0),
        "breaker": CircuitBreaker(threshold=50, cooldown=1.0),
        "token_store": TokenStore(api_url=server.url, login=SANDBOX_LOGIN, cache=LocalTokenCache()),
    }
    defaults.update(options)
    return CondoClient(**defaults)


@pytest.fixture
def condo_client(condo_sandbox):
    client = sandbox_client(condo_sandbox)
    yield client
    client.close()
