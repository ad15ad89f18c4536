"""The shared part of every Excel export: one sheet with a styled, frozen, filterable header.

Memory stays flat for any number of rows. openpyxl's write-only mode sends each row to a
temporary XML file as it is appended, and saving zips that file into `out` by streaming it.
The admin saves into an anonymous temporary file on disk, never a BytesIO, and hands that
file to a FileResponse, which streams it in blocks. A BytesIO would keep the whole xlsx in
memory, about 10 MB for 100,000 receipts. The file disappears when the response closes it.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

if TYPE_CHECKING:
    from billing.models import Batch

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "DD.MM.YYYY"
MONTH_FORMAT = "MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM:SS"
CHUNK_SIZE = 2000
EXCEL_MAX_ROWS = 1_048_576  # per sheet, the header row included

# Characters XML 1.0 forbids; a Condo message or a registry value may carry them.
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text, int, money, date, month, datetime
    width: float = 14


class SheetWriter:
    """Appends rows to one write-only sheet; `close()` sets the filter over what was written."""

    def __init__(self, workbook: Workbook, title: str, columns: Sequence[Column]) -> None:
        self.sheet = workbook.create_sheet(title)
        self.columns = tuple(columns)
        self.rows = 0
        for index, column in enumerate(self.columns, 1):
            self.sheet.column_dimensions[get_column_letter(index)].width = column.width
        # Views are written with the first row, so the freeze must be set before any append.
        self.sheet.freeze_panes = "A2"
        self._formats = {kind: _style_prototype(self.sheet, fmt) for kind, fmt in _FORMATS.items()}
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE5F0")
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(self.sheet, value=column.header)
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            header.append(cell)
        self.sheet.append(header)
        self._convert: list[Callable[[Any], Any]] = [self._converter(column.kind) for column in self.columns]

    def append(self, values: Sequence[Any]) -> None:
        """One row of plain values (Decimal, str, int, date, datetime), converted by column kind."""
        self.sheet.append([convert(value) for convert, value in zip(self._convert, values)])
        self.rows += 1

    def append_cells(self, cells: Sequence[Any]) -> None:
        """One row whose values were already converted with `cell()`."""
        self.sheet.append(list(cells))
        self.rows += 1

    def cell(self, kind: str, value: Any) -> Any:
        return self._converter(kind)(value)

    def close(self) -> None:
        last = get_column_letter(len(self.columns))
        self.sheet.auto_filter.ref = f"A1:{last}{self.rows + 1}"

    # --- cells ---------------------------------------------------------------------------------

    def _converter(self, kind: str) -> Callable[[Any], Any]:
        if kind == "text":
            return self._text
        if kind == "int":
            # A count is an int; anything else that lands here is written as text, never as a formula.
            return lambda value: value if value is None or isinstance(value, int) else self._text(value)
        if kind == "money":
            return self._money
        if kind in ("date", "month"):
            return lambda value: None if value is None else self._styled(kind, value)
        if kind == "datetime":
            return self._datetime
        raise ValueError(f"unknown column kind {kind!r}")

    def _styled(self, kind: str, value: Any) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=value)
        cell._style = copy(self._formats[kind])
        return cell

    def _money(self, value: Decimal | str | None) -> WriteOnlyCell | None:
        if value is None or value == "":
            return None
        # openpyxl prints numbers through "%.16g", i.e. through float: Decimal("0.07") would land
        # in the file as 0.07000000000000001. The cell carries the exact decimal text instead,
        # still a number cell (t="n") that Excel sums.
        cell = self._styled("money", None)
        cell._value = f"{Decimal(value):f}"
        cell.data_type = "n"
        return cell

    def _datetime(self, value: datetime | None) -> WriteOnlyCell | None:
        if value is None:
            return None
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
        return self._styled("datetime", value)

    def _text(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        text = _ILLEGAL.sub("", str(value))
        if text.startswith("="):
            # A value like "=HYPERLINK(...)" from a registry must stay text, never a formula.
            cell = WriteOnlyCell(self.sheet)
            cell._value, cell.data_type = text, "s"
            return cell
        return text


_FORMATS = {"money": MONEY_FORMAT, "date": DATE_FORMAT, "month": MONTH_FORMAT, "datetime": DATETIME_FORMAT}


def _style_prototype(sheet, number_format: str):
    cell = WriteOnlyCell(sheet)
    cell.number_format = number_format
    return cell._style


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def key_value_sheet(workbook: Workbook, title: str, rows: Iterable[tuple[str, Any, str]]) -> None:
    """A small sheet of labelled figures: (label, value, kind) rows under «Показатель | Значение»."""
    writer = SheetWriter(workbook, title, [Column("Показатель", width=44), Column("Значение", width=24)])
    for label, value, kind in rows:
        writer.append_cells([writer.cell("text", label), writer.cell(kind, value)])
    writer.close()


def batch_figures(batch: Batch) -> list[tuple[str, Any, str]]:
    """The first rows of a batch's key_value_sheet: which batch, whose, which month."""
    return [
        ("Пакет", f"№{batch.pk}", "text"),
        ("УК", f"{batch.organization.name} (ИНН {batch.organization.tin})", "text"),
        ("Период", batch.period, "month"),
    ]


def export_to_tempfile(export: Callable[..., int], **kwargs: Any) -> IO[bytes]:
    """Run an export into an anonymous file on disk and return it rewound, ready to stream."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response, which closes it
    try:
        export(out=out, **kwargs)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out
