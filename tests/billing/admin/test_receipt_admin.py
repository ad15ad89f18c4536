from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.admin.paging import CappedCountPaginator
from billing.models import Receipt
from tests.billing.admin.conftest import bulk_receipts
from tests.factories import AccountFactory, BatchFactory, OrganizationFactory, ReceiptFactory, ServiceLineFactory

pytestmark = pytest.mark.django_db
LIST = "admin:billing_receipt_changelist"


def shown(client, **params) -> list[Receipt]:
    response = client.get(reverse(LIST), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize("role", ["accountant", "approver", "superuser"])
def test_list_and_detail_render_for_every_role(role, request, login):
    receipt = ReceiptFactory()
    ServiceLineFactory(receipt=receipt, name="Отопление")
    client = login(request.getfixturevalue(role))
    assert shown(client) == [receipt]
    detail = client.get(reverse("admin:billing_receipt_change", args=[receipt.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Отопление" in html
    assert 'name="_save"' not in html


def test_staff_without_a_role_sees_nothing(login, staff_without_role):
    receipt = ReceiptFactory()
    client = login(staff_without_role)
    assert client.get(reverse(LIST)).status_code == 403
    assert client.get(reverse("admin:billing_receipt_change", args=[receipt.pk])).status_code == 403


def test_receipts_are_read_only_for_everybody(login, superuser):
    receipt = ReceiptFactory(to_pay=Decimal("10.00"))
    client = login(superuser)
    assert client.get(reverse("admin:billing_receipt_add")).status_code == 403
    assert client.post(reverse("admin:billing_receipt_delete", args=[receipt.pk])).status_code == 403
    client.post(reverse("admin:billing_receipt_change", args=[receipt.pk]), {"to_pay": "0.01"})
    receipt.refresh_from_db()
    assert receipt.to_pay == Decimal("10.00")
    assert 'name="_selected_action"' not in client.get(reverse(LIST)).content.decode()


def test_search_by_exact_number_and_prefixes_of_address_and_name(login, approver):
    organization = OrganizationFactory()

    def receipt(number: str, full_name: str, address: str) -> Receipt:
        account = AccountFactory(
            organization=organization, number=number, full_name=full_name, property__address=address
        )
        return ReceiptFactory(batch__organization=organization, account=account)

    ivanov = receipt("7700123", "Иванов И. И.", "г Казань, ул Баумана, д 5")
    petrov = receipt("77001234", "Петров П. П.", "г Москва, ул Арбат, д 1")
    client = login(approver)
    assert shown(client, q="7700123") == [ivanov]  # exact: 77001234 is another account
    assert shown(client, q="Петров") == [petrov]
    assert shown(client, q="г Казань") == [ivanov]
    assert shown(client, q="Баумана") == []  # prefix only: the index serves prefixes


def test_filters_by_organization_period_state_and_error_code(login, approver):
    north = BatchFactory(organization=OrganizationFactory(name="УК Север"), period=date(2026, 9, 1))
    south = BatchFactory(organization=OrganizationFactory(name="УК Юг"), period=date(2026, 10, 1))
    accepted = ReceiptFactory(batch=north, publish_state=Receipt.PublishState.ACCEPTED, condo_id="c-1")
    rejected = ReceiptFactory(
        batch=south, publish_state=Receipt.PublishState.REJECTED, error_code="WRONG_TIN", error_message="плохой ИНН"
    )
    client = login(approver)
    assert shown(client, organization__id__exact=north.organization_id) == [accepted]
    assert shown(client, period="2026-10-01") == [rejected]
    assert shown(client, publish_state__exact="accepted") == [accepted]
    assert shown(client, error_code="WRONG_TIN") == [rejected]
    assert shown(client, batch__id__exact=north.pk) == [accepted]
    html = client.get(reverse(LIST)).content.decode()
    assert "WRONG_TIN" in html and "октябрь 2026" in html.lower()


def test_the_count_is_capped_instead_of_counting_the_table(login, approver, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 20)
    bulk_receipts(BatchFactory(), 30, services=0)
    response = login(approver).get(reverse(LIST))
    assert response.context["cl"].result_count == 21
    assert "квитанций больше 20" in response.content.decode()
    monkeypatch.setattr(CappedCountPaginator, "cap", 100)
    assert "30 квитанций" in login(approver).get(reverse(LIST)).content.decode()


def test_user_input_is_escaped(login, approver):
    receipt = ReceiptFactory(
        account__full_name="<script>alert('name')</script>",
        error_code="<b>E</b>",
        error_message="<img src=x onerror=alert(1)>",
        publish_state=Receipt.PublishState.REJECTED,
    )
    client = login(approver)
    for url in (reverse(LIST), reverse("admin:billing_receipt_change", args=[receipt.pk])):
        html = client.get(url).content.decode()
        assert "<script>alert('name')" not in html and "<b>E</b>" not in html
        assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in html
    assert "<img src=x" not in client.get(reverse("admin:billing_receipt_change", args=[receipt.pk])).content.decode()


def test_the_receipt_page_writes_its_amounts_with_a_space_and_a_comma(login, superuser):
    receipt = ReceiptFactory(to_pay=Decimal("1234567.8"), charge=Decimal("1000"), paid=Decimal("-12.5"))
    ServiceLineFactory(receipt=receipt, name="Отопление", to_pay=Decimal("2345.60"), tariff=Decimal("25.120000"))
    html = login(superuser).get(reverse("admin:billing_receipt_change", args=[receipt.pk])).content.decode()
    html = " ".join(html.split()).replace("\xa0", " ")
    assert "1 234 567,80" in html and "1 000,00" in html and "-12,50" in html
    assert "2 345,60" in html and "25,12<" in html
    assert "1234567" not in html and "2345,6" not in html and "25,120000" not in html
    assert f"{Receipt._meta.get_field('penalty').verbose_name}:" in html.lower()  # the fields keep their labels
    assert 'class="form-row field-to_pay' in html
