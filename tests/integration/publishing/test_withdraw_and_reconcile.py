"""Reconciliation compares Condo with the batch; withdrawal and supersede take receipts back out."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from billing.errors import ActionForbidden, ApplicationError
from billing.models import Batch, Receipt
from integration.publishing.publisher import batch_publish
from integration.publishing.reconciliation import batch_reconcile
from integration.publishing.withdrawal import batch_supersede, batch_withdraw_from_condo, superseded_candidates
from tests.integration.publishing.builders import batch_with_receipts, condo_disagrees, live_receipts

Status = Batch.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def published(condo_sandbox, settings):
    settings.CONDO_CHUNK_SIZE = 25
    batch = batch_with_receipts(receipts=30, amounts={5: Decimal("0.10")})
    assert batch_publish(batch_id=batch.pk).status == Status.PUBLISHED
    return Batch.objects.get(pk=batch.pk)


def test_reconciliation_of_a_fresh_publish_is_consistent(published):
    result = batch_reconcile(batch=published)
    assert result.is_consistent
    assert (result.batch_receipts, result.condo_receipts) == (30, 30)
    assert result.batch_total == result.condo_total == published.total_to_pay


def test_reconciliation_finds_missing_extra_and_differing_receipts(published, condo_sandbox, condo_client):
    receipts = condo_disagrees(condo_client, published, amount=Decimal("1.23"))

    result = batch_reconcile(batch=published)

    assert not result.is_consistent
    assert (result.missing_in_condo, result.extra_in_condo, result.amount_differs) == (1, 1, 1)
    kinds = {d["kind"]: d for d in result.differences}
    assert kinds["missing"]["import_id"] == receipts[0].import_id
    assert kinds["amount"]["batch_to_pay"] == "1000.00" and kinds["amount"]["condo_to_pay"] == "1.23"


def test_withdraw_removes_the_receipts_from_condo_and_reconciliation_reports_them_missing(
    published, approver, condo_sandbox
):
    batch = batch_withdraw_from_condo(batch=published, by=approver, reason="Неверные тарифы")

    assert batch.status == Status.WITHDRAWN
    assert live_receipts(condo_sandbox) == {}
    assert len(condo_sandbox.receipts(published.organization.condo_context_id, include_deleted=True)) == 30
    assert Receipt.objects.filter(batch=batch, publish_state="withdrawn").count() == 30
    assert (batch.withdrawn_count, batch.accepted_count) == (30, 0)
    result = batch_reconcile(batch=batch)
    assert result.missing_in_condo == 30 and result.condo_receipts == 0


def test_withdraw_is_refused_without_reason_or_role_and_touches_nothing(published, accountant, approver, condo_sandbox):
    with pytest.raises(ApplicationError):
        batch_withdraw_from_condo(batch=published, by=approver, reason=" ")
    with pytest.raises(ActionForbidden):
        batch_withdraw_from_condo(batch=published, by=accountant, reason="ошибка")
    assert len(live_receipts(condo_sandbox)) == 30
    assert Batch.objects.get(pk=published.pk).status == Status.PUBLISHED


def test_a_corrected_batch_supersedes_the_old_one_and_withdraws_only_what_it_lacks(published, approver, condo_sandbox):
    corrected = batch_with_receipts(receipts=25, organization=published.organization)  # five accounts gone
    assert batch_publish(batch_id=corrected.pk).status == Status.PUBLISHED
    corrected.refresh_from_db()
    assert superseded_candidates(batch=corrected) == [published]

    old = batch_supersede(old=published, new=corrected, by=approver, reason="Исправленный реестр")

    assert old.status == Status.SUPERSEDED
    held = live_receipts(condo_sandbox)
    assert set(held) == set(Receipt.objects.filter(batch=corrected).values_list("import_id", flat=True))
    assert batch_reconcile(batch=corrected).is_consistent


def test_reconcile_command_exit_codes(published, condo_client, capsys):
    call_command("reconcile_batch", str(published.pk), "--json")
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["consistent"] is True

    condo_client.withdraw_receipts([Receipt.objects.filter(batch=published).first().condo_id])
    with pytest.raises(SystemExit) as exit_info:
        call_command("reconcile_batch", str(published.pk), "--json")
    assert exit_info.value.code == 3
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["missing_in_condo"] == 1


def test_publish_batch_command_publishes_and_is_a_no_op_on_a_published_batch(condo_sandbox, capsys):
    batch = batch_with_receipts(receipts=8)
    call_command("publish_batch", str(batch.pk))
    assert "Опубликован" in capsys.readouterr().out
    calls = len(condo_sandbox.calls_of("registerBillingReceipts"))
    call_command("publish_batch", str(batch.pk))
    assert "уже опубликован" in capsys.readouterr().out
    assert len(condo_sandbox.calls_of("registerBillingReceipts")) == calls


def test_publish_batch_command_fails_with_a_summary_when_not_published(condo_sandbox):
    from django.core.management.base import CommandError

    from integration.sandbox.faults import FaultConfig

    batch = batch_with_receipts(receipts=3)
    condo_sandbox.faults = FaultConfig(reject={Receipt.objects.filter(batch=batch).first().import_id: "WRONG_MONTH"})
    with pytest.raises(CommandError, match="Опубликован частично") as error:
        call_command("publish_batch", str(batch.pk))
    assert error.value.returncode == 1
