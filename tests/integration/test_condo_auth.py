"""Logging in once, sharing the token, and logging in again only when Condo says UNAUTHENTICATED."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache.backends.filebased import FileBasedCache

from integration.condo import CondoClient, CondoError
from integration.condo.auth import LocalTokenCache, TokenStore, token_cache
from tests.integration.condo_data import make_receipts
from tests.sandbox_fixtures import SANDBOX_CONTEXT_ID, SANDBOX_LOGIN, SANDBOX_PASSWORD, sandbox_client

CTX = SANDBOX_CONTEXT_ID


def test_one_login_serves_every_call(condo_sandbox, condo_client):
    condo_client.register_receipts(CTX, make_receipts(2))
    condo_client.count_receipts(CTX, make_receipts(1)[0].period)
    list(condo_client.iter_receipts(CTX, make_receipts(1)[0].period))
    assert condo_sandbox.logins == 1
    assert all(c.authorized for c in condo_sandbox.calls if c.operation != "authenticateUserWithPassword")


def test_clients_of_one_process_share_the_token(condo_sandbox):
    store = TokenStore(api_url=condo_sandbox.url, login=SANDBOX_LOGIN, cache=LocalTokenCache())
    with (
        sandbox_client(condo_sandbox, token_store=store) as first,
        sandbox_client(condo_sandbox, token_store=store) as second,
    ):
        first.check_token()
        second.check_token()
    assert condo_sandbox.logins == 1


def test_an_expired_token_is_replaced_by_one_new_login(condo_sandbox, condo_client):
    condo_client.register_receipts(CTX, make_receipts(1))
    condo_sandbox.expire_tokens()

    outcomes = condo_client.register_receipts(CTX, make_receipts(2, start=10))

    assert all(o.accepted for o in outcomes)
    assert condo_sandbox.logins == 2
    statuses = [(c.operation, c.status) for c in condo_sandbox.calls]
    assert statuses[-3:] == [
        ("registerBillingReceipts", 200),
        ("authenticateUserWithPassword", 200),
        ("registerBillingReceipts", 200),
    ]


def test_a_token_refused_right_after_login_gives_up_with_a_clear_error(condo_sandbox, condo_client):
    condo_sandbox.faults.token_ttl_seconds = 0.000001  # every new session is dead on arrival
    with pytest.raises(CondoError) as caught:
        condo_client.register_receipts(CTX, make_receipts(1))
    assert (caught.value.transient, caught.value.code) == (False, "UNAUTHENTICATED")
    assert "после повторного входа" in caught.value.message
    assert condo_sandbox.logins == 2  # the first login, then exactly one more


def test_a_configured_token_is_used_without_logging_in(condo_sandbox):
    token = condo_sandbox.state.storage.issue_token(
        condo_sandbox.state.storage.users_by_email(SANDBOX_LOGIN)[0]["id"], None
    )
    with sandbox_client(condo_sandbox, login="", password="", token=token) as client:
        assert client.register_receipts(CTX, make_receipts(1))[0].accepted
    assert condo_sandbox.logins == 0


def test_a_refused_configured_token_without_credentials_is_a_clear_error(condo_sandbox):
    with (
        sandbox_client(condo_sandbox, login="", password="", token="not-a-session") as client,
        pytest.raises(CondoError) as caught,
    ):
        client.register_receipts(CTX, make_receipts(1))
    assert caught.value.code == "UNAUTHENTICATED" and not caught.value.transient
    assert "CONDO_TOKEN" in caught.value.message


def test_a_refused_configured_token_falls_back_to_the_login(condo_sandbox):
    with sandbox_client(condo_sandbox, token="not-a-session") as client:
        assert client.register_receipts(CTX, make_receipts(1))[0].accepted
        assert client.register_receipts(CTX, make_receipts(1, start=5))[0].accepted
    assert condo_sandbox.logins == 1


def test_a_wrong_password_is_permanent_and_tried_once(condo_sandbox):
    with sandbox_client(condo_sandbox, password="wrong-password") as client, pytest.raises(CondoError) as caught:
        client.register_receipts(CTX, make_receipts(1))
    assert (caught.value.transient, caught.value.code) == (False, "WRONG_CREDENTIALS")
    assert "wrong-password" not in caught.value.message
    assert len(condo_sandbox.calls_of("authenticateUserWithPassword")) == 1


def test_a_phone_login_asks_for_the_service_user(condo_sandbox):
    condo_sandbox.add_service_user("phone-publisher@sandbox.test", "phone-password-123", phone="+79991234567")
    with sandbox_client(condo_sandbox, login="+79991234567", password="phone-password-123") as client:
        assert client.check_token()
    assert condo_sandbox.calls[0].operation == "authenticateUserWithPhoneAndPassword"
    assert condo_sandbox.logins == 1


def test_missing_credentials_or_a_bad_fingerprint_fail_before_any_call(condo_sandbox):
    with pytest.raises(CondoError, match="CONDO_LOGIN"):
        sandbox_client(condo_sandbox, login="", password="")
    with pytest.raises(CondoError, match="FINGERPRINT"):
        sandbox_client(condo_sandbox, sender_fingerprint="пробел и кириллица")
    assert condo_sandbox.calls == []


_CHILD = """
import django, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
django.setup()
from integration.condo import CondoClient
client = CondoClient.from_settings()
print(client.check_token())
"""


def _children(env: dict[str, str], count: int = 2) -> list[tuple[int, str, str]]:
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD],
            env=env,
            cwd=Path(settings.BASE_DIR),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    outputs = [child.communicate(timeout=60) for child in children]
    return [(child.returncode, out, err) for child, (out, err) in zip(children, outputs)]


def _child_env(sandbox, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "CONDO_API_URL": sandbox.url,
        "CONDO_LOGIN": SANDBOX_LOGIN,
        "CONDO_PASSWORD": SANDBOX_PASSWORD,
        "CONDO_TOKEN": "",
        "PYTHONPATH": str(settings.BASE_DIR),
        **extra,
    }
    for name in ("DATABASE_URL", "REDIS_URL", "CACHE_URL"):
        env.pop(name, None)
    return env


def test_two_processes_share_one_login_through_a_configured_cache(condo_sandbox, tmp_path):
    results = _children(_child_env(condo_sandbox, CACHE_URL=f"filecache://{tmp_path / 'cache'}"))
    assert [code for code, _, _ in results] == [0, 0], [err[-2000:] for _, _, err in results]
    assert len({out.strip() for _, out, _ in results}) == 1
    assert condo_sandbox.logins == 1
    assert len(condo_sandbox.calls_of("authenticatedUser")) == 2


def test_on_the_embedded_default_two_processes_share_one_login_through_private_files(condo_sandbox, tmp_path):
    """No Redis, the database cache: the token goes to files under CONDO_TOKEN_FILE_CACHE, never to a table."""
    folder = tmp_path / "var" / "condo-token-cache"
    results = _children(_child_env(condo_sandbox, CONDO_TOKEN_FILE_CACHE=str(folder)), count=3)

    assert [code for code, _, _ in results] == [0, 0, 0], [err[-2000:] for _, _, err in results]
    assert len({out.strip() for _, out, _ in results}) == 1
    assert condo_sandbox.logins == 1  # the sandbox counts every signin: three processes, one login
    assert len(condo_sandbox.calls_of("authenticatedUser")) == 3
    (token,) = {row["token"] for row in condo_sandbox.state.storage.db.execute("SELECT token FROM tokens")}
    files = [path for path in folder.iterdir() if path.is_file()]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert files and all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files)
    shared = FileBasedCache(str(folder), {})
    assert shared.get(TokenStore(api_url=condo_sandbox.url, login=SANDBOX_LOGIN, cache=shared).key) == token


def test_the_database_cache_hands_the_token_to_the_file_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}
    }
    settings.CONDO_TOKEN_FILE_CACHE = tmp_path / "tokens"
    (tmp_path / "tokens").mkdir(mode=0o755)

    cache = token_cache("default")

    assert isinstance(cache, FileBasedCache)
    assert stat.S_IMODE((tmp_path / "tokens").stat().st_mode) == 0o700  # an existing folder is narrowed too
    cache.set("k", "v", 60)
    assert cache.get("k") == "v"


def test_from_settings_reads_the_condo_settings(condo_sandbox):
    client = CondoClient.from_settings()
    try:
        assert client.api_url == condo_sandbox.url
        assert client.chunk_size == settings.CONDO_CHUNK_SIZE
        assert client.sender["fingerprint"] == settings.CONDO_SENDER_FINGERPRINT
        assert client.register_receipts(CTX, make_receipts(1))[0].accepted
    finally:
        client.close()
