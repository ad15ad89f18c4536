"""Helpers of the wild-registry tests (test_wild_*.py): desk files with one odd cell, and the checks that a
refused file saved nothing and its upload ended with the file removed."""

from __future__ import annotations

from django.core.files.storage import default_storage

from billing.importers.desk_columns import COLUMNS
from billing.models import Account, Batch, Property, Receipt, RegistryUpload
from billing.services.registry.tasks import upload_parse
from billing.services.registry.write import registry_import
from tests.billing.importers.conftest import PERIOD, desk_rows, upload_registry
from tests.billing.importers.hostile import (
    desk_sheet,
    minimal_xlsx,
)

TITLES = [column.title for column in COLUMNS if column.key not in ("category", "owner_type")]
KEYS = [column.key for column in COLUMNS if column.key not in ("category", "owner_type")]
MB = 1024  # ru_maxrss is in KiB on Linux


def _desk_values(rows):
    return [[row[key] if not hasattr(row[key], "as_tuple") else f"{row[key]}" for key in KEYS] for row in rows]


def _refused(organization, importer, path, **kwargs) -> list[str]:
    outcome = registry_import(organization=organization, period=PERIOD, path=path, by=importer, **kwargs)
    assert outcome.batch is None and not outcome.result.ok
    assert Batch.objects.count() == Receipt.objects.count() == Account.objects.count() == Property.objects.count() == 0
    return [str(error) for error in outcome.result.errors]


def _desk_with(tmp_path, key: str, value: object, row: int = 0, name: str = "r.xlsx"):
    rows = desk_rows()
    rows[row][key] = value
    values = _desk_values(rows)
    return minimal_xlsx(tmp_path / name, {"Реестр": desk_sheet(TITLES, values)})


def _upload_final_state(organization, importer, path) -> RegistryUpload:
    upload = upload_registry(path, organization=organization, by=importer)
    stored = upload.file.name
    assert upload_parse(upload_id=upload.pk) == "refused"
    upload.refresh_from_db()
    assert upload.status == RegistryUpload.Status.REFUSED and upload.file.name == ""
    assert not default_storage.exists(stored) and upload.errors
    return upload
