"""The desk Excel template for download (empty and filled example), and realistic demo registries.

Generated with openpyxl: the first sheet holds the headers (and example rows), the second
explains every column. Account numbers and requisites are text cells, money is numbers with a
number format (STYLE rule 14).
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

from billing.amounts import AMOUNT_FIELDS
from billing.importers.desk_columns import COLUMNS, HEADER_RULE

MONEY_FORMAT = "#,##0.00"
TEXT_FORMAT = "@"
_TEXT_KEYS = {"account", "recipient_tin", "bic", "bank_account", "els", "fias", "period", "unit_name"}
_MONEY_KEYS = frozenset(AMOUNT_FIELDS)
TEMPLATE_KEYS = [column.key for column in COLUMNS if column.key not in ("category",)]


def desk_template_bytes(*, example: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = "Реестр"
    columns = [column for column in COLUMNS if column.key in TEMPLATE_KEYS]
    sheet.append([column.title for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.title) + 4)
    if example:
        for values in _example_rows():
            sheet.append([values.get(column.key, "") for column in columns])
        for row in sheet.iter_rows(min_row=2):
            for column, cell in zip(columns, row):
                if column.key in _MONEY_KEYS:
                    cell.number_format = MONEY_FORMAT
                elif column.key in _TEXT_KEYS:
                    cell.number_format = TEXT_FORMAT
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet("Описание")
    help_sheet.append(["Столбец", "Обязательный", "Что указывать", "Пример", "Другие написания заголовка"])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        help_sheet.append(
            [
                column.title,
                "да" if column.required else "нет (можно не добавлять)",
                column.help,
                str(column.example),
                ", ".join(f"«{name}»" for name in column.synonyms),
            ]
        )
    for letter, width in zip("ABCDE", (20, 22, 90, 28, 60)):
        help_sheet.column_dimensions[letter].width = width
    for row in help_sheet.iter_rows(min_row=2):
        row[2].alignment = row[4].alignment = Alignment(wrap_text=True, vertical="top")
    help_sheet.append([])
    help_sheet.append([HEADER_RULE])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _example_rows() -> list[dict[str, object]]:
    from billing.importers.requisites import bank_account_with_key

    recipient = ("7707083893", "044525225", bank_account_with_key("40702810000000012345", "044525225"))
    rows = list(demo_registry_rows(period=date(2026, 10, 1), recipient=recipient, accounts=3, seed=7))
    return rows


# --- Demo registries ---------------------------------------------------------------------------

_STREETS = (
    "ул Тверская",
    "ул Ленина",
    "пр-кт Мира",
    "ул Садовая",
    "ул Гагарина",
    "ул Школьная",
    "ул Лесная",
    "ул Советская",
    "ул Молодёжная",
    "наб Речная",
    "ул Берёзовая",
    "пер Почтовый",
)
_SURNAMES = (
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
)
_NAMES = (
    ("Иван", "Иванович"),
    ("Сергей", "Петрович"),
    ("Анна", "Сергеевна"),
    ("Ольга", "Николаевна"),
    ("Дмитрий", "Андреевич"),
    ("Мария", "Владимировна"),
    ("Алексей", "Олегович"),
    ("Елена", "Викторовна"),
)
# (service, unit, tariff, (min volume, max volume) per m² of the flat or per person)
_SERVICES = (
    ("Содержание жилого помещения", "м²", Decimal("32.15"), "area"),
    ("Холодное водоснабжение", "м³", Decimal("52.83"), "water"),
    ("Горячее водоснабжение", "м³", Decimal("243.15"), "water"),
    ("Водоотведение", "м³", Decimal("38.51"), "water"),
    ("Отопление", "Гкал", Decimal("2873.42"), "heat"),
    ("Электроснабжение", "кВт·ч", Decimal("6.43"), "power"),
    ("Обращение с ТКО", "чел.", Decimal("195.64"), "people"),
    ("Взнос на капитальный ремонт", "м²", Decimal("27.25"), "area"),
)
CENT = Decimal("0.01")


def demo_registry_rows(
    *, period: date, recipient: tuple[str, str, str], accounts: int, seed: int = 2026
) -> Iterator[dict[str, object]]:
    """Realistic rows of the desk template: a few houses, flats with area and residents, 6-8 services."""
    rng = random.Random(seed)
    houses = max(1, accounts // 60)
    for index in range(accounts):
        house = index % houses
        street = _STREETS[house % len(_STREETS)]
        address = f"г Москва, {street}, д {house // len(_STREETS) * 2 + 1 + house % 7}"
        flat = index // houses + 1
        area = Decimal(rng.randint(280, 1100)) / 10
        people = rng.randint(1, 4)
        surname = rng.choice(_SURNAMES)
        first, middle = rng.choice(_NAMES)
        if first in ("Анна", "Ольга", "Мария", "Елена"):
            surname += "а"
        account = f"{4500000000 + index * 13:010d}"
        unit_type = "Квартира" if flat % 40 else "Кладовка"
        debt_roll = rng.random()
        for service, measure, tariff, basis in _SERVICES:
            if basis == "area":
                volume = area
            elif basis == "water":
                volume = Decimal(rng.randint(10, 60) * people) / 10
            elif basis == "heat":
                volume = (area * Decimal("0.0163")).quantize(Decimal("0.0001"))
            elif basis == "power":
                volume = Decimal(rng.randint(80, 160) * people)
            else:
                volume = Decimal(people)
            charge = (volume * tariff).quantize(CENT)
            recalculation = -(charge * Decimal("0.1")).quantize(CENT) if rng.random() < 0.03 else Decimal("0.00")
            privilege = (charge * Decimal("0.5")).quantize(CENT) if people >= 4 and basis == "area" else Decimal("0.00")
            balance = (charge * rng.randint(1, 3)).quantize(CENT) if debt_roll < 0.12 else Decimal("0.00")
            penalty = (balance * Decimal("0.013")).quantize(CENT) if balance else Decimal("0.00")
            paid = balance if balance and rng.random() < 0.5 else Decimal("0.00")
            to_pay = balance + charge + recalculation - privilege + penalty - paid
            yield {
                "account": account,
                "address": address,
                "unit_name": str(flat),
                "unit_type": unit_type,
                "full_name": f"{surname} {first} {middle}",
                "period": f"{period:%m.%Y}",
                "service": service,
                "volume": volume,
                "tariff": tariff,
                "measure": measure,
                "charge": charge,
                "recalculation": recalculation,
                "privilege": privilege,
                "penalty": penalty,
                "paid": paid,
                "balance": balance,
                "to_pay": to_pay,
                "recipient_tin": recipient[0],
                "bic": recipient[1],
                "bank_account": recipient[2],
                "els": "",
                "fias": "",
                "owner_type": "",
            }


def write_desk_registry(path: Path, rows: Iterator[dict[str, object]]) -> int:
    """Stream rows into an xlsx in the desk template (write-only mode: flat memory). Returns the row count."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Реестр")
    columns = [column for column in COLUMNS if column.key in TEMPLATE_KEYS]
    sheet.append([column.title for column in columns])
    count = 0
    for values in rows:
        cells: list[object] = []
        for column in columns:
            value = values.get(column.key, "")
            if isinstance(value, Decimal):
                cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]  # openpyxl writes Decimal exactly; the stub says float
                if column.key in _MONEY_KEYS:
                    cell.number_format = MONEY_FORMAT
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
        count += 1
    workbook.save(path)
    return count
