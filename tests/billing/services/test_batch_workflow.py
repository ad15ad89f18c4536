"""The transition table: every allowed edge works for the right actor, everything else is refused."""

from __future__ import annotations

import pytest

from billing.errors import ActionForbidden, ApplicationError, TransitionNotAllowed
from billing.models import Batch, BatchTransition
from billing.services.batches import (
    ALLOWED,
    TRANSITIONS,
    available_targets,
    batch_approve,
    batch_reject,
    batch_submit,
    batch_transition,
)
from tests.factories import BatchCheckFactory, BatchFactory, UserFactory

Status = Batch.Status


def _actor_for(edge, *, superuser):
    """A person who may take the edge, or None when only a background task may."""
    if edge.permission is None:
        return None
    return superuser


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), sorted(TRANSITIONS))
def test_every_allowed_transition_moves_the_batch_and_is_recorded(source, target, superuser, accountant):
    batch = BatchFactory(status=source, submitted_by=accountant)
    edge = TRANSITIONS[(source, target)]
    batch = batch_transition(batch=batch, to=target, by=_actor_for(edge, superuser=superuser), reason="проверка")
    assert batch.status == target
    recorded = BatchTransition.objects.get(batch=batch)
    assert (recorded.source, recorded.target, recorded.reason) == (source, target, "проверка")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for s in Status.values for t in Status.values if (s, t) not in TRANSITIONS],
)
def test_every_other_transition_is_refused_and_changes_nothing(source, target, superuser):
    batch = BatchFactory(status=source)
    with pytest.raises(TransitionNotAllowed):
        batch_transition(batch=batch, to=target, by=superuser, reason="проверка")
    batch.refresh_from_db()
    assert batch.status == source
    assert not BatchTransition.objects.filter(batch=batch).exists()


def test_allowed_table_is_derived_from_the_edges():
    assert ALLOWED[Status.DRAFT] == {Status.SUBMITTED, Status.CANCELLED}
    assert ALLOWED[Status.SUBMITTED] == {Status.APPROVED, Status.REJECTED}
    assert ALLOWED[Status.WITHDRAWN] == frozenset()
    assert ALLOWED[Status.REJECTED] == frozenset()


@pytest.mark.django_db
def test_submit_records_who_and_when(draft_batch, accountant):
    batch = batch_submit(batch=draft_batch, by=accountant)
    assert batch.status == Status.SUBMITTED
    assert batch.submitted_by == accountant
    assert batch.submitted_at is not None


@pytest.mark.django_db
def test_approver_approves_a_batch_someone_else_submitted(draft_batch, accountant, approver):
    batch = batch_submit(batch=draft_batch, by=accountant)
    BatchCheckFactory(batch=batch)  # what the worker stores once the submit is committed
    batch = batch_approve(batch=batch, by=approver)
    assert batch.status == Status.APPROVED
    assert batch.approved_by == approver
    assert list(batch.transitions.order_by("created_at", "pk").values_list("target", "actor")) == [
        (Status.SUBMITTED, accountant.pk),
        (Status.APPROVED, approver.pk),
    ]


@pytest.mark.django_db
def test_self_approval_is_refused_even_for_a_superuser(draft_batch, superuser):
    batch = batch_submit(batch=draft_batch, by=superuser)
    with pytest.raises(ActionForbidden, match="сами отправили"):
        batch_approve(batch=batch, by=superuser)
    batch.refresh_from_db()
    assert batch.status == Status.SUBMITTED
    assert batch.transitions.count() == 1


@pytest.mark.django_db
def test_accountant_cannot_approve_and_approver_cannot_submit(draft_batch, accountant, approver):
    with pytest.raises(ActionForbidden):
        batch_submit(batch=draft_batch, by=approver)
    batch = batch_submit(batch=draft_batch, by=accountant)
    other_accountant = UserFactory(role="Бухгалтер")
    with pytest.raises(ActionForbidden):
        batch_approve(batch=batch, by=other_accountant)
    batch.refresh_from_db()
    assert batch.status == Status.SUBMITTED


@pytest.mark.django_db
def test_staff_without_a_role_can_do_nothing(draft_batch):
    nobody = UserFactory()
    with pytest.raises(ActionForbidden):
        batch_submit(batch=draft_batch, by=nobody)
    assert available_targets(batch=draft_batch, user=nobody) == []


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_requires_a_reason(draft_batch, accountant, approver, reason):
    batch = batch_submit(batch=draft_batch, by=accountant)
    with pytest.raises(ApplicationError, match="причину"):
        batch_reject(batch=batch, by=approver, reason=reason)
    batch.refresh_from_db()
    assert batch.status == Status.SUBMITTED


@pytest.mark.django_db
def test_reject_keeps_the_reason(draft_batch, accountant, approver):
    batch = batch_reject(batch=batch_submit(batch=draft_batch, by=accountant), by=approver, reason="Не та УК")
    assert batch.status == Status.REJECTED
    assert batch.transitions.get(target=Status.REJECTED).reason == "Не та УК"


@pytest.mark.django_db
def test_withdraw_requires_a_reason_and_the_withdraw_permission(approver, accountant):
    batch = BatchFactory(status=Status.PUBLISHED)
    withdraw = Status.WITHDRAWN
    with pytest.raises(ApplicationError):
        batch_transition(batch=batch, to=withdraw, by=approver, reason="")
    with pytest.raises(ActionForbidden):
        batch_transition(batch=batch, to=withdraw, by=accountant, reason="ошибка в тарифах")
    assert batch_transition(batch=batch, to=withdraw, by=approver, reason="ошибка в тарифах").status == withdraw


@pytest.mark.django_db
def test_people_cannot_take_the_edges_of_background_tasks(superuser):
    batch = BatchFactory(status=Status.PUBLISHING)
    with pytest.raises(ActionForbidden):
        batch_transition(batch=batch, to=Status.PUBLISHED, by=superuser)
    assert batch_transition(batch=batch, to=Status.PUBLISHED, by=None).status == Status.PUBLISHED


@pytest.mark.django_db
def test_background_tasks_cannot_take_the_edges_of_people():
    batch = BatchFactory(status=Status.SUBMITTED)
    with pytest.raises(ActionForbidden):
        batch_transition(batch=batch, to=Status.APPROVED, by=None)


@pytest.mark.django_db
def test_approval_is_refused_without_a_condo_context(accountant, approver):
    batch = batch_submit(batch=BatchFactory(created_by=accountant, organization__condo_context_id=""), by=accountant)
    with pytest.raises(ApplicationError, match="контекста"):
        batch_approve(batch=batch, by=approver)


@pytest.mark.django_db
def test_available_targets_show_only_what_the_user_may_do(draft_batch, accountant, approver):
    assert sorted(available_targets(batch=draft_batch, user=accountant)) == sorted([Status.SUBMITTED, Status.CANCELLED])
    assert available_targets(batch=draft_batch, user=approver) == []
    batch = batch_submit(batch=draft_batch, by=accountant)
    assert available_targets(batch=batch, user=accountant) == []
    assert sorted(available_targets(batch=batch, user=approver)) == sorted([Status.APPROVED, Status.REJECTED])
