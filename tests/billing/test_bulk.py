"""billing/bulk.py: `any_of` finds exactly what `__in` finds, as one array parameter on PostgreSQL;
a timestamp given once as `copy_text` is stored as the timestamp itself would be."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.bulk import any_of, copy_text, insert_rows
from billing.models import Account, BatchTransition
from tests.factories import AccountFactory, BatchFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

NUMBERS = ["100-1", "Л/С 'кв.5'", "a\\b", 'say "hi"', "Ёлка_7", "{brace}", "comma,number"]


@pytest.mark.parametrize(
    "wanted",
    [NUMBERS[:1], NUMBERS, [*NUMBERS[2:], "not there"], [], ["not there"]],
    ids=["one", "all, quotes and braces", "some and a stranger", "none", "only a stranger"],
)
def test_any_of_matches_what_in_matches(wanted):
    organization = OrganizationFactory()
    other = OrganizationFactory()
    for number in NUMBERS:
        AccountFactory(organization=organization, number=number)
        AccountFactory(organization=other, number=number)
    found = set(
        Account.objects.filter(any_of("number", wanted), organization=organization).values_list("pk", flat=True)
    )
    expected = set(Account.objects.filter(number__in=wanted, organization=organization).values_list("pk", flat=True))
    assert found == expected
    assert len(found) == len(set(wanted) & set(NUMBERS))
    ids = sorted(found)
    assert sorted(Account.objects.filter(any_of("pk", iter(ids))).values_list("pk", flat=True)) == ids


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array parameter is PostgreSQL's")
def test_postgresql_gets_one_array_parameter_not_one_placeholder_a_value():
    organization = OrganizationFactory()
    numbers = [f"{n:05d}" for n in range(2000)]
    with CaptureQueriesContext(connection) as queries:
        assert not Account.objects.filter(any_of("number", numbers), organization=organization).exists()
    (sql,) = [query["sql"] for query in queries.captured_queries]
    assert '"number" = ANY(' in sql and " IN (" not in sql


def test_a_timestamp_given_as_copy_text_is_stored_as_the_timestamp_itself():
    batch = BatchFactory()
    moment = datetime(2026, 10, 31, 23, 59, 58, 123456, tzinfo=UTC)
    adapted = connection.ops.adapt_datetimefield_value(moment)
    fields = ("batch", "source", "target", "reason", "created_at")
    insert_rows(BatchTransition, fields, [(batch.pk, "draft", "in_review", "as is", adapted)])
    insert_rows(BatchTransition, fields, [(batch.pk, "draft", "in_review", "as text", copy_text(adapted))] * 2)
    stored = dict(BatchTransition.objects.filter(batch=batch).values_list("reason", "created_at").distinct())
    assert stored == {"as is": moment, "as text": moment}
