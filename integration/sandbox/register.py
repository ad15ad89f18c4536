"""registerBillingReceipts as Condo runs it (contract §5.2–5.3): six stages in order, a receipt
that fails one stage skips the rest, then the importId upsert per context. Writes are batched
per call; failed receipts come back as exceptions at their list positions."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from typing import Any

from integration.condo.rules import InvalidNumber, address_from_receipt, big, is_person
from integration.sandbox import ledger, upserts
from integration.sandbox.errors import access_denied, gql_error, receipt_rejected, unexpected_value
from integration.sandbox.faults import REJECTIONS, STAGE_OF_VARIABLE, Rejection
from integration.sandbox.storage import CATEGORIES, HOUSING, now_iso

MUTATION = "registerBillingReceipts"
RECEIPTS_LIMIT = 1000
DETAIL_KEYS = frozenset({"formula", "charge", "balance", "recalculation", "privilege", "penalty", "paid"})
ACCOUNT_NUMBER_NOISE = re.compile(r"л/с|лс|№", re.IGNORECASE)
ELS_RE = re.compile(r"^\d{2}[А-ЯЁ]{2}\d{6}$")


def check_access(db: sqlite3.Connection, user: sqlite3.Row, context_id: Any) -> sqlite3.Row:
    row = db.execute("SELECT * FROM contexts WHERE id = ?", (context_id,)).fetchone() if context_id else None
    if row is None or row["deleted_at"] or row["status"] != "Finished" or user["type"] != "service":
        raise access_denied()
    return row


class Pipeline:
    def __init__(
        self,
        db: sqlite3.Connection,
        user: sqlite3.Row,
        data: dict[str, Any],
        reject: Callable[[str | None], Rejection | None],
        *,
        limit: int = RECEIPTS_LIMIT,
    ) -> None:
        context = data.get("context")
        if context is None:
            # The access check reads data.context.id (contract §11.10).
            raise unexpected_value(MUTATION, "Cannot read properties of undefined (reading 'id')")
        self.context = check_access(db, user, context.get("id"))
        self.receipts: list[dict[str, Any]] = data["receipts"]
        if len(self.receipts) > limit:
            raise gql_error(
                MUTATION,
                "BAD_USER_INPUT",
                "WRONG_VALUE",
                f"Too many receipts in one query! We support up to {limit} receipts",
                ["data", "receipts"],
            )
        self.db = db
        self.context_id = self.context["id"]
        self.injected = reject
        self.results: list[Any] = [None] * len(self.receipts)
        self.alive = list(range(len(self.receipts)))
        self.work: list[dict[str, Any]] = [{} for _ in self.receipts]

    def run(self) -> list[Any]:
        stages = (self._period, self._recipient, self._property, self._account, self._category, self._receipt)
        for number, stage in enumerate(stages):
            for index in list(self.alive):
                rejection = self.injected(self.receipts[index].get("importId"))
                if rejection and STAGE_OF_VARIABLE.get(rejection.variable, 5) == number:
                    self._fail(index, rejection)
            stage()
        return self.results

    def _working_object(self, index: int) -> dict[str, Any]:
        work = self.work[index]
        return {
            **self.receipts[index],
            "error": None,
            "problems": [],
            "period": work.get("period"),
            "receiver": work.get("receiver_id"),
            "property": work.get("property_id"),
            "account": work.get("account_id"),
            "category": work.get("category_id"),
        }

    def _fail(self, index: int, rejection: Rejection | Exception, details: str = "") -> None:
        if isinstance(rejection, Exception):
            self.results[index] = rejection
        elif rejection.quirk:
            self.results[index] = unexpected_value(MUTATION, rejection.message, details)
        else:
            self.results[index] = gql_error(
                MUTATION,
                rejection.code,
                rejection.type,
                rejection.message,
                ["data", "receipts", "[]", rejection.variable],
                input_index=index,
            )
        self.alive.remove(index)

    def _period(self) -> None:
        for index in list(self.alive):
            receipt = self.receipts[index]
            month, year = receipt["month"], receipt["year"]
            if not 0 <= month <= 12:
                self._fail(index, REJECTIONS["WRONG_MONTH"])
            elif len(str(year)) != 4:
                self._fail(index, REJECTIONS["WRONG_YEAR"])
            else:
                if month == 0:  # Condo's own quirk: month 0 is December of the year before
                    month, year = 12, year - 1
                self.work[index]["period"] = f"{year:04d}-{month:02d}-01"

    def _recipient(self) -> None:
        decided: dict[str, tuple[str, str, str | None]] = {}
        for index in list(self.alive):
            receipt = self.receipts[index]
            account = receipt["bankAccount"]
            if account not in decided:
                # The first receipt with a bank account decides its tin/BIC for the whole call.
                tin, bic = receipt["tin"], receipt["routingNumber"]
                problem = None
                if not (len(bic) == 9 and bic.isdigit() and bic[:2] in ("04", "01")):
                    problem = "BANK_FOUND_ERROR"
                elif not (len(tin) in (10, 12) and tin.isdigit()):
                    problem = "ORGANIZATION_FOUND_ERROR"
                decided[account] = (tin, bic, problem)
            tin, bic, problem = decided[account]
            if problem:
                self._fail(index, REJECTIONS[problem])
        ids = upserts.recipients(
            self.db,
            self.context_id,
            {account: (tin, bic) for account, (tin, bic, problem) in decided.items() if not problem},
        )
        # isApproved is virtual, read after the write (BillingRecipient.js, contract 13.5).
        approval = ledger.approvals(self.db, {self.context_id}).get(self.context_id)
        for index in self.alive:
            account = self.receipts[index]["bankAccount"]
            tin, bic, _ = decided[account]
            self.work[index]["receiver_id"] = ids[account]
            self.work[index]["receiver_approved"] = ledger.is_approved(approval, tin, bic, account)

    def _property(self) -> None:
        wanted: dict[str, tuple[str, str | None, str | None]] = {}
        for index in list(self.alive):
            receipt = self.receipts[index]
            meta = receipt.get("addressMeta") or {}
            # Without both unit fields Condo resolves the house it cut from the text (13.4).
            parsed = address_from_receipt(receipt)
            self.work[index]["unit"] = (parsed.unit_name, parsed.unit_type)
            address = " ".join(parsed.house.split()) if not parsed.house.startswith("fiasId:") else ""
            if not address and not meta.get("globalId"):
                self._fail(index, REJECTIONS["ADDRESS_NOT_RECOGNIZED_VALUE"], f', address: "{receipt["address"]}"')
                continue
            key = address.lower() or f"fias:{meta['globalId']}"
            wanted.setdefault(key, (address, meta.get("globalId"), meta.get("importId")))
            self.work[index]["address_key"] = key
        ids = upserts.properties(self.db, self.context_id, wanted)
        for index in self.alive:
            self.work[index]["property_id"] = ids[self.work[index]["address_key"]]

    def _account(self) -> None:
        import_ids = [str(self.receipts[i]["importId"]) for i in self.alive if self.receipts[i].get("importId")]
        self.existing = upserts.receipts_by_import_id(self.db, self.context_id, import_ids)
        wanted = {}
        for index in self.alive:
            receipt, work = self.receipts[index], self.work[index]
            meta = receipt.get("accountMeta") or {}
            number = ACCOUNT_NUMBER_NOISE.sub("", str(receipt["accountNumber"])).strip()
            previous = self.existing.get(receipt.get("importId") or "")
            key = (work["property_id"], number)
            work["account_key"] = key
            global_id = meta.get("globalId")
            owner_type, full_name = meta.get("ownerType"), meta.get("fullName")
            if full_name and owner_type is None:  # accountResolver.js guesses from the name (13.6)
                owner_type = "person" if is_person(full_name) else "company"
            unit_name, unit_type = work["unit"]
            wanted[key] = {
                "reuse": previous["account_id"] if previous else None,
                "number": number,
                "property_id": work["property_id"],
                "unit_name": unit_name,
                "unit_type": unit_type,
                "full_name": full_name,
                "import_id": meta.get("importId"),
                "global_id": global_id if global_id and ELS_RE.match(global_id) else None,
                "is_closed": int(bool(meta.get("isClosed"))),
                "owner_type": owner_type,  # None: not written (a new account gets the default, person)
            }
        ids = upserts.accounts(self.db, self.context_id, wanted)
        for index in self.alive:
            self.work[index]["account_id"] = ids[self.work[index]["account_key"]]

    def _category(self) -> None:
        for index in list(self.alive):
            category = (self.receipts[index].get("category") or {}).get("id")
            if category and category not in CATEGORIES:
                self._fail(index, REJECTIONS["BILLING_CATEGORY_NOT_FOUND"])
            else:
                self.work[index]["category_id"] = category or HOUSING

    def _receipt(self) -> None:
        stamp = now_iso()
        writes = upserts.ReceiptWrites(self.db, self.context_id, self.existing, stamp)
        for index in list(self.alive):
            receipt, work = self.receipts[index], self.work[index]
            rejection = self.injected(receipt.get("importId"))
            if _invalid_receipt(receipt) or (rejection and rejection.variable == "importId"):
                # receiptResolver.js keeps no error of its own: the working object itself is
                # rejected, and graphql prints it whole, payer's name included (13.9).
                self._fail(index, receipt_rejected(self._working_object(index)))
                continue
            self.results[index] = writes.save(receipt, work)
        writes.flush()


def _invalid_receipt(receipt: dict[str, Any]) -> str | None:
    """What Condo's JSON-schema-checked fields and Big.js would refuse (contract 5.1, 5.5).

    The SDL already allows only known keys with string values in the service details; the
    receipt-level details must not carry volume/tariff/measure, and no detail may be null.
    """
    details = receipt.get("toPayDetails")
    if details is not None and (not DETAIL_KEYS.issuperset(details) or None in details.values()):
        return "toPayDetails does not match its JSON schema"
    for service in receipt.get("services") or ():
        service_details = (service or {}).get("toPayDetails")
        if service_details is not None and None in service_details.values():
            return "services do not match their JSON schema"
    try:
        big(receipt["toPay"])
    except InvalidNumber:
        return f"[big.js] Invalid number: {receipt['toPay']!r}"
    return None


def last_report(db: sqlite3.Connection, context_id: str, periods: list[str]) -> None:
    if not periods:
        return
    period = max(periods)
    newer = db.execute(
        "SELECT 1 FROM receipts WHERE context_id = ? AND period > ? AND deleted_at IS NULL LIMIT 1",
        (context_id, period),
    ).fetchone()
    if newer:
        return
    total = db.execute(
        "SELECT COUNT(*) FROM receipts WHERE context_id = ? AND period = ? AND deleted_at IS NULL", (context_id, period)
    ).fetchone()[0]
    report = {"period": period, "finishTime": now_iso(), "totalReceipts": total}
    db.execute("UPDATE contexts SET last_report = ? WHERE id = ?", (json.dumps(report), context_id))
