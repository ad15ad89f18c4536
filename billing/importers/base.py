"""The small interface every registry format implements, and the values passed through it.

A parser turns a stored file into a stream of `ParsedRow` (one logical line: an account with
one or more services) and `RowError` (a problem at a row and column). It checks what one line
can show by itself; `collect.RegistryCollector` checks what needs the whole file (duplicates,
one account under two addresses, the period of the batch) and groups lines into receipts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from billing.errors import ApplicationError

if TYPE_CHECKING:
    from billing.importers.scan_slices import ScanSlices

RecipientKey = tuple[str, str, str]  # (tin, bic, bank_account)


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: the row (None for the whole file), the column as the file names it, the value."""

    row: int | None
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"строка {self.row}")
        if self.column:
            parts.append(f"столбец «{self.column}»")
        if self.value != "":
            parts.append(f"значение «{self.value}»")
        where = ", ".join(parts)
        text = f"{where}: {self.message}" if where else self.message
        return text[:1].upper() + text[1:]

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict) -> RowError:
        return cls(
            row=data.get("row"), column=data.get("column", ""), value=data.get("value", ""), message=data["message"]
        )


# The one rule for characters in text that enters (cells, lines, header names): the C0 and C1
# control characters (NUL, BEL, ESC...), DEL, lone surrogates and the bidirectional controls
# refuse the cell with its row and column. They are invisible to the accountant; NUL breaks
# PostgreSQL and the rest break XML exports or turn an address around in a resident's app
# (U+202E). Tab and line breaks are whitespace and collapse like spaces; the zero-width
# characters and the BOM are removed, as Condo's own converter does (FORMATS.md §1).
FORBIDDEN_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
INVISIBLE_CHARACTERS = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


def character_name(character: str) -> str:
    return f"U+{ord(character):04X}"


def forbidden_character_message(text: str) -> str | None:
    """Why this text cannot enter, in Russian; None when it can."""
    match = FORBIDDEN_CHARACTERS.search(text)
    if match is None:
        return None
    return (
        f"недопустимый управляющий символ {character_name(match.group())} (знак {match.start() + 1}): "
        "такие символы не видны, но ломают адреса и выгрузки; удалите его из ячейки"
    )


def shown(value: object, limit: int = 80) -> str:
    """A raw cell value as the accountant would recognise it, cut to a sane length.

    Control characters are written out as «<U+0000>»: the value is stored with the errors and
    shown in the admin and in errors.xlsx, where the raw character would break all three."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    else:
        text = str(value)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return FORBIDDEN_CHARACTERS.sub(lambda match: f"<{character_name(match.group())}>", text)


class ImportRefused(ApplicationError):
    """The file is refused as a whole before its rows could be read (type, size, headers...)."""

    def __init__(self, errors: list[RowError] | RowError | str) -> None:
        if isinstance(errors, str):
            errors = [RowError(None, "", "", errors)]
        elif isinstance(errors, RowError):
            errors = [errors]
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors[:3]))


@dataclass(slots=True)
class ServiceDraft:
    """One service of a receipt with its details, as read from the file."""

    row: int
    name: str
    to_pay: Decimal
    charge: Decimal = Decimal(0)
    recalculation: Decimal = Decimal(0)
    privilege: Decimal = Decimal(0)
    penalty: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    balance: Decimal = Decimal(0)
    volume: Decimal | None = None
    tariff: Decimal | None = None
    measure: str = ""


@dataclass(slots=True)
class ParsedRow:
    """One logical line: who (account, address, unit), for which month, to whom, and what."""

    row: int
    account: str
    address: str
    period: date
    unit_name: str = ""
    unit_type: str = "flat"
    full_name: str = ""
    els: str = ""
    fias: str = ""
    category: str = "housing"
    recipient: RecipientKey | None = None  # None: the organization's default recipient
    services: list[ServiceDraft] = field(default_factory=list)
    # Receipt-level amounts the format states itself (a Sber total, GIS debt and payments);
    # when absent, a receipt's amounts are the sums of its services.
    receipt_amounts: dict[str, Decimal] | None = None
    owner_type: str = ""  # person or company when the registry says; "" lets Condo guess from the name


@dataclass(frozen=True)
class RegistrySource:
    """A stored file about to be parsed, with what the safety checks learned about it."""

    path: Path
    name: str  # the name the user uploaded, for messages and the Sber ММГГ convention
    kind: str  # "xlsx", "xls", "ods" or "text"
    rows_total: int | None = None  # rows of the first sheet (text: lines), for progress and limits
    # Per worksheet (xlsx): rows, merged ranges, formulas saved without values (xlsx_scan.SheetScan).
    scans: dict[str, Any] = field(default_factory=dict)
    # The first sheet's slices, cut in the scan's pass for a read in the same step (scan_slices.py).
    slices: ScanSlices | None = None

    def close(self) -> None:
        """Deletes what the checks left on disk for the read (the slices), read or not."""
        if self.slices is not None:
            self.slices.close()

    def scan(self, sheet: int | str) -> Any | None:
        if isinstance(sheet, int):
            values = list(self.scans.values())
            return values[sheet] if sheet < len(values) else None
        return self.scans.get(sheet)


@dataclass(frozen=True)
class ParseContext:
    period: date
    organization_tin: str
    default_recipient: RecipientKey | None
    tolerance: Decimal = Decimal("0.01")
    calamine_max_rows: int = 150_000
    calamine_max_cells: int = 8_000_000
    calamine_slice_rows: int = 25_000
    max_rows: int = 1_000_000
    # GIS payment documents carry no account number or address: they are found by ЕЛС/ЖКУ id.
    accounts_by_els: Callable[[], dict[str, tuple[str, str, str, str]]] | None = None
    # The organization's recipients by bank account: {bank_account: (tin, bic)}. The ПД names the
    # supplier by ОГРН/КПП only, so GIS takes a bank account's TIN from here.
    recipients_by_account: Callable[[], dict[str, tuple[str, str]]] | None = None


class RegistryParser(Protocol):
    code: ClassVar[str]
    label: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]]

    def rows(self, source: RegistrySource, context: ParseContext) -> Iterator[ParsedRow | RowError]: ...
