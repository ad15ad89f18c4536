"""Condo's per-receipt errors in words an accountant can act on.

Condo's error types are generic (WRONG_FORMAT, WRONG_VALUE …); what went wrong is told by
the last element of `extensions.variable` and, for the address quirk, by the message text.
"""

from __future__ import annotations

from integration.condo import ReceiptError

_BY_VARIABLE = {
    "month": "Неверный месяц периода (должен быть от 1 до 12).",
    "year": "Неверный год периода (нужно четыре цифры).",
    "bic": "Банк получателя с таким БИК не найден. Проверьте БИК в реестре.",
    "tin": "Получатель с таким ИНН не найден. Проверьте ИНН получателя в реестре.",
    "bankAccount": "Condo не смог сохранить получателя платежа. Проверьте расчётный счёт.",
    "address": "Condo не смог сохранить дом по этому адресу.",
    "accountNumber": "Condo не смог сохранить лицевой счёт. Часто это значит, что не распознан адрес.",
    "category": "Категория квитанции неизвестна Condo.",
}

_BY_CODE = {
    "RECEIPT_TOO_LARGE": "Квитанция слишком велика для одного запроса к Condo (слишком много услуг или длинные тексты).",
    "UNKNOWN": "Condo не вернул ни квитанцию, ни ошибку.",
}


def receipt_error_explained(error: ReceiptError) -> str:
    if "Address is not recognized" in (error.message or ""):
        text = "Адрес не распознан адресным сервисом Condo. Исправьте адрес в реестре (город, улица, дом)."
    else:
        text = _BY_CODE.get(error.code) or _BY_VARIABLE.get(error.variable or "")
    if text is None:
        text = error.message_for_user or error.message or "Condo отклонил квитанцию без объяснения."
    if error.retryable:
        text += " Ошибка на стороне Condo: квитанция будет отправлена повторно."
    return f"{text} [{error.code}]"
