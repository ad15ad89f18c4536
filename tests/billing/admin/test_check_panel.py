"""The check before approval on the batch page names each violation in words; its code stays for support."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing.labels import CHECK_CODE_LABELS
from billing.models import Batch
from tests.factories import BatchCheckFactory, BatchFactory

pytestmark = pytest.mark.django_db


def test_the_violations_read_as_words_not_codes(login, approver):
    batch = BatchFactory(status=Batch.Status.SUBMITTED)
    BatchCheckFactory(
        batch=batch,
        blocking=True,
        problems_count=2,
        receipts_with_problems=2,
        examples={
            "codes": {"NO_UNIT": 1, "SOMETHING_NEW": 1},
            "problems": [
                {"account": "00000001", "code": "NO_UNIT", "message": "Не указано помещение."},
                {"account": "00000002", "code": "SOMETHING_NEW", "message": "Новое правило."},
            ],
        },
    )

    html = login(approver).get(reverse("admin:billing_batch_change", args=[batch.pk])).content.decode()

    assert html.count(CHECK_CODE_LABELS["NO_UNIT"]) == 2  # the counts table and the example
    assert html.count("Другое нарушение правил Condo") == 2  # a code the desk does not know yet
    assert ">NO_UNIT<" not in html and ">SOMETHING_NEW<" not in html
    assert 'title="NO_UNIT"' in html  # support still finds the code under the words
