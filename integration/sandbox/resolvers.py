"""Root resolvers for graphql-core: logins, the token check, reads, withdrawal, files.

graphql-core's default resolver calls `root.<fieldName>(info, **args)`, so each root field of
the project's SDL is a method here.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from typing import Any

from integration.sandbox import ledger
from integration.sandbox.errors import SandboxError, access_denied, authentication_error, check_dv_sender, gql_error
from integration.sandbox.register import Pipeline, check_access, last_report
from integration.sandbox.state import SandboxState
from integration.sandbox.storage import now_iso

MAX_RESULTS = 1000  # Keystone's maxResults per list (contract §8)


class Root:
    def __init__(self, state: SandboxState, user: sqlite3.Row | None) -> None:
        self.state = state
        self.storage = state.storage
        self.user = user

    # --- Authentication ------------------------------------------------------------------------

    def authenticatedUser(self, info: Any) -> dict[str, Any] | None:
        return _user(self.user) if self.user else None

    def authenticateUserWithPassword(self, info: Any, email: str | None = None, password: str | None = None) -> dict:
        users = self.storage.users_by_email(email or "")
        if not users:
            raise SandboxError("[passwordAuth:identity:notFound] The email provided is not found", name="GraphQLError")
        if len(users) > 1:
            raise SandboxError("[passwordAuth:identity:multipleFound] Identity is not unique", name="GraphQLError")
        if users[0]["password"] != password:
            raise SandboxError("[passwordAuth:secret:mismatch] The password provided is incorrect", name="GraphQLError")
        return self._session(users[0])

    def authenticateUserWithPhoneAndPassword(self, info: Any, data: dict[str, Any]) -> dict:
        mutation = "authenticateUserWithPhoneAndPassword"
        phone = str(data.get("phone") or "")
        if not self.state.guard_allows(phone):
            raise gql_error(
                mutation,
                "BAD_USER_INPUT",
                "TOO_MANY_REQUESTS",
                "You have to wait 60 min. to be able to send request again",
            )
        if not phone.startswith("+") or not phone[1:].isdigit():
            raise gql_error(mutation, "BAD_USER_INPUT", "WRONG_PHONE_FORMAT", "Wrong format of provided phone number")
        user = self.storage.user_by_phone(phone, data.get("userType") or "staff")  # staff unless told otherwise
        if user is None or user["password"] != data.get("password"):
            raise gql_error(
                mutation,
                "BAD_USER_INPUT",
                "WRONG_CREDENTIALS",
                "Wrong phone or password",
                message_for_user="Wrong phone or password",
            )
        return self._session(user)

    def _session(self, user: sqlite3.Row) -> dict[str, Any]:
        token = self.storage.issue_token(user["id"], self.state.faults.token_ttl_seconds)
        self.state.count_login()
        return {"token": token, "item": _user(user)}

    # --- Publishing --------------------------------------------------------------------------

    def registerBillingReceipts(self, info: Any, data: dict[str, Any]) -> list[Any]:
        return register(self.state, self._require_user(), data)

    def registerBillingReceiptFile(self, info: Any, data: dict[str, Any]) -> dict[str, Any]:
        mutation = "registerBillingReceiptFile"
        user = self._require_user()
        with self.storage.transaction() as db:
            context = check_access(db, user, (data.get("context") or {}).get("id"))
            check_dv_sender(mutation, data)
            where = {"AND": [data.get("receipt") or {}, {"context": {"id": context["id"]}}, {"deletedAt": None}]}
            found = ledger.select_receipts(db, where, first=2)
            if len(found) != 1:
                kind = "NO_RECEIPTS_FOUND" if not found else "MULTIPLE_BILLING_RECEIPTS_FOUND"
                message = "No receipts found" if not found else "Multiple billing receipts found"
                raise gql_error(
                    mutation,
                    "BAD_USER_INPUT",
                    "NOT_FOUND",
                    f"{message} ({kind})",
                    ["data", "receipt"],
                    message_for_user=message,
                )
            encoded = data["base64EncodedPDF"]
            # Condo's controlSum is md5 of the base64 text, not of the bytes (contract §7).
            control_sum = hashlib.md5(encoded.encode()).hexdigest()
            file_id, status = self.storage.save_file(
                receipt_id=found[0]["id"], context_id=context["id"], control_sum=control_sum, size=len(encoded)
            )
        return {"id": file_id, "status": status}

    def updateBillingReceipts(self, info: Any, data: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """Soft delete in bulk, all or nothing (contract 13.1).

        Keystone passes every id of the call to the list access function
        (apps/condo/domains/billing/utils/accessSchema.js canManageBillingEntityWithContext): ids
        that repeat, or fewer live receipts found than ids (one already deleted or unknown), deny
        the whole call, and nothing is written. The bulk call never answers "Already deleted".
        """
        user = self._require_user()
        items = data or []
        ids = [item["id"] for item in items]
        with self.storage.transaction() as db:
            live = {row["id"]: row for row in ledger.select_receipts(db, {"id_in": ids})}  # deletedAt: null
            if len(set(ids)) != len(ids) or len(live) < len(ids):
                raise access_denied("updateBillingReceipts")
            for context_id in {row["context"]["id"] for row in live.values()}:
                _check_context(db, user, context_id, "updateBillingReceipts")
            for item in items:
                check_dv_sender("updateBillingReceipts", item.get("data") or {})
            stamp = now_iso()
            for item in items:
                if (item.get("data") or {}).get("deletedAt"):  # any truthy value becomes the server's time
                    db.execute(
                        "UPDATE receipts SET deleted_at = ?, updated_at = ?, v = v + 1 WHERE id = ?",
                        (stamp, stamp, item["id"]),
                    )
            return ledger.select_receipts(db, {"id_in": ids}, include_deleted=True)

    def updateBillingReceipt(self, info: Any, id: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """One receipt: access reads it with getById, which sees deleted rows too; then the
        softDeleted plugin's resolveInput refuses it (packages/keystone/plugins/softDeleted.js)."""
        user = self._require_user()
        with self.storage.transaction() as db:
            found = ledger.select_receipts(db, {"id": id}, include_deleted=True)
            if not found:
                raise access_denied("updateBillingReceipt")
            _check_context(db, user, found[0]["context"]["id"], "updateBillingReceipt")
            if found[0]["deletedAt"]:
                raise SandboxError("Already deleted", name="Error", extensions={"code": "INTERNAL_SERVER_ERROR"})
            check_dv_sender("updateBillingReceipt", data or {})
            if (data or {}).get("deletedAt"):
                stamp = now_iso()
                db.execute(
                    "UPDATE receipts SET deleted_at = ?, updated_at = ?, v = v + 1 WHERE id = ?", (stamp, stamp, id)
                )
            return ledger.select_receipts(db, {"id": id}, include_deleted=True)[0]

    def deleteBillingReceipts(self, info: Any, ids: list[str] | None = None) -> None:
        raise access_denied()  # soft-deleted lists refuse hard deletes, always (contract §10)

    # --- Reads ---------------------------------------------------------------------------------

    def allBillingReceipts(self, info: Any, **query: Any) -> list[dict[str, Any]]:
        return self._list(ledger.select_receipts, **query)

    def _allBillingReceiptsMeta(self, info: Any, where: dict | None = None) -> dict[str, int]:
        self._require_user()
        with self.storage.lock:
            return {"count": ledger.count_receipts(self.storage.db, where)}

    def allBillingAccounts(self, info: Any, **query: Any) -> list[dict[str, Any]]:
        return self._list(ledger.select_accounts, **query)

    def _list(
        self,
        select: Callable[..., list[dict[str, Any]]],
        where: dict | None = None,
        sortBy: list[str] | None = None,
        first: int | None = None,
        skip: int | None = None,
    ) -> list[dict[str, Any]]:
        """A list query's page, with Condo's cap on `first` (and on an unbounded list)."""
        self._require_user()
        with self.storage.lock:
            rows = select(self.storage.db, where, sortBy, _page(first), skip)
        _limit(rows, first)
        return rows

    def _require_user(self) -> sqlite3.Row:
        if self.user is None:
            raise authentication_error()
        return self.user


def register(state: SandboxState, user: sqlite3.Row, data: dict[str, Any]) -> list[Any]:
    """The whole registerBillingReceipts call: receipts saved in one transaction, then the
    sender check that Condo only does when it writes lastReport (contract §11.6)."""
    problem = None
    with state.storage.transaction() as db:
        pipeline = Pipeline(db, user, data, state.faults.rejection_for, limit=state.receipts_limit)
        results = pipeline.run()
        try:
            check_dv_sender("registerBillingReceipts", data)
        except SandboxError as error:
            problem = error
        else:
            last_report(db, pipeline.context_id, [pipeline.work[index]["period"] for index in pipeline.alive])
    if problem is not None:
        raise problem
    return results


def _check_context(db: Any, user: sqlite3.Row, context_id: str, target: str) -> None:
    try:
        check_access(db, user, context_id)
    except SandboxError:
        raise access_denied(target) from None


def _page(first: int | None) -> int | None:
    if first is not None and first > MAX_RESULTS:
        raise SandboxError("Your request exceeded server limits", name="LimitsExceededError")
    return first if first is not None else MAX_RESULTS + 1


def _limit(rows: list[Any], first: int | None) -> None:
    if first is None and len(rows) > MAX_RESULTS:
        raise SandboxError("Your request exceeded server limits", name="LimitsExceededError")


def _user(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "type": row["type"], "name": None, "deletedAt": row["deleted_at"]}
