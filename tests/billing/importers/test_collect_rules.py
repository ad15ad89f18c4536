"""The collector's rules across lines, each named at its own row: a service twice in one receipt
(whatever its case), a bank account under a second TIN on every line that gives it."""

from __future__ import annotations

from billing.importers.desk_template import write_desk_registry
from billing.services.registry.parse import registry_parse
from tests.billing.importers.conftest import PERIOD, RECIPIENT, desk_rows

OTHER_TIN = "7736207543"  # valid, and not RECIPIENT's


def _errors(organization, tmp_path, rows) -> list[str]:
    path = tmp_path / "r.xlsx"
    write_desk_registry(path, iter(rows))
    result = registry_parse(organization=organization, period=PERIOD, path=path, source_name="r.xlsx")
    assert result.receipts == []
    return [str(error) for error in result.errors]


def test_a_service_named_again_in_another_case_is_refused_at_its_row(organization, tmp_path):
    rows = desk_rows()
    rows[3]["service"] = rows[1]["service"].upper()
    errors = _errors(organization, tmp_path, rows)
    assert errors == [
        f"Строка 5, столбец «Услуга», значение «{rows[3]['service']}»: услуга для лицевого счёта "
        f"{rows[3]['account']} повторяется: уже была в строке 3"
    ]


def test_every_line_giving_the_bank_account_another_tin_is_named(organization, tmp_path):
    rows = desk_rows()
    for row in rows[10:13]:
        row["recipient_tin"] = OTHER_TIN
    errors = [error for error in _errors(organization, tmp_path, rows) if "«ИНН получателя»" in error]
    assert [error.split(",")[0] for error in errors] == ["Строка 12", "Строка 13", "Строка 14"]
    assert all(f"«{OTHER_TIN}»" in error and f"с другим ИНН {RECIPIENT[0]}" in error for error in errors)
