from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from billing.importers.desk_template import demo_registry_rows, write_desk_registry
from billing.importers.requisites import bank_account_with_key
from billing.models import Organization, Recipient, RegistryUpload
from billing.roles import ACCOUNTANT
from billing.services.registry.upload import upload_create
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


def upload_registry(path: Path, *, organization: Organization, by, period: date = PERIOD) -> RegistryUpload:
    """The file at `path` uploaded as the admin form does: the period's registry, its format found by content.

    bench/import_workers.py uploads its registries with this too.
    """
    with path.open("rb") as handle:
        return upload_create(
            organization=organization,
            period=period,
            format_code="auto",
            file=handle,
            name=path.name,
            size=path.stat().st_size,
            by=by,
        )


def gis_workbook(path: Path) -> Path:
    """A GIS ЖКХ payment document for ЕЛС 1234567890 (ПД-1): heating and cold water, the receipt's debt and payment.

    Month's charges 1500.40, debt 100, paid 100, to pay 1500.40; capital repair 300.
    """
    workbook = Workbook()
    first = workbook.active
    first.title = "Разделы 1-2"
    for _ in range(3):
        first.append(["заголовок"])
    row = [""] * 26
    row[0], row[2], row[3] = "1234567890-01", "ПД-1", "10.2026"
    row[8], row[9], row[10], row[11], row[15] = 1500.4, 100, 0, 100, 1500.4
    row[16], row[17] = RECIPIENT[1], RECIPIENT[2]
    row[19], row[25] = 300, 300
    first.append(row)
    second = workbook.create_sheet("Разделы 3-6")
    for _ in range(4):
        second.append(["заголовок"])
    for name, charge, to_pay in (("Отопление", 1200.4, 1200.4), ("Холодное водоснабжение", 300, 300)):
        line = [""] * 30
        line[0], line[1], line[2], line[4], line[7], line[10], line[29] = (
            "ПД-1",
            name,
            "Гкал",
            1.5,
            800.27,
            charge,
            to_pay,
        )
        second.append(line)
    workbook.create_sheet("ДПД")
    workbook.save(path)
    return path
