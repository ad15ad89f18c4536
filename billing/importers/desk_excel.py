"""The desk's own Excel template (Doma house style): row 1 holds Russian headers, checked by name;
one row per (account, service) from row 2 on."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from billing.importers.base import ImportRefused, ParseContext, ParsedRow, RegistrySource, RowError, ServiceDraft, shown
from billing.importers.checks import (
    CellError,
    MoneyParser,
    clean_text,
    parse_account_number,
    parse_owner_type,
    parse_period,
    parse_unit_type,
    recipient_problems,
    requisite_digits,
)
from billing.importers.workbook import iter_rows
from billing.models.receipts import ReceiptCategory


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    required: bool
    help: str
    synonyms: tuple[str, ...] = ()
    example: object = ""


COLUMNS: tuple[Column, ...] = (
    Column(
        "account",
        "Лицевой счёт",
        True,
        "Номер лицевого счёта. Только текстовый формат ячеек: числа Excel теряют ведущие нули.",
        ("лицевой счет", "л/с", "№ л/с", "лиц. счёт", "лиц. счет", "номер лицевого счета", "номер л/с"),
        "0001002003",
    ),
    Column("address", "Адрес", True, "Адрес дома без номера помещения.", ("адрес дома",), "г Москва, ул Тверская, д 7"),
    Column("unit_name", "Помещение", True, "Номер квартиры или помещения.", ("квартира", "номер помещения"), "15"),
    Column(
        "unit_type",
        "Тип помещения",
        True,
        "Квартира, Апартаменты, Коммерческое помещение, Кладовка или Парковочное место. Пусто — квартира.",
        (),
        "Квартира",
    ),
    Column(
        "full_name",
        "ФИО",
        True,
        "ФИО плательщика или наименование организации. Можно оставить пустым.",
        ("Ф. И. О.", "фио плательщика", "плательщик", "фио собственника"),
        "Иванов Иван Иванович",
    ),
    Column(
        "period",
        "Период",
        True,
        "Месяц начисления: текст ММ.ГГГГ или ячейка с датой. Должен совпадать с периодом пакета.",
        ("расчетный период", "месяц"),
        "10.2026",
    ),
    Column(
        "service",
        "Услуга",
        True,
        "Название услуги. Одна строка — одна услуга одного лицевого счёта.",
        ("наименование услуги",),
        "Холодное водоснабжение",
    ),
    Column(
        "volume",
        "Объём",
        True,
        "Объём (количество), до 6 знаков после запятой. Можно оставить пустым.",
        ("объем", "количество"),
        Decimal("3.2"),
    ),
    Column("tariff", "Тариф", True, "Тариф за единицу, до 6 знаков после запятой.", (), Decimal("52.83")),
    Column("measure", "Ед. изм.", True, "Единица измерения: м², м³, Гкал, кВт·ч.", ("единица измерения",), "м³"),
    Column("charge", "Начислено", True, "Начислено за месяц, рубли с копейками.", ("начисление",), Decimal("169.06")),
    Column(
        "recalculation",
        "Перерасчёт",
        True,
        "Перерасчёт (со знаком минус, если в пользу жильца).",
        ("перерасчет", "перерасчеты", "перерасчёты"),
        Decimal("0"),
    ),
    Column(
        "privilege",
        "Льготы",
        True,
        "Льготы и субсидии: уменьшают сумму к оплате.",
        ("льготы и субсидии", "субсидии", "льгота"),
        Decimal("0"),
    ),
    Column("penalty", "Пени", True, "Пени за просрочку.", ("пеня",), Decimal("0")),
    Column("paid", "Оплачено", True, "Оплачено в месяце: уменьшает сумму к оплате.", ("оплата",), Decimal("0")),
    Column(
        "balance",
        "Долг на начало",
        True,
        "Долг на начало месяца (минус — переплата).",
        ("сальдо на начало", "задолженность на начало", "долг"),
        Decimal("0"),
    ),
    Column(
        "to_pay",
        "Итого к оплате",
        True,
        "Итого к оплате по услуге = Долг на начало + Начислено + Перерасчёт "
        "− Льготы + Пени − Оплачено (допуск 1 копейка).",
        ("к оплате", "итого", "сумма", "сумма к оплате", "итого к оплате, руб."),
        Decimal("169.06"),
    ),
    Column(
        "recipient_tin",
        "ИНН получателя",
        True,
        "ИНН получателя платежа: 10 или 12 цифр, текстом. "
        "Пусто во всех трёх столбцах — получатель по умолчанию из карточки УК.",
        ("инн",),
        "7707083893",
    ),
    Column("bic", "БИК", True, "БИК банка получателя: 9 цифр, начинается с 04 или 01.", ("бик банка",), "044525225"),
    Column(
        "bank_account",
        "Расчётный счёт",
        True,
        "Расчётный счёт получателя: 20 цифр, ключ сверяется с БИК.",
        ("расчетный счет", "р/с", "расчетный счет получателя"),
        "40702810200000012345",
    ),
    Column("els", "ЕЛС", False, "Единый лицевой счёт ГИС ЖКХ (необязательный столбец).", ("единый лицевой счет",), ""),
    Column(
        "fias", "ФИАС", False, "Код ФИАС дома (необязательный столбец).", ("код фиас", "фиас дома", "guid фиас"), ""
    ),
    Column(
        "category",
        "Категория",
        False,
        "ЖКУ, Капремонт или Электроэнергия (необязательный столбец): "
        "разные категории — разные квитанции. Пусто — по названию услуги.",
        (),
        "",
    ),
    Column(
        "owner_type",
        "Тип владельца",
        False,
        "Физическое или юридическое лицо (необязательный столбец): "
        "«физ», «физическое лицо» или «person»; «юр», «юридическое лицо» или «company». "
        "Пусто — неизвестно, DOMA определит сама по ФИО.",
        ("тип собственника", "тип плательщика"),
        "физ",
    ),
)


_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_UNIT_WORDS = frozenset({"руб", "рубли", "рублей", "рублях", "р", "коп"})
HEADER_RULE = (
    "Названия столбцов сравниваются без учёта заглавных букв, «ё»/«е», пробелов и знаков препинания; "
    "единицы в скобках и «, руб.» в конце не учитываются: «Ф.И.О.», «Ф. И. О.» и «ФИО» — один столбец, "
    "как и «Итого к оплате, руб.» и «Итого к оплате»."
)


def normalize_header(value: object) -> str:
    """The comparable form of a header (HEADER_RULE): «Итого к оплате, руб.» → «итогокоплате»."""
    text = _BRACKETS.sub(" ", str(value or "").casefold().replace("ё", "е"))
    words = re.findall(r"[0-9a-zа-я]+", text)
    while len(words) > 1 and words[-1] in _UNIT_WORDS:
        words.pop()
    return "".join(words)


def _headers_by_name() -> dict[str, Column]:
    found: dict[str, Column] = {}
    for column in COLUMNS:
        for name in (column.title, *column.synonyms):
            other = found.setdefault(normalize_header(name), column)
            assert other is column, f"header {name!r} names both {other.key} and {column.key}"
    return found


_BY_NAME = _headers_by_name()
_CATEGORIES = {
    normalize_header(name): category
    for name, category in (
        ("ЖКУ", ReceiptCategory.HOUSING),
        ("Капремонт", ReceiptCategory.CAPITAL_REPAIR),
        ("Капитальный ремонт", ReceiptCategory.CAPITAL_REPAIR),
        ("Электроэнергия", ReceiptCategory.ELECTRICITY),
    )
}
TITLES = {column.key: column.title for column in COLUMNS}


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def header_matches(values: list) -> bool:
    """Whether a first row looks like this template (for automatic format recognition)."""
    found = {_BY_NAME[name].key for name in map(normalize_header, values) if name in _BY_NAME}
    return {"account", "to_pay", "service"} <= found and len(found) >= 10


def map_headers(values: list) -> dict[str, int]:
    errors, positions = [], {}
    for index, value in enumerate(values):
        name = normalize_header(value)
        if not name:
            continue
        column = _BY_NAME.get(name)
        if column is None:
            errors.append(
                RowError(
                    1,
                    column_letter(index),
                    shown(value),
                    "неизвестный столбец; названия столбцов — как в шаблоне (см. лист «Описание»)",
                )
            )
        elif column.key in positions:
            errors.append(
                RowError(
                    1,
                    column_letter(index),
                    shown(value),
                    f"столбец «{column.title}» повторяется (уже есть в {column_letter(positions[column.key])})",
                )
            )
        else:
            positions[column.key] = index
    missing = [column.title for column in COLUMNS if column.required and column.key not in positions]
    if missing:
        errors.insert(0, RowError(1, "", "", "нет обязательных столбцов: " + ", ".join(f"«{t}»" for t in missing)))
    if errors:
        raise ImportRefused(errors)
    return positions


def check_recipient_cells(raw: tuple) -> tuple[tuple[str, str, str] | None, list[tuple[str, str, str]]]:
    """(recipient or None when all three cells are empty, [(column key, value, message)])."""
    problems, parts = [], []
    for column, value in zip(("recipient_tin", "bic", "bank_account"), raw):
        try:
            parts.append(requisite_digits(value, name=TITLES[column]))
        except CellError as error:
            problems.append((column, shown(value), str(error)))
            parts.append("")
    if problems:
        return None, problems
    if not any(parts):
        return None, []
    names = {"tin": "recipient_tin", "bic": "bic", "bank_account": "bank_account"}
    problems = [(names[field], value, message) for field, value, message in recipient_problems(*parts)]
    return (None, problems) if problems else (tuple(parts), [])


def category_for(service: str) -> str:
    folded = service.casefold()
    return ReceiptCategory.CAPITAL_REPAIR if "капремонт" in folded or "капитальн" in folded else ReceiptCategory.HOUSING


_CATEGORY_BY_SERVICE: dict[str, str] = {}
_ZERO = Decimal("0.00")


def _category_fast(service: str) -> str:
    found = _CATEGORY_BY_SERVICE.get(service)
    if found is None:
        found = category_for(service)
        if len(_CATEGORY_BY_SERVICE) < 10_000:
            _CATEGORY_BY_SERVICE[service] = found
    return found


def refuse_unsafe_sheet(source: RegistrySource, sheet: int | str, header_row: int) -> None:
    scan = source.scan(sheet)
    if scan is None:
        return
    merged = [ref for ref in scan.merged if _touches_row(ref, header_row)]
    if merged:
        raise ImportRefused(
            RowError(
                header_row,
                "",
                ", ".join(merged[:5]),
                "в заголовке объединённые ячейки: у каждого столбца должна быть своя ячейка заголовка",
            )
        )
    if scan.formulas_without_values:
        cells = ", ".join(scan.formulas_without_values[:10])
        raise ImportRefused(
            RowError(
                None,
                "",
                cells,
                "в ячейках формулы без сохранённых значений: откройте файл в Excel "
                "и сохраните его заново или замените формулы значениями",
            )
        )


def _touches_row(ref: str, row: int) -> bool:
    numbers = [int(re.sub(r"[A-Z]", "", part)) for part in ref.split(":")]
    return min(numbers) <= row <= max(numbers)


class DeskExcelParser:
    code: ClassVar[str] = "desk_excel"
    label: ClassVar[str] = "Шаблон Excel рабочего места (xlsx, xls, ods)"
    kinds: ClassVar[tuple[str, ...]] = ("xlsx", "xls", "ods")

    def rows(self, source: RegistrySource, context: ParseContext) -> Iterator[ParsedRow | RowError]:
        refuse_unsafe_sheet(source, 0, 1)
        rows = iter_rows(
            source,
            0,
            calamine_max_rows=context.calamine_max_rows,
            calamine_max_cells=context.calamine_max_cells,
            max_rows=context.max_rows,
        )
        header = next(rows, None)
        if header is None or not any(value not in (None, "") for value in header[1]):
            raise ImportRefused("Первая строка первого листа пустая: в ней должны быть заголовки столбцов шаблона.")
        positions = map_headers(header[1])
        yield from _DeskRows(positions, context).parse(rows)


class _DeskRows:
    """Row checks for the desk template; memoized parsers keep a 100,000-row file cheap."""

    def __init__(self, positions: dict[str, int], context: ParseContext) -> None:
        self.positions = positions
        self.context = context
        self.money = MoneyParser()
        self.quantity = MoneyParser(places=6, limit=Decimal("10000000000"))
        self.periods: dict[object, object] = {}
        self.unit_types: dict[object, object] = {}
        self.recipients: dict[tuple[str, str, str], list] = {}
        self.strings: dict[object, str] = {}
        self.optional = {key: positions.get(key) for key in ("els", "fias", "category", "owner_type")}
        self.owner_types: dict[object, object] = {}
        self._last_account_raw: object = None
        self._last_account = ""

    def parse(self, rows) -> Iterator[ParsedRow | RowError]:
        p = self.positions
        width = max(p.values()) + 1
        optional = self.optional
        for number, values in rows:
            if len(values) < width:
                values = values + [None] * (width - len(values))
            if all(value is None or value == "" for value in values):
                continue
            try:
                yield self._fast_row(number, values)
                continue
            except CellError:
                pass  # the careful path below names every problem of this row
            errors: list[RowError] = []
            row = self._row(number, values, p, optional, errors)
            if errors:
                yield from errors
            elif row is not None:
                yield row

    def _clean(self, raw, limit: int) -> str:
        try:
            value = self.strings[raw]
        except (KeyError, TypeError):
            value = clean_text(raw, 100_000)
            if len(self.strings) < 100_000:
                with contextlib.suppress(TypeError):
                    self.strings[raw] = value
        if len(value) > limit:
            raise CellError("too long")
        return value

    def _fast_row(self, number, values) -> ParsedRow:
        """The common case of a clean row, without error bookkeeping; any doubt raises CellError
        and the row goes through `_row`, which is the reference for what is accepted."""
        p, clean, money, quantity = self.positions, self._clean, self.money, self.quantity
        raw = values[p["account"]]
        if raw == self._last_account_raw and raw.__class__ is str:
            account = self._last_account
        else:
            account = parse_account_number(raw)
            self._last_account_raw, self._last_account = raw, account
        address = clean(values[p["address"]], 500)
        service_name = clean(values[p["service"]], 255)
        if not address or not service_name:
            raise CellError("empty")
        period = self.periods.get(values[p["period"]])
        if period is None or period.__class__ is CellError:
            raise CellError("period")
        unit_type = self.unit_types.get(values[p["unit_type"]])
        if unit_type is None or unit_type.__class__ is CellError:
            raise CellError("unit type")
        zero = _ZERO
        charge = money(values[p["charge"]]) or zero
        recalculation = money(values[p["recalculation"]]) or zero
        privilege = money(values[p["privilege"]]) or zero
        penalty = money(values[p["penalty"]]) or zero
        paid = money(values[p["paid"]]) or zero
        balance = money(values[p["balance"]]) or zero
        to_pay = money(values[p["to_pay"]])
        if to_pay is None:
            raise CellError("to pay")
        if (
            abs(balance + charge + recalculation - abs(privilege) + penalty - abs(paid) - to_pay)
            > self.context.tolerance
        ):
            raise CellError("total")
        requisites = (values[p["recipient_tin"]], values[p["bic"]], values[p["bank_account"]])
        found = self.recipients.get(requisites)
        if found is None or found[1]:
            raise CellError("recipient")
        optional = self.optional
        category = _category_fast(service_name) if optional["category"] is None else None
        if category is None:
            raise CellError("category")
        owner_type = ""
        if optional["owner_type"] is not None:
            owner_type = self.owner_types.get(values[optional["owner_type"]])
            if owner_type is None or owner_type.__class__ is CellError:
                raise CellError("owner type")
        service = ServiceDraft(
            number,
            service_name,
            to_pay,
            charge,
            recalculation,
            privilege,
            penalty,
            paid,
            balance,
            quantity(values[p["volume"]]),
            quantity(values[p["tariff"]]),
            clean(values[p["measure"]], 32),
        )
        return ParsedRow(
            number,
            account,
            address,
            period,
            clean(values[p["unit_name"]], 64),
            unit_type,
            clean(values[p["full_name"]], 255),
            clean(values[optional["els"]], 32) if optional["els"] is not None else "",
            clean(values[optional["fias"]], 64) if optional["fias"] is not None else "",
            category,
            found[0],
            [service],
            owner_type=owner_type,
        )

    def _cell(self, errors, number, key, raw, function, *args):
        try:
            return function(raw, *args)
        except CellError as error:
            errors.append(RowError(number, TITLES[key], shown(raw), str(error)))
            return None

    def _memo(self, cache: dict, errors, number, key, raw, function):
        try:
            found = cache[raw]
        except KeyError:
            try:
                found = function(raw)
            except CellError as error:
                found = error
            except TypeError:
                found = None
            if len(cache) < 10_000:
                cache[raw] = found
        if isinstance(found, CellError):
            errors.append(RowError(number, TITLES[key], shown(raw), str(found)))
            return None
        return found

    def _text(self, errors, number, key, raw, limit) -> str:
        return self._cell(errors, number, key, raw, clean_text, limit) or ""

    def _row(self, number, values, p, optional, errors) -> ParsedRow | None:
        account = self._cell(errors, number, "account", values[p["account"]], parse_account_number)
        address = self._text(errors, number, "address", values[p["address"]], 500)
        if not address and not any(e.column == TITLES["address"] for e in errors):
            errors.append(RowError(number, TITLES["address"], "", "адрес не указан"))
        period = self._memo(self.periods, errors, number, "period", values[p["period"]], parse_period)
        service_name = self._text(errors, number, "service", values[p["service"]], 255)
        if not service_name:
            errors.append(RowError(number, TITLES["service"], "", "услуга не указана"))
        amounts = {}
        for key in ("charge", "recalculation", "privilege", "penalty", "paid", "balance", "to_pay"):
            raw = values[p[key]]
            amounts[key] = self._cell(errors, number, key, raw, self.money)
        if amounts["to_pay"] is None and not any(e.column == TITLES["to_pay"] for e in errors):
            errors.append(RowError(number, TITLES["to_pay"], "", "сумма «Итого к оплате» не указана"))
        volume = self._cell(errors, number, "volume", values[p["volume"]], self.quantity)
        tariff = self._cell(errors, number, "tariff", values[p["tariff"]], self.quantity)
        unit_type = self._memo(self.unit_types, errors, number, "unit_type", values[p["unit_type"]], parse_unit_type)
        recipient = self._recipient(errors, number, values, p)
        category = self._category(errors, number, values, optional["category"], service_name)
        owner_type = ""
        if optional["owner_type"] is not None:
            owner_type = self._memo(
                self.owner_types, errors, number, "owner_type", values[optional["owner_type"]], parse_owner_type
            )
        if errors:
            return None
        zero = Decimal("0.00")
        charge, recalculation, privilege, penalty, paid, balance, to_pay = (
            amounts[key] if amounts[key] is not None else zero
            for key in ("charge", "recalculation", "privilege", "penalty", "paid", "balance", "to_pay")
        )
        expected = balance + charge + recalculation - abs(privilege) + penalty - abs(paid)
        if abs(expected - to_pay) > self.context.tolerance:
            errors.append(
                RowError(
                    number,
                    TITLES["to_pay"],
                    f"{to_pay:.2f}",
                    f"не сходится с составляющими: Долг на начало + Начислено + Перерасчёт − Льготы + "
                    f"Пени − Оплачено = {expected:.2f}",
                )
            )
            return None
        service = ServiceDraft(
            number,
            service_name,
            to_pay,
            charge,
            recalculation,
            privilege,
            penalty,
            paid,
            balance,
            volume,
            tariff,
            self._text(errors, number, "measure", values[p["measure"]], 32),
        )
        return ParsedRow(
            row=number,
            account=account,
            address=address,
            period=period,
            unit_name=self._text(errors, number, "unit_name", values[p["unit_name"]], 64),
            unit_type=unit_type,
            full_name=self._cell(errors, number, "full_name", values[p["full_name"]], clean_text, 255) or "",
            els=self._text(errors, number, "els", values[optional["els"]], 32) if optional["els"] is not None else "",
            fias=self._text(errors, number, "fias", values[optional["fias"]], 64)
            if optional["fias"] is not None
            else "",
            category=category,
            owner_type=owner_type,
            recipient=recipient,
            services=[service],
        )

    def _recipient(self, errors, number, values, p):
        raw = (values[p["recipient_tin"]], values[p["bic"]], values[p["bank_account"]])
        try:
            recipient, problems = self.recipients[raw]
        except (KeyError, TypeError):
            recipient, problems = check_recipient_cells(raw)
            if len(self.recipients) < 10_000:
                self.recipients[raw] = (recipient, problems)
        for column, value, message in problems:
            errors.append(RowError(number, TITLES[column], value, message))
        return recipient

    def _category(self, errors, number, values, position, service_name) -> str:
        if position is not None:
            raw = values[position]
            text = normalize_header(raw)
            if text:
                try:
                    return _CATEGORIES[text]
                except KeyError:
                    errors.append(
                        RowError(
                            number,
                            TITLES["category"],
                            shown(raw),
                            "неизвестная категория; допустимы ЖКУ, Капремонт, Электроэнергия",
                        )
                    )
                    return ReceiptCategory.HOUSING
        return category_for(service_name)
