"""Batched find-or-create of recipients, houses, accounts and receipts for one publish call."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from integration.sandbox.ledger import services_error
from integration.sandbox.storage import CATEGORIES, new_id

IN_CHUNK = 500
ACCOUNT_FIELDS = ("unit_name", "unit_type", "full_name", "import_id", "global_id", "is_closed", "owner_type")


def _select_in(db: sqlite3.Connection, sql: str, context_id: str, keys: Iterable[Any]) -> list[sqlite3.Row]:
    keys = list(keys)
    rows: list[sqlite3.Row] = []
    for start in range(0, len(keys), IN_CHUNK):
        part = keys[start : start + IN_CHUNK]
        rows += db.execute(sql.format(",".join("?" * len(part))), [context_id, *part]).fetchall()
    return rows


def recipients(db: sqlite3.Connection, context_id: str, wanted: dict[str, tuple[str, str]]) -> dict[str, str]:
    found = {
        row["bank_account"]: row
        for row in _select_in(
            db, "SELECT * FROM recipients WHERE context_id = ? AND bank_account IN ({})", context_id, wanted
        )
    }
    ids, inserts, updates = {}, [], []
    for account, (tin, bic) in wanted.items():
        row = found.get(account)
        if row is None:
            ids[account] = new_id()
            inserts.append((ids[account], context_id, account, tin, bic))
        else:
            ids[account] = row["id"]
            if (row["tin"], row["bic"]) != (tin, bic):
                updates.append((tin, bic, row["id"]))
    db.executemany("INSERT INTO recipients VALUES (?, ?, ?, ?, ?)", inserts)
    db.executemany("UPDATE recipients SET tin = ?, bic = ? WHERE id = ?", updates)
    return ids


def properties(
    db: sqlite3.Connection, context_id: str, wanted: dict[str, tuple[str, str | None, str | None]]
) -> dict[str, str]:
    found = {
        row["address_key"]: row["id"]
        for row in _select_in(
            db,
            "SELECT id, address_key FROM properties WHERE context_id = ? AND address_key IN ({})",
            context_id,
            wanted,
        )
    }
    inserts = []
    for key, (address, global_id, import_id) in wanted.items():
        if key not in found:
            found[key] = new_id()
            inserts.append((found[key], context_id, key, address, global_id, import_id))
    db.executemany("INSERT INTO properties VALUES (?, ?, ?, ?, ?, ?)", inserts)
    return found


def accounts(
    db: sqlite3.Connection, context_id: str, wanted: dict[tuple[str, str], dict[str, Any]]
) -> dict[tuple[str, str], str]:
    numbers = {number for _, number in wanted}
    rows = _select_in(db, "SELECT * FROM accounts WHERE context_id = ? AND number IN ({})", context_id, numbers)
    by_key = {(row["property_id"], row["number"]): row for row in rows}
    reused = [fields["reuse"] for fields in wanted.values() if fields["reuse"]]
    by_id = {
        row["id"]: row
        for row in _select_in(db, "SELECT * FROM accounts WHERE context_id = ? AND id IN ({})", context_id, reused)
    }
    ids, inserts, updates = {}, [], []
    for key, fields in wanted.items():
        # A receipt already known by importId keeps its account, so an address fix moves it.
        row = by_id.get(fields["reuse"]) if fields["reuse"] else by_key.get(key)
        if fields["owner_type"] is None:
            # Not written (13.6): a new account gets the field's default, an existing one keeps its own.
            fields = {**fields, "owner_type": row["owner_type"] if row is not None else "person"}
        if row is None:
            ids[key] = new_id()
            inserts.append(
                (
                    ids[key],
                    context_id,
                    fields["property_id"],
                    fields["number"],
                    *(fields[name] for name in ACCOUNT_FIELDS),
                    1,
                )
            )
            continue
        ids[key] = row["id"]
        changed = any(row[name] != fields[name] for name in (*ACCOUNT_FIELDS, "property_id", "number"))
        if changed:
            updates.append(
                (*(fields[name] for name in ACCOUNT_FIELDS), fields["property_id"], fields["number"], row["id"])
            )
    db.executemany(
        "INSERT INTO accounts (id, context_id, property_id, number, unit_name, unit_type, full_name, "
        "import_id, global_id, is_closed, owner_type, v) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        inserts,
    )
    db.executemany(
        "UPDATE OR IGNORE accounts SET unit_name = ?, unit_type = ?, full_name = ?, import_id = ?, "
        "global_id = ?, is_closed = ?, owner_type = ?, property_id = ?, number = ?, v = v + 1 WHERE id = ?",
        updates,
    )
    return ids


def receipts_by_import_id(db: sqlite3.Connection, context_id: str, import_ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = _select_in(
        db,
        "SELECT * FROM receipts WHERE context_id = ? AND deleted_at IS NULL AND import_id IN ({})",
        context_id,
        set(import_ids),
    )
    return {row["import_id"]: dict(row) for row in rows}


class ReceiptWrites:
    """The receipt stage's upsert: unchanged → no write (same id and v), changed → v + 1."""

    def __init__(
        self, db: sqlite3.Connection, context_id: str, existing: dict[str, dict[str, Any]], stamp: str
    ) -> None:
        self.db, self.context_id, self.current, self.stamp = db, context_id, existing, stamp
        self.new: dict[str, dict[str, Any]] = {}
        self.dirty: dict[str, dict[str, Any]] = {}

    def save(self, receipt: dict[str, Any], work: dict[str, Any]) -> dict[str, Any]:
        to_pay = Decimal(receipt["toPay"])
        details = receipt.get("toPayDetails")
        services = receipt.get("services") or []
        import_id = receipt.get("importId") or self._import_id_without_one(receipt, work)
        # Condo compares services ignoring their order (they are stored sorted, so one JSON text
        # serves as both the stored body and the comparison), toPay at two decimals, and not
        # `raw` (contract 5.3).
        ordered = sorted(services, key=_service_order) if len(services) > 1 else services
        body = json.dumps({"services": ordered, "toPayDetails": details}, ensure_ascii=False, sort_keys=True)
        compared = hashlib.sha1(
            "|".join(
                (
                    body,
                    work["period"],
                    work["category_id"],
                    work["account_id"],
                    work["property_id"],
                    work["receiver_id"],
                    import_id,
                    f"{to_pay:.2f}",
                )
            ).encode()
        ).hexdigest()
        state = self.current.get(import_id)
        # The resolveInput hook copies the keys toPayDetails has into the columns: a later
        # toPayDetails without `paid` keeps the old one (contract 13.2).
        paid = details["paid"] if details and "paid" in details else (state or {}).get("paid")
        if state is None:
            state = {"id": new_id(), "v": 1, "created_at": self.stamp, "balance_updated_at": None}
            self.current[import_id] = self.new[state["id"]] = state
        elif state["compared"] != compared:
            # A changed receipt: same id, next version (raw alone changes nothing, as in Condo).
            if state["to_pay"] != f"{to_pay:.8f}" or state.get("paid") != paid:
                state["balance_updated_at"] = self.stamp
            state["v"] += 1
            state["updated_at"] = self.stamp
            if state["id"] not in self.new:
                self.dirty[state["id"]] = state
        else:
            return _as_object(state, work)
        state.update(
            {
                "context_id": self.context_id,
                "import_id": import_id,
                "period": work["period"],
                "to_pay": f"{to_pay:.8f}",
                "account_id": work["account_id"],
                "property_id": work["property_id"],
                "receiver_id": work["receiver_id"],
                "category_id": work["category_id"],
                "compared": compared,
                "updated_at": self.stamp,
                "deleted_at": None,
                "body": body,
                "raw": None if receipt.get("raw") is None else json.dumps(receipt["raw"], ensure_ascii=False),
                "paid": paid,
            }
        )
        return _as_object(state, work)

    def _import_id_without_one(self, receipt: dict[str, Any], work: dict[str, Any]) -> str:
        # Without importId Condo matches period + account + (recipient or category) (contract 5.3).
        row = self.db.execute(
            "SELECT * FROM receipts WHERE context_id = ? AND period = ? AND account_id = ? "
            "AND (receiver_id = ? OR category_id = ?) AND deleted_at IS NULL LIMIT 1",
            (self.context_id, work["period"], work["account_id"], work["receiver_id"], work["category_id"]),
        ).fetchone()
        if row is not None:
            self.current.setdefault(row["import_id"], dict(row))
            return row["import_id"]
        return "_".join(
            (receipt["accountNumber"], work["address_key"], work["period"], work["receiver_id"], work["category_id"])
        )

    def flush(self) -> None:
        columns = (
            "id",
            "context_id",
            "import_id",
            "period",
            "to_pay",
            "account_id",
            "property_id",
            "receiver_id",
            "category_id",
            "compared",
            "body",
            "raw",
            "paid",
            "v",
            "created_at",
            "updated_at",
            "deleted_at",
            "balance_updated_at",
        )
        self.db.executemany(
            f"INSERT INTO receipts ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [tuple(state[c] for c in columns) for state in self.new.values()],
        )
        settable = columns[2:]
        self.db.executemany(
            f"UPDATE receipts SET {', '.join(f'{c} = ?' for c in settable)} WHERE id = ?",
            [(*(state[c] for c in settable), state["id"]) for state in self.dirty.values()],
        )


def _service_order(service: dict[str, Any]) -> tuple[str, str, str]:
    return (str(service.get("id") or ""), str(service.get("name") or ""), str(service.get("toPay") or ""))


def _as_object(state: dict[str, Any], work: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": state["id"],
        "importId": state["import_id"],
        "period": state["period"],
        "toPay": state["to_pay"],
        "v": state["v"],
        "createdAt": state["created_at"],
        "updatedAt": state["updated_at"],
        "deletedAt": None,
        "balanceUpdatedAt": state["balance_updated_at"],
        "category": {"id": state["category_id"], "name": CATEGORIES.get(state["category_id"], "")},
        "account": {"id": state["account_id"], "number": work.get("account_key", ("", ""))[1]},
        "property": {"id": state["property_id"]},
        "receiver": {"id": state["receiver_id"], "isApproved": work.get("receiver_approved", False)},
        "context": {"id": state["context_id"]},
        "file": None,
        "invalidServicesError": services_error(
            state["to_pay"], state["paid"], json.loads(state["body"]).get("services")
        ),
    }
