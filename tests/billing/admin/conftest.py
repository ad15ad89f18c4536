from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.models import Account, Batch, Property, Receipt, ServiceLine, receipt_import_id
from tests.factories import BatchFactory, OrganizationFactory, RecipientFactory, UserFactory


@pytest.fixture
def staff_without_role(db):
    return UserFactory(username="staff-no-role")


def bulk_receipts(
    batch: Batch,
    count: int,
    *,
    first: int = 0,
    amount: Decimal = Decimal("100.00"),
    services: int = 2,
    amounts: dict[int, Decimal] | None = None,
):
    """`count` receipts of accounts first..first+count-1 of the batch's organization, in bulk.

    The i-th receipt owes `amounts[i]` when given, else `amount`. Accounts are shared between
    batches of one organization by number, as imports do; each receipt keeps its own copy.
    """
    organization = batch.organization
    recipient = RecipientFactory()
    house, _ = Property.objects.get_or_create(organization=organization, address="г Москва, ул Ленина, д 1")
    numbers = [f"LS{i:07d}" for i in range(first, first + count)]
    existing = set(
        Account.objects.filter(organization=organization, number__in=numbers).values_list("number", flat=True)
    )
    Account.objects.bulk_create(
        Account(organization=organization, property=house, number=number, unit_name=str(i + 1), full_name=f"Жилец {i}")
        for i, number in enumerate(numbers)
        if number not in existing
    )
    accounts = Account.objects.filter(organization=organization, number__in=numbers).order_by("number")
    receipts = Receipt.objects.bulk_create(
        Receipt(
            batch=batch,
            organization=organization,
            account=account,
            period=batch.period,
            recipient=recipient,
            import_id=receipt_import_id(
                organization_tin=organization.tin,
                period=batch.period,
                account_number=account.number,
                category="housing",
            ),
            to_pay=(amounts or {}).get(i, amount),
            charge=(amounts or {}).get(i, amount),
            account_number=account.number,
            payer_name=account.full_name,
            address=house.address,
            unit_name=account.unit_name,
        )
        for i, account in enumerate(accounts)
    )
    if not receipts[0].pk:  # backends that do not return ids from bulk inserts
        receipts = list(Receipt.objects.filter(batch=batch).order_by("id"))
    ServiceLine.objects.bulk_create(
        ServiceLine(
            receipt=receipt,
            service_id=f"s{n}",
            name=f"Услуга {n}",
            to_pay=receipt.to_pay / services,
            charge=receipt.to_pay / services,
        )
        for receipt in receipts
        for n in range(services)
    )
    # The batch's figures as an import writes them with its receipts.
    Batch.objects.filter(pk=batch.pk).update(
        receipts_count=len(receipts),
        accounts_count=len(receipts),
        total_to_pay=sum((receipt.to_pay for receipt in receipts), Decimal("0")),
    )
    batch.refresh_from_db()
    return receipts


def published_month_and_next(*, receipts: int, **next_fields) -> tuple[Batch, Batch]:
    """(September, October) of one organization: September published with `receipts` receipts of 100 ₽
    (accounts 0…receipts-1), October a batch with `next_fields` and no receipts yet."""
    organization = OrganizationFactory()
    september = BatchFactory(organization=organization, period=date(2026, 9, 1), status=Batch.Status.PUBLISHED)
    bulk_receipts(september, receipts, amount=Decimal("100"))
    return september, BatchFactory(organization=organization, **next_fields)
