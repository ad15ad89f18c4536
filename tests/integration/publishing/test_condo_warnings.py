"""A receipt Condo accepts but residents cannot pay is its own outcome (contract 13.5), counted on
the batch page and in the receipts export with what the accountant should do."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from billing.exports.receipts import receipts_export
from billing.models import Receipt, ServiceLine
from integration.publishing.publisher import batch_publish
from tests.factories import RecipientFactory
from tests.integration.publishing.builders import batch_with_receipts
from tests.sandbox_fixtures import SANDBOX_CONTEXT_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client
    return as_user


def test_an_unapproved_recipient_is_counted_and_explained(condo_sandbox, login, approver):
    batch = batch_with_receipts(receipts=5)
    own = Receipt.objects.filter(batch=batch).first().recipient
    condo_sandbox.add_context(SANDBOX_CONTEXT_ID, organization_tin=own.tin)  # Condo approves the organization's own TIN
    repair_fund = RecipientFactory(tin="7709999990", bank_account="40702810000000000099")
    unapproved = list(Receipt.objects.filter(batch=batch).order_by("pk")[:2])
    Receipt.objects.filter(pk__in=[r.pk for r in unapproved]).update(recipient=repair_fund)
    # A payment: services carry the amount before it, so Condo finds no invalidServicesError (13.2).
    paid = Receipt.objects.filter(batch=batch).order_by("pk").last()
    Receipt.objects.filter(pk=paid.pk).update(paid=Decimal("100.00"), to_pay=paid.to_pay - 100)
    ServiceLine.objects.filter(receipt=paid).update(paid=Decimal("100.00"), to_pay=paid.to_pay - 100)

    assert batch_publish(batch_id=batch.pk).status == "published"

    warnings = dict(Receipt.objects.filter(batch=batch).values_list("pk", "condo_warning"))
    assert {pk for pk, code in warnings.items() if code} == {r.pk for r in unapproved}
    assert set(warnings.values()) == {"", "RECIPIENT_NOT_APPROVED"}

    html = login(approver).get(reverse("admin:billing_batch_change", args=[batch.pk])).content.decode()
    assert "Принята, получатель не подтверждён: 2" in html
    assert "condo_warning__exact=RECIPIENT_NOT_APPROVED" in html and "поддержку Condo" in html

    out = io.BytesIO()
    receipts_export(batches=[batch], out=out)
    workbook = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    rows = list(workbook["Квитанции"].iter_rows(values_only=True))
    header = list(rows[0])
    marked = [row for row in rows[1:] if row[header.index("Предупреждение Condo")]]
    assert len(marked) == 2 and all("поддержку Condo" in row[header.index("Что сделать")] for row in marked)
    figures = dict(workbook["Пакеты"].iter_rows(values_only=True))
    assert figures[f"Пакет №{batch.pk}: принята, получатель не подтверждён"] == 2
    assert figures[f"Пакет №{batch.pk}: принята, сумма услуг не сходится"] == 0
