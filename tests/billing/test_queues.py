"""Each person's queues: who sees which, what each counts, the batch list filter behind each link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing.models import Batch, BatchTransition
from billing.selectors.queues import (
    AWAITING_ME,
    CHECK_PROBLEMS,
    FAILED,
    MY_DRAFTS,
    MY_REJECTED,
    REPLACEMENTS,
    queue_batches,
    user_queues,
)
from billing.services.batches import batch_reject
from tests.factories import BatchCheckFactory, BatchFactory, OrganizationFactory

Status = Batch.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def month(accountant, approver):
    """A month with one batch in each queue, and some that belong to nobody's queue."""
    organization = OrganizationFactory()
    other = OrganizationFactory()
    made = {
        "draft": BatchFactory(organization=organization, status=Status.DRAFT, created_by=accountant),
        "someone_elses_draft": BatchFactory(organization=other, status=Status.DRAFT),
        "submitted": BatchFactory(
            organization=other, status=Status.SUBMITTED, created_by=accountant, submitted_by=accountant
        ),
        "failed": BatchFactory(organization=other, status=Status.FAILED, period=organization_period(1)),
        "old": BatchFactory(organization=organization, status=Status.PUBLISHED, period=organization_period(2)),
    }
    made["new"] = BatchFactory(organization=organization, status=Status.PUBLISHED, period=organization_period(2))

    def rejected(months_back: int, reason: str) -> Batch:
        submitted = BatchFactory(
            organization=organization,
            status=Status.SUBMITTED,
            created_by=accountant,
            submitted_by=accountant,
            period=organization_period(months_back),
        )
        return batch_reject(batch=submitted, by=approver, reason=reason)

    made["rejected"] = rejected(3, "Нет капремонта в доме 7")
    made["fixed"] = rejected(4, "Старая причина")
    BatchFactory(organization=organization, period=made["fixed"].period, created_by=accountant)  # the corrected upload
    # The submitted batch's first check found a violation; an older clean check of another batch does not count.
    BatchCheckFactory(batch=made["submitted"], blocking=False)
    BatchCheckFactory(batch=made["submitted"], blocking=True)
    made["clean"] = BatchFactory(
        organization=other,
        status=Status.SUBMITTED,
        period=organization_period(5),
        created_by=accountant,
        submitted_by=accountant,
    )
    BatchCheckFactory(batch=made["clean"], blocking=True)
    BatchCheckFactory(batch=made["clean"], blocking=False)
    return made


def organization_period(months_back: int):
    from datetime import date

    return date(2026, 10 - months_back, 1)


def ids(key, user):
    return set(queue_batches(key=key, user=user).values_list("pk", flat=True))


def test_each_queue_holds_what_waits_for_this_person(month, accountant, approver):
    assert ids(MY_DRAFTS, accountant) >= {month["draft"].pk}
    assert month["someone_elses_draft"].pk not in ids(MY_DRAFTS, accountant)
    assert ids(MY_REJECTED, accountant) == {month["rejected"].pk}  # the fixed one waits for nobody
    assert ids(AWAITING_ME, approver) == {month["submitted"].pk, month["clean"].pk}
    assert ids(CHECK_PROBLEMS, approver) == ids(CHECK_PROBLEMS, accountant) == {month["submitted"].pk}
    assert ids(AWAITING_ME, accountant) == set()  # never one's own submission
    assert ids(REPLACEMENTS, approver) == {month["new"].pk}
    assert ids(FAILED, approver) == {month["failed"].pk}


def test_the_roles_see_their_own_queues_with_counts_and_reasons(month, accountant, approver):
    for_accountant = {queue.key: queue for queue in user_queues(user=accountant)}
    assert set(for_accountant) == {MY_DRAFTS, MY_REJECTED, FAILED, CHECK_PROBLEMS}
    (item,) = for_accountant[MY_REJECTED].items
    assert item.batch == month["rejected"] and item.reason == "Нет капремонта в доме 7"
    for_approver = {queue.key: queue.count for queue in user_queues(user=approver)}
    assert for_approver == {AWAITING_ME: 2, REPLACEMENTS: 1, FAILED: 1, CHECK_PROBLEMS: 1}


def test_every_queue_link_of_the_dashboard_opens_the_same_batches(client, month, accountant, approver):
    for user in (accountant, approver):
        client.force_login(user)
        index = client.get(reverse("admin:index")).content.decode()
        assert "Недоступно" not in index and "Мои очереди" in index
        for queue in user_queues(user=user):
            url = f"{reverse('admin:billing_batch_changelist')}?queue={queue.key}"
            assert f'href="{url}"' in index
            listed = client.get(url)
            assert listed.status_code == 200
            assert listed.context["cl"].result_count == queue.count, queue.key
        if user == accountant:
            assert "Нет капремонта в доме 7" in index


def test_my_latest_steps_replace_djangos_empty_recent_actions(client, month, approver):
    client.force_login(approver)
    index = client.get(reverse("admin:index")).content.decode()
    assert f"Пакет №{month['rejected'].pk}" in index and "На утверждении → Отклонён" in index
    assert BatchTransition.objects.filter(actor=approver).count() == 2
