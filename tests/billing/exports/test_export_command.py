from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from integration.models import Reconciliation
from tests.billing.exports.conftest import data_rows, exact, open_xlsx
from tests.factories import ReconciliationFactory, missing_in_condo

pytestmark = pytest.mark.django_db


def _reconciliation(batch, *, differences: int) -> Reconciliation:
    return ReconciliationFactory(
        batch=batch,
        batch_receipts=6,
        missing_in_condo=differences,
        batch_total=batch.total_to_pay,
        differences=[missing_in_condo(f"id-{n}", str(n), "1.00") for n in range(differences)],
    )


def test_receipts_are_written_to_the_output_file(published_batch, tmp_path, capsys):
    target = tmp_path / "receipts.xlsx"
    call_command("export", "receipts", str(published_batch.pk), "--output", str(target))
    rows = data_rows(open_xlsx(target.read_bytes())["Квитанции"])
    assert len(rows) == 6 and sum(exact(row[14]) for row in rows) == published_batch.total_to_pay
    assert "строк 6" in capsys.readouterr().out
    assert [path.name for path in tmp_path.iterdir()] == ["receipts.xlsx"]  # no partial file left behind


def test_reconciliation_by_id_or_by_the_batchs_latest(published_batch, tmp_path):
    _reconciliation(published_batch, differences=1)
    latest = _reconciliation(published_batch, differences=2)
    by_batch, by_id = tmp_path / "by-batch.xlsx", tmp_path / "by-id.xlsx"
    call_command("export", "reconciliation", "--batch", str(published_batch.pk), "--output", str(by_batch))
    call_command("export", "reconciliation", str(latest.pk), "--output", str(by_id))
    assert len(data_rows(open_xlsx(by_batch.read_bytes())["Расхождения"])) == 2
    assert by_batch.read_bytes()[:2] == by_id.read_bytes()[:2] == b"PK"


def test_summary_for_a_month_and_one_organization(published_batch, tmp_path):
    target = tmp_path / "summary.xlsx"
    call_command(
        "export",
        "summary",
        "--period",
        "2026-10",
        "--organization",
        published_batch.organization.tin,
        "--output",
        str(target),
    )
    rows = data_rows(open_xlsx(target.read_bytes())["Сводка 10.2026"])
    assert [(row[0], row[2], row[5]) for row in rows] == [(published_batch.organization.name, published_batch.pk, 6)]
    assert (
        exact(rows[0][6])
        == published_batch.total_to_pay
        == sum((Decimal(v) for v in ("0.07", "902406105555.82", "-15.30", "1520.40", "1000.00", "1000.00")), Decimal(0))
    )


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["receipts", "999999"], 1, "Пакет №999999 не найден"),
        (["reconciliation", "--batch", "999999"], 1, "Сверка пакета №999999 не найдена"),
        (["reconciliation"], 2, "либо номер сверки, либо --batch"),
        (["summary", "--period", "10.2026"], 2, "не похож на ГГГГ-ММ"),
        (["summary", "--period", "2026-10", "--organization", "0000000000"], 1, "ИНН 0000000000 не найдена"),
    ],
)
def test_bad_arguments_fail_with_a_clear_message_and_no_file(db, tmp_path, arguments, code, message):
    target = tmp_path / "out.xlsx"
    with pytest.raises(CommandError, match=message) as raised:
        call_command("export", *arguments, "--output", str(target))
    assert raised.value.returncode == code
    assert list(tmp_path.iterdir()) == []
