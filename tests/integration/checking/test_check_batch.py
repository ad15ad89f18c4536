"""The check before approval against the real sandbox: Condo's data, Condo's rules, the command and the guard."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.errors import ApplicationError
from billing.models import Batch, BatchCheck, Receipt, Recipient
from billing.services.batches import batch_approve, batch_submit
from billing.services.checks import batch_check_blocking_reason, batch_check_request
from integration.checking.run import batch_check_run
from tests.factories import RecipientFactory, UserFactory
from tests.integration.checking.conftest import HOUSE, month_with
from tests.integration.publishing.builders import batch_with_receipts

Status = Batch.Status
pytestmark = pytest.mark.django_db


def run_command(batch: Batch) -> tuple[int, dict, str]:
    out = StringIO()
    code = 0
    try:
        call_command("check_batch", str(batch.pk), "--json", stdout=out)
    except SystemExit as exit_:
        code = exit_.code
    text = out.getvalue()
    return code, json.loads(text.strip().splitlines()[-1]), text


def test_the_command_finds_new_vanished_and_changed_accounts_and_nothing_blocks(month, condo_sandbox):
    code, found, text = run_command(month)

    assert code == 0, text
    assert found["accounts_new"] == ["00000004"]
    assert found["accounts_missing"] == ["00000000"]  # 00000009 is closed in Condo: not reported
    assert found["accounts_changed"] == [
        {"account": "00000002", "address": {"registry": "г Москва, ул Тверская, д 9", "condo": HOUSE}},
        {"account": "00000003", "unit_name": {"registry": "3Б", "condo": "3"}},
    ]
    assert found["problems"] == [] and found["blocking"] is False
    check = BatchCheck.objects.get(pk=found["check_id"])
    assert (check.status, check.condo_checked, check.receipts_checked) == (BatchCheck.Status.DONE, True, 4)
    assert (check.accounts_new, check.accounts_missing, check.accounts_changed) == (1, 1, 2)
    assert check.previous_receipts == 5 and check.condo_accounts == 5
    assert batch_check_blocking_reason(batch=month) is None
    # Nothing was sent: the check only reads.
    assert not condo_sandbox.calls_of("registerBillingReceipts")[1:]


def test_rule_violations_block_approval_with_their_reason(last_month, condo_sandbox):
    # A house-level account (no unit: not sendable as it is) and one bank account given two TINs in one call.
    first = RecipientFactory()
    twin = Recipient.objects.create(
        tin="7707083893" if first.tin != "7707083893" else "7736207543", bic=first.bic, bank_account=first.bank_account
    )
    month = month_with({0: {"unit_name": ""}, 1: {"recipient": first}, 2: {"recipient": twin}})
    Receipt.objects.filter(batch=month, account_number="00000004").update(publish_state="accepted", condo_id="x")

    code, found, text = run_command(month)

    assert code == 4, text
    assert [(p["account"], p["code"]) for p in found["problems"]] == [
        ("00000001", "NO_UNIT"),
        ("00000003", "BANK_ACCOUNT_TWO_RECIPIENTS"),
    ]
    assert all(p["message"] and p["import_id"] for p in found["problems"])
    check = BatchCheck.objects.get(pk=found["check_id"])
    assert check.blocking and (check.problems_count, check.receipts_with_problems) == (2, 2)
    assert check.receipts_checked == 4  # the accepted receipt is read too
    assert check.examples["codes"] == {"NO_UNIT": 1, "BANK_ACCOUNT_TWO_RECIPIENTS": 1}
    approver = UserFactory(role="Утверждающий")
    with pytest.raises(ApplicationError, match="нарушения правил Condo") as refused:
        batch_approve(batch=month, by=approver)
    assert "«Один счёт у двух получателей»" in refused.value.message and "«Нет помещения»" in refused.value.message
    assert "NO_UNIT" not in refused.value.message
    assert Batch.objects.get(pk=month.pk).status == Status.SUBMITTED


def test_condo_unreachable_leaves_the_rules_part_standing_and_approval_open(month, condo_sandbox):
    condo_sandbox.stop()

    code, found, text = run_command(month)

    assert code == 0, text
    assert found["condo_checked"] is False and "Condo не ответил" in found["condo_error"]
    assert found["accounts_new"] == found["accounts_missing"] == found["accounts_changed"] == []
    assert batch_check_blocking_reason(batch=month) is None
    approved = batch_approve(batch=month, by=UserFactory(role="Утверждающий"))
    assert approved.status == Status.APPROVED


def test_without_a_finished_check_approval_waits(condo_sandbox, django_capture_on_commit_callbacks):
    batch = batch_with_receipts(receipts=2, status=Status.DRAFT)
    accountant, approver = UserFactory(role="Бухгалтер"), UserFactory(role="Утверждающий")
    batch_submit(batch=batch, by=accountant)  # its check is queued, but no worker ran it (no commit here)

    with pytest.raises(ApplicationError, match="ещё идёт"):
        batch_approve(batch=batch, by=approver)
    BatchCheck.objects.filter(batch=batch).update(status=BatchCheck.Status.FAILED, message="сбой")
    with pytest.raises(ApplicationError, match="не выполнилась"):
        batch_approve(batch=batch, by=approver)
    BatchCheck.objects.filter(batch=batch).delete()
    with pytest.raises(ApplicationError, match="ещё не проверен"):
        batch_approve(batch=batch, by=approver)
    assert Batch.objects.get(pk=batch.pk).status == Status.SUBMITTED


def test_submitting_runs_the_check_through_django_q_and_then_approval_passes(
    condo_sandbox, django_capture_on_commit_callbacks
):
    batch = batch_with_receipts(receipts=3, status=Status.DRAFT)
    accountant, approver = UserFactory(role="Бухгалтер"), UserFactory(role="Утверждающий")
    with django_capture_on_commit_callbacks(execute=True):
        batch_submit(batch=batch, by=accountant)

    (check,) = BatchCheck.objects.filter(batch=batch)
    assert (check.status, check.receipts_checked, check.accounts_new, check.requested_by) == ("done", 3, 3, None)
    assert check.report.name
    with django_capture_on_commit_callbacks(execute=False):
        assert batch_approve(batch=batch, by=approver).status == Status.APPROVED


def test_a_check_runs_once_however_often_it_is_delivered(month):
    check = batch_check_request(batch=month, by=None)
    assert batch_check_run(check_id=check.pk) is not None
    assert batch_check_run(check_id=check.pk) is None
    assert BatchCheck.objects.get(pk=check.pk).status == BatchCheck.Status.DONE


def test_an_approved_batch_is_not_checked_again(month):
    Batch.objects.filter(pk=month.pk).update(status=Status.APPROVED)
    with pytest.raises(ApplicationError, match="ещё не утверждён"):
        batch_check_request(batch=Batch.objects.get(pk=month.pk), by=None)


def test_a_check_whose_worker_died_is_reported_lost_and_may_be_taken_again(month, settings):
    from datetime import timedelta

    from django.utils import timezone

    check = batch_check_request(batch=month, by=None)
    long_ago = timezone.now() - timedelta(seconds=settings.Q_CLUSTER["timeout"] + 60)
    BatchCheck.objects.filter(pk=check.pk).update(
        status=BatchCheck.Status.RUNNING, started_at=long_ago, created_at=long_ago
    )
    assert "не завершилась" in batch_check_blocking_reason(batch=month)

    assert batch_check_run(check_id=check.pk) is not None  # a redelivered task takes it over
    assert batch_check_blocking_reason(batch=month) is None


def test_the_command_answers_an_unknown_batch_with_exit_code_2(db):
    with pytest.raises(CommandError) as refused:
        call_command("check_batch", "999999", stdout=StringIO())
    assert refused.value.returncode == 2 and "не найден" in str(refused.value)
