from __future__ import annotations

import pytest
from django.urls import reverse

from billing.exports.writer import XLSX_CONTENT_TYPE
from tests.billing.exports.conftest import data_rows, open_xlsx
from tests.factories import ReconciliationFactory, missing_in_condo
from tests.integration.publishing.builders import batch_with_receipts

pytestmark = pytest.mark.django_db


def _urls(batch) -> list[str]:
    return [
        reverse("admin:billing_batch_export_receipts", args=[batch.pk]),
        reverse("admin:billing_batch_export_reconciliation", args=[batch.pk]),
        reverse("admin:billing_batch_export_summary") + "?period=2026-10",
    ]


def _download(response) -> bytes:
    assert response.status_code == 200 and response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response.streaming  # streamed from a temporary file, never built in memory
    return b"".join(response.streaming_content)


def test_anonymous_is_sent_to_the_login_page(client, published_batch):
    for url in _urls(published_batch):
        response = client.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_staff_without_a_role_is_refused(client, published_batch, staff_without_role):
    client.force_login(staff_without_role)
    for url in [*_urls(published_batch), reverse("admin:billing_batch_export_summary")]:
        assert client.get(url).status_code == 403, url


def test_an_accountant_downloads_a_batchs_receipts(client, accountant, published_batch):
    client.force_login(accountant)
    response = client.get(reverse("admin:billing_batch_export_receipts", args=[published_batch.pk]))
    assert f'filename="kvitancii-paket-{published_batch.pk}.xlsx"' in response["Content-Disposition"]
    assert len(data_rows(open_xlsx(_download(response))["Квитанции"])) == 6


def test_an_unknown_batch_is_404(client, accountant):
    client.force_login(accountant)
    assert client.get(reverse("admin:billing_batch_export_receipts", args=[999999])).status_code == 404


def test_reconciliation_download_or_a_message_when_there_was_none(client, approver, published_batch):
    client.force_login(approver)
    url = reverse("admin:billing_batch_export_reconciliation", args=[published_batch.pk])
    response = client.get(url, follow=False)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:billing_batch_change", args=[published_batch.pk])
    ReconciliationFactory(
        batch=published_batch,
        batch_receipts=6,
        condo_receipts=5,
        missing_in_condo=1,
        batch_total=published_batch.total_to_pay,
        condo_total=0,
        differences=[missing_in_condo("x", "1", "0.07")],
    )
    rows = data_rows(open_xlsx(_download(client.get(url)))["Расхождения"])
    assert rows == [("Нет в Condo", "1", "x", 0.07, None, -0.07)]


def test_summary_form_then_file(client, accountant, published_batch):
    client.force_login(accountant)
    url = reverse("admin:billing_batch_export_summary")
    form = client.get(url)
    assert form.status_code == 200 and "Скачать xlsx" in form.content.decode()
    bad = client.get(url, {"period": "<b>октябрь</b>"})
    assert bad.status_code == 200 and "<b>октябрь</b>" not in bad.content.decode()
    response = client.get(url, {"period": "2026-10", "organization": published_batch.organization_id})
    assert 'filename="svodka-2026-10-' in response["Content-Disposition"]
    rows = data_rows(open_xlsx(_download(response))["Сводка 10.2026"])
    assert [row[0] for row in rows] == [published_batch.organization.name]


def test_the_list_action_exports_the_selected_batches(client, accountant, published_batch):
    other = batch_with_receipts(receipts=2, organization=published_batch.organization, accounts_from=50)
    client.force_login(accountant)
    response = client.post(
        reverse("admin:billing_batch_changelist"),
        {"action": "export_receipts_action", "_selected_action": [published_batch.pk, other.pk]},
    )
    assert 'filename="kvitancii-2-paketov.xlsx"' in response["Content-Disposition"]
    rows = data_rows(open_xlsx(_download(response))["Квитанции"])
    assert sorted({row[0] for row in rows}) == [published_batch.pk, other.pk] and len(rows) == 8


def test_the_batch_list_offers_the_monthly_summary(client, accountant, staff_without_role):
    client.force_login(accountant)
    page = client.get(reverse("admin:billing_batch_changelist")).content.decode()
    assert reverse("admin:billing_batch_export_summary") in page and "Сводка за месяц (Excel)" in page
