"""E-mail the submitter and the approvers when a batch needs a person's attention."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse

from billing.models import Batch
from billing.roles import APPROVER

logger = logging.getLogger(__name__)


def batch_attention_notify(*, batch: Batch) -> int:
    """Tell people that a batch failed or was published only in part; returns the number of addressees."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    addressees = sorted(
        set(users.filter(Q(groups__name=APPROVER) | Q(pk=batch.submitted_by_id)).values_list("email", flat=True))
    )
    if not addressees:
        return 0
    link = settings.SITE_URL + reverse("admin:billing_batch_change", args=[batch.pk])
    subject = (
        f"Пакет №{batch.pk} ({batch.organization.name}, {batch.period:%m.%Y}): {batch.get_status_display().lower()}"
    )
    body = "\n".join(
        [
            f"Пакет №{batch.pk} управляющей компании «{batch.organization.name}» за {batch.period:%m.%Y}",
            f"сейчас в статусе «{batch.get_status_display()}».",
            "",
            f"Квитанций всего: {batch.receipts_count}",
            f"Принято Condo: {batch.accepted_count}",
            f"Отклонено Condo: {batch.rejected_count}",
            f"Ожидает отправки: {batch.pending_count}",
            *([f"Последняя ошибка: {batch.last_error}"] if batch.last_error else []),
            "",
            f"Открыть пакет: {link}",
        ]
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, addressees, fail_silently=False)
    logger.info("batch %s: notified %s people about status %s", batch.pk, len(addressees), batch.status)
    return len(addressees)
