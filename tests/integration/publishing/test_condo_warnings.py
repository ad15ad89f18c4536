"""A receipt Condo accepts but residents cannot pay is its own outcome (contract 13.5), counted on
the batch page and in the receipts export with what the accountant should do."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from billing.exports.receipts import receipts_export
from billing.models import Account, Batch, Receipt, ServiceLine, receipt_import_id
from integration.publishing.publisher import batch_publish
from tests.factories import RecipientFactory
from tests.integration.publishing.builders import batch_with_receipts, with_status
from tests.sandbox_fixtures import SANDBOX_CONTEXT_ID

pytestmark = pytest.mark.django_db


def _add_receipt(batch: Batch, number: str, recipient, to_pay: Decimal, paid: Decimal = Decimal("0")) -> Receipt:
    # Receipts are frozen once written (the database refuses updates): each is inserted as it is meant.
    template = Receipt.objects.filter(batch=batch).select_related("account").first()
    account = Account.objects.create(
        organization=batch.organization,
        property=template.account.property,
        number=number,
        unit_name=number[-3:],
        full_name="Петрова Анна",
    )
    receipt = Receipt.objects.create(
        batch=batch,
        organization=batch.organization,
        account=account,
        period=batch.period,
        recipient=recipient,
        import_id=receipt_import_id(
            organization_tin=batch.organization.tin, period=batch.period, account_number=number, category="housing"
        ),
        to_pay=to_pay,
        charge=to_pay + paid,
        paid=paid,
        account_number=number,
        payer_name="Петрова Анна",
        address=template.address,
        unit_name=number[-3:],
    )
    ServiceLine.objects.create(
        receipt=receipt,
        service_id="maintenance",
        name="Содержание жилого помещения",
        to_pay=to_pay,
        charge=to_pay + paid,
        paid=paid,
    )
    return receipt


def test_an_unapproved_recipient_is_counted_and_explained(condo_sandbox, login, approver):
    batch = batch_with_receipts(receipts=3, status=Batch.Status.DRAFT)
    own = Receipt.objects.filter(batch=batch).first().recipient
    condo_sandbox.add_context(SANDBOX_CONTEXT_ID, organization_tin=own.tin)  # Condo approves the organization's own TIN
    repair_fund = RecipientFactory(tin="7709999990", bank_account="40702810000000000099")
    unapproved = [_add_receipt(batch, f"00000{n}", repair_fund, Decimal("300.00")) for n in (100, 101)]
    # A payment: services carry the amount before it, so Condo finds no invalidServicesError (13.2).
    _add_receipt(batch, "00000102", own, Decimal("900.00"), paid=Decimal("100.00"))
    Batch.objects.filter(pk=batch.pk).update(
        receipts_count=6,
        service_lines_count=6,
        accounts_count=6,
        total_to_pay=Receipt.objects.filter(batch=batch).aggregate(total=Sum("to_pay"))["total"],
    )
    batch.refresh_from_db()
    batch = with_status(batch, Batch.Status.APPROVED)

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
