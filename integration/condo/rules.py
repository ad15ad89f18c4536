"""Condo's resolver rules, one implementation each (contract section 13).

The sandbox applies them to what it receives, and the check before approval applies them to
the documents we are about to send (`document_problems`), so the two cannot disagree. Each
function names the Condo source it follows. Documents are the wire form: `receipt_json` of
payloads.py, parsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from graphql import GraphQLInputObjectType

from integration.condo.addresses import UNIT_TYPES, ParsedAddress, address_from_receipt
from integration.condo.documents import project_schema
from integration.condo.inputs import InputChecker
from integration.condo.sizing import VARIABLES_LIMIT, object_sizeof, variables_size
from integration.condo.value_rules import (
    InvalidNumber,
    big,
    big_string,
    has_company_word,
    is_person,
    recipient_is_approved,
    services_sum_error,
)

__all__ = [
    "InvalidNumber",
    "ParsedAddress",
    "RuleProblem",
    "address_from_receipt",
    "big_string",
    "document_problems",
    "is_person",
    "recipient_is_approved",
    "services_sum_error",
    "variables_size",
]

# The other variables of a publish call at their largest (a 42-character fingerprint).
ENVELOPE_BYTES = object_sizeof(
    {"data": {"dv": 1, "sender": {"dv": 1, "fingerprint": "x" * 42}, "context": {"id": "0" * 36}, "receipts": []}}
)
RECEIPT_MAX_BYTES = VARIABLES_LIMIT - ENVELOPE_BYTES
DETAIL_KEYS = frozenset({"formula", "charge", "balance", "recalculation", "privilege", "penalty", "paid"})


# --- Every rule over a set of documents ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """One reason Condo would refuse a document or keep it other than we meant.

    `message` is Russian, for an accountant: what is wrong and what to fix. It carries no
    payer name.
    """

    index: int
    import_id: str
    account: str
    code: str
    message: str


@cache
def _receipt_checker() -> Any:
    receipt_input = project_schema().type_map["RegisterBillingReceiptInput"]
    assert isinstance(receipt_input, GraphQLInputObjectType)
    return InputChecker().checker(receipt_input)


def document_problems(
    documents: list[dict[str, Any]], *, max_receipt_bytes: int = RECEIPT_MAX_BYTES
) -> list[RuleProblem]:
    """Every rule of section 13 that can be judged before sending, over one call's documents.

    Per document: the SDL's input type, the fields Condo checks (month, year, BIC, INN, the
    receipt-level details, big.js amounts), the services sum (13.2), the size (13.3), the
    address and unit Condo would take (13.4) and the owner type it would guess (13.6).
    Across documents: one bank account with two recipients (13.8), one importId twice (5.3).
    """
    problems: list[RuleProblem] = []
    first_recipient: dict[str, tuple[str, str, str]] = {}
    first_import: dict[str, str] = {}
    for index, document in enumerate(documents):
        found = _document_problems(document, max_receipt_bytes)
        if isinstance(document, dict) and not any(code == "SCHEMA" for code, _ in found):
            found += _recipient_problems(document, first_recipient)
            import_id = document.get("importId") or ""
            if import_id in first_import:
                found.append(
                    (
                        "DUPLICATE_IMPORT_ID",
                        f"Квитанция с importId «{import_id}» уже есть в этой отправке "
                        f"(лицевой счёт {first_import[import_id]}); Condo запишет одну поверх другой.",
                    )
                )
            first_import.setdefault(import_id, document["accountNumber"])
        import_id, account = _identity(document)
        problems += [RuleProblem(index, import_id, account, code, message) for code, message in found]
    return problems


def _identity(document: Any) -> tuple[str, str]:
    if not isinstance(document, dict):
        return "", ""
    return str(document.get("importId") or ""), str(document.get("accountNumber") or "")


def _document_problems(document: Any, max_bytes: int) -> list[tuple[str, str]]:
    shape = _receipt_checker()(document, "receipt")
    if shape:
        return [
            (
                "SCHEMA",
                f"Документ не соответствует схеме Condo ({shape}): Condo отклонит весь запрос. "
                "Это ошибка программы, сообщите разработчикам.",
            )
        ]
    found: list[tuple[str, str]] = []
    if not 1 <= document["month"] <= 12:
        found.append(
            ("WRONG_MONTH", f"Месяц периода {document['month']} вне 1..12 (Condo примет 0 как декабрь прошлого года).")
        )
    if len(str(document["year"])) != 4:
        found.append(("WRONG_YEAR", f"Год периода {document['year']} не из четырёх цифр."))
    bic, tin = document["routingNumber"], document["tin"]
    if not (len(bic) == 9 and bic.isdigit() and bic[:2] in ("04", "01")):
        found.append(("BAD_BIC", f"БИК получателя «{bic}» неверен: нужно 9 цифр, начиная с 04 или 01."))
    if not (len(tin) in (10, 12) and tin.isdigit()):
        found.append(("BAD_TIN", f"ИНН получателя «{tin}» неверен: нужно 10 или 12 цифр."))
    details = document.get("toPayDetails")
    if details is not None and (not DETAIL_KEYS.issuperset(details) or None in details.values()):
        found.append(
            (
                "SCHEMA",
                "Детали суммы квитанции не проходят JSON-схему Condo: квитанция не сохранится. "
                "Это ошибка программы, сообщите разработчикам.",
            )
        )
    found += _amount_problems(document)
    if not any(code == "INVALID_AMOUNT" for code, _ in found):
        error = services_sum_error(document)
        if error:
            found.append(
                (
                    "INVALID_SERVICES",
                    "Сумма услуг не сходится с итогом так, как проверяет Condo "
                    "(сумма «К оплате» услуг должна быть равна «К оплате» квитанции плюс «Оплачено»): "
                    f"{error}. Жители увидят квитанцию с ошибкой; исправьте суммы в реестре.",
                )
            )
    size = variables_size(document)
    if size > max_bytes:
        found.append(
            (
                "RECEIPT_TOO_LARGE",
                f"Квитанция занимает {size} байт по счёту Condo, больше {max_bytes}: "
                "она не поместится ни в один запрос. Сократите число услуг или длину текстов.",
            )
        )
    found += _address_problems(document)
    found += _owner_problems(document)
    return found


def _amount_problems(document: dict[str, Any]) -> list[tuple[str, str]]:
    amounts = [("К оплате", document["toPay"])]
    amounts += [
        (f"детали суммы, {key}", value)
        for key, value in (document.get("toPayDetails") or {}).items()
        if key != "formula"
    ]
    for number, service in enumerate(document.get("services") or (), start=1):
        if service is None:
            return [("INVALID_AMOUNT", f"Услуга {number} пуста: Condo не сможет проверить сумму услуг.")]
        amounts.append((f"услуга {number} «{service.get('name')}», К оплате", service.get("toPay", "0")))
    for label, value in amounts:
        try:
            big(value)
        except InvalidNumber:
            return [
                (
                    "INVALID_AMOUNT",
                    f"Сумма «{label}» = «{value}» не число для Condo (нужны цифры и точка, "
                    "например 1520.40). Исправьте сумму в реестре.",
                )
            ]
    return []


def _address_problems(document: dict[str, Any]) -> list[tuple[str, str]]:
    unit_type = (document.get("addressMeta") or {}).get("unitType")
    parsed = address_from_receipt(document)
    if not parsed.reparsed:
        if unit_type and unit_type not in UNIT_TYPES:
            return [
                (
                    "UNIT_TYPE_UNKNOWN",
                    f"Тип помещения «{unit_type}» неизвестен Condo; он прочтёт его как "
                    f"«{parsed.unit_type}». Допустимы: {', '.join(UNIT_TYPES)}.",
                )
            ]
        return []
    if not parsed.house:
        return [
            (
                "ADDRESS_NOT_RECOGNIZED",
                f"В адресе «{document['address']}» Condo не найдёт дом (нет запятой перед "
                "помещением), а номер и тип помещения не указаны. Укажите их в реестре.",
            )
        ]
    unit = f"{parsed.unit_type} «{parsed.unit_name}»"
    if parsed.invented:
        return [
            (
                "UNIT_INVENTED",
                f"Помещение не указано: Condo привяжет счёт к выдуманной квартире «1» дома "
                f"«{parsed.house}». Укажите номер и тип помещения (для всего дома тоже).",
            )
        ]
    return [
        (
            "ADDRESS_REPARSED",
            f"Номер или тип помещения не указан: Condo разберёт адрес «{document['address']}» сам "
            f"и возьмёт дом «{parsed.house}», помещение {unit}. Укажите номер и тип помещения.",
        )
    ]


def _owner_problems(document: dict[str, Any]) -> list[tuple[str, str]]:
    meta = document.get("accountMeta") or {}
    name = meta.get("fullName")
    if meta.get("ownerType") is not None or not name:
        return []
    if not is_person(name) and not has_company_word(name):
        # Most likely a person written other than «Фамилия Имя Отчество» (one word, lower case):
        # Condo would make the account a company's, and residents are never linked to it.
        return [
            (
                "OWNER_TYPE_GUESSED",
                "Тип владельца не указан, а ФИО записано не так, как Condo распознаёт "
                "физлицо («Фамилия Имя Отчество» с заглавных букв): счёт станет счётом "
                "организации и не будет привязан к жителям. Укажите тип владельца в реестре "
                "или исправьте ФИО.",
            )
        ]
    return []


def _recipient_problems(document: dict[str, Any], first: dict[str, tuple[str, str, str]]) -> list[tuple[str, str]]:
    # recipientResolver.js: the first receipt with a bank account decides its INN and BIC.
    account, tin, bic = document["bankAccount"], document["tin"], document["routingNumber"]
    seen = first.setdefault(account, (document["accountNumber"], tin, bic))
    if seen[1:] == (tin, bic):
        return []
    return [
        (
            "BANK_ACCOUNT_TWO_RECIPIENTS",
            f"Расчётный счёт {account} уже указан с ИНН {seen[1]} и БИК {seen[2]} "
            f"(лицевой счёт {seen[0]}), здесь — с ИНН {tin} и БИК {bic}. Condo хранит одного получателя на "
            "расчётный счёт и возьмёт данные первой строки. Исправьте ИНН или БИК в реестре.",
        )
    ]
