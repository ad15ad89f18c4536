"""Every importer's receipts go out with services that add up as Condo checks them (contract 13.2).

Condo's invalidServicesError (apps/condo/domains/billing/schema/BillingReceipt.js) wants
Σ services.toPay = toPay + paid. Each registry format states amounts its own way (per service
with payments taken off, a Sber total, a GIS ЖКХ document with the debt for the whole
receipt); the documents built from what each importer stored must satisfy the rule.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from billing.importers.desk_template import demo_registry_rows, write_desk_registry
from billing.models import Account, Property
from billing.roles import ACCOUNTANT
from billing.services.registry.write import registry_import
from integration.condo.payloads import receipt_to_wire
from integration.condo.rules import services_sum_error
from integration.publishing.rows import pending_receipts
from tests.billing.importers.conftest import (  # noqa: F401  fixtures
    PERIOD,
    RECIPIENT,
    gis_workbook,
    organization,
    recipient,
)
from tests.factories import UserFactory


def _desk(tmp_path, organization):
    rows = list(demo_registry_rows(period=PERIOD, recipient=RECIPIENT, accounts=40, seed=5))
    assert any(row["paid"] for row in rows)  # payments are what the rule is about
    path = tmp_path / "реестр.xlsx"
    write_desk_registry(path, iter(rows))
    return path


def _sber_services(tmp_path, organization):
    path = tmp_path / "s.txt"
    path.write_bytes(
        "A1;г Москва, д 1;1026;8640,02;Отопление;8240,02;Газ;400\nA2;г Москва, д 2;1026;99;Газ;99,00\n".encode("cp1251")
    )
    return path


def _sber_2021(tmp_path, organization):
    path = tmp_path / "r.txt"
    path.write_bytes(
        (
            "00123;1234567890;5f3c9a52-8d1e-4c7b-9a0e-2b6f1d9e7c31,15;Иванов Иван Иванович;"
            "г Москва, ул Тверская, д 7;10.2026;1 259,53\n"
        ).encode("cp1251")
    )
    return path


def _gis(tmp_path, organization):
    house = Property.objects.create(organization=organization, address="г Москва, ул Ленина, д 3")
    Account.objects.create(organization=organization, property=house, number="ЛС-77", els="1234567890", unit_name="9")
    return gis_workbook(tmp_path / "pd.xlsx")


@pytest.mark.parametrize(
    ("make", "format_code"),
    [
        (_desk, "desk_excel"),
        (_sber_services, "sber_services"),
        (_sber_2021, "sber_2021"),
        (_gis, "gis_pd"),
    ],
)
def test_each_importers_receipts_have_no_invalid_services_error(organization, tmp_path, make, format_code):
    outcome = registry_import(
        organization=organization,
        period=PERIOD,
        path=make(tmp_path, organization),
        by=UserFactory(username="importer-1", role=ACCOUNTANT),
    )
    assert outcome.result.errors == [] and outcome.result.format_code.startswith(format_code)
    receipts = [receipt for _, receipt in pending_receipts(batch_id=outcome.batch.pk, limit=1000)]
    assert receipts
    for receipt in receipts:
        # Units are another rule (13.4): a unit-less account is refused on its own, not here.
        wire = receipt_to_wire(replace(receipt, unit_name=receipt.unit_name or "1"))
        assert services_sum_error(wire) is None, (receipt.import_id, wire["toPay"], wire["services"])
        total = sum((Decimal(service["toPay"]) for service in wire["services"]), Decimal(0))
        assert not wire["services"] or total == Decimal(wire["toPay"]) + Decimal(wire["toPayDetails"]["paid"])
