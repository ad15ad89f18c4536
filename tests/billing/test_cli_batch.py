from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from billing.models import Batch, BatchTransition, Organization
from tests.factories import BatchCheckFactory, BatchFactory

ROOT = Path(settings.BASE_DIR)


# --- batch ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_submit_approve_by_two_people(accountant, approver, draft_batch, capsys):
    call_command("batch", "submit", str(draft_batch.pk), user=accountant.username)
    BatchCheckFactory(batch=draft_batch)  # what the worker stores once the submit is committed
    call_command("batch", "approve", str(draft_batch.pk), user=approver.username)
    draft_batch.refresh_from_db()
    assert (draft_batch.status, draft_batch.submitted_by, draft_batch.approved_by) == ("approved", accountant, approver)
    assert "«Утверждён»" in capsys.readouterr().out


@pytest.mark.django_db
def test_reject_and_withdraw_record_the_reason(accountant, approver, draft_batch):
    call_command("batch", "submit", str(draft_batch.pk), user=accountant.username)
    call_command("batch", "reject", str(draft_batch.pk), user=approver.username, reason="Нет пени")
    published = BatchFactory(status=Batch.Status.PUBLISHED)
    call_command("batch", "withdraw", str(published.pk), "--user", approver.username, "--reason", "Ошибка тарифа")
    assert draft_batch.transitions.first().reason == "Нет пени"
    published.refresh_from_db()
    assert published.status == Batch.Status.WITHDRAWN


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "action", "reason", "expected"),
    [
        ("approver", "submit", "", "нельзя перевести"),  # already submitted
        ("accountant", "approve", "", "нет права"),
        ("superuser", "approve", "", "сами отправили"),  # four eyes hold for superusers too
        ("approver", "reject", "", "Укажите причину"),
        ("approver", "withdraw", "причина", "нельзя перевести"),
    ],
)
def test_refusals_are_one_line_and_change_nothing(who, action, reason, expected, request, superuser):
    batch = BatchFactory(created_by=superuser)
    call_command("batch", "submit", str(batch.pk), user=superuser.username)
    user = request.getfixturevalue(who)
    before = BatchTransition.objects.count()
    with pytest.raises(CommandError, match=expected) as refused:
        call_command("batch", action, str(batch.pk), user=user.username, reason=reason)
    assert refused.value.returncode == 2
    assert "\n" not in str(refused.value)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.SUBMITTED
    assert BatchTransition.objects.count() == before


@pytest.mark.django_db
def test_unknown_user_or_batch(accountant, draft_batch):
    with pytest.raises(CommandError, match="Пользователь «nobody» не найден") as unknown_user:
        call_command("batch", "submit", str(draft_batch.pk), user="nobody")
    with pytest.raises(CommandError, match="Пакет №999999 не найден") as unknown_batch:
        call_command("batch", "submit", "999999", user=accountant.username)
    assert unknown_user.value.returncode == unknown_batch.value.returncode == 1


def _manage(*args: str) -> subprocess.CompletedProcess:
    """Run manage.py against this test's database file (committed data, transaction=True)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the child process reads the SQLite test file")
def test_exit_codes_and_stderr_of_the_real_command(accountant, approver):
    batch = BatchFactory(created_by=accountant)

    done = _manage("batch", "submit", str(batch.pk), "--user", accountant.username)
    assert done.returncode == 0, done.stderr
    assert "«На утверждении»" in done.stdout

    refused = _manage("batch", "submit", str(batch.pk), "--user", accountant.username)
    assert refused.returncode == 2
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "нельзя перевести" in refused.stderr

    missing_reason = _manage("batch", "reject", str(batch.pk), "--user", approver.username)
    assert missing_reason.returncode == 2 and "Укажите причину" in missing_reason.stderr

    unknown = _manage("batch", "approve", str(batch.pk), "--user", "nobody")
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines() == ["CommandError: Пользователь «nobody» не найден или отключён."]
    batch.refresh_from_db()
    assert batch.status == Batch.Status.SUBMITTED


# --- add_organization ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_organization_is_idempotent_by_tin(capsys):
    args = ["--name", "УК «Заря»", "--tin", "7707083893", "--condo-context-id", "ctx-1"]
    call_command("add_organization", *args)
    call_command("add_organization", *args)
    call_command("add_organization", "--name", "УК «Заря-2»", "--tin", "7707083893", "--condo-context-id", "ctx-2")
    out = capsys.readouterr().out.splitlines()
    assert ["создана" in out[0], "без изменений" in out[1], "обновлена" in out[2]] == [True, True, True]
    organization = Organization.objects.get()
    assert (organization.name, organization.condo_context_id) == ("УК «Заря-2»", "ctx-2")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "tin", "context", "expected"),
    [
        ("УК", "12345", "ctx", "ИНН «12345» неверен"),
        ("УК", "77070838930", "ctx", "ИНН"),
        ("  ", "7707083893", "ctx", "название"),
        ("УК", "7707083893", " ", "контекста"),
    ],
)
def test_add_organization_refuses_bad_input(name, tin, context, expected):
    with pytest.raises(CommandError, match=expected) as refused:
        call_command("add_organization", name=name, tin=tin, condo_context_id=context)
    assert refused.value.returncode == 2
    assert not Organization.objects.exists()
