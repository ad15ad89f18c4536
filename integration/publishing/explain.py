"""Condo's per-receipt errors in words an accountant can act on.

Condo's error types are generic (WRONG_FORMAT, WRONG_VALUE …); what went wrong is told by
the last element of `extensions.variable` and, for the address quirk, by the message text.
"""

from __future__ import annotations

from billing.models.receipts import CondoWarning
from integration.condo import ReceiptError, ReceiptOutcome
from integration.condo.errors import mask_condo_message

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
    "RECEIPT_SAVE_FAILED": "Condo не смог сохранить квитанцию: причина в её данных (суммы, тексты, детали суммы), "
    "повторная отправка тех же данных не поможет. Проверьте квитанцию в реестре.",
}


def receipt_error_explained(error: ReceiptError) -> str:
    text: str | None
    if "Address is not recognized" in (error.message or ""):
        text = "Адрес не распознан адресным сервисом Condo. Исправьте адрес в реестре (город, улица, дом)."
    else:
        text = _BY_CODE.get(error.code) or _BY_VARIABLE.get(error.variable or "")
    if text is None:
        text = error.message_for_user or error.message or "Condo отклонил квитанцию без объяснения."
        text = mask_condo_message(text)
    if error.retryable:
        text += " Ошибка на стороне Condo: квитанция будет отправлена повторно."
    return f"{text} [{error.code}]"


RECIPIENT_NOT_APPROVED_TEXT = (
    "Принята, но получатель платежа не подтверждён в Condo: жители увидят квитанцию, но не смогут её оплатить. "
    "Попросите поддержку Condo подтвердить расчётный счёт получателя (БИК и р/с из квитанции) в организации "
    "либо укажите получателя с ИНН самой организации."
)


def receipt_warning(outcome: ReceiptOutcome) -> tuple[str, str]:
    """(code, what to do) for an accepted receipt Condo keeps other than meant; ("", "") when all is well.

    An unapproved recipient (13.5) makes the receipt unpayable: it is the code when both apply.
    """
    texts, code = [], ""
    if outcome.services_error:
        code = CondoWarning.INVALID_SERVICES
        texts.append(
            f"Condo сообщает, что сумма услуг не сходится с итогом: «{outcome.services_error}». "
            "Проверьте суммы услуг в реестре и отправьте квитанцию снова."
        )
    if outcome.receiver_approved is False:
        code = CondoWarning.RECIPIENT_NOT_APPROVED
        texts.insert(0, RECIPIENT_NOT_APPROVED_TEXT)
    return str(code), " ".join(texts)
