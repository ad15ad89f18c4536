"""Registries from the wild (issue 15), what a refusal leaves: an errors.xlsx of text cells, an upload in a final
state with its file removed, and on the command line exit 1 with a row-level message, never a traceback."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from billing.models import Batch, RegistryUpload
from billing.services.registry.tasks import upload_parse
from billing.services.registry.upload import uploads_expire
from tests.billing.importers.conftest import desk_rows, upload_registry
from tests.billing.importers.hostile import (
    desk_sheet,
    lone_far_cell_xlsx,
    minimal_xlsx,
    sber_nul_after_sample,
)
from tests.billing.importers.wild import TITLES, _desk_values, _desk_with, _upload_final_state

# --- The admin's errors.xlsx ---------------------------------------------------------------------


def test_errors_xlsx_writes_every_value_as_text_and_survives_control_characters(
    client, organization, importer, tmp_path
):
    rows = desk_rows()
    rows[0]["account"] = '=HYPERLINK("http://evil.example/","Открыть")'
    rows[1]["address"] = "г Москва\x07"
    path = minimal_xlsx(tmp_path / "r.xlsx", {"Реестр": desk_sheet(TITLES, _desk_values(rows))})
    upload = _upload_final_state(organization, importer, path)
    client.force_login(importer)
    response = client.get(reverse("admin:billing_batch_import_errors", args=[upload.token]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Ошибки"]
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)}
    formula = cells['=HYPERLINK("http://evil.example/","Открыть")']
    assert formula.data_type == "s"
    assert "г Москва<U+0007>" in cells


# --- Uploads end in a final state ----------------------------------------------------------------


def test_an_upload_whose_worker_died_ends_failed_with_its_file_removed(organization, importer, desk_file, settings):
    upload = upload_registry(desk_file, organization=organization, by=importer)
    stored = upload.file.name
    # The first attempt claimed the upload, then its worker was killed (say, out of memory).
    long_ago = timezone.now() - timedelta(seconds=settings.Q_CLUSTER["timeout"] + 60)
    RegistryUpload.objects.filter(pk=upload.pk).update(status=RegistryUpload.Status.PARSING, updated_at=long_ago)
    assert upload_parse(upload_id=upload.pk) == "failed"
    upload.refresh_from_db()
    assert upload.status == RegistryUpload.Status.FAILED and "прервалась" in upload.message
    assert upload.file.name == "" and not default_storage.exists(stored)


def test_a_running_check_delivered_twice_is_left_alone(organization, importer, desk_file):
    upload = upload_registry(desk_file, organization=organization, by=importer)
    RegistryUpload.objects.filter(pk=upload.pk).update(status=RegistryUpload.Status.PARSING)
    assert upload_parse(upload_id=upload.pk) == "skipped"
    assert RegistryUpload.objects.get(pk=upload.pk).status == RegistryUpload.Status.PARSING


def test_the_nightly_cleanup_fails_a_check_nobody_redelivered(organization, importer, desk_file, settings):
    upload = upload_registry(desk_file, organization=organization, by=importer)
    long_ago = timezone.now() - timedelta(seconds=2 * settings.Q_CLUSTER["retry"] + 60)
    RegistryUpload.objects.filter(pk=upload.pk).update(status=RegistryUpload.Status.PARSING, updated_at=long_ago)
    uploads_expire()
    upload.refresh_from_db()
    assert upload.status == RegistryUpload.Status.FAILED and upload.file.name == ""


# --- The command line: exit 1 with a row-level message, never a traceback ------------------------


@pytest.mark.parametrize("make", ["far", "number", "nul"])
def test_import_registry_exits_with_a_row_level_message(organization, importer, tmp_path, capsys, make):
    if make == "far":
        path = lone_far_cell_xlsx(tmp_path / "far.xlsx", "XFD1048576", TITLES)
        expected = "строке 1048576"
    elif make == "number":
        path, expected = _desk_with(tmp_path, "penalty", "1" * 30), "Строка 2, столбец «Пени»"
    else:
        path = tmp_path / "r.txt"
        path.write_bytes(sber_nul_after_sample(1500))
        expected = "Строка 1501, столбец «Адрес»"
    with pytest.raises(CommandError, match="отклонён"):
        call_command(
            "import_registry", str(path), organization=organization.tin, period="2026-10", user=importer.username
        )
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert Batch.objects.count() == 0
