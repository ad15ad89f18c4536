"""The careful check of one row of the desk template: every problem of the row, named.

desk_excel.py tries a fast path first and falls back to `DeskRowCheck._row` at the first
doubt; this is the reference for what is accepted, so the two never disagree on a row.
"""

from __future__ import annotations

from decimal import Decimal

from billing.amounts import AMOUNT_FIELDS
from billing.formatting import format_money
from billing.importers.base import ParseContext, ParsedRow, RowError, ServiceDraft, shown
from billing.importers.checks import (
    CellError,
    MoneyParser,
    clean_text,
    parse_account_number,
    parse_owner_type,
    parse_period,
    parse_unit_type,
)
from billing.importers.desk_columns import CATEGORIES, TITLES, category_for, check_recipient_cells, normalize_header
from billing.models.receipts import ReceiptCategory


class DeskRowCheck:
    # Set by the parser: memoized parsers and caches shared with its fast path.
    context: ParseContext
    money: MoneyParser
    quantity: MoneyParser
    periods: dict[object, object]
    unit_types: dict[object, object]
    owner_types: dict[object, object]
    recipients: dict[object, tuple[tuple[str, str, str] | None, list[tuple[str, str, str]]]]

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
        for key in AMOUNT_FIELDS:
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
        balance, charge, recalculation, privilege, penalty, paid, to_pay = (
            amounts[key] if amounts[key] is not None else zero for key in AMOUNT_FIELDS
        )
        expected = balance + charge + recalculation - abs(privilege) + penalty - abs(paid)
        if abs(expected - to_pay) > self.context.tolerance:
            errors.append(
                RowError(
                    number,
                    TITLES["to_pay"],
                    format_money(to_pay),
                    f"не сходится с составляющими: Долг на начало + Начислено + Перерасчёт − Льготы + "
                    f"Пени − Оплачено = {format_money(expected)}",
                )
            )
            return None
        measure = self._text(errors, number, "measure", values[p["measure"]], 32)
        amounts = {key: value if value is not None else zero for key, value in amounts.items()}
        service = ServiceDraft(number, service_name, volume=volume, tariff=tariff, measure=measure, **amounts)
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
                    return CATEGORIES[text]
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
