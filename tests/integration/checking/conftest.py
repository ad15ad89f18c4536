"""A month for the check before approval: what Condo held last month, and a batch that differs from it."""

from __future__ import annotations

from datetime import date

import pytest

from billing.models import Batch
from tests.factories import UserFactory
from tests.integration.condo_data import make_receipt
from tests.integration.publishing.builders import batch_with_receipts, sandbox_organization
from tests.sandbox_fixtures import SANDBOX_CONTEXT_ID

Status = Batch.Status
HOUSE = "г Москва, ул Тверская, д 7"


def condo_holds_last_month(condo_client, accounts: dict[str, tuple[str, str, bool]]) -> None:
    """Condo's receipts of September 2026 for account → (address, unit, closed), published through the client."""
    receipts = [
        make_receipt(
            i + 1,
            account_number=number,
            address=address,
            unit_name=unit,
            is_closed=closed,
            period=date(2026, 9, 1),
            import_id=f"prev:{number}",
        )
        for i, (number, (address, unit, closed)) in enumerate(accounts.items())
    ]
    assert all(outcome.accepted for outcome in condo_client.register_receipts(SANDBOX_CONTEXT_ID, receipts))


def submitted(batch: Batch) -> Batch:
    Batch.objects.filter(pk=batch.pk).update(status=Status.SUBMITTED, submitted_by=UserFactory(role="Бухгалтер"))
    batch.refresh_from_db()
    return batch


def month_with(receipt_fields: dict[int, dict] | None = None) -> Batch:
    """The month's batch: accounts 1…4; `receipt_fields` by position (0 is account 1) shape its receipts."""
    # 2 moved house and 3 has another unit than Condo holds.
    fields = {1: {"address": "г Москва, ул Тверская, д 9"}, 2: {"unit_name": "3Б"}}
    for index, extra in (receipt_fields or {}).items():
        fields[index] = {**fields.get(index, {}), **extra}
    return submitted(
        batch_with_receipts(
            receipts=4, accounts_from=1, organization=sandbox_organization(), status=Status.DRAFT, receipt_fields=fields
        )
    )


@pytest.fixture
def last_month(condo_sandbox, condo_client):
    """Condo held 0…3 (and a closed 9) last month."""
    condo_holds_last_month(
        condo_client,
        {
            "00000000": (HOUSE, "9", False),
            "00000001": (HOUSE, "1", False),
            "00000002": (HOUSE, "2", False),
            "00000003": (HOUSE, "3", False),
            "00000009": (HOUSE, "19", True),
        },
    )


@pytest.fixture
def month(last_month):
    """The batch has 1…4, with 2 moved house and 3 another unit."""
    return month_with()
