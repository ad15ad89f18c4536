from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from billing.models import Batch, Receipt
from tests.factories import OrganizationFactory, UserFactory
from tests.integration.publishing.builders import batch_with_receipts

PERIOD = date(2026, 10, 1)
# Amounts whose float rendering is not exact (0.07 → 0.07000000000000001): the export must not drift.
AMOUNTS = {0: Decimal("0.07"), 1: Decimal("902406105555.82"), 2: Decimal("-15.30"), 3: Decimal("1520.40")}


def open_xlsx(content: bytes):
    return load_workbook(io.BytesIO(content))


def data_rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=2, values_only=True))


def exact(value) -> Decimal:
    """A money cell as read back: openpyxl gives a float; its repr is the shortest exact text."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


@pytest.fixture
def staff_without_role(db):
    return UserFactory(username="staff-no-role")


@pytest.fixture
def published_batch(db) -> Batch:
    """A partially published batch: 2 accepted, 1 rejected with a code and message, the rest pending."""
    organization = OrganizationFactory(name="УК «Выгрузка»")
    batch = batch_with_receipts(
        receipts=6, organization=organization, amounts=AMOUNTS, status=Batch.Status.PARTIALLY_PUBLISHED
    )
    receipts = list(Receipt.objects.filter(batch=batch).order_by("id"))
    for receipt in receipts[:2]:
        Receipt.objects.filter(pk=receipt.pk).update(publish_state="accepted", condo_id=f"condo-{receipt.pk}")
    Receipt.objects.filter(pk=receipts[2].pk).update(
        publish_state="rejected", error_code="WRONG_AMOUNT", error_message='=HYPERLINK("x") сумма не сходится'
    )
    Batch.objects.filter(pk=batch.pk).update(accepted_count=2, rejected_count=1)
    batch.refresh_from_db()
    return batch
