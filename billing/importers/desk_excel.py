"""The desk's own Excel template (Doma house style): row 1 holds Russian headers, checked by name;
one row per (account, service) from row 2 on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import Decimal
from typing import ClassVar

from billing.amounts import AMOUNT_FIELDS
from billing.importers.base import ImportRefused, ParseContext, ParsedRow, RegistrySource, RowError, ServiceDraft
from billing.importers.checks import CellError, MoneyParser, clean_text, parse_account_number
from billing.importers.desk_columns import category_fast, map_headers
from billing.importers.desk_rows import DeskRowCheck
from billing.importers.workbook import iter_rows
from billing.importers.xlsx_scan import refuse_unsafe_sheet

_ZERO = Decimal("0.00")
# The text cells of every row, with the longest each may be.
_TEXT_FIELDS = (("address", 500), ("service", 255), ("measure", 32), ("unit_name", 64), ("full_name", 255))
STRINGS_KEPT = 20_000


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
            calamine_slice_rows=context.calamine_slice_rows,
            max_rows=context.max_rows,
        )
        header = next(rows, None)
        if header is None or not any(value not in (None, "") for value in header[1]):
            raise ImportRefused("Первая строка первого листа пустая: в ней должны быть заголовки столбцов шаблона.")
        positions = map_headers(header[1])
        yield from _DeskRows(positions, context).parse(rows)


class _DeskRows(DeskRowCheck):
    """Row checks for the desk template; memoized parsers keep a 100,000-row file cheap.

    A clean row takes the fast path here; any doubt sends it through `DeskRowCheck._row`,
    the reference for what is accepted, which names every problem of the row."""

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
            # An empty row: every cell None or "" (counted in C, not compared one by one in Python).
            if values.count(None) + values.count("") == len(values):
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
            # Names and addresses repeat within an account's lines: a small memo of recent ones,
            # emptied when full, keeps that without growing with the file.
            if len(self.strings) >= STRINGS_KEPT:
                self.strings.clear()
            with contextlib.suppress(TypeError):
                self.strings[raw] = value
        if len(value) > limit:
            raise CellError("too long")
        return value

    def _fast_row(self, number, values) -> ParsedRow:
        """The common case of a clean row, without error bookkeeping; any doubt raises CellError
        and the row goes through `_row`, which is the reference for what is accepted.

        Cells seen before are looked up in the parsers' memos right here: a hundred thousand rows
        of nine amounts and seven texts make a function call per cell the costliest part of a row.
        A miss, or anything but a memoized Decimal or text, goes through the parser as before."""
        p = self.positions
        raw = values[p["account"]]
        if raw == self._last_account_raw and raw.__class__ is str:
            account = self._last_account
        else:
            account = parse_account_number(raw)
            self._last_account_raw, self._last_account = raw, account
        # Only str keys are looked up here: 1, 1.0 and True hash alike and may clean differently.
        memo, clean = self.strings.get, self._clean
        texts = []
        for key, limit in _TEXT_FIELDS:
            raw = values[p[key]]
            value = memo(raw) if raw.__class__ is str else None
            if value is None or len(value) > limit:
                value = clean(raw, limit)
            texts.append(value)
        address, service_name, measure, unit_name, full_name = texts
        if not address or not service_name:
            raise CellError("empty")
        period = self.periods.get(values[p["period"]])
        if period is None or period.__class__ is CellError:
            raise CellError("period")
        unit_type = self.unit_types.get(values[p["unit_type"]])
        if unit_type is None or unit_type.__class__ is CellError:
            raise CellError("unit type")
        money, quantity = self.money, self.quantity
        money_memo, quantity_memo = money.memo.get, quantity.memo.get
        zero = _ZERO
        amounts = []
        for key in AMOUNT_FIELDS:
            raw = values[p[key]]
            # A memoized Decimal is final; bools are left to the parser (True == 1 in the memo).
            found = money_memo(raw) if raw.__class__ is float or raw.__class__ is str else None
            if found.__class__ is not Decimal:
                found = money(raw)
            amounts.append(found)
        balance, charge, recalculation, privilege, penalty, paid, to_pay = amounts
        if to_pay is None:
            raise CellError("to pay")
        charge = charge or zero
        recalculation = recalculation or zero
        privilege = privilege or zero
        penalty = penalty or zero
        paid = paid or zero
        balance = balance or zero
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
        category = category_fast(service_name) if optional["category"] is None else None
        if category is None:
            raise CellError("category")
        owner_type = ""
        if optional["owner_type"] is not None:
            owner_type = self.owner_types.get(values[optional["owner_type"]])
            if owner_type is None or owner_type.__class__ is CellError:
                raise CellError("owner type")
        volume, tariff = values[p["volume"]], values[p["tariff"]]
        volume = quantity_memo(volume) if volume.__class__ is float or volume.__class__ is str else None
        if volume.__class__ is not Decimal:
            volume = quantity(values[p["volume"]])
        tariff = quantity_memo(tariff) if tariff.__class__ is float or tariff.__class__ is str else None
        if tariff.__class__ is not Decimal:
            tariff = quantity(values[p["tariff"]])
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
            measure,
        )
        return ParsedRow(
            number,
            account,
            address,
            period,
            unit_name,
            unit_type,
            full_name,
            clean(values[optional["els"]], 32) if optional["els"] is not None else "",
            clean(values[optional["fias"]], 64) if optional["fias"] is not None else "",
            category,
            found[0],
            [service],
            owner_type=owner_type,
        )
