"""`manage.py attach_receipt_pdfs BATCH_ID ZIP`."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.models import ReceiptPdf
from tests.billing.pdfs.support import make_pdf, stored_files, zip_of

pytestmark = pytest.mark.django_db


def test_it_attaches_and_lists_what_did_not_fit(batch, accountant, pdf_storage, tmp_path, capsys):
    archive = tmp_path / "pdfs.zip"
    archive.write_bytes(
        zip_of(
            {
                "00000000.pdf": make_pdf(),
                "00000001_102026.pdf": make_pdf("b"),
                "12345678.pdf": make_pdf("c"),
                "00000002.pdf": b"garbage",
            }
        )
    )

    call_command("attach_receipt_pdfs", str(batch.pk), str(archive), "--user", accountant.username, "--json")

    out = capsys.readouterr().out
    assert "прикреплено новых или изменённых 2" in out
    assert "нет квитанции для «12345678.pdf»" in out
    assert "отклонён «00000002.pdf»" in out
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["attached"] == 2 and summary["unmatched"] == ["12345678.pdf"]
    assert summary["receipts_without_file"] == 1
    assert ReceiptPdf.objects.count() == 2


def test_a_hostile_archive_exits_1_and_stores_nothing(batch, accountant, pdf_storage, tmp_path):
    archive = tmp_path / "evil.zip"
    archive.write_bytes(zip_of({"00000000.pdf": make_pdf(), "/etc/00000001.pdf": make_pdf()}))
    with pytest.raises(CommandError) as caught:
        call_command("attach_receipt_pdfs", str(batch.pk), str(archive), "--user", accountant.username)
    assert caught.value.returncode == 1 and "ничего не сохранено" in str(caught.value)
    assert not ReceiptPdf.objects.exists() and stored_files(pdf_storage) == []


def test_unknown_batch_or_file_exits_2(batch, accountant, tmp_path):
    with pytest.raises(CommandError) as caught:
        call_command("attach_receipt_pdfs", "999999", str(tmp_path / "x.zip"), "--user", accountant.username)
    assert caught.value.returncode == 2
    with pytest.raises(CommandError) as caught:
        call_command("attach_receipt_pdfs", str(batch.pk), str(tmp_path / "x.zip"), "--user", accountant.username)
    assert caught.value.returncode == 2
