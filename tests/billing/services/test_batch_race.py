"""Two approvers racing on the same batch: exactly one wins, exactly one transition is recorded."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from billing.errors import ConcurrentTransition
from billing.models import Batch, BatchTransition
from billing.services.batches import batch_approve, batch_submit
from tests.factories import BatchFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_two_threads_approving_the_same_batch_record_exactly_one_transition():
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database with real concurrent connections (PostgreSQL in CI)")
    accountant = UserFactory(username="acc", role="Бухгалтер")
    approvers = [UserFactory(username=f"appr{i}", role="Утверждающий") for i in range(2)]
    batch = batch_submit(batch=BatchFactory(created_by=accountant), by=accountant)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user):
        stale_copy = Batch.objects.get(pk=batch.pk)
        barrier.wait()
        try:
            batch_approve(batch=stale_copy, by=user)
            outcomes.append("approved")
        except ConcurrentTransition:
            outcomes.append("lost the race")
        except Exception as error:
            outcomes.append(repr(error))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["approved", "lost the race"]
    assert BatchTransition.objects.filter(batch=batch, target=Batch.Status.APPROVED).count() == 1
    # Approval hands the batch to publishing at once (inline in tests, with no Condo configured).
    assert Batch.objects.get(pk=batch.pk).status != Batch.Status.SUBMITTED
    assert Batch.objects.get(pk=batch.pk).approved_by_id in {user.pk for user in approvers}
