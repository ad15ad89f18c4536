"""Money and percents written the Russian way everywhere: «1 520 400,40», «0,5 %»; columns that add up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.amounts import AMOUNT_FIELDS
from billing.formatting import format_money, format_percent
from billing.models import Batch
from tests.factories import BatchFactory, ReceiptFactory, ServiceLineFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1520400.4"), "1 520 400,40"),
        (Decimal("0"), "0,00"),
        (Decimal("-12"), "-12,00"),
        (Decimal("999.99"), "999,99"),
        (Decimal("1000"), "1 000,00"),
        (Decimal("-0.001"), "0,00"),
        (Decimal("-0.004"), "0,00"),
        (Decimal("-0.005"), "-0,01"),
        (None, ""),
    ],
)
def test_money(value, text):
    assert format_money(value).replace("\xa0", " ") == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("0.5"), "0,5 %"), (Decimal("50.00"), "50 %"), ("12.5", "12,5 %"), (Decimal("1234.5"), "1 234,5 %")],
)
def test_percent(value, text):
    assert format_percent(value).replace("\xa0", " ") == text


def test_services_are_named_sorted_by_name_and_their_columns_add_up(client, superuser):
    lines = {  # name: (service id, the amounts that are not zero)
        "Холодная вода": (
            "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
            {"balance": "200.00", "charge": "300.00", "privilege": "100.00", "penalty": "50.00", "to_pay": "450.00"},
        ),
        "Вывоз ТКО": ("0a1b2c3d4e5f60718293a4b5c6d7e8f9", {"charge": "900.00", "to_pay": "900.00"}),
    }
    # The receipt's amounts are its lines' sums, as an import writes them.
    receipt = ReceiptFactory(
        **{field: sum(Decimal(amounts.get(field, "0")) for _, amounts in lines.values()) for field in AMOUNT_FIELDS}
    )
    for name, (service_id, amounts) in lines.items():
        ServiceLineFactory(
            receipt=receipt,
            service_id=service_id,
            name=name,
            **{field: Decimal(text) for field, text in amounts.items()},
        )
    Batch.objects.filter(pk=receipt.batch_id).update(total_to_pay=receipt.to_pay)  # as the import writes it
    client.force_login(superuser)
    html = client.get(reverse("admin:billing_batch_change", args=[receipt.batch_id])).content.decode()
    totals = html[html.index('id="batch-totals"') : html.index("</table>", html.index('id="batch-totals"'))]
    assert "9f8e7d6c" not in totals and "0a1b2c3d" not in totals  # no hash codes
    assert totals.index("Вывоз ТКО") < totals.index("Холодная вода")  # by name
    assert "Долг на начало" in totals
    # balance + charge + recalculation − privilege + penalty − paid = to pay, in the footer as shown
    assert ">200,00<" in totals and ">1\xa0200,00<" in totals and ">1\xa0350,00<" in totals.replace(" ", "\xa0")


def test_the_batch_list_writes_money_with_a_space_and_a_comma(client, superuser):
    batch = BatchFactory()
    Batch.objects.filter(pk=batch.pk).update(total_to_pay=Decimal("4106880.52"))
    client.force_login(superuser)
    html = client.get(reverse("admin:billing_batch_changelist")).content.decode()
    assert "4\xa0106\xa0880,52" in html and "4106880.52" not in html and "4106880,52" not in html


def test_a_withdrawn_batch_shows_neither_a_full_bar_nor_no_differences(client, superuser):
    from integration.models import Reconciliation

    batch = BatchFactory(status=Batch.Status.WITHDRAWN, receipts_count=6, withdrawn_count=6)
    Reconciliation.objects.create(
        batch=batch,
        is_consistent=True,
        batch_receipts=6,
        condo_receipts=6,
        batch_total=Decimal("60"),
        condo_total=Decimal("60"),
        missing_in_condo=0,
        extra_in_condo=0,
        amount_differs=0,
    )
    client.force_login(superuser)
    html = client.get(reverse("admin:billing_batch_change", args=[batch.pk])).content.decode()
    assert 'id="publish-progress"' not in html and "Расхождений нет" not in html
    assert "Из Condo отозвано" in html and "6 квитанций" in html


def test_the_batch_list_and_the_batch_page_show_one_publishing_percent(client, superuser):
    # 4 of the 10 receipts Condo accepted were withdrawn since: they are done, not pending.
    batch = BatchFactory(
        status=Batch.Status.PARTIALLY_PUBLISHED,
        receipts_count=10,
        accepted_count=3,
        rejected_count=1,
        withdrawn_count=4,
    )
    client.force_login(superuser)
    listed = client.get(reverse("admin:billing_batch_changelist")).content.decode().replace("\xa0", " ")
    page = client.get(reverse("admin:billing_batch_change", args=[batch.pk])).content.decode()
    assert batch.publish_percent == 80
    assert "80 %, принято 3, отклонено 1, отозвано 4" in listed
    assert '<span id="publish-percent">80\xa0%</span>' in page


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1520.4"), "1520.40"),
        (Decimal("0.005"), "0.01"),
        (Decimal("-0.005"), "-0.01"),
        (Decimal("-0.004"), "0.00"),
        (Decimal("-0"), "0.00"),
        (Decimal("1E+3"), "1000.00"),
    ],
)
def test_money_as_data_has_two_places_and_a_dot_and_reads_back(value, text):
    from billing.formatting import money_data, money_from_data

    assert money_data(value) == text
    assert money_from_data(text) == Decimal(text)
    assert money_from_data("") is None and money_from_data(None) is None


def test_shown_amounts_round_half_up_as_accounting_does():
    # «0,125» is «0,13» on a receipt; Python's format() alone would write «0,12».
    assert format_money(Decimal("0.125")) == "0,13"
    assert format_money(Decimal("2.675")) == "2,68"
    assert format_percent(Decimal("0.25"), places=1) == "0,3\xa0%"


def test_file_sizes_in_messages_have_a_decimal_comma_in_both_numbers():
    from billing.formatting import format_kibibytes, format_mebibytes

    assert format_mebibytes(3 * (1 << 19)) == "1,5 МБ"
    assert format_mebibytes(2048 * (1 << 20)) == "2\xa0048,0 МБ"
    assert format_kibibytes(389_376) == "380,3 КиБ"
