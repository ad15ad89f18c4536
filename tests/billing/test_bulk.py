"""billing/bulk.py: `any_of` finds exactly what `__in` finds, as one array parameter on PostgreSQL;
a timestamp given once as `copy_text` is stored as the timestamp itself would be; `unique_violated`
names the constraint an insert broke, on either database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from billing.bulk import any_of, copy_text, insert_rows, unique_violated
from billing.models import Account, BatchTransition, Recipient
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


def _insert_again(account, copy):
    """The account's own row once more: every column as it is, but the id."""
    columns = [f.attname for f in Account._meta.concrete_fields if not f.primary_key]
    values = Account.objects.filter(pk=account.pk).values_list(*columns).get()
    with transaction.atomic():
        if copy:
            insert_rows(Account, tuple(columns), [values])
        else:
            Account.objects.create(**dict(zip(columns, values, strict=True)))


@pytest.mark.parametrize("copy", [True, False], ids=["insert_rows (COPY on PostgreSQL)", "the ORM"])
def test_unique_violated_names_the_constraint_an_insert_broke(copy):
    account = AccountFactory(number="100-1")
    with pytest.raises(IntegrityError) as caught:
        _insert_again(account, copy)
    assert unique_violated(caught.value, Account, "account_unique_number")
    assert unique_violated(caught.value, Account, "some_other", "account_unique_number")
    assert not unique_violated(caught.value, Account, "some_other")
    assert not unique_violated(caught.value, Recipient, "recipient_unique_requisites")
