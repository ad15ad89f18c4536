"""What the publishing panel says about a batch: its progress, Condo's warnings and the next step after a failure."""

from __future__ import annotations

from django.urls import reverse

from billing.models import Batch, Receipt
from billing.selectors.batches import batch_condo_warning_counts
from integration.selectors import batch_last_condo_error_code

Status = Batch.Status
IN_FLIGHT = (Status.APPROVED, Status.PUBLISHING)


def batch_progress(batch: Batch) -> dict:
    return {
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "total": batch.receipts_count,
        "accepted": batch.accepted_count,
        "rejected": batch.rejected_count,
        "withdrawn": batch.withdrawn_count,
        "pending": batch.pending_count,
        "percent": batch.publish_percent,
        "live": batch.status in IN_FLIGHT,
        "last_error": batch.last_error if batch.status == Status.FAILED else "",
        "next_retry_at": batch.next_retry_at.isoformat()
        if batch.next_retry_at and batch.status == Status.FAILED
        else None,
    }


WARNING_ADVICE: dict[str, str] = {
    Receipt.CondoWarning.RECIPIENT_NOT_APPROVED: (
        "Жители видят эти квитанции, но не могут их оплатить: Condo не подтвердил получателя платежа. "
        "Попросите поддержку Condo подтвердить расчётный счёт (БИК и р/с получателя) в организации, "
        "связанной с контекстом УК, или укажите получателя с ИНН самой организации. Квитанции отправлять снова не нужно."
    ),
    Receipt.CondoWarning.INVALID_SERVICES: (
        "Condo считает, что сумма услуг не сходится с итогом квитанции. Исправьте суммы в реестре и загрузите "
        "исправленный пакет."
    ),
}


def condo_warnings(batch: Batch) -> list[dict]:
    """Accepted receipts Condo keeps other than meant, counted per kind, with what to do."""
    if not batch.accepted_count:
        return []  # only an accepted receipt carries a warning: no query for a batch not yet sent
    counts = batch_condo_warning_counts(batch_ids=[batch.pk])
    receipts_url = reverse("admin:billing_receipt_changelist")
    return [
        {
            "code": code,
            "label": label,
            "count": counts[(batch.pk, code)],
            "advice": WARNING_ADVICE[code],
            "receipts_url": f"{receipts_url}?batch__id__exact={batch.pk}&condo_warning__exact={code}",
            "organization_url": reverse("admin:billing_organization_change", args=[batch.organization_id]),
        }
        for code, label in Receipt.CondoWarning.choices
        if counts.get((batch.pk, code))
    ]


# What a failed batch's person should fix, and where, by the code of Condo's last refusal.
ACCESS_CODES = ("ACCESS_DENIED", "FORBIDDEN")
LOGIN_CODES = ("UNAUTHENTICATED", "WRONG_CREDENTIALS", "WRONG_PASSWORD")


def failure_advice(batch: Batch) -> dict:
    """The next step after «Сбой публикации», in words, with a link to the organization's Condo context."""
    code = batch_last_condo_error_code(batch=batch)
    organization = batch.organization
    context_url = reverse("admin:billing_organization_change", args=[organization.pk])
    if code in ACCESS_CODES or "доступе" in batch.last_error:
        kind, text = (
            "context",
            (
                f"Condo не пускает в контекст биллинга «{organization.condo_context_id or 'не указан'}» организации "
                f"«{organization.name}». Проверьте в Condo, что этот контекст существует, подключён (статус Finished) "
                "и что у пользователя интеграции есть на него права; если ID неверный — исправьте его в карточке УК. "
                "Затем нажмите «Опубликовать снова»."
            ),
        )
    elif code in LOGIN_CODES or "CONDO_LOGIN" in batch.last_error:
        kind, text = (
            "login",
            (
                "Condo не принимает вход пользователя интеграции. Администратор проверяет CONDO_LOGIN и CONDO_PASSWORD "
                "(или CONDO_TOKEN) в настройках сервера; затем «Опубликовать снова»."
            ),
        )
    else:
        kind, text = (
            "transient",
            (
                "Condo не ответил или ответил ошибкой. Публикация повторится сама; чтобы не ждать — «Опубликовать снова». "
                "Если сбой повторяется, посмотрите вызовы Condo ниже."
            ),
        )
    return {"kind": kind, "text": text, "context_url": context_url, "organization": organization}
