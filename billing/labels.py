"""Russian names for the codes the database stores, so that no page shows «desk_excel»."""

from __future__ import annotations

from billing.importers.formats import MAP_PREFIX, format_choices
from billing.models import SberColumnMap


def registry_format_label(code: str) -> str:
    """«Шаблон рабочего места (Excel)» for `desk_excel`; a deleted Sber column map still reads as one."""
    if not code:
        return ""
    labels = dict(format_choices())
    if code in labels:
        return labels[code]
    if code.startswith(MAP_PREFIX):
        column_map = (
            SberColumnMap.objects.filter(pk=code.removeprefix(MAP_PREFIX)).first()
            if code.removeprefix(MAP_PREFIX).isdigit()
            else None
        )
        return column_map.layout().label if column_map else "Сбербанк, раскладка УК"
    return "другой формат"


# The check before approval stores Condo's rule codes (integration/condo/rules.py); support asks about the code,
# the accountant reads what it means. A code not listed still reads as words.
CHECK_CODE_LABELS = {
    "SCHEMA": "Поле не по схеме Condo",
    "DUPLICATE_IMPORT_ID": "Квитанция повторяется",
    "INVALID_SERVICES": "Услуги не складываются в сумму к оплате",
    "INVALID_AMOUNT": "Неверная сумма",
    "WRONG_MONTH": "Неверный месяц",
    "WRONG_YEAR": "Неверный год",
    "BAD_TIN": "Неверный ИНН получателя",
    "BAD_BIC": "Неверный БИК получателя",
    "BANK_ACCOUNT_TWO_RECIPIENTS": "Один счёт у двух получателей",
    "UNIT_TYPE_UNKNOWN": "Неизвестный тип помещения",
    "ADDRESS_NOT_RECOGNIZED": "Адрес не распознан",
    "UNIT_INVENTED": "Condo придумает помещение",
    "ADDRESS_REPARSED": "Condo разберёт адрес иначе",
    "OWNER_TYPE_GUESSED": "Тип владельца угадан",
    "NO_UNIT": "Нет помещения",
    "NO_IMPORT_ID": "Нет номера квитанции",
    "RECEIPT_TOO_LARGE": "Квитанция слишком велика",
}


def check_code_label(code: str) -> str:
    return CHECK_CODE_LABELS.get(code, "Другое нарушение правил Condo")
