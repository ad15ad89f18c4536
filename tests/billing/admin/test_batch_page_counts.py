"""The batch page at scale: its state counts without reading the whole batch.

Counts per publish state come from the rows (index probes for all states but the largest, the
number of receipts kept since the import), whatever the batch's counters say.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import Batch, Receipt
from billing.selectors.receipt_states import batch_receipts_not_withdrawn, batch_state_counts
from billing.selectors.review import batch_figures_warm
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
