"""Which parser reads a file: chosen by the user, or recognised from the content when unambiguous."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from billing.importers.base import ImportRefused, RegistryParser, RegistrySource
from billing.importers.desk_excel import DeskExcelParser
from billing.importers.gis_pd import SECTIONS_1_2, SECTIONS_3_6, GisPaymentDocumentParser
from billing.importers.sber import SberTextParser
from billing.importers.sber_layouts import PRESETS, SberLayout
from billing.importers.textfile import detect_encoding, read_lines, split_cells

AUTO = "auto"
MAP_PREFIX = "sber_map_"


def format_choices(custom_layouts: Sequence[SberLayout] = ()) -> list[tuple[str, str]]:
    return [
        (AUTO, "Определить автоматически"),
        (DeskExcelParser.code, DeskExcelParser.label),
        *((code, layout.label) for code, layout in PRESETS.items()),
        *((layout.code, layout.label) for layout in custom_layouts),
        (GisPaymentDocumentParser.code, GisPaymentDocumentParser.label),
    ]


def parser_for(code: str, custom_layouts: Sequence[SberLayout] = ()) -> RegistryParser:
    if code == DeskExcelParser.code:
        return DeskExcelParser()
    if code == GisPaymentDocumentParser.code:
        return GisPaymentDocumentParser()
    if code in PRESETS:
        return SberTextParser(PRESETS[code])
    for layout in custom_layouts:
        if layout.code == code:
            return SberTextParser(layout)
    raise ImportRefused(f"Неизвестный формат реестра «{code}».")


def resolve_parser(source: RegistrySource, code: str, custom_layouts: Sequence[SberLayout] = ()) -> RegistryParser:
    """The parser for `code`, or the recognised one for AUTO; refuses a file of the wrong kind."""
    if code != AUTO:
        parser = parser_for(code, custom_layouts)
        if source.kind not in parser.kinds:
            kind = "текстовый файл" if source.kind == "text" else f"книга {source.kind}"
            raise ImportRefused(f"Выбран формат «{parser.label}», а файл — {kind}. Выберите другой формат.")
        return parser
    if source.kind == "text":
        return SberTextParser(_recognise_layout(source, custom_layouts))
    return _recognise_workbook(source)


def _recognise_workbook(source: RegistrySource) -> RegistryParser:
    from billing.importers.workbook import sheet_names

    names = sheet_names(source)
    if SECTIONS_1_2 in names and SECTIONS_3_6 in names:
        return GisPaymentDocumentParser()
    # Anything else must be the desk template; its header check then says precisely what is wrong.
    # (Reading the header here would load the sheet twice.)
    return DeskExcelParser()


def _recognise_layout(source: RegistrySource, custom_layouts: Sequence[SberLayout]) -> SberLayout:
    """The organization's own maps win when they fit; among presets, exactly one must fit."""
    sample = _sample_lines(source)
    if not sample:
        raise ImportRefused("В текстовом файле нет строк с данными (только пустые строки или строки с #).")
    fitting_custom = [layout for layout in custom_layouts if _misfit(layout, sample) is None]
    if len(fitting_custom) == 1:
        return fitting_custom[0]
    if len(fitting_custom) > 1:
        raise _ambiguous(fitting_custom)
    misfits = {code: _misfit(layout, sample) for code, layout in PRESETS.items()}
    fitting = [PRESETS[code] for code, reason in misfits.items() if reason is None]
    if len(fitting) == 1:
        return fitting[0]
    if not fitting:
        # Each layout says which line and field stopped it: usually one bad value, not a wrong format.
        reasons = "; ".join(f"«{PRESETS[code].describe()}» — {reason}" for code, reason in misfits.items())
        raise ImportRefused(
            f"Не удалось определить раскладку текстового реестра по первым {len(sample)} строкам с данными: "
            f"{reasons}. Исправьте строку или выберите формат вручную (тогда будут названы все ошибки), "
            "или попросите администратора описать раскладку для вашей УК."
        )
    raise _ambiguous(fitting)


def _ambiguous(layouts: list[SberLayout]) -> ImportRefused:
    return ImportRefused(
        "Файл подходит к нескольким раскладкам ("
        + "; ".join(layout.label for layout in layouts)
        + "): выберите формат вручную."
    )


def _sample_lines(source: RegistrySource, limit: int = 20) -> list[tuple[int, list[str]]]:
    encoding = detect_encoding(source.path)
    lines = []
    try:
        for number, line, _ in read_lines(source.path, encoding):
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append((number, split_cells(line)))
                if len(lines) >= limit:
                    break
    except ImportRefused:
        if not lines:
            raise
    return lines


def _misfit(layout: SberLayout, sample: list[tuple[int, list[str]]]) -> str | None:
    """Why the sample does not fit the layout («строка 3: …»), or None when every line fits."""
    from billing.importers.base import shown
    from billing.importers.checks import CellError, parse_account_number, parse_money, parse_period

    for number, cells in sample:
        if layout.services_from is None and len(cells) != layout.min_fields:
            return f"строка {number}: {len(cells)} полей через «;» вместо {layout.min_fields}"
        if layout.services_from is not None and (
            len(cells) < layout.services_from + 1 or (len(cells) - layout.services_from + 1) % 2
        ):
            return f"строка {number}: {len(cells)} полей через «;» не складываются в пары «услуга;сумма»"
        checks: list[tuple[int, str, Callable[[object], object]]] = [
            (layout.account, "ЛС", parse_account_number),
            (layout.to_pay, "Сумма", parse_money),
        ]
        if layout.period:
            checks.append((layout.period, "Период", lambda raw: parse_period(raw, allow_mmyy=True)))
        for position, title, check in checks:
            raw = cells[position - 1]
            try:
                if check(raw) is None:
                    raise CellError("пусто")
            except CellError as error:
                return f"строка {number}, поле {position} «{title}», значение «{shown(raw)}»: {error}"
    return None
