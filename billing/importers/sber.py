"""Sberbank (СББОЛ) `;` text registries: no header, `#` lines skipped, a column map per template.

Templates differ in column order, so one reader takes a `SberLayout` (sber_layouts.py: the presets
of FORMATS.md §2.3; administrators define more per organization, models.SberColumnMap).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import ClassVar

from billing.formatting import format_money
from billing.importers.base import (
    FORBIDDEN_CHARACTERS,
    ParseContext,
    ParsedRow,
    RegistrySource,
    RowError,
    ServiceDraft,
    forbidden_character_message,
    shown,
)
from billing.importers.checks import (
    CellError,
    MoneyParser,
    clean_text,
    parse_account_number,
    parse_money,
    parse_period,
)
from billing.importers.sber_layouts import SberLayout, period_from_name
from billing.importers.textfile import detect_encoding, read_lines, split_cells

_FILESUM = re.compile(r"^#\s*FILESUM\b[\s:;=]*(?P<sum>[-+]?[\d\s\u00a0]*[.,]?\d*)", re.IGNORECASE)


def _period_mmyy(raw: str):
    return parse_period(raw, allow_mmyy=True)


class SberTextParser:
    code: ClassVar[str] = "sber"
    label: ClassVar[str] = "Сбербанк (текстовый реестр)"
    kinds: ClassVar[tuple[str, ...]] = ("text",)

    def __init__(self, layout: SberLayout) -> None:
        self.layout = layout
        self.code = layout.code
        self.label = layout.label

    def rows(self, source: RegistrySource, context: ParseContext) -> Iterator[ParsedRow | RowError]:
        layout = self.layout
        encoding = detect_encoding(source.path, layout.encoding)
        fallback_period = period_from_name(source.name) or context.period
        money = MoneyParser()
        total = Decimal("0.00")
        declared: tuple[int, str, Decimal | None] | None = None
        lines = read_lines(source.path, encoding)
        pending = next(lines, None)
        while pending is not None:
            number, line, ended = pending
            pending = next(lines, None)
            if not line.strip():
                continue
            if line.lstrip().startswith("#"):
                match = _FILESUM.match(line.strip())
                if match:
                    try:
                        declared = (number, match["sum"], parse_money(match["sum"]))
                    except CellError:
                        declared = (number, match["sum"], None)
                continue
            bad = _forbidden_cell(number, line.split(";"), layout)
            if bad is not None:
                yield bad
                continue
            cells = split_cells(line)
            if len(cells) < layout.min_fields:
                cut = pending is None and not ended
                yield RowError(
                    number,
                    "",
                    shown(line),
                    (
                        "файл обрезан посередине строки: последняя строка неполная"
                        if cut
                        else f"в строке {len(cells)} полей через «;», а по раскладке «{layout.describe()}» нужно не меньше "
                        f"{layout.min_fields}"
                    ),
                )
                continue
            errors: list[RowError] = []
            row = self._row(number, cells, errors, money, fallback_period)
            if errors:
                yield from errors
            elif row is not None:
                total += row.receipt_amounts["to_pay"]
                yield row
        if declared is not None:
            line_number, text, value = declared
            if value is None:
                yield RowError(line_number, "#FILESUM", text, "контрольная сумма файла не распознана")
            elif value != total:
                yield RowError(
                    line_number,
                    "#FILESUM",
                    text,
                    f"контрольная сумма файла не равна сумме строк {format_money(total)}: файл неполный или изменён",
                )

    def _row(self, number, cells, errors, money, fallback_period) -> ParsedRow | None:
        layout = self.layout

        def cell(column: int | None) -> str:
            return cells[column - 1] if column and column <= len(cells) else ""

        def check(title, raw, function, *args):
            try:
                return function(raw, *args)
            except CellError as error:
                errors.append(RowError(number, title, shown(raw), str(error)))
                return None

        account = check("Лицевой счёт", cell(layout.account), parse_account_number)
        address = check("Адрес", cell(layout.address), clean_text, 500) or ""
        if layout.address and not address:
            errors.append(RowError(number, "Адрес", "", "адрес не указан"))
        period = check("Период", cell(layout.period), _period_mmyy) if layout.period else fallback_period
        to_pay = check("Сумма", cell(layout.to_pay), money)
        if to_pay is None and not errors:
            errors.append(RowError(number, "Сумма", "", "сумма не указана"))
        fias, unit_name = "", check("Помещение", cell(layout.unit_name), clean_text, 64) or ""
        if layout.fias_unit:
            head, _, tail = cell(layout.fias_unit).partition(",")
            fias = check("ФИАС,помещение", head, clean_text, 64) or ""
            unit_name = check("ФИАС,помещение", tail, clean_text, 64) or unit_name
        els = check("ЕЛС", cell(layout.els), clean_text, 32) or ""
        full_name = check("ФИО", cell(layout.full_name), clean_text, 255) or ""
        services = self._services(number, cells, errors, money) if layout.services_from else []
        if errors:
            return None
        return ParsedRow(
            row=number,
            account=account,
            address=address,
            period=period,
            unit_name=unit_name,
            full_name=full_name,
            els=els,
            fias=fias,
            services=services,
            receipt_amounts={"to_pay": to_pay, "charge": to_pay} if not services else {"to_pay": to_pay},
        )

    def _services(self, number, cells, errors, money) -> list[ServiceDraft]:
        services = []
        start = self.layout.services_from - 1
        for index in range(start, len(cells), 2):
            name = cells[index]
            raw = cells[index + 1] if index + 1 < len(cells) else ""
            if not name and not raw:
                continue
            title = f"Услуга {(index - start) // 2 + 1}"
            try:
                name = clean_text(name, 255)
            except CellError as error:
                errors.append(RowError(number, title, shown(name), str(error)))
                continue
            if not name:
                errors.append(RowError(number, title, shown(raw), "сумма услуги без названия"))
                continue
            try:
                amount = money(raw)
            except CellError as error:
                errors.append(RowError(number, f"{title}: сумма", shown(raw), str(error)))
                continue
            if amount is None:
                errors.append(RowError(number, f"{title}: сумма", "", f"не указана сумма услуги «{name}»"))
                continue
            services.append(ServiceDraft(number, name, amount, charge=amount))
        return services


def _forbidden_cell(number: int, cells: list[str], layout: SberLayout) -> RowError | None:
    """The first cell of a line holding a control character (base.FORBIDDEN_CHARACTERS), checked
    before the cells are trimmed: trimming would silently drop some of them."""
    if not any(FORBIDDEN_CHARACTERS.search(value) for value in cells):
        return None
    for index, value in enumerate(cells):
        message = forbidden_character_message(value)
        if message:
            return RowError(number, layout.title(index), shown(value), message)
    return None
