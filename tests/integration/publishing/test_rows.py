"""The publisher's plain-SQL read gives exactly what the ORM holds, field by field.

Account, house and payer come from the receipt's own copy, never from the directory of accounts.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import Receipt
from integration.condo import CATEGORY_IDS, ReceiptIn, ServiceIn
from integration.publishing.rows import pending_receipts
from tests.factories import AccountFactory, BatchFactory, ReceiptFactory, RecipientFactory, ServiceLineFactory

pytestmark = pytest.mark.django_db


def _expected(receipt: Receipt) -> ReceiptIn:
    """What the publisher should read, built by keyword from ORM instances."""
    return ReceiptIn(
        import_id=receipt.import_id,
        address=receipt.address,
        unit_name=receipt.unit_name,
        unit_type=receipt.unit_type,
        account_number=receipt.account_number,
        full_name=receipt.payer_name,
        owner_type=receipt.owner_type,
        account_global_id=receipt.els,
        address_global_id=receipt.house_global_id,
        is_closed=receipt.is_closed,
        period=receipt.period,
        to_pay=receipt.to_pay,
        charge=receipt.charge,
        balance=receipt.balance,
        recalculation=receipt.recalculation,
        privilege=receipt.privilege,
        penalty=receipt.penalty,
        paid=receipt.paid,
        services=tuple(
            ServiceIn(
                id=line.service_id,
                name=line.name,
                to_pay=line.to_pay,
                charge=line.charge,
                balance=line.balance,
                recalculation=line.recalculation,
                privilege=line.privilege,
                penalty=line.penalty,
                paid=line.paid,
                volume=line.volume,
                tariff=line.tariff,
                measure=line.measure,
            )
            for line in receipt.service_lines.order_by("id")
        ),
        category_id=CATEGORY_IDS[receipt.category],
        tin=receipt.recipient.tin,
        bic=receipt.recipient.bic,
        bank_account=receipt.recipient.bank_account,
    )


@pytest.fixture
def batch():
    batch = BatchFactory()
    organization = batch.organization
    plain = ReceiptFactory(batch=batch)
    ServiceLineFactory(receipt=plain, service_id="maintenance")
    ServiceLineFactory(
        receipt=plain,
        service_id="water",
        name="Вода «холодная»",
        volume=None,
        tariff=None,
        measure="",
        to_pay=Decimal("0.01"),
        charge=Decimal("0"),
        balance=Decimal("-12.34"),
        recalculation=Decimal("5.5"),
        privilege=Decimal("100.10"),
        penalty=Decimal("0.99"),
        paid=Decimal("999999999999.99"),
    )
    closed = AccountFactory(
        organization=organization,
        is_closed=True,
        els="12АБ345678",
        unit_type="commercial",
        owner_type="company",
        full_name="ООО «Ромашка»",
        property__fias_id="1d6f3a1e-0000-4000-8000-000000000001",
    )
    special = ReceiptFactory(
        batch=batch,
        account=closed,
        category=Receipt.Category.CAPITAL_REPAIR,
        recipient=RecipientFactory(tin="500100732259", bic="044525974", bank_account="40702810000000000001"),
        to_pay=Decimal("0.10"),
        charge=Decimal("0.10"),
        penalty=Decimal("0"),
    )
    ServiceLineFactory(receipt=special, volume=Decimal("0.000001"), tariff=Decimal("1234567890.123456"))
    ReceiptFactory(batch=batch)  # no service lines at all
    return batch


def test_every_field_is_read_as_stored(batch):
    read = pending_receipts(batch_id=batch.pk, limit=100)
    receipts = list(Receipt.objects.filter(batch=batch).order_by("id"))
    assert [receipt_id for receipt_id, _ in read] == [r.pk for r in receipts]
    for (_, got), receipt in zip(read, receipts):
        assert got == _expected(receipt)
        assert all(type(getattr(got, name)) is Decimal for name in ("to_pay", "charge", "paid"))


def test_slices_page_by_id_and_skip_what_is_no_longer_pending(batch):
    first, second, third = Receipt.objects.filter(batch=batch).order_by("id")
    Receipt.objects.filter(pk=second.pk).update(publish_state=Receipt.PublishState.ACCEPTED, condo_id="c-2")
    other_batch_receipt = ReceiptFactory()
    ServiceLineFactory(receipt=other_batch_receipt)

    head = pending_receipts(batch_id=batch.pk, limit=1)
    assert [receipt_id for receipt_id, _ in head] == [first.pk]
    rest = pending_receipts(batch_id=batch.pk, limit=10, after_id=first.pk)
    assert [receipt_id for receipt_id, _ in rest] == [third.pk]
    assert rest[0][1].services == ()  # nothing borrowed from the skipped receipt or another batch
    assert pending_receipts(batch_id=batch.pk, limit=10, after_id=third.pk) == []


def test_a_later_change_of_the_directory_changes_nothing_read(batch):
    before = pending_receipts(batch_id=batch.pk, limit=100)
    receipt = Receipt.objects.filter(batch=batch).order_by("id").first()
    account = receipt.account
    account.full_name, account.unit_name, account.owner_type = "Петров Пётр Петрович", "99", "company"
    account.save()
    account.property.address = "г Москва, ул Новая, д 1"
    account.property.save()

    assert pending_receipts(batch_id=batch.pk, limit=100) == before
