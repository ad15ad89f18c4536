"""GIS ЖКХ payment-document (ПД) import template, FORMATS.md §6.

«Разделы 1-2» (data from row 4) has one row per payment document; «Разделы 3-6» (from row 5)
one row per (document, service); they join on the document number. The template carries no
account number or address: a document names its account by the ЖКУ identifier, which we
find among the organization's accounts by their ЕЛС.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

from billing.importers.base import ImportRefused, ParseContext, ParsedRow, RegistrySource, RowError, ServiceDraft, shown
from billing.importers.checks import CellError, MoneyParser, clean_text, parse_period
from billing.importers.requisites import recipient_problems, requisite_digits
from billing.importers.workbook import Row, iter_rows
from billing.importers.xlsx_scan import refuse_unsafe_sheet
from billing.models.receipts import ReceiptCategory

SECTIONS_1_2 = "Разделы 1-2"
SECTIONS_3_6 = "Разделы 3-6"
FIRST_ROW_1_2 = 4
FIRST_ROW_3_6 = 5
ZERO = Decimal("0.00")

# Column indexes (A = 0) of the template version described in FORMATS.md §6.
D1 = {
    "zhku": 0,
    "number": 2,
    "period": 3,
    "period_total": 8,
    "debt": 9,
    "advance": 10,
    "paid": 11,
    "subsidy": 14,
    "to_pay": 15,
    "bic": 16,
    "bank_account": 17,
    "cr_charge": 19,
    "cr_recalc": 20,
    "cr_privilege": 21,
    "cr_to_pay": 25,
}
D3 = {
    "number": 0,
    "service": 1,
    "measure": 2,
    "volume": 4,
    "volume_common": 6,
    "tariff": 7,
    "charge": 10,
    "recalculation": 13,
    "privilege": 14,
    "to_pay": 29,
}
TITLES = {
    "zhku": "A: Идентификатор ЖКУ",
    "number": "C: Номер ПД",
    "period": "D: Расчетный период",
    "period_total": "I: Сумма к оплате за период",
    "debt": "J: Задолженность",
    "advance": "K: Аванс",
    "paid": "L: Оплачено",
    "subsidy": "O: Субсидии",
    "to_pay": "P: Итого к оплате",
    "bic": "Q: БИК",
    "bank_account": "R: Расчетный счет",
    "cr_charge": "T: Капремонт начислено",
    "cr_recalc": "U: Капремонт перерасчеты",
    "cr_privilege": "V: Капремонт льготы",
    "cr_to_pay": "Z: Итого капремонт к оплате",
}
TITLES_3_6 = {
    "number": "A: Номер ПД",
    "service": "B: Услуга",
    "measure": "C: Ед. изм.",
    "volume": "E: Объём",
    "volume_common": "G: Объём ОДН",
    "tariff": "H: Тариф",
    "charge": "K: Всего начислено",
    "recalculation": "N: Перерасчеты",
    "privilege": "O: Льготы",
    "to_pay": "AD: Итого к оплате",
}


def _cell(values: list, index: int):
    return values[index] if index < len(values) else None


def _filled_rows(source: RegistrySource, sheet: str, first_row: int, context: ParseContext) -> Iterator[Row]:
    """(row number, values) of the sheet's rows from `first_row` on, empty rows left out."""
    for number, values in iter_rows(
        source,
        sheet,
        calamine_max_rows=context.calamine_max_rows,
        calamine_max_cells=context.calamine_max_cells,
        calamine_slice_rows=context.calamine_slice_rows,
        max_rows=context.max_rows,
    ):
        if number >= first_row and any(value not in (None, "") for value in values):
            yield number, values


class GisPaymentDocumentParser:
    code: ClassVar[str] = "gis_pd"
    label: ClassVar[str] = "ГИС ЖКХ: платёжные документы (xlsx)"
    kinds: ClassVar[tuple[str, ...]] = ("xlsx", "xls", "ods")

    def rows(self, source: RegistrySource, context: ParseContext) -> Iterator[ParsedRow | RowError]:
        for sheet, _header in ((SECTIONS_1_2, FIRST_ROW_1_2 - 1), (SECTIONS_3_6, FIRST_ROW_3_6 - 1)):
            refuse_unsafe_sheet(source, sheet, 0)
            if source.kind == "xlsx" and source.scan(sheet) is None:
                raise ImportRefused(f"В книге нет листа «{sheet}»: это не шаблон платёжных документов ГИС ЖКХ.")
        money = MoneyParser()
        quantity = MoneyParser(places=6, limit=Decimal("10000000000"))
        services, errors = self._services(source, context, money, quantity)
        yield from errors
        accounts = context.accounts_by_els() if context.accounts_by_els else {}
        for number, values in _filled_rows(source, SECTIONS_1_2, FIRST_ROW_1_2, context):
            row_errors: list[RowError] = []
            yield from self._document(number, values, row_errors, context, accounts, services, money)
            yield from row_errors
        for document, lines in services.items():
            yield RowError(
                lines[0].row,
                TITLES_3_6["number"],
                document,
                f"услуги на листе «{SECTIONS_3_6}» относятся к платёжному документу, которого нет на листе "
                f"«{SECTIONS_1_2}»",
            )

    def _services(self, source, context, money, quantity):
        by_document: dict[str, list[ServiceDraft]] = {}
        errors: list[RowError] = []
        for number, values in _filled_rows(source, SECTIONS_3_6, FIRST_ROW_3_6, context):
            found: dict[str, Any] = {}  # each value typed by its column's check
            for key, function in (
                ("number", lambda v: clean_text(v, max_length=64)),
                ("service", lambda v: clean_text(v, max_length=255)),
                ("measure", lambda v: clean_text(v, max_length=32)),
                ("volume", quantity),
                ("volume_common", quantity),
                ("tariff", quantity),
                ("charge", money),
                ("recalculation", money),
                ("privilege", money),
                ("to_pay", money),
            ):
                raw = _cell(values, D3[key])
                try:
                    found[key] = function(raw)
                except CellError as error:
                    errors.append(RowError(number, TITLES_3_6[key], shown(raw), str(error)))
            if not found.get("number"):
                errors.append(RowError(number, TITLES_3_6["number"], "", "не указан номер платёжного документа"))
            if not found.get("service"):
                errors.append(RowError(number, TITLES_3_6["service"], "", "услуга не указана"))
            if found.get("to_pay") is None and "to_pay" in found:
                errors.append(RowError(number, TITLES_3_6["to_pay"], "", "не указана сумма к оплате по услуге"))
            if errors and errors[-1].row == number:
                continue
            volume = found["volume"]
            if found["volume_common"] is not None:
                volume = (volume or ZERO) + found["volume_common"]
            by_document.setdefault(found["number"], []).append(
                ServiceDraft(
                    number,
                    found["service"],
                    found["to_pay"],
                    found["charge"] or ZERO,
                    found["recalculation"] or ZERO,
                    found["privilege"] or ZERO,
                    volume=volume,
                    tariff=found["tariff"],
                    measure=found["measure"],
                )
            )
        return by_document, errors

    def _document(self, number, values, errors, context, accounts, services, money) -> Iterator[ParsedRow]:
        def read(key, function):
            raw = _cell(values, D1[key])
            try:
                return function(raw)
            except CellError as error:
                errors.append(RowError(number, TITLES[key], shown(raw), str(error)))
                return None

        zhku = read("zhku", lambda v: clean_text(v, max_length=64))
        document = read("number", lambda v: clean_text(v, max_length=64))
        period = read("period", parse_period)
        amounts = {
            key: read(key, money)
            for key in (
                "period_total",
                "debt",
                "advance",
                "paid",
                "subsidy",
                "to_pay",
                "cr_charge",
                "cr_recalc",
                "cr_privilege",
                "cr_to_pay",
            )
        }
        recipient = self._recipient(number, values, errors, context)
        account = accounts.get(zhku or "") or accounts.get((zhku or "").split("-")[0])
        if not zhku:
            errors.append(RowError(number, TITLES["zhku"], "", "не указан идентификатор ЖКУ"))
        elif account is None:
            errors.append(
                RowError(
                    number,
                    TITLES["zhku"],
                    zhku,
                    "идентификатор ЖКУ не найден среди лицевых счетов УК (поле ЕЛС): сначала загрузите "
                    "реестр в Excel-шаблоне с заполненным столбцом «ЕЛС»",
                )
            )
        if not document:
            errors.append(RowError(number, TITLES["number"], "", "не указан номер платёжного документа"))
        lines = services.pop(document or "", [])
        if errors:
            return
        account_number, address, unit_name, full_name = account
        to_pay = amounts["to_pay"] if amounts["to_pay"] is not None else amounts["period_total"]
        if to_pay is None:
            errors.append(RowError(number, TITLES["to_pay"], "", "не указана сумма к оплате"))
            return
        stated = {
            "to_pay": to_pay,
            "balance": (amounts["debt"] or ZERO) - (amounts["advance"] or ZERO),
            "paid": amounts["paid"] or ZERO,
        }
        if amounts["period_total"] is not None:
            stated["services_total"] = amounts["period_total"]
        common = {
            "account": account_number,
            "address": address,
            "period": period,
            "unit_name": unit_name,
            "full_name": full_name,
            "recipient": recipient,
        }
        yield ParsedRow(row=number, services=lines, receipt_amounts=stated, **common)
        if amounts["cr_to_pay"]:
            charge = amounts["cr_charge"] or ZERO
            yield ParsedRow(
                row=number,
                category=ReceiptCategory.CAPITAL_REPAIR,
                **common,
                services=[
                    ServiceDraft(
                        number,
                        "Взнос на капитальный ремонт",
                        amounts["cr_to_pay"],
                        charge,
                        amounts["cr_recalc"] or ZERO,
                        amounts["cr_privilege"] or ZERO,
                    )
                ],
            )

    def _recipient(self, number, values, errors, context):
        bic_raw, account_raw = _cell(values, D1["bic"]), _cell(values, D1["bank_account"])
        try:
            bic = requisite_digits(bic_raw, name="БИК")
            bank_account = requisite_digits(account_raw, name="Расчётный счёт")
        except CellError as error:
            errors.append(RowError(number, TITLES["bic"], shown(bic_raw), str(error)))
            return None
        if not bic and not bank_account:
            return None
        known = context.recipients_by_account() if context.recipients_by_account else {}
        if bank_account in known:
            # A bank account has one recipient (CONTRACT.md 13.8): its TIN, never the organization's.
            tin = known[bank_account][0]
        elif context.default_recipient is None:
            return None  # the collector reports the missing recipient once
        else:
            tin = context.default_recipient[0]  # ПД names the supplier by ОГРН/КПП, not by ИНН
        for field, value, message in recipient_problems(tin, bic, bank_account):
            errors.append(RowError(number, TITLES.get(field, "ИНН получателя"), value, message))
        return (tin, bic, bank_account)
