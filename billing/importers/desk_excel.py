"""The desk's own Excel template (Doma house style): row 1 holds Russian headers, checked by name;
one row per (account, service) from row 2 on."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from operator import itemgetter
from typing import ClassVar

from billing.amounts import AMOUNT_FIELDS
from billing.importers.base import ImportRefused, ParseContext, ParsedRow, RegistrySource, RowError, ServiceDraft
from billing.importers.checks import CellError, MoneyParser, clean_text, parse_account_number
from billing.importers.desk_columns import category_fast, map_headers
from billing.importers.desk_rows import DeskRowCheck
from billing.importers.workbook import iter_rows
from billing.importers.xlsx_scan import refuse_unsafe_sheet

_ZERO = Decimal("0.00")
# The text cells, with the longest each may be.
_TEXT_LIMITS = {"address": 500, "service": 255, "measure": 32, "unit_name": 64, "full_name": 255, "els": 32, "fias": 64}
# Clean texts remembered per column, emptied when full: names and addresses repeat within an
# account's lines, services and measures all through the file; memory stays flat.
STRINGS_KEPT = 4_000
# Who a row bills: the same on every line of an account, so checked once per account (see _fast_row).
_WHO = ("account", "address", "unit_name", "full_name", "period", "unit_type", "recipient_tin", "bic", "bank_account")
_WHO_OPTIONAL = ("els", "fias", "owner_type")
# What a row bills, in the order _fast_row unpacks it: the amounts in AMOUNT_FIELDS' order.
_WHAT = ("service", "measure", "volume", "tariff", *AMOUNT_FIELDS)


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
        self.texts: dict[str, dict[object, str]] = {key: {} for key in _TEXT_LIMITS}
        self.optional = {key: positions.get(key) for key in ("els", "fias", "category", "owner_type")}
        self.owner_types: dict[object, object] = {}
        # One C call a row picks its cells: positions looked up once per file, not per cell.
        self._who_optional = tuple(key for key in _WHO_OPTIONAL if positions.get(key) is not None)
        self._pick_who = itemgetter(*(positions[key] for key in (*_WHO, *self._who_optional)))
        self._pick_what = itemgetter(*(positions[key] for key in _WHAT))
        self._last_who: tuple | None = None
        self._last_checked: tuple = ()

    def parse(self, rows) -> Iterator[ParsedRow | RowError]:
        p = self.positions
        width = max(p.values()) + 1
        optional = self.optional
        account_position = p["account"]
        for number, values in rows:
            if len(values) < width:
                values = values + [None] * (width - len(values))
            # An empty row: every cell None or "" (counted in C, and only when its account is empty).
            first = values[account_position]
            if (first is None or first == "") and values.count(None) + values.count("") == len(values):
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

    def _clean(self, key: str, raw) -> str:
        """`clean_text` within the column's limit, remembered; CellError (too long, a control
        character) sends the row to the careful path, which names the problem."""
        memo = self.texts[key]
        # Only a str is its own key: 1, 1.0 and True are equal keys but clean differently.
        memo_key = raw if raw.__class__ is str else (raw.__class__, raw)
        try:
            return memo[memo_key]
        except KeyError:
            value = clean_text(raw, _TEXT_LIMITS[key])
        if len(memo) >= STRINGS_KEPT:
            memo.clear()
        memo[memo_key] = value
        return value

    def _who(self, who: tuple) -> tuple:
        """The checked account, address, unit, name, period, unit type, recipient, ЕЛС, ФИАС and
        owner type of a row, from its raw `_WHO` cells (and the optional ones present)."""
        account_raw, address_raw, unit_name_raw, full_name_raw, period_raw, unit_type_raw, *cells = who
        account = parse_account_number(account_raw)
        text = self._clean
        address, unit_name, full_name = (
            text("address", address_raw),
            text("unit_name", unit_name_raw),
            text("full_name", full_name_raw),
        )
        if not address:
            raise CellError("empty")
        period = self.periods.get(period_raw)
        if period is None or period.__class__ is CellError:
            raise CellError("period")
        unit_type = self.unit_types.get(unit_type_raw)
        if unit_type is None or unit_type.__class__ is CellError:
            raise CellError("unit type")
        found = self.recipients.get(tuple(cells[:3]))
        if found is None or found[1]:
            raise CellError("recipient")
        extra = dict(zip(self._who_optional, cells[3:], strict=True))
        els = text("els", extra["els"]) if "els" in extra else ""
        fias = text("fias", extra["fias"]) if "fias" in extra else ""
        owner_type = ""
        if "owner_type" in extra:
            owner_type = self.owner_types.get(extra["owner_type"])
            if owner_type is None or owner_type.__class__ is CellError:
                raise CellError("owner type")
        return account, address, unit_name, full_name, period, unit_type, found[0], els, fias, owner_type

    def _fast_row(self, number, values) -> ParsedRow:
        """The common case of a clean row, without error bookkeeping; any doubt raises CellError
        and the row goes through `_row`, which is the reference for what is accepted.

        Who the row bills is checked once per account: the next line with the very same cells
        (all texts or empty, so equal means identical) reuses the result. Cells seen before are
        looked up in the parsers' memos right here: a hundred thousand rows of nine amounts and
        several texts make a function call per cell the costliest part of a row. A miss, or
        anything but a memoized Decimal or text, goes through the parser as before."""
        who = self._pick_who(values)
        if who == self._last_who:
            checked = self._last_checked
        else:
            checked = self._who(who)
            if all(cell is None or cell.__class__ is str for cell in who):
                self._last_who, self._last_checked = who, checked
        account, address, unit_name, full_name, period, unit_type, recipient, els, fias, owner_type = checked
        service_raw, measure_raw, volume, tariff, *amount_cells = self._pick_what(values)
        texts = self.texts
        service_name = texts["service"].get(service_raw)
        if service_name is None:
            service_name = self._clean("service", service_raw)
        if not service_name:
            raise CellError("empty")
        measure = texts["measure"].get(measure_raw)
        if measure is None:
            measure = self._clean("measure", measure_raw)
        money, quantity = self.money, self.quantity
        money_memo, quantity_memo = money.memo.get, quantity.memo.get
        zero = _ZERO
        amounts = []
        for raw in amount_cells:
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
        category = category_fast(service_name) if self.optional["category"] is None else None
        if category is None:
            raise CellError("category")
        found = quantity_memo(volume) if volume.__class__ is float or volume.__class__ is str else None
        volume = found if found.__class__ is Decimal else quantity(volume)
        found = quantity_memo(tariff) if tariff.__class__ is float or tariff.__class__ is str else None
        tariff = found if found.__class__ is Decimal else quantity(tariff)
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
            els,
            fias,
            category,
            recipient,
            [service],
            owner_type=owner_type,
        )
