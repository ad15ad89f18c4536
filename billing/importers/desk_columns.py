"""The columns of the desk's own Excel template and how a first row's headers are matched to them.

The template (desk_template.py) writes these columns; the parser (desk_excel.py) finds them by
name under HEADER_RULE, so a bank's or a colleague's spelling of a header still matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from billing.importers.base import ImportRefused, RowError, shown
from billing.importers.checks import CellError
from billing.importers.requisites import recipient_problems, requisite_digits
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
CATEGORIES = {
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
    errors: list[RowError] = []
    positions: dict[str, int] = {}
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
    tin, bic, bank_account = parts
    problems = [(names[field], value, message) for field, value, message in recipient_problems(tin, bic, bank_account)]
    return (None, problems) if problems else ((tin, bic, bank_account), [])


def category_for(service: str) -> str:
    folded = service.casefold()
    return ReceiptCategory.CAPITAL_REPAIR if "капремонт" in folded or "капитальн" in folded else ReceiptCategory.HOUSING


_CATEGORY_BY_SERVICE: dict[str, str] = {}


def category_fast(service: str) -> str:
    """`category_for`, remembered per service name: a month repeats a few dozen names 100,000 times."""
    found = _CATEGORY_BY_SERVICE.get(service)
    if found is None:
        found = category_for(service)
        if len(_CATEGORY_BY_SERVICE) < 10_000:
            _CATEGORY_BY_SERVICE[service] = found
    return found
