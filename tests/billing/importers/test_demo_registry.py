from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management import call_command

from billing.models import Account, Batch
from billing.services.demo import DEMO_ORGANIZATION_TIN, DEMO_REGISTRY_ACCOUNTS


def test_setup_demo_imports_a_realistic_registry_once(db, settings, capsys):
    settings.DEBUG = True
    call_command("setup_demo")
    call_command("setup_demo")
    batch = Batch.objects.get()
    assert batch.organization.tin == DEMO_ORGANIZATION_TIN and batch.status == Batch.Status.DRAFT
    assert batch.accounts_count == DEMO_REGISTRY_ACCOUNTS and batch.receipts_count == 2 * DEMO_REGISTRY_ACCOUNTS
    assert batch.created_by == get_user_model().objects.get(username="accountant")
    assert Account.objects.filter(property__address__startswith="г Москва, ул").exists()
    assert f"Демо-пакет №{batch.pk}" in capsys.readouterr().out
