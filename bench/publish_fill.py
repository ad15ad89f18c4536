"""The publishing bench's batches (bench/publish.py): approved batches written in bulk, and reset to publish again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

PERIOD = date(2026, 10, 1)


def fill_batch(*, receipts: int, context_id: str, label: str):
    """An approved batch of `receipts` receipts with two service lines each, written in bulk."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from billing.models import (
        Account,
        Batch,
        Organization,
        Property,
        Receipt,
        Recipient,
        ServiceLine,
        receipt_import_id,
    )
    from billing.services.seals import batch_seal

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    recipient, _ = Recipient.objects.get_or_create(
        tin="7701234564", bic="044525225", bank_account="40702810938000012345"
    )
    seed = 600_000_000 + Organization.objects.count() + 1
    digits = [int(d) for d in f"{seed:09d}"]
    tin = "".join(map(str, digits)) + str(sum(d * w for d, w in zip(digits, (2, 4, 10, 3, 5, 9, 4, 6, 8))) % 11 % 10)
    organization = Organization.objects.create(name=f"УК «{label}»", tin=tin, condo_context_id=context_id)
    houses = Property.objects.bulk_create(
        Property(organization=organization, address=f"г Москва, ул Публикационная, д {n + 1}")
        for n in range(max(receipts // 100, 1))
    )
    Account.objects.bulk_create(
        (
            Account(
                organization=organization,
                property=houses[n % len(houses)],
                number=f"{n:010d}",
                unit_name=str(n % 100 + 1),
                full_name=f"Петров Пётр {n}",
            )
            for n in range(receipts)
        ),
        batch_size=5000,
    )
    batch = Batch.objects.create(
        organization=organization,
        period=PERIOD,
        created_by=user,
        submitted_at=timezone.now(),
        receipts_count=receipts,
        service_lines_count=2 * receipts,
        accounts_count=receipts,
    )
    accounts = Account.objects.filter(organization=organization).values_list("pk", "number").iterator(chunk_size=5000)
    rows = []
    for n, (account_id, number) in enumerate(accounts):
        to_pay = Decimal(1000 + n % 900) + Decimal("0.45")
        rows.append(
            Receipt(
                batch=batch,
                organization=organization,
                account_id=account_id,
                period=PERIOD,
                recipient=recipient,
                import_id=receipt_import_id(
                    organization_tin=tin, period=PERIOD, account_number=number, category="housing"
                ),
                to_pay=to_pay,
                charge=to_pay - Decimal("20.00"),
                penalty=Decimal("20.00"),
                account_number=number,
                payer_name=f"Петров Пётр {n}",
                address=houses[n % len(houses)].address,
                unit_name=str(n % 100 + 1),
            )
        )
    Receipt.objects.bulk_create(rows, batch_size=5000)
    lines = []
    for receipt_id, to_pay in Receipt.objects.filter(batch=batch).values_list("pk", "to_pay").iterator(chunk_size=5000):
        lines.append(
            ServiceLine(
                receipt_id=receipt_id,
                service_id="maintenance",
                name="Содержание жилого помещения",
                to_pay=to_pay - Decimal("320.00"),
                charge=to_pay - Decimal("340.00"),
                penalty=Decimal("20.00"),
                volume=Decimal("54.2"),
                tariff=Decimal("21.78"),
                measure="м²",
            )
        )
        lines.append(
            ServiceLine(
                receipt_id=receipt_id,
                service_id="cold-water",
                name="Холодное водоснабжение",
                to_pay=Decimal("320.00"),
                charge=Decimal("320.00"),
                volume=Decimal("3.5"),
                tariff=Decimal("91.43"),
                measure="м³",
            )
        )
    ServiceLine.objects.bulk_create(lines, batch_size=5000)
    # Approved as a person approves: with the fingerprint the publisher checks before it sends.
    batch_seal(batch=batch, by=user)
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.APPROVED, approved_by=user, approved_at=timezone.now())
    batch.refresh_from_db()
    return batch


def batch_reset(batch) -> None:
    """Make a published batch approved and pending again, to publish it once more (Condo updates by importId)."""
    from billing.models import Batch, Receipt

    Receipt.objects.filter(batch=batch).update(
        publish_state=Receipt.PublishState.PENDING, condo_id="", published_at=None
    )
    Batch.objects.filter(pk=batch.pk).update(
        status=Batch.Status.APPROVED,
        accepted_count=0,
        rejected_count=0,
        lease_owner="",
        lease_until=None,
        published_at=None,
    )
