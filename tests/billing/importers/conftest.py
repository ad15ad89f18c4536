from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from billing.importers.desk_template import demo_registry_rows, write_desk_registry
from billing.importers.requisites import bank_account_with_key
from billing.models import Organization, Recipient
from billing.roles import ACCOUNTANT
from tests.factories import UserFactory

PERIOD = date(2026, 10, 1)
RECIPIENT = ("7707083893", "044525225", bank_account_with_key("40702810000000012345", "044525225"))


@pytest.fixture
def recipient(db):
    return Recipient.objects.create(name="ООО «РЦ»", tin=RECIPIENT[0], bic=RECIPIENT[1], bank_account=RECIPIENT[2])


@pytest.fixture
def organization(recipient):
    return Organization.objects.create(name="УК «Тест»", tin="7736207543", default_recipient=recipient)


@pytest.fixture
def importer(db):
    return UserFactory(username="importer-1", role=ACCOUNTANT)


def desk_rows(accounts: int = 3, **overrides) -> list[dict]:
    rows = list(demo_registry_rows(period=PERIOD, recipient=RECIPIENT, accounts=accounts, seed=11))
    for row in rows:
        row.update(overrides)
    return rows


@pytest.fixture
def desk_file(tmp_path) -> Path:
    path = tmp_path / "реестр.xlsx"
    write_desk_registry(path, iter(desk_rows()))
    return path
