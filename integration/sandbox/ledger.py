"""Reads of receipts and accounts as GraphQL-ready dicts, and Condo's `where` filters in SQL."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from integration.condo.rules import InvalidNumber, recipient_is_approved, services_sum_error
from integration.sandbox.errors import SandboxError
from integration.sandbox.storage import CATEGORIES

Approval = tuple[bool, "str | None", set]  # context alive, organization TIN, approved (BIC, account) pairs

RECEIPT_SELECT = """
SELECT r.*, a.number, a.unit_name, a.unit_type, a.full_name, a.global_id AS account_global_id,
       a.import_id AS account_import_id, a.is_closed, a.owner_type, a.v AS account_v,
       p.address, p.global_id AS property_global_id, p.import_id AS property_import_id,
       rc.tin, rc.bic, rc.bank_account, c.status AS context_status,
       f.id AS file_id, f.control_sum AS file_control_sum
FROM receipts r
JOIN accounts a ON a.id = r.account_id
JOIN properties p ON p.id = r.property_id
JOIN recipients rc ON rc.id = r.receiver_id
JOIN contexts c ON c.id = r.context_id
LEFT JOIN files f ON f.receipt_id = r.id
"""

RECEIPT_SORT = {"id": "r.id", "period": "r.period", "importId": "r.import_id", "updatedAt": "r.updated_at"}
ACCOUNT_SORT = {"id": "a.id", "number": "a.number"}


def approvals(db: sqlite3.Connection, context_ids: set[str]) -> dict[str, Approval]:
    """What `isApproved` needs per context, read once per query (13.5)."""
    found: dict[str, Approval] = {}
    for context_id in context_ids:
        row = db.execute("SELECT * FROM contexts WHERE id = ?", (context_id,)).fetchone()
        if row is None:
            continue
        approved = {
            (r["routing_number"], r["number"])
            for r in db.execute(
                "SELECT routing_number, number FROM bank_accounts WHERE context_id = ? AND is_approved = 1 "
                "AND deleted_at IS NULL",
                (context_id,),
            )
        }
        found[context_id] = (
            not row["deleted_at"] and not row["organization_deleted"],
            row["organization_tin"],
            approved,
        )
    return found


def is_approved(approval: Approval | None, tin: str, bic: str, bank_account: str) -> bool:
    if approval is None:
        return False
    alive, organization_tin, approved = approval
    return recipient_is_approved(
        tin=tin,
        bic=bic,
        bank_account=bank_account,
        organization_tin=organization_tin,
        approved_bank_accounts=approved,
        alive=alive,
    )


def services_error(to_pay: str, paid: str | None, services: list | None) -> Any:
    """BillingReceipt.invalidServicesError, a virtual field read from the stored columns (13.2).

    A service amount big.js cannot read fails the field alone: a callable that raises, which
    graphql-core (and the fast path) turn into an error at that field's path.
    """
    try:
        return services_sum_error({"toPay": to_pay, "services": services}, paid=paid or "0")
    except InvalidNumber as error:
        message = str(error)

        def fail(*_args: Any, **_kwargs: Any) -> None:
            raise SandboxError(message, name="Error", extensions={"code": "INTERNAL_SERVER_ERROR"})

        return fail


def receipt_dict(row: sqlite3.Row, approval: Approval | None = None) -> dict[str, Any]:
    body = json.loads(row["body"])
    return {
        "id": row["id"],
        "importId": row["import_id"],
        "period": row["period"],
        "toPay": row["to_pay"],
        "toPayDetails": body.get("toPayDetails"),
        "services": body.get("services"),
        "invalidServicesError": services_error(row["to_pay"], row["paid"], body.get("services")),
        "v": row["v"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "deletedAt": row["deleted_at"],
        "balanceUpdatedAt": row["balance_updated_at"],
        "category": {"id": row["category_id"], "name": CATEGORIES.get(row["category_id"], "")},
        "context": {"id": row["context_id"], "status": row["context_status"]},
        "receiver": {
            "id": row["receiver_id"],
            "tin": row["tin"],
            "bic": row["bic"],
            "bankAccount": row["bank_account"],
            "isApproved": is_approved(approval, row["tin"], row["bic"], row["bank_account"]),
        },
        "property": property_dict(
            row["property_id"], row["address"], row["property_global_id"], row["property_import_id"]
        ),
        "account": account_dict(row),
        "file": {"id": row["file_id"], "controlSum": row["file_control_sum"], "importId": None}
        if row["file_id"]
        else None,
    }


def property_dict(property_id: str, address: str, global_id: str | None, import_id: str | None) -> dict[str, Any]:
    return {"id": property_id, "address": address, "globalId": global_id, "importId": import_id}


def account_dict(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["account_id"],
        "number": row["number"],
        "unitName": row["unit_name"],
        "unitType": row["unit_type"] or None,
        "fullName": row["full_name"],
        "globalId": row["account_global_id"],
        "importId": row["account_import_id"],
        "isClosed": bool(row["is_closed"]),
        "ownerType": row["owner_type"] or None,
        "v": row["account_v"],
        "deletedAt": None,
        "property": property_dict(
            row["property_id"], row["address"], row["property_global_id"], row["property_import_id"]
        ),
    }


def select_receipts(
    db: sqlite3.Connection,
    where: dict | None,
    sort_by: list[str] | None = None,
    first: int | None = None,
    skip: int | None = None,
    *,
    include_deleted: bool = False,
) -> list[dict[str, Any]]:
    sql, params = receipt_filter(where or {}, include_deleted=include_deleted)
    paging, paging_params = _page(sort_by, RECEIPT_SORT, "r.rowid", first, skip)
    rows = db.execute(f"{RECEIPT_SELECT} WHERE {sql} {paging}", params + paging_params).fetchall()
    known = approvals(db, {row["context_id"] for row in rows})
    return [receipt_dict(row, known.get(row["context_id"])) for row in rows]


def count_receipts(db: sqlite3.Connection, where: dict | None) -> int:
    sql, params = receipt_filter(where or {})
    query = f"SELECT COUNT(*) FROM receipts r JOIN accounts a ON a.id = r.account_id WHERE {sql}"
    return db.execute(query, params).fetchone()[0]


def select_accounts(
    db: sqlite3.Connection,
    where: dict | None,
    sort_by: list[str] | None = None,
    first: int | None = None,
    skip: int | None = None,
) -> list[dict[str, Any]]:
    sql, params = _account_filter(where or {})
    paging, paging_params = _page(sort_by, ACCOUNT_SORT, "a.rowid", first, skip)
    query = (
        "SELECT a.*, a.id AS account_id, a.global_id AS account_global_id, a.import_id AS account_import_id,"
        " a.v AS account_v, p.address, p.global_id AS property_global_id, p.import_id AS property_import_id"
        f" FROM accounts a JOIN properties p ON p.id = a.property_id WHERE {sql}"
        f" {paging}"
    )
    return [account_dict(row) for row in db.execute(query, params + paging_params).fetchall()]


def receipt_filter(where: dict[str, Any], *, include_deleted: bool = False) -> tuple[str, list[Any]]:
    """Keystone semantics: deleted rows are hidden unless the filter mentions deletedAt."""
    sql, params = _receipt_clause(where)
    if not include_deleted and not _mentions_deleted(where):
        sql = f"({sql}) AND r.deleted_at IS NULL"
    return sql, params


def _receipt_clause(where: dict[str, Any]) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    columns = {"period": "r.period", "importId": "r.import_id", "id": "r.id"}
    for key, value in where.items():
        if key in ("AND", "OR"):
            clauses = [_receipt_clause(item or {}) for item in value or []]
            if clauses:
                parts.append("(" + f" {key} ".join(f"({c})" for c, _ in clauses) + ")")
                params += [p for _, ps in clauses for p in ps]
        elif key in columns:
            _equal(parts, params, columns[key], value)
        elif key.endswith("_in") and key[:-3] in columns:
            values = list(value or [])
            parts.append(f"{columns[key[:-3]]} IN ({','.join('?' * len(values))})" if values else "0")
            params += values
        elif key == "context":
            if (value or {}).get("id") is not None:
                _equal(parts, params, "r.context_id", value["id"])
        elif key == "account":
            for field, column in (("number", "a.number"), ("id", "a.id")):
                if field in (value or {}):
                    _equal(parts, params, column, value[field])
        elif key == "updatedAt_gt":
            parts.append("r.updated_at > ?")
            params.append(value)
        elif key == "deletedAt":
            _equal(parts, params, "r.deleted_at", value)
        elif key == "deletedAt_not":
            parts.append("r.deleted_at IS NOT NULL" if value is None else "(r.deleted_at IS NULL OR r.deleted_at != ?)")
            params += [] if value is None else [value]
    return (" AND ".join(parts) or "1"), params


def _account_filter(where: dict[str, Any]) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    for key, value in where.items():
        if key == "AND":
            for item in value or []:
                sql, more = _account_filter(item or {})
                parts.append(f"({sql})")
                params += more
        elif key == "context" and (value or {}).get("id") is not None:
            _equal(parts, params, "a.context_id", value["id"])
        elif key in ("number", "id"):
            _equal(parts, params, f"a.{key}", value)
    return (" AND ".join(parts) or "1"), params


def _equal(parts: list[str], params: list[Any], column: str, value: Any) -> None:
    if value is None:
        parts.append(f"{column} IS NULL")
    else:
        parts.append(f"{column} = ?")
        params.append(value)


def _mentions_deleted(where: Any) -> bool:
    if isinstance(where, dict):
        return any(key.startswith("deletedAt") or _mentions_deleted(value) for key, value in where.items())
    if isinstance(where, list):
        return any(_mentions_deleted(item) for item in where)
    return False


def _page(
    sort_by: list[str] | None, columns: dict[str, str], default: str, first: int | None, skip: int | None
) -> tuple[str, list[Any]]:
    """Keystone's sortBy/first/skip as SQL: ORDER BY and LIMIT/OFFSET, with their parameters."""
    terms = []
    for item in sort_by or []:
        field, _, direction = item.rpartition("_")
        if field in columns:
            terms.append(f"{columns[field]} {'DESC' if direction == 'DESC' else 'ASC'}")
    order = ", ".join(terms) or default
    return f"ORDER BY {order} LIMIT ? OFFSET ?", [first if first is not None else -1, skip or 0]
