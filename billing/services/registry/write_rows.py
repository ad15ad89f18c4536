"""The rows a draft batch is written as: bulk inserts of receipts and service lines, upserted directory."""

from __future__ import annotations

import hashlib
from datetime import date
from operator import attrgetter, itemgetter

from django.db import connection
from django.utils import timezone

from billing.amounts import AMOUNT_FIELDS
from billing.bulk import copy_text, insert_rows
from billing.importers.base import RecipientKey
from billing.importers.drafts import AccountDraft, ReceiptDraft
from billing.models import (
    Batch,
    Organization,
    Receipt,
    ServiceLine,
    receipt_import_id,
)


def service_code(name: str) -> str:
    """A stable code for a service name, the same every month (Condo: services[].id)."""
    return hashlib.sha1(name.casefold().encode()).hexdigest()[:16]


RECEIPT_FIELDS = (
    "batch",
    "organization",
    "account",
    "period",
    "category",
    "recipient",
    "import_id",
    *AMOUNT_FIELDS,
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


LINE_FIELDS = (
    "receipt",
    "service_id",
    "name",
    *AMOUNT_FIELDS,
    "volume",
    "tariff",
    "measure",
)

# The seven amounts in AMOUNT_FIELDS' order, read in C: a draft's from its dict, a service's from its attributes.
_draft_amounts = itemgetter(*AMOUNT_FIELDS)
_service_amounts = attrgetter(*AMOUNT_FIELDS)


def receipts_insert(
    drafts: list[ReceiptDraft],
    directory: dict[str, AccountDraft],
    *,
    batch: Batch,
    organization: Organization,
    period: date,
    accounts: dict[str, tuple[int, bool]],
    recipients: dict[RecipientKey, int],
    codes: dict[str, str],
) -> None:
    period_db = copy_text(connection.ops.adapt_datefield_value(period))
    now_db = copy_text(connection.ops.adapt_datetimefield_value(timezone.now()))
    pending = Receipt.PublishState.PENDING.value
    tin, batch_id, organization_id = organization.tin, batch.pk, organization.pk
    last_id = Receipt.objects.filter(batch=batch).order_by("-pk").values_list("pk", flat=True).first() or 0
    rows = []
    for draft in drafts:
        a = draft.amounts
        if a is None:
            raise ValueError("a receipt is written only once its amounts are final")
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
                *_draft_amounts(a),
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
    ids = {
        (account_id, category): pk
        for pk, account_id, category in Receipt.objects.filter(batch=batch, pk__gt=last_id).values_list(
            "pk", "account_id", "category"
        )
    }
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
                    *_service_amounts(service),
                    service.volume,
                    service.tariff,
                    service.measure,
                )
            )
    insert_rows(ServiceLine, LINE_FIELDS, lines)
