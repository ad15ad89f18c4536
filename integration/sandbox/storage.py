"""The sandbox's state in SQLite (stdlib sqlite3): a file, so the demo survives restarts, or memory.

One connection behind a lock: the HTTP server is threaded, and whole calls run under the lock
so that two concurrent publishes of the same importIds behave like Condo's unique constraint.
"""

from __future__ import annotations

import itertools
import secrets
import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 3
SCHEMA = """
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, email TEXT, phone TEXT, password TEXT NOT NULL,
    type TEXT NOT NULL, deleted_at TEXT);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at REAL);
CREATE TABLE IF NOT EXISTS contexts (id TEXT PRIMARY KEY, status TEXT NOT NULL, deleted_at TEXT, last_report TEXT,
    organization_tin TEXT, organization_deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS bank_accounts (id TEXT PRIMARY KEY, context_id TEXT NOT NULL, routing_number TEXT NOT NULL,
    number TEXT NOT NULL, is_approved INTEGER NOT NULL, deleted_at TEXT);
CREATE TABLE IF NOT EXISTS properties (id TEXT PRIMARY KEY, context_id TEXT NOT NULL, address_key TEXT NOT NULL,
    address TEXT NOT NULL, global_id TEXT, import_id TEXT, UNIQUE (context_id, address_key));
CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, context_id TEXT NOT NULL, property_id TEXT NOT NULL,
    number TEXT NOT NULL, unit_name TEXT, unit_type TEXT, full_name TEXT, global_id TEXT, import_id TEXT,
    is_closed INTEGER, owner_type TEXT, v INTEGER NOT NULL DEFAULT 1, UNIQUE (context_id, property_id, number));
CREATE INDEX IF NOT EXISTS accounts_number ON accounts (context_id, number);
CREATE TABLE IF NOT EXISTS recipients (id TEXT PRIMARY KEY, context_id TEXT NOT NULL, bank_account TEXT NOT NULL,
    tin TEXT NOT NULL, bic TEXT NOT NULL, UNIQUE (context_id, bank_account));
CREATE TABLE IF NOT EXISTS receipts (id TEXT PRIMARY KEY, context_id TEXT NOT NULL, import_id TEXT NOT NULL,
    period TEXT NOT NULL, to_pay TEXT NOT NULL, account_id TEXT NOT NULL, property_id TEXT NOT NULL,
    receiver_id TEXT NOT NULL, category_id TEXT NOT NULL, compared TEXT NOT NULL, body TEXT NOT NULL,
    raw TEXT, paid TEXT, v INTEGER NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, deleted_at TEXT, balance_updated_at TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS receipts_import_id ON receipts (context_id, import_id) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS receipts_context_period ON receipts (context_id, period);
CREATE TABLE IF NOT EXISTS files (id TEXT PRIMARY KEY, receipt_id TEXT NOT NULL, context_id TEXT NOT NULL,
    control_sum TEXT NOT NULL, size INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS files_receipt ON files (receipt_id);
"""

CATEGORIES = {
    "928c97ef-5289-4daa-b80e-4b9fed50c629": "Квартплата",
    "c0b9db6a-c351-4bf4-aa35-8e5a500d0195": "Капремонт",
    "9c29b499-6594-4479-a2a7-b6553587d6e2": "Электроэнергия",
}
HOUSING = "928c97ef-5289-4daa-b80e-4b9fed50c629"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_ID_PREFIX = str(uuid.uuid4())[:24]  # random per process; the counter makes each id unique
_ID_COUNTER = itertools.count(1)


def new_id() -> str:
    """A UUID-shaped id; uuid4() per row costs more than the rest of saving a receipt."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER):012x}"


class Storage:
    def __init__(self, db_path: str | Path | None = None) -> None:
        self.path = str(db_path) if db_path else ":memory:"
        if db_path:
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        if db_path:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        if self.db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            # A sandbox file from an older layout: start it afresh rather than migrate test data.
            tables = [row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                self.db.execute(f'DROP TABLE IF EXISTS "{table}"')
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self.db.executescript(SCHEMA)
        self.lock = threading.RLock()

    def close(self) -> None:
        with self.lock:
            self.db.close()

    def transaction(self) -> _Transaction:
        return _Transaction(self)

    # --- Users and sessions -----------------------------------------------------------------

    def add_user(self, *, email: str | None, password: str, phone: str | None = None, type: str = "service") -> str:
        with self.lock:
            row = self.db.execute(
                "SELECT id FROM users WHERE type = ? AND (email = ? OR phone = ?) AND deleted_at IS NULL",
                (type, email, phone),
            ).fetchone()
            if row:
                self.db.execute(
                    "UPDATE users SET password = ?, email = ?, phone = ? WHERE id = ?",
                    (password, email, phone, row["id"]),
                )
                return row["id"]
            user_id = new_id()
            self.db.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?, NULL)", (user_id, email, phone, password, type))
            return user_id

    def users_by_email(self, email: str) -> list[sqlite3.Row]:
        # Keystone's built-in login looks across every user type (contract §2).
        with self.lock:
            return self.db.execute("SELECT * FROM users WHERE email = ? AND deleted_at IS NULL", (email,)).fetchall()

    def user_by_phone(self, phone: str, user_type: str) -> sqlite3.Row | None:
        with self.lock:
            return self.db.execute(
                "SELECT * FROM users WHERE phone = ? AND type = ? AND deleted_at IS NULL", (phone, user_type)
            ).fetchone()

    def issue_token(self, user_id: str, ttl: float | None) -> str:
        token = f"{secrets.token_urlsafe(24)[:32]}.{secrets.token_urlsafe(32)}"
        with self.lock:
            self.db.execute("INSERT INTO tokens VALUES (?, ?, ?)", (token, user_id, time.time() + ttl if ttl else None))
        return token

    def user_for_token(self, token: str) -> sqlite3.Row | None:
        with self.lock:
            return self.db.execute(
                "SELECT users.* FROM tokens JOIN users ON users.id = tokens.user_id "
                "WHERE token = ? AND (expires_at IS NULL OR expires_at > ?) AND users.deleted_at IS NULL",
                (token, time.time()),
            ).fetchone()

    def expire_tokens(self) -> None:
        with self.lock:
            self.db.execute("UPDATE tokens SET expires_at = 0")

    # --- Contexts ----------------------------------------------------------------------------

    def add_context(
        self,
        context_id: str,
        status: str = "Finished",
        deleted: bool = False,
        *,
        organization_tin: str | None = None,
        organization_deleted: bool = False,
    ) -> None:
        """A context and what Condo knows of its organization (its TIN approves recipients, 13.5)."""
        with self.lock:
            self.db.execute(
                "INSERT INTO contexts (id, status, deleted_at, organization_tin, organization_deleted) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
                "deleted_at = excluded.deleted_at, organization_tin = excluded.organization_tin, "
                "organization_deleted = excluded.organization_deleted",
                (context_id, status, now_iso() if deleted else None, organization_tin, int(organization_deleted)),
            )

    def add_bank_account(
        self, context_id: str, *, routing_number: str, number: str, approved: bool = True, deleted: bool = False
    ) -> str:
        """A BankAccount of the context's organization; only support sets `isApproved` in Condo."""
        with self.lock:
            account_id = new_id()
            self.db.execute(
                "INSERT INTO bank_accounts VALUES (?, ?, ?, ?, ?, ?)",
                (account_id, context_id, routing_number, number, int(approved), now_iso() if deleted else None),
            )
            return account_id

    def delete_receipt(self, receipt_id: str) -> None:
        """A receipt soft-deleted in Condo's own UI (not through the API)."""
        with self.lock:
            stamp = now_iso()
            self.db.execute(
                "UPDATE receipts SET deleted_at = ?, updated_at = ?, v = v + 1 WHERE id = ? AND deleted_at IS NULL",
                (stamp, stamp, receipt_id),
            )

    def context(self, context_id: str) -> sqlite3.Row | None:
        with self.lock:
            return self.db.execute("SELECT * FROM contexts WHERE id = ?", (context_id,)).fetchone()

    def set_last_report(self, context_id: str, report: str) -> None:
        self.db.execute("UPDATE contexts SET last_report = ? WHERE id = ?", (report, context_id))

    # --- Files ---------------------------------------------------------------------------------

    def file_of(self, receipt_id: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM files WHERE receipt_id = ?", (receipt_id,)).fetchone()

    def save_file(self, *, receipt_id: str, context_id: str, control_sum: str, size: int) -> tuple[str, str]:
        existing = self.file_of(receipt_id)
        stamp = now_iso()
        if existing is None:
            file_id = new_id()
            self.db.execute(
                "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
                (file_id, receipt_id, context_id, control_sum, size, stamp, stamp),
            )
            return file_id, "CREATED"
        if existing["control_sum"] == control_sum:
            return existing["id"], "SKIPPED"
        self.db.execute(
            "UPDATE files SET control_sum = ?, size = ?, updated_at = ? WHERE id = ?",
            (control_sum, size, stamp, existing["id"]),
        )
        return existing["id"], "UPDATED"


class _Transaction:
    """`with storage.transaction():` holds the lock and commits (or rolls back) one call's writes."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def __enter__(self) -> sqlite3.Connection:
        self.storage.lock.acquire()
        self.storage.db.execute("BEGIN IMMEDIATE")
        return self.storage.db

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        try:
            self.storage.db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.storage.lock.release()
