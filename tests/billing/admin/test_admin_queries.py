"""The admin's number of queries does not grow with the number of receipts.

A few hundred rows stand in for a million: what is asserted is that the count is bounded
and identical for a small and a larger batch, so per-row queries cannot hide.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import Batch, BatchFiguresRecord, Receipt
from tests.billing.admin.conftest import bulk_receipts, published_month_and_next

pytestmark = pytest.mark.django_db

RECEIPT_LIST_MAX_QUERIES = 12
# + publishing (reconciliation, Condo calls, newer batches), PDF counts, the newest check before approval,
# the batch a correction replaces, the receipts of the new-accounts and moved filters (listed in the figures)
# + the number of the batch's receipts, counted and kept for the PDF panel (the import keeps it)
BATCH_PAGE_MAX_QUERIES_COLD = 44
# the newest check and the batch a correction replaces: one query each; the number of the batch's
# receipts kept since the import (the PDF panel's, BatchFiguresRecord)
BATCH_PAGE_MAX_QUERIES_WARM = 23


def _month_pair(size: int) -> Batch:
    """A published September and an October under review with new, gone, moved and zero receipts."""
    _, batch = published_month_and_next(receipts=size, submitted=True)
    bulk_receipts(
        batch, size, first=size // 10, amount=Decimal("180"), amounts={0: Decimal(0), 1: Decimal(0), 2: Decimal(0)}
    )
    Receipt.objects.filter(batch=batch).filter(pk__in=Receipt.objects.filter(batch=batch).values("pk")[3:6]).update(
        publish_state=Receipt.PublishState.REJECTED, error_code="WRONG_TIN", error_message="ошибка"
    )
    return batch


def _queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


RECEIPT_LIST_PARAMS = [
    {},
    {"q": "LS0000005"},
    {"q": "г Москва"},
    {"publish_state__exact": "rejected", "error_code": "WRONG_TIN"},
    {"period": "2026-10-01", "p": "1"},
]


@pytest.mark.parametrize("params", RECEIPT_LIST_PARAMS)
def test_receipt_list_queries_do_not_depend_on_rows(params, login, approver, django_assert_max_num_queries):
    client = login(approver)
    _month_pair(10)
    client.get(reverse("admin:billing_receipt_changelist"))  # session and permission caches warm
    small = _queries(client, reverse("admin:billing_receipt_changelist"), params)
    _month_pair(300)
    large = _queries(client, reverse("admin:billing_receipt_changelist"), params)
    assert small == large
    with django_assert_max_num_queries(RECEIPT_LIST_MAX_QUERIES):
        client.get(reverse("admin:billing_receipt_changelist"), params)


BATCH_PAGE_PARAMS = [{}, {"anomaly": "moved"}, {"anomaly": "new", "page": "2"}, {"state": "rejected"}, {"page": "2"}]


@pytest.mark.parametrize("params", BATCH_PAGE_PARAMS)
def test_batch_page_queries_do_not_depend_on_rows(params, login, approver, django_assert_max_num_queries):
    """Cold: the figures over all receipts are computed; warm: they are read as kept."""
    client = login(approver)
    batches = (_month_pair(60), _month_pair(300))
    urls = [reverse("admin:billing_batch_change", args=[batch.pk]) for batch in batches]
    client.get(urls[0])
    BatchFiguresRecord.objects.all().delete()
    cold = [_queries(client, url, params) for url in urls]
    warm = [_queries(client, url, params) for url in urls]
    assert cold[0] == cold[1] and warm[0] == warm[1]
    assert warm[0] < cold[0]
    BatchFiguresRecord.objects.all().delete()
    with django_assert_max_num_queries(BATCH_PAGE_MAX_QUERIES_COLD):
        response = client.get(urls[1], params)
    assert response.context["receipts"] or params.get("page")
    with django_assert_max_num_queries(BATCH_PAGE_MAX_QUERIES_WARM):
        client.get(urls[1], params)


def test_batch_list_queries_do_not_depend_on_rows(login, approver, django_assert_max_num_queries):
    client = login(approver)
    for _ in range(3):
        _month_pair(5)
    client.get(reverse("admin:billing_batch_changelist"))
    small = _queries(client, reverse("admin:billing_batch_changelist"))
    for _ in range(10):
        _month_pair(5)
    assert _queries(client, reverse("admin:billing_batch_changelist")) == small
    with django_assert_max_num_queries(12):
        client.get(reverse("admin:billing_batch_changelist"))
