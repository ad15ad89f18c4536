from __future__ import annotations

import io

import pytest

from billing.exports.import_errors import COLUMNS, import_errors_export
from billing.importers.desk_template import write_desk_registry
from billing.models import RegistryUpload
from billing.services.registry.tasks import upload_parse
from tests.billing.exports.conftest import data_rows, open_xlsx
from tests.billing.importers.conftest import (  # noqa: F401  fixtures
    desk_rows,
    importer,
    organization,
    recipient,
    upload_registry,
)


@pytest.fixture
def refused_upload(tmp_path, organization, importer) -> RegistryUpload:
    """A real registry with a bad amount on every row (more than the 200 shown), refused by the import flow."""
    rows = desk_rows(accounts=30)
    for row in rows:
        row["to_pay"] = "сто рублей"
    path = tmp_path / "плохой.xlsx"
    write_desk_registry(path, iter(rows))
    upload = upload_registry(path, organization=organization, by=importer)
    assert upload_parse(upload_id=upload.pk) == "refused"
    return RegistryUpload.objects.select_related("organization").get(pk=upload.pk)


def test_every_kept_error_is_a_row_not_only_the_first_200(refused_upload):
    out = io.BytesIO()
    total = refused_upload.errors_count
    assert total > 200 and import_errors_export(upload=refused_upload, out=out) == total
    workbook = open_xlsx(out.getvalue())
    sheet = workbook["Ошибки"]
    assert [cell.value for cell in sheet[1]] == [column.header for column in COLUMNS]
    rows = data_rows(sheet)
    assert len(rows) == total and len(refused_upload.errors) == 200
    first = rows[0]
    assert isinstance(first[0], int) and first[1] and first[3]
    assert first[2] == "сто рублей" and sheet.cell(row=2, column=3).data_type == "s"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:D{total + 1}"
    figures = dict(data_rows(workbook["Реестр"]))
    assert figures["Файл"] == "плохой.xlsx" and figures["Ошибок найдено"] == total


def test_the_export_command_writes_the_errors_too(refused_upload, tmp_path):
    from django.core.management import call_command

    target = tmp_path / "errors.xlsx"
    call_command("export", "import-errors", str(refused_upload.pk), "--output", str(target))
    assert len(data_rows(open_xlsx(target.read_bytes())["Ошибки"])) == refused_upload.errors_count
