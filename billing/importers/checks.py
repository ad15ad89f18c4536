"""Field checks shared by every registry format: money, periods, account numbers, unit and owner types.

Each check returns the clean value or raises `CellError` with a Russian message; the
parser turns that into a `RowError` naming the row, the column and the raw value.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from billing.importers.base import INVISIBLE_CHARACTERS, forbidden_character_message
from billing.models.organizations import OwnerType, UnitType

CENT = Decimal("0.01")
MONEY_LIMIT = Decimal("100000000")  # 100 million roubles per line: anything above is a typo
QUANTITY_LIMIT = Decimal("10000000000")
QUANTITY_PLACES = 6


class CellError(ValueError):
    """A cell value is unusable; the message is for the accountant."""


# --- Money and quantities -------------------------------------------------------------------

_SPACES = dict.fromkeys(map(ord, " \u00a0\u202f\u2009\u2007\t'"), None)
# ASCII digits only: Python's \d and Decimal() also take Arabic-Indic and other digits.
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)$")


def _decimal_from_float(value: float, places: int) -> Decimal:
    if not math.isfinite(value):
        raise CellError("не число (NaN или бесконечность)")
    # repr() is the shortest text that gives back the same binary value: 1259.53 stays 1259.53.
    exact = Decimal(repr(value))
    if exact.as_tuple().exponent >= -places:
        return exact
    # A computed cell (=A1*B1) carries binary noise such as 0.30000000000000004; Excel itself
    # shows 15 significant digits, and so do we.
    shown = Decimal(format(value, ".15g"))
    return shown


def parse_decimal(raw: object, *, places: int = 2, limit: Decimal = MONEY_LIMIT) -> Decimal | None:
    """A Decimal from a text or numeric cell; None for an empty cell. Never goes through float text."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise CellError("логическое значение вместо числа")
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = _decimal_from_float(raw, places)
    elif isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip().translate(_SPACES).replace("\u2212", "-")
        if not text:
            return None
        if text.lower().lstrip("+-") in ("nan", "inf", "infinity", "бесконечность"):
            raise CellError("не число (NaN или бесконечность)")
        if not _NUMBER.match(text):
            raise CellError("не число: ожидается сумма вида 1259,53 или 1259.53")
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation as error:  # pragma: no cover - the pattern already guards this
            raise CellError("не число") from error
    elif isinstance(raw, (date, datetime)):
        raise CellError("дата вместо числа")
    else:
        raise CellError("не число")
    if not value.is_finite():
        raise CellError("не число (NaN или бесконечность)")
    # The range first: rounding a 30-digit number overflows the decimal context.
    if abs(value) >= limit:
        raise CellError(f"сумма вне допустимого диапазона (по модулю меньше {limit:,.0f})".replace(",", " "))
    step = Decimal(1).scaleb(-places)
    try:
        rounded = value.quantize(step, rounding=ROUND_HALF_UP)
    except InvalidOperation as error:  # a value with hundreds of decimals still overflows the context
        raise CellError(f"больше {places} знаков после запятой") from error
    if value != rounded:
        if places == 2:
            raise CellError("больше двух знаков после запятой: суммы указываются в рублях с копейками")
        raise CellError(f"больше {places} знаков после запятой")
    return rounded


def parse_money(raw: object) -> Decimal | None:
    return parse_decimal(raw, places=2, limit=MONEY_LIMIT)


def parse_quantity(raw: object) -> Decimal | None:
    """Volumes and tariffs: up to six decimals."""
    return parse_decimal(raw, places=QUANTITY_PLACES, limit=QUANTITY_LIMIT)


class MoneyParser:
    """`parse_money` with a memo: registries repeat the same amounts and tariffs a lot.

    The memo is keyed by the raw value and its type (1 and 1.0 and "1" are different inputs
    that may fail differently) and is bounded, so memory stays flat on huge files.
    """

    __slots__ = ("_cache", "_limit", "_max", "_places")

    def __init__(self, *, places: int = 2, limit: Decimal = MONEY_LIMIT, max_entries: int = 20_000) -> None:
        self._cache: dict[tuple[type, object], Decimal | CellError | None] = {}
        self._places = places
        self._limit = limit
        self._max = max_entries

    @property
    def memo(self) -> dict[object, Decimal | CellError | None]:
        """The memo itself, for a caller's fast path: a Decimal found under a str or float key is
        what this parser returns for that key; anything else must go through the call."""
        return self._cache

    def __call__(self, raw: object) -> Decimal | None:
        if raw is None or raw == "" or raw is True or raw is False:
            if raw is None or raw == "":
                return None
            raise CellError("логическое значение вместо числа")
        # Keyed by the value itself: 1, 1.0 and "1" either give the same amount or differ in hash.
        try:
            found = self._cache[raw]
        except KeyError:
            try:
                found = parse_decimal(raw, places=self._places, limit=self._limit)
            except CellError as error:
                found = error
            if len(self._cache) >= self._max:
                self._cache.clear()
            self._cache[raw] = found
        except TypeError:
            found = parse_decimal(raw, places=self._places, limit=self._limit)
        if found.__class__ is CellError:
            raise found
        return found


# --- Periods ---------------------------------------------------------------------------------

_PERIOD_TEXT = (
    re.compile(r"^(?P<month>[0-9]{1,2})[./-](?P<year>[0-9]{4})$"),
    re.compile(r"^(?P<year>[0-9]{4})[./-](?P<month>[0-9]{1,2})$"),
    re.compile(r"^[0-9]{1,2}[./-](?P<month>[0-9]{1,2})[./-](?P<year>[0-9]{4})$"),
    re.compile(r"^(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-[0-9]{1,2}(?:[ T].*)?$"),
)
_PERIOD_MMYY = re.compile(r"^(?P<month>[0-9]{1,2})(?P<year>[0-9]{2})$")


def _month(year: int, month: int) -> date:
    if not 1 <= month <= 12:
        raise CellError(f"месяц {month} вне диапазона 1–12")
    if not 2000 <= year <= 2099:
        raise CellError(f"год {year} вне диапазона 2000–2099")
    return date(year, month, 1)


def parse_period(raw: object, *, allow_mmyy: bool = False) -> date:
    """First day of the month from `MM.YYYY` (and close variants), a date cell, or `MMYY`."""
    if isinstance(raw, datetime):
        return date(raw.year, raw.month, 1)
    if isinstance(raw, date):
        return date(raw.year, raw.month, 1)
    if raw is None or raw == "":
        raise CellError("период не указан")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int) and allow_mmyy and 100 <= raw <= 1299:
        # Excel drops the leading zero of MMYY: 922 means 09.2022.
        raw = f"{raw:04d}"
    text = str(raw).strip()
    for pattern in _PERIOD_TEXT:
        match = pattern.match(text)
        if match:
            return _month(int(match["year"]), int(match["month"]))
    if allow_mmyy:
        if len(text) == 3 and text.isascii() and text.isdigit():
            text = "0" + text
        match = _PERIOD_MMYY.match(text)
        if match and len(text) == 4:
            return _month(2000 + int(match["year"]), int(match["month"]))
    raise CellError("период не распознан: ожидается ММ.ГГГГ" + (" или ММГГ" if allow_mmyy else ""))


def period_label(value: date) -> str:
    return f"{value:%m.%Y}"


# --- Account numbers, addresses, unit types ---------------------------------------------------

_ACCOUNT_ALLOWED = re.compile(r"^[0-9A-Za-zА-Яа-яЁё][0-9A-Za-zА-Яа-яЁё/_.\-]{0,63}$")
_ACCOUNT_FLOATED = re.compile(r"^[0-9]+[.,]0+$")
_ACCOUNT_EXPONENT = re.compile(r"^[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+$")


def parse_account_number(raw: object) -> str:
    """Account numbers are text. A number cell is refused: Excel may have dropped leading zeros
    or digits beyond the fifteenth, and a changed number would bill someone else."""
    if raw is None or raw == "":
        raise CellError("лицевой счёт не указан")
    if isinstance(raw, (bool, int, float, Decimal)):
        raise CellError(
            "лицевой счёт записан числом: Excel мог потерять ведущие нули или цифры. "
            "Задайте столбцу текстовый формат и введите номера заново"
        )
    text = str(raw)
    refuse_forbidden_characters(text)
    text = text.translate(INVISIBLE_CHARACTERS).strip()
    if not text:
        raise CellError("лицевой счёт не указан")
    if _ACCOUNT_EXPONENT.match(text):
        raise CellError("лицевой счёт в экспоненциальной записи: номер искажён при выгрузке из Excel")
    if _ACCOUNT_FLOATED.match(text):
        raise CellError("лицевой счёт похож на дробное число из Excel: номер мог быть искажён")
    if not _ACCOUNT_ALLOWED.match(text):
        raise CellError("недопустимые символы в лицевом счёте (разрешены буквы, цифры, / _ . -; до 64 знаков)")
    return text


def refuse_forbidden_characters(text: str) -> None:
    message = forbidden_character_message(text)
    if message:
        raise CellError(message)


def clean_text(raw: object, max_length: int = 255) -> str:
    """Every text that enters goes through here (see base.FORBIDDEN_CHARACTERS): control
    characters refused, invisible ones removed, whitespace collapsed, trimmed, and refused
    when longer than the field holds (never cut); numbers written back without '.0'."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw)
    refuse_forbidden_characters(text)
    text = " ".join(text.translate(INVISIBLE_CHARACTERS).split())
    if len(text) > max_length:
        raise CellError(f"слишком длинное значение: {len(text)} знаков, допускается не больше {max_length}")
    return text


def _spellings(by_value: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Each spelling a registry uses → the value it stands for."""
    return {spelling: value for value, spellings in by_value.items() for spelling in spellings}


_UNIT_TYPES = _spellings(
    {
        UnitType.FLAT: ("квартира", "кв", "жилое помещение"),
        UnitType.APARTMENT: ("апартаменты",),
        UnitType.COMMERCIAL: ("коммерческое помещение", "нежилое помещение"),
        UnitType.WAREHOUSE: ("кладовка", "кладовая"),
        UnitType.PARKING: ("парковочное место", "машиноместо", "машино-место"),
    }
)
UNIT_TYPE_NAMES = "Квартира, Апартаменты, Коммерческое помещение, Кладовка, Парковочное место"


def parse_unit_type(raw: object) -> str:
    text = " ".join(str(raw or "").split()).lower().replace("ё", "е").rstrip(".")
    if not text:
        return UnitType.FLAT
    try:
        return _UNIT_TYPES[text]
    except KeyError:
        raise CellError(f"неизвестный тип помещения; допустимы: {UNIT_TYPE_NAMES}") from None


_OWNER_TYPES = _spellings(
    {
        OwnerType.PERSON: ("физ", "физлицо", "физ лицо", "физическое лицо", "person"),
        OwnerType.COMPANY: ("юр", "юрлицо", "юр лицо", "юридическое лицо", "company"),
    }
)
OWNER_TYPE_NAMES = "физ, физическое лицо, person; юр, юридическое лицо, company"


def parse_owner_type(raw: object) -> str:
    """ "person", "company", or "" for an empty cell: unknown, and Condo guesses from the name."""
    text = " ".join(re.sub(r"[.\-]", " ", str(raw or "")).split()).casefold()
    if not text:
        return ""
    try:
        return _OWNER_TYPES[text]
    except KeyError:
        raise CellError(f"неизвестный тип владельца; допустимы: {OWNER_TYPE_NAMES}") from None
