"""A real Excel 97-2003 book (BIFF8, written by xlwt: fixtures/make_desk_xls.py) reads like the xlsx."""

from __future__ import annotations

from pathlib import Path

from billing.importers.safety import inspect_file
from billing.services.registry.parse import import_limits, registry_parse
from billing.services.registry.write import registry_import
from tests.billing.importers.conftest import PERIOD, desk_rows

XLS = Path(__file__).resolve().parent / "fixtures" / "desk_registry.xls"


def test_the_xls_is_taken_for_what_it_is():
    assert inspect_file(XLS, "реестр.xls", limits=import_limits()).kind == "xls"


def test_an_xls_registry_parses_exactly_like_the_same_rows_in_xlsx(organization, desk_file):
    from_xls = registry_parse(organization=organization, period=PERIOD, path=XLS, source_name="реестр.xls")
    from_xlsx = registry_parse(organization=organization, period=PERIOD, path=desk_file, source_name="реестр.xlsx")

    assert from_xls.errors == [] and from_xlsx.errors == []
    assert from_xls.summary() == from_xlsx.summary()
    assert from_xls.receipts == from_xlsx.receipts  # every amount the same Decimal, though BIFF keeps doubles
    assert from_xls.accounts == from_xlsx.accounts
    assert len(from_xls.receipts) > 0 and from_xls.service_lines == len(desk_rows())


def test_an_xls_registry_becomes_a_batch(organization, importer):
    outcome = registry_import(organization=organization, period=PERIOD, path=XLS, by=importer)
    assert outcome.result.errors == []
    assert outcome.batch.service_lines_count == len(desk_rows())
