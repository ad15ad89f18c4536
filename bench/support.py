"""What the benchmarks share: a throwaway database, Django set up on it, a Condo sandbox process."""

from __future__ import annotations

import os
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_LOGIN = "bench@sandbox.local"
SANDBOX_PASSWORD = "bench-sandbox-password"


def unique_database_name(name: str) -> str:
    """`<BENCH_DATABASE_PREFIX>_<name>_<pid>_<random>`: never the name of a database someone else uses.

    A bench creates this database, so it may drop it; it never drops one it did not create.
    """
    prefix = os.environ.get("BENCH_DATABASE_PREFIX", "bench")
    return f"{prefix}_{name.removeprefix('bench_')}_{os.getpid()}_{secrets.token_hex(3)}".lower()


def prepare_database(name: str, *, keep: bool = False) -> tuple[str, Callable[[], None]]:
    """Point DATABASE_URL at a fresh database of this bench; returns a description and a cleanup.

    PostgreSQL when DATABASE_URL says so (a database of a unique name from `name`, created and
    dropped on that server), otherwise a temporary SQLite file. The database DATABASE_URL names,
    and the development db.sqlite3, are never touched.
    """
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        import psycopg

        name = unique_database_name(name)
        parts = urlsplit(url)
        # CREATE and DROP DATABASE from the server's maintenance database: the one DATABASE_URL
        # names need not exist (a test run uses test_<name>), and is never touched.
        admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))

        def drop() -> None:
            from django.db import connections

            connections.close_all()
            if not keep:
                with psycopg.connect(admin_url, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {name}")

        return f"PostgreSQL, database {name}", drop
    directory = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'bench.sqlite3'}"

    def remove() -> None:
        from django.db import connections

        connections.close_all()
        if keep:
            print(f"database kept: {directory / 'bench.sqlite3'}")
        else:
            shutil.rmtree(directory, ignore_errors=True)

    return f"SQLite, {directory / 'bench.sqlite3'}", remove


def setup_django(**environment: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-for-anything-else-0123456789")
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.update(environment)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_SANDBOX_PROGRAM = """
import sys
sys.path.insert(0, {root!r})
from integration.sandbox import SandboxServer
from integration.sandbox.faults import FaultConfig
server = SandboxServer(port={port}, faults=FaultConfig(latency_seconds={latency}))
server.add_service_user({login!r}, {password!r})
for context in {contexts!r}:
    server.add_context(context)
print("ready", flush=True)
server.serve_forever()
"""


class SandboxProcess:
    """The Condo sandbox in a process of its own, so its CPU never counts as the client's."""

    def __init__(self, *, contexts: list[str], latency: float = 0.0) -> None:
        self.port = free_port()
        program = _SANDBOX_PROGRAM.format(
            root=str(ROOT),
            port=self.port,
            latency=latency,
            login=SANDBOX_LOGIN,
            password=SANDBOX_PASSWORD,
            contexts=contexts,
        )
        self.process = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the Condo sandbox did not start")
        self.url = f"http://127.0.0.1:{self.port}/admin/api"

    def environment(self) -> dict[str, str]:
        return {"CONDO_API_URL": self.url, "CONDO_LOGIN": SANDBOX_LOGIN, "CONDO_PASSWORD": SANDBOX_PASSWORD}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def cpu_seconds() -> float:
    """CPU time of this process (user + system), threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def wall_seconds() -> float:
    return time.perf_counter()


FIGURE_MARKER = "BENCH_FIGURE "


def figure(
    name: str,
    value: float | None,
    *,
    unit: str,
    target: str,
    ok: bool | None,
    baseline: float | None = None,
    baseline_label: str = "",
    ratio: float | None = None,
    note: str = "",
) -> None:
    """One row of `bench/run_all.py`'s closing table, as a marker line on stdout it collects.

    `value` in `unit`, against `baseline` (measured in the same run) with their `ratio`, and the
    issue's `target` with whether it was met (`ok`: None when not decided by this run).
    """
    import json

    row = {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "baseline_label": baseline_label,
        "ratio": ratio,
        "target": target,
        "ok": ok,
        "note": note,
    }
    print(FIGURE_MARKER + json.dumps(row, ensure_ascii=False), flush=True)
