"""The column maps of Sberbank text registries: the presets of FORMATS.md §2.3 and the period a file's name gives.

billing/importers/sber.py reads a file with one of these; administrators define more per organization
(models.SberColumnMap).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from billing.importers.checks import CellError, parse_period

_NAME_PERIOD = re.compile(r"_(?P<mm>\d{2})(?P<yy>\d{2})(?:\.\w+)?$")


@dataclass(frozen=True)
class SberLayout:
    """1-based column numbers of one template; None where the template has no such column."""

    code: str
    label: str
    account: int
    address: int | None
    to_pay: int
    period: int | None = None
    full_name: int | None = None
    els: int | None = None
    fias_unit: int | None = None  # "FIAS GUID,unit" in one cell (the 2021 line)
    unit_name: int | None = None
    services_from: int | None = None  # (service, amount) pairs from this column to the end
    encoding: str = ""  # "" = recognise (cp1251 by default)

    @property
    def min_fields(self) -> int:
        columns = [
            self.account,
            self.address,
            self.to_pay,
            self.period,
            self.full_name,
            self.els,
            self.fias_unit,
            self.unit_name,
        ]
        return max(column for column in columns if column)

    def describe(self) -> str:
        placed = sorted((getattr(self, key), title) for key, title in FIELD_TITLES.items() if getattr(self, key))
        text = ";".join(title for _, title in placed)
        return text + (";Услуга1;Сумма1;…" if self.services_from else "")

    def title(self, index: int) -> str:
        """The name of the field at 0-based `index` of a line, as the error messages call it."""
        for key, title in FIELD_TITLES.items():
            if getattr(self, key) == index + 1:
                return COLUMN_TITLES.get(key, title)
        if self.services_from and index + 1 >= self.services_from:
            offset = index + 1 - self.services_from
            return f"Услуга {offset // 2 + 1}" + (": сумма" if offset % 2 else "")
        return f"Поле {index + 1}"


FIELD_TITLES = {
    "account": "ЛС",
    "els": "ЕЛС",
    "fias_unit": "ФИАС,помещение",
    "unit_name": "Помещение",
    "full_name": "ФИО",
    "address": "Адрес",
    "period": "Период",
    "to_pay": "Сумма",
}
COLUMN_TITLES = {"account": "Лицевой счёт"}


PRESETS: dict[str, SberLayout] = {
    layout.code: layout
    for layout in (
        SberLayout("sber_minimal", "Сбербанк: ЛС;Адрес;Сумма;Период", account=1, address=2, to_pay=3, period=4),
        SberLayout(
            "sber_2021",
            "Сбербанк 2021: ЛС;ЕЛС;ФИАС,помещение;ФИО;Адрес;Период;Сумма",
            account=1,
            els=2,
            fias_unit=3,
            full_name=4,
            address=5,
            period=6,
            to_pay=7,
        ),
        SberLayout(
            "sber_services",
            "Сбербанк с услугами: ЛС;Адрес;Период;Итого;Услуга;Сумма;…",
            account=1,
            address=2,
            period=3,
            to_pay=4,
            services_from=5,
        ),
    )
}


def period_from_name(name: str):
    match = _NAME_PERIOD.search(PurePosixPath(name).stem + PurePosixPath(name).suffix)
    if not match:
        return None
    try:
        return parse_period(match["mm"] + match["yy"], allow_mmyy=True)
    except CellError:
        return None
