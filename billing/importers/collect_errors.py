"""What the collector (billing/importers/collect.py) says when a file breaks a rule that needs more than one row."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from billing.formatting import format_money
from billing.importers.base import ParsedRow, RecipientKey, RowError, ServiceDraft
from billing.importers.checks import period_label
from billing.importers.drafts import AccountDraft, ReceiptDraft


def row_of_another_period(row: ParsedRow, period: date) -> RowError:
    return RowError(
        row.row,
        "Период",
        period_label(row.period),
        f"период не совпадает с периодом пакета {period_label(period)}",
    )


def file_of_another_period(wrong_periods: Counter[date], period: date) -> RowError:
    found = ", ".join(f"{period_label(p)} ({n} стр.)" for p, n in wrong_periods.most_common(3))
    return RowError(
        None,
        "Период",
        found,
        f"реестр за другой период: пакет — за {period_label(period)}. "
        "Файл отклонён целиком; выберите верный период или другой файл",
    )


def no_recipient(row: ParsedRow) -> RowError:
    return RowError(
        row.row,
        "ИНН получателя",
        "",
        "в реестре нет реквизитов получателя, а у организации не указан получатель "
        "по умолчанию: заполните его в карточке организации",
    )


def account_at_two_addresses(row: ParsedRow, account: AccountDraft) -> RowError:
    return RowError(
        row.row,
        "Адрес",
        row.address,
        f"лицевой счёт {row.account} уже указан в строке {account.row} с адресом "
        f"«{account.address}»: один счёт не может относиться к двум адресам",
    )


def receipt_with_two_recipients(row: ParsedRow, receipt: ReceiptDraft, recipient: RecipientKey) -> RowError:
    return RowError(
        row.row,
        "Расчётный счёт",
        recipient[2],
        f"у лицевого счёта {row.account} в строке {receipt.row} указан другой получатель "
        "платежа: в одной квитанции получатель один",
    )


def account_repeated(row: ParsedRow, receipt: ReceiptDraft) -> RowError:
    return RowError(
        row.row,
        "Лицевой счёт",
        row.account,
        f"лицевой счёт повторяется: уже был в строке {receipt.row}",
    )


def service_repeated(row: ParsedRow, service: ServiceDraft, earlier: ServiceDraft) -> RowError:
    return RowError(
        service.row,
        "Услуга",
        service.name,
        f"услуга для лицевого счёта {row.account} повторяется: уже была в строке {earlier.row}",
    )


def bank_account_with_two_recipients(
    number: int, recipient: RecipientKey, first: tuple[str, str, int | None]
) -> RowError:
    """`first`: the (tin, bic, row) the bank account was first given; row None for the organization's default."""
    tin, bic, bank_account = recipient
    where = "в карточке организации (получатель по умолчанию)" if first[2] is None else f"в строке {first[2]}"
    column, label, value, other = (
        ("ИНН получателя", "ИНН", tin, first[0]) if first[0] != tin else ("БИК", "БИК", bic, first[1])
    )
    return RowError(
        number,
        column,
        value,
        f"расчётный счёт {bank_account} {where} указан с другим {label} {other}: у одного "
        "расчётного счёта один получатель",
    )


def total_not_matching(receipt: ReceiptDraft, stated: Decimal, services: Decimal, difference: Decimal) -> RowError:
    return RowError(
        receipt.row,
        "Итого к оплате",
        format_money(stated),
        f"итог не сходится с суммой услуг {format_money(services)} (расхождение {format_money(difference)})",
    )


def no_data_rows() -> RowError:
    return RowError(None, "", "", "в файле нет строк с данными")
