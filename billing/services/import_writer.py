"""Writing a clean registry as a draft batch: bulk inserts, upserted accounts, all of it or nothing.

`batch_create_from_import` writes a result grouped in memory; `BatchStream` writes the slices a
streaming parse hands over, inside the caller's transaction (see imports.registry_write).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from billing.bulk import insert_rows
from billing.importers.collect import AccountDraft, ImportResult, ReceiptDraft, Slice
from billing.models import Account, Batch, Organization, Property, Receipt, Recipient, ServiceLine, receipt_import_id

CHUNK = 2000


def service_code(name: str) -> str:
    """A stable code for a service name, the same every month (Condo: services[].id)."""
    return hashlib.sha1(name.casefold().encode()).hexdigest()[:16]


@transaction.atomic
def batch_create_from_import(
    *,
    result: ImportResult,
    organization: Organization,
    period: date,
    by: AbstractBaseUser,
    source_file: str,
    source_name: str,
    progress: Callable[[int], None] | None = None,
) -> Batch:
    """Create the draft batch with its receipts and service lines; all of it or nothing.

    `source_file` is a name already in the default storage (the caller stored the upload).
    """
    if not result.ok:
        raise ValueError("an import result with errors is never written")
    recipients = _recipients_ensure(result.recipients)
    properties = _properties_ensure(result.accounts, organization)
    accounts = _accounts_ensure(result.accounts, organization, properties)
    batch = Batch.objects.create(
        organization=organization,
        period=period,
        created_by=by,
        source_file=source_file,
        source_name=source_name[:255],
        source_format=result.format_code,
        accounts_count=len(result.accounts),
        receipts_count=len(result.receipts),
        service_lines_count=result.service_lines,
        total_to_pay=result.total_to_pay,
    )
    codes: dict[str, str] = {}
    for start in range(0, len(result.receipts), CHUNK * 5):
        drafts = result.receipts[start : start + CHUNK * 5]
        _receipts_insert(
            drafts,
            result.accounts,
            batch=batch,
            organization=organization,
            period=period,
            accounts=accounts,
            recipients=recipients,
            codes=codes,
        )
        if progress is not None:
            progress(start + len(drafts))
    return batch


class Scattered(Exception):
    """An account of this batch came back later in the file: the caller rolls back and groups in memory."""


class BatchStream:
    """The sink of a streaming parse: each slice of clean receipts goes to the draft batch at once.

    Call it only inside a transaction that the caller rolls back when the file turns out refused
    (or scattered); `close` sets the batch's counts from the finished result.
    """

    def __init__(
        self, *, organization: Organization, period: date, by: AbstractBaseUser, source_file: str, source_name: str
    ) -> None:
        self.organization, self.period = organization, period
        self._batch_fields = {
            "organization": organization,
            "period": period,
            "created_by": by,
            "source_file": source_file,
            "source_name": source_name[:255],
        }
        self.batch: Batch | None = None
        self._recipients: dict[tuple[str, str, str], int] = {}
        self._codes: dict[str, str] = {}

    def __call__(self, pending: Slice) -> None:
        if self.batch is None:
            self.batch = Batch.objects.create(**self._batch_fields)
        drafts = [receipt for receipt, _ in pending]
        directory: dict[str, AccountDraft] = {receipt.account: account for receipt, account in pending}
        missing = {r.recipient for r in drafts} - self._recipients.keys()
        if missing:
            self._recipients.update(_recipients_ensure(missing))
        properties = _properties_ensure(directory, self.organization)
        accounts = _accounts_ensure(directory, self.organization, properties)
        # Unique (batch, account, category) would fail the insert; the whole file is grouped again instead.
        if Receipt.objects.filter(batch=self.batch, account_id__in=[pk for pk, _ in accounts.values()]).exists():
            raise Scattered
        _receipts_insert(
            drafts,
            directory,
            batch=self.batch,
            organization=self.organization,
            period=self.period,
            accounts=accounts,
            recipients=self._recipients,
            codes=self._codes,
        )

    def close(self, result: ImportResult) -> Batch:
        if self.batch is None:
            raise ValueError("a clean registry has receipts")
        Batch.objects.filter(pk=self.batch.pk).update(
            source_format=result.format_code,
            accounts_count=result.accounts_count,
            receipts_count=result.receipts_count,
            service_lines_count=result.service_lines,
            total_to_pay=result.total_to_pay,
        )
        self.batch.refresh_from_db()
        return self.batch


RECEIPT_FIELDS = (
    "batch",
    "organization",
    "account",
    "period",
    "category",
    "recipient",
    "import_id",
    "to_pay",
    "charge",
    "balance",
    "recalculation",
    "privilege",
    "penalty",
    "paid",
    "publish_state",
    "condo_id",
    "error_code",
    "error_message",
    "created_at",
    "updated_at",
    # The receipt's own copy of its account, as this registry gives it (see Receipt).
    "account_number",
    "payer_name",
    "address",
    "house_global_id",
    "unit_name",
    "unit_type",
    "owner_type",
    "is_closed",
    "els",
)
ACCOUNT_FIELDS = (
    "organization",
    "number",
    "property",
    "unit_name",
    "unit_type",
    "full_name",
    "owner_type",
    "is_closed",
    "els",
)
LINE_FIELDS = (
    "receipt",
    "service_id",
    "name",
    "to_pay",
    "charge",
    "balance",
    "recalculation",
    "privilege",
    "penalty",
    "paid",
    "volume",
    "tariff",
    "measure",
)


def _receipts_insert(
    drafts: list[ReceiptDraft],
    directory: dict[str, AccountDraft],
    *,
    batch,
    organization,
    period,
    accounts,
    recipients,
    codes: dict[str, str],
) -> None:
    period_db = connection.ops.adapt_datefield_value(period)
    now_db = connection.ops.adapt_datetimefield_value(timezone.now())
    pending = Receipt.PublishState.PENDING.value
    tin, batch_id, organization_id = organization.tin, batch.pk, organization.pk
    last_id = Receipt.objects.filter(batch=batch).order_by("-pk").values_list("pk", flat=True).first() or 0
    rows = []
    for draft in drafts:
        a = draft.amounts
        account = directory[draft.account]
        account_id, is_closed = accounts[draft.account]
        rows.append(
            (
                batch_id,
                organization_id,
                account_id,
                period_db,
                str(draft.category),
                recipients[draft.recipient],
                receipt_import_id(
                    organization_tin=tin, period=period, account_number=draft.account, category=draft.category
                ),
                a["to_pay"],
                a["charge"],
                a["balance"],
                a["recalculation"],
                a["privilege"],
                a["penalty"],
                a["paid"],
                pending,
                "",
                "",
                "",
                now_db,
                now_db,
                draft.account,
                account.full_name,
                account.address,
                account.fias,
                account.unit_name,
                str(account.unit_type),
                account.owner_type,
                is_closed,
                account.els,
            )
        )
    insert_rows(Receipt, RECEIPT_FIELDS, rows)
    # Receipts of this batch inserted by this chunk are exactly those above the last id seen.
    ids = {}
    for pk, account_id, category in Receipt.objects.filter(batch=batch, pk__gt=last_id).values_list(
        "pk", "account_id", "category"
    ):
        ids[(account_id, category)] = pk
        last_id = max(last_id, pk)
    lines = []
    for draft in drafts:
        receipt_id = ids[(accounts[draft.account][0], str(draft.category))]
        for service in draft.services:
            code = codes.get(service.name)
            if code is None:
                code = codes[service.name] = service_code(service.name)
            lines.append(
                (
                    receipt_id,
                    code,
                    service.name,
                    service.to_pay,
                    service.charge,
                    service.balance,
                    service.recalculation,
                    service.privilege,
                    service.penalty,
                    service.paid,
                    service.volume,
                    service.tariff,
                    service.measure,
                )
            )
    insert_rows(ServiceLine, LINE_FIELDS, lines)


def _recipients_ensure(keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
    condition = Q(pk__in=[])
    for tin, bic, bank_account in keys:
        condition |= Q(tin=tin, bic=bic, bank_account=bank_account)
    found = {(r.tin, r.bic, r.bank_account): r.pk for r in Recipient.objects.filter(condition)}
    missing = [Recipient(tin=t, bic=b, bank_account=a) for (t, b, a) in keys if (t, b, a) not in found]
    for recipient in Recipient.objects.bulk_create(missing):
        found[(recipient.tin, recipient.bic, recipient.bank_account)] = recipient.pk
    return found


def _properties_ensure(directory: dict[str, AccountDraft], organization: Organization) -> dict[str, int]:
    wanted: dict[str, str] = {}
    for account in directory.values():
        if account.fias or account.address not in wanted:
            wanted[account.address] = account.fias or wanted.get(account.address, "")
    existing = {
        address: (pk, fias)
        for pk, address, fias in Property.objects.filter(
            organization=organization, address__in=list(wanted)
        ).values_list("pk", "address", "fias_id")
    }
    created = Property.objects.bulk_create(
        [
            Property(organization=organization, address=address, fias_id=fias)
            for address, fias in wanted.items()
            if address not in existing
        ],
        batch_size=CHUNK,
    )
    ids = {address: pk for address, (pk, _) in existing.items()}
    ids.update({prop.address: prop.pk for prop in created})
    stale = [
        Property(pk=existing[address][0], fias_id=fias)
        for address, fias in wanted.items()
        if address in existing and fias and existing[address][1] != fias
    ]
    if stale:
        Property.objects.bulk_update(stale, ["fias_id"], batch_size=CHUNK)
    return ids


def _accounts_ensure(
    directory: dict[str, AccountDraft], organization: Organization, properties: dict[str, int]
) -> dict[str, tuple[int, bool]]:
    """The organization's directory of accounts brought up to this registry: number → (id, is_closed).

    The directory is only the latest word on each account; receipts keep their own copy.
    """
    existing = {
        number: rest
        for number, *rest in Account.objects.filter(organization=organization, number__in=list(directory)).values_list(
            "number", "pk", "property_id", "unit_name", "unit_type", "full_name", "els", "owner_type", "is_closed"
        )
    }
    new, changed, ids = [], [], {}
    for number, draft in directory.items():
        property_id = properties[draft.address]
        current = existing.get(number)
        if current is None:
            new.append(
                Account(
                    organization=organization,
                    number=number,
                    property_id=property_id,
                    unit_name=draft.unit_name,
                    unit_type=draft.unit_type,
                    full_name=draft.full_name,
                    els=draft.els,
                    owner_type=draft.owner_type,
                )
            )
            continue
        pk, old_property, unit_name, unit_type, full_name, els, owner_type, is_closed = current
        ids[number] = (pk, is_closed)
        wanted = (
            property_id,
            draft.unit_name,
            draft.unit_type,
            draft.full_name or full_name,
            draft.els or els,
            draft.owner_type or owner_type,
        )
        if wanted != (old_property, unit_name, unit_type, full_name, els, owner_type):
            changed.append(
                Account(
                    pk=pk,
                    property_id=wanted[0],
                    unit_name=wanted[1],
                    unit_type=wanted[2],
                    full_name=wanted[3],
                    els=wanted[4],
                    owner_type=wanted[5],
                )
            )
    if new:
        insert_rows(
            Account,
            ACCOUNT_FIELDS,
            [
                (
                    organization.pk,
                    a.number,
                    a.property_id,
                    a.unit_name,
                    str(a.unit_type),
                    a.full_name,
                    a.owner_type,
                    False,
                    a.els,
                )
                for a in new
            ],
        )
        fresh = {a.number for a in new}
        ids.update(
            (number, (pk, False))
            for number, pk in Account.objects.filter(organization=organization, number__in=list(fresh)).values_list(
                "number", "pk"
            )
        )
    if changed:
        Account.objects.bulk_update(
            changed, ["property_id", "unit_name", "unit_type", "full_name", "els", "owner_type"], batch_size=CHUNK
        )
    return ids
