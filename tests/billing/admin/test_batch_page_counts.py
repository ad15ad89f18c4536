"""The batch page at scale: its figures, state counts and deep pages without reading the whole batch.

The figures written at the import are read from the database, whatever became of the cache. Counts per publish state come from
the rows (index probes for all states but the largest, the number of receipts kept since the
import), whatever the batch's counters say; a page past the middle is read from the end and shows
exactly what reading from the start showed.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import Batch, Receipt
from billing.selectors.receipt_states import batch_receipts_not_withdrawn, batch_state_counts
from billing.selectors.review import batch_figures_warm
from billing.selectors.review_receipts import batch_receipts
from tests.billing.admin.conftest import bulk_receipts, published_month_and_next

pytestmark = pytest.mark.django_db

State = Receipt.PublishState


def _set_states(batch: Batch, states: dict[str, slice]) -> None:
    ids = list(Receipt.objects.filter(batch=batch).order_by("id").values_list("id", flat=True))
    for state, part in states.items():
        Receipt.objects.filter(pk__in=ids[part]).update(publish_state=state, condo_id="condo")


@pytest.mark.parametrize(
    "counters",
    [
        {},  # as factories leave them: all zero
        {"receipts_count": 6, "accepted_count": 2, "withdrawn_count": 1},  # what the rows say
        {"receipts_count": 6, "accepted_count": 6},  # wrong: most accepted
        {"receipts_count": 6, "withdrawn_count": 5},  # wrong: most withdrawn
        {"receipts_count": 6, "rejected_count": 4},  # wrong: most rejected
    ],
)
def test_state_counts_come_from_the_rows_whatever_the_counters_say(counters):
    _, batch = published_month_and_next(receipts=1)
    bulk_receipts(batch, 6)
    _set_states(batch, {State.ACCEPTED: slice(0, 2), State.WITHDRAWN: slice(2, 3)})
    Batch.objects.filter(pk=batch.pk).update(**{"receipts_count": 0, **counters})
    batch.refresh_from_db()

    assert batch_state_counts(batch=batch) == {"pending": 3, "accepted": 2, "rejected": 0, "withdrawn": 1}
    assert batch_receipts_not_withdrawn(batch=batch) == 5


def _receipt_counts(queries: list[dict]) -> list[str]:
    """Queries that count a batch's receipts without narrowing them to one publish state."""
    return [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"] and 'FROM "billing_receipt"' in q["sql"] and '"publish_state" =' not in q["sql"]
    ]


def test_after_the_import_the_page_counts_no_batch_in_full(login, approver):
    _, batch = published_month_and_next(receipts=20)
    bulk_receipts(batch, 30, amount=Decimal("130"))
    _set_states(batch, {State.REJECTED: slice(0, 4)})
    batch_figures_warm(batch=batch)  # as the import does
    client = login(approver)
    client.get("/admin/")

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("admin:billing_batch_change", args=[batch.pk]))
    assert _receipt_counts(captured.captured_queries) == []
    assert [(f["label"], f["count"]) for f in response.context["state_filters"]][:4] == [
        ("Все", 30),
        ("Ожидает отправки", 26),
        ("Принята", 0),
        ("Отклонена", 4),
    ]
    assert response.context["pdf_counts"].receipts == 30


@pytest.mark.parametrize(
    "params", [{}, {"state": "pending"}, {"anomaly": "moved"}, {"anomaly": "nonpositive"}, {"anomaly": "new"}]
)
def test_a_page_past_the_middle_is_read_from_the_end_with_the_same_rows(params, login, approver, monkeypatch):
    from billing.selectors import review

    monkeypatch.setattr(review, "ANOMALY_IDS_KEPT", 3)  # the filters page by query, not by the kept ids
    previous, batch = published_month_and_next(receipts=100)
    # 160 receipts: accounts 100..159 new, the even ones at 250 ₽, the odd ones below 130 at zero.
    amounts = {i: Decimal("250") for i in range(0, 160, 2)} | {i: Decimal(0) for i in range(1, 130, 2)}
    bulk_receipts(batch, 160, amount=Decimal("100"), amounts=amounts)
    _set_states(batch, {State.REJECTED: slice(0, 7)})
    client = login(approver)
    url = reverse("admin:billing_batch_change", args=[batch.pk])
    narrowed = batch_receipts(batch=batch, state=params.get("state"), anomaly=params.get("anomaly"), previous=previous)
    expected = [receipt.pk for receipt in narrowed]
    assert len(expected) > 50  # two pages at least

    shown, page, offsets = [], 1, []
    while page:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {**params, "page": page})
        shown += [receipt.pk for receipt in response.context["receipts"]]
        offsets += [int(n) for q in captured.captured_queries for n in re.findall(r"OFFSET (\d+)", q["sql"])]
        page = page + 1 if response.context["next_page_url"] else 0
    assert shown == expected
    if response.context["receipts_total"] is not None:
        assert max(offsets, default=0) <= len(expected) // 2  # the last page did not walk the whole filter


def test_the_figures_written_at_the_import_are_read_whatever_became_of_the_cache(login, approver):
    _, batch = published_month_and_next(receipts=20)
    bulk_receipts(batch, 30, amount=Decimal("130"))
    batch_figures_warm(batch=batch)  # as the import does
    cache.clear()  # restarted, or evicting: the figures are kept in the database
    client = login(approver)
    client.get("/admin/")

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("admin:billing_batch_change", args=[batch.pk]))
    assert [q["sql"] for q in captured.captured_queries if "SUM(" in q["sql"]] == []  # no figure computed again
    assert _receipt_counts(captured.captured_queries) == []
    assert response.context["totals"].receipts == 30
