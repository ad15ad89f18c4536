"""The publishing bench's batches (bench/publish.py): approved batches written in bulk, and reset to publish again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bench.fill import CHUNK, accounts_create, bench_recipient, bench_user, organization_create, receipts_create

PERIOD = date(2026, 10, 1)


def fill_batch(*, receipts: int, context_id: str, label: str):
    """An approved batch of `receipts` receipts with two service lines each, written in bulk."""
    from django.utils import timezone

    from billing.models import Batch, Organization, Receipt, ServiceLine
    from billing.services.seals import batch_seal

    user, recipient = bench_user(), bench_recipient()
    seed = 600_000_000 + Organization.objects.count() + 1
    organization = organization_create(seed=seed, name=f"УК «{label}»", context_id=context_id)
    houses = accounts_create(
        organization,
        receipts,
        address="г Москва, ул Публикационная, д {house}",
        number="{:010d}".format,
        full_name="Петров Пётр {}".format,
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

    def fields(n: int, number: str) -> dict:
        to_pay = Decimal(1000 + n % 900) + Decimal("0.45")
        return {
            "to_pay": to_pay,
            "charge": to_pay - Decimal("20.00"),
            "penalty": Decimal("20.00"),
            "account_number": number,
            "payer_name": f"Петров Пётр {n}",
            "address": houses[n % len(houses)].address,
            "unit_name": str(n % 100 + 1),
        }

    receipts_create(batch, recipient=recipient, fields=fields)
    lines = []
    for receipt_id, to_pay in (
        Receipt.objects.filter(batch=batch).values_list("pk", "to_pay").iterator(chunk_size=CHUNK)
    ):
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
    ServiceLine.objects.bulk_create(lines, batch_size=CHUNK)
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
