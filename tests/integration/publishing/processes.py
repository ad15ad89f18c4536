"""Real worker processes for tests: `manage.py` commands against the test database and the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def worker_env(sandbox, **extra: str) -> dict[str, str]:
    """The environment of a worker that shares this test's database, queue and Condo sandbox."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        database_url = f"sqlite:///{db['NAME']}"
    else:
        database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CONDO_", "PUBLISH_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DEBUG="true",
        DATABASE_URL=database_url,
        Q_CLUSTER_NAME=settings.Q_CLUSTER["name"],
        Q_POLL="0.2",
        CONDO_API_URL=sandbox.url,
        CONDO_LOGIN=settings.CONDO_LOGIN,
        CONDO_PASSWORD=settings.CONDO_PASSWORD,
        CONDO_SENDER_FINGERPRINT=settings.CONDO_SENDER_FINGERPRINT,
        CONDO_BACKOFF_BASE="0.01",
        CONDO_BACKOFF_CAP="0.05",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
