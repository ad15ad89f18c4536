"""Batches of any size for publishing tests, written with bulk inserts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from billing.models import Account, Batch, Organization, Property, Receipt, ServiceLine, receipt_import_id
from billing.services.seals import batch_seal
from integration.publishing.publisher import batch_publish
from integration.publishing.rows import batch_receipts
from tests.factories import BatchFactory, OrganizationFactory, RecipientFactory, UserFactory
from tests.sandbox_fixtures import SANDBOX_CONTEXT_ID


def sandbox_organization() -> Organization:
    return OrganizationFactory(condo_context_id=SANDBOX_CONTEXT_ID)


def batch_with_receipts(
    *,
    receipts: int,
    organization: Organization | None = None,
    status: str = Batch.Status.APPROVED,
    amount: Decimal = Decimal("1000.00"),
    amounts: dict[int, Decimal] | None = None,
    accounts_from: int = 0,
    period: date | None = None,
    accounts: list[int] | None = None,
    receipt_fields: dict[int, dict] | None = None,
) -> Batch:
    """A batch whose i-th receipt (account number `accounts_from + i`, or `accounts[i]`) owes `amount` (or `amounts[i]`).

    `receipt_fields[i]` sets fields of the i-th receipt (its copy of the account: address, unit_name …):
    a written receipt never changes (the database refuses), so a test shapes it here.
    """
    organization = organization or sandbox_organization()
    approver = UserFactory(role="Утверждающий")
    batch = BatchFactory(
        organization=organization,
        status=Batch.Status.DRAFT,
        submitted_at=timezone.now(),
        **({"period": period} if period else {}),
    )
    recipient = RecipientFactory()
    house, _ = Property.objects.get_or_create(organization=organization, address="г Москва, ул Тверская, д 7")
    numbers = [
        f"{n:08d}" for n in (accounts if accounts is not None else range(accounts_from, accounts_from + receipts))
    ]
    existing = set(
        Account.objects.filter(organization=organization, number__in=numbers).values_list("number", flat=True)
    )
    Account.objects.bulk_create(
        [
            Account(
                organization=organization,
                property=house,
                number=n,
                unit_name=str(i + 1),
                full_name="Иванов Иван Иванович",
            )
            for i, n in enumerate(numbers)
            if n not in existing
        ]
    )
    accounts = dict(Account.objects.filter(organization=organization, number__in=numbers).values_list("number", "pk"))
    rows = []
    for i, number in enumerate(numbers):
        to_pay = (amounts or {}).get(i, amount)
        fields = {
            "batch": batch,
            "organization": organization,
            "account_id": accounts[number],
            "period": batch.period,
            "recipient": recipient,
            "import_id": receipt_import_id(
                organization_tin=organization.tin, period=batch.period, account_number=number, category="housing"
            ),
            "to_pay": to_pay,
            "charge": to_pay,
            "account_number": number,
            "payer_name": "Иванов Иван Иванович",
            "address": house.address,
            "unit_name": str(i + 1),
        }
        rows.append(Receipt(**{**fields, **(receipt_fields or {}).get(i, {})}))
    Receipt.objects.bulk_create(rows, batch_size=2000)
    ServiceLine.objects.bulk_create(
        [
            ServiceLine(
                receipt=r,
                service_id="maintenance",
                name="Содержание жилого помещения",
                to_pay=r.to_pay,
                charge=r.to_pay,
                volume=Decimal("54.2"),
                tariff=Decimal("18.45"),
                measure="м²",
            )
            for r in Receipt.objects.filter(batch=batch).only("pk", "to_pay")
        ],
        batch_size=2000,
    )
    Batch.objects.filter(pk=batch.pk).update(
        receipts_count=receipts,
        service_lines_count=receipts,
        accounts_count=receipts,
        total_to_pay=sum((r.to_pay for r in rows), Decimal("0")),
    )
    batch.refresh_from_db()
    return with_status(batch, status, approver=approver)


def with_status(batch: Batch, status: str, *, approver=None) -> Batch:
    """Put a draft batch in `status`; from approval on, with the approval and fingerprint a real one has."""
    if status in (Batch.Status.DRAFT, Batch.Status.SUBMITTED, Batch.Status.REJECTED):
        Batch.objects.filter(pk=batch.pk).update(status=status)
    else:
        approver = approver or UserFactory(role="Утверждающий")
        if batch.submitted_at is None:
            Batch.objects.filter(pk=batch.pk).update(submitted_at=timezone.now())
            batch.refresh_from_db()
        batch_seal(batch=batch, by=approver)
        Batch.objects.filter(pk=batch.pk).update(status=status, approved_by=approver, approved_at=timezone.now())
    batch.refresh_from_db()
    return batch


def live_receipts(sandbox, context_id: str = SANDBOX_CONTEXT_ID) -> dict[str, dict]:
    """What the sandbox holds and has not deleted, by importId."""
    return {r["importId"]: r for r in sandbox.receipts(context_id, include_deleted=False)}


def condo_disagrees(condo_client, batch: Batch, *, amount: Decimal) -> list[Receipt]:
    """Condo made to differ from the published batch once each way; the batch's receipts, by id.

    Its first receipt withdrawn, its second sent again by someone else for `amount`, and a receipt
    of another batch of the same organization and month published beside them.
    """
    receipts = list(Receipt.objects.filter(batch=batch).order_by("pk").select_related("account"))
    condo_client.withdraw_receipts([receipts[0].condo_id])
    [(_, changed)] = batch_receipts(batch_id=batch.pk, limit=1, after_id=receipts[0].pk)
    changed.to_pay, changed.services, changed.digest = amount, (), ""
    condo_client.register_receipts(batch.organization.condo_context_id, [changed])
    other = batch_with_receipts(receipts=1, organization=batch.organization, accounts_from=900)
    batch_publish(batch_id=other.pk)
    return receipts


def published_and_its_correction(*, amount: Decimal, changed_to: Decimal, status: str) -> tuple[Batch, Batch]:
    """A month published for accounts 0–4, and its corrected registry for accounts 2–7 in which
    account 4 owes `changed_to`: 0 and 1 are withdrawn, 2 and 3 stay, 4 changes, 5–7 are new."""
    old = batch_with_receipts(receipts=5, amount=amount)
    assert batch_publish(batch_id=old.pk).status == Batch.Status.PUBLISHED
    new = batch_with_receipts(
        receipts=6,
        organization=old.organization,
        accounts_from=2,
        status=status,
        amount=amount,
        amounts={2: changed_to},
    )
    return old, new
