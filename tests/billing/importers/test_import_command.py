from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.importers.desk_template import write_desk_registry
from billing.models import Batch, Receipt
from tests.billing.importers.conftest import desk_rows


def test_command_imports_and_prints_json_last(organization, importer, desk_file, capsys):
    call_command(
        "import_registry",
        str(desk_file),
        organization=organization.tin,
        period="2026-10",
        user=importer.username,
        json=True,
    )
    out = capsys.readouterr().out.strip().splitlines()
    summary = json.loads(out[-1])
    batch = Batch.objects.get(pk=summary["batch_id"])
    assert summary["receipts"] == batch.receipts_count == Receipt.objects.filter(batch=batch).count()
    assert summary["total_to_pay"] == f"{batch.total_to_pay:.2f}"
    assert batch.created_by == importer


def test_command_refuses_a_bad_file_and_creates_nothing(organization, importer, tmp_path, capsys):
    rows = desk_rows()
    rows[0]["period"] = "09.2026"
    path = tmp_path / "r.xlsx"
    write_desk_registry(path, iter(rows))
    with pytest.raises(CommandError, match="отклонён"):
        call_command(
            "import_registry", str(path), organization=organization.tin, period="2026-10", user=importer.username
        )
    err = capsys.readouterr().err
    assert "другой период" in err.splitlines()[0]
    assert Batch.objects.count() == 0


def test_command_refuses_a_user_without_the_import_permission(organization, desk_file, approver):
    with pytest.raises(CommandError, match="права"):
        call_command(
            "import_registry", str(desk_file), organization=organization.tin, period="2026-10", user=approver.username
        )
