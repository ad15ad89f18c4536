"""Publishing on the batch page: live progress, the approver's buttons, Condo calls, reconciliation.

Every button calls a service of integration.publishing; the views only translate its answer.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from billing.admin.batch_views import batch_or_404, forbidden_response
from billing.errors import ActionForbidden, ApplicationError
from billing.models import Batch, Receipt
from billing.selectors.batches import batch_condo_warning_counts
from billing.services.batches import available_targets
from integration.models import CondoCall, Reconciliation
from integration.publishing.reconciliation import RECONCILABLE, batch_reconcile_request
from integration.publishing.retry import batch_publish_again, batch_retry_rejected
from integration.publishing.withdrawal import batch_supersede_request, superseded_by_candidates

Status = Batch.Status
IN_FLIGHT = (Status.APPROVED, Status.PUBLISHING)
CALLS_SHOWN = 20


class PublishingAdminMixin:
    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path("<path:object_id>/progress/", view(never_cache(self.progress_view)), name="billing_batch_progress"),
            path(
                "<path:object_id>/retry-rejected/",
                view(require_POST(self.retry_rejected_view)),
                name="billing_batch_retry_rejected",
            ),
            path(
                "<path:object_id>/publish-again/",
                view(require_POST(self.publish_again_view)),
                name="billing_batch_publish_again",
            ),
            path(
                "<path:object_id>/reconcile/", view(require_POST(self.reconcile_view)), name="billing_batch_reconcile"
            ),
            path(
                "<path:object_id>/supersede/<int:new_id>/",
                view(require_POST(self.supersede_view)),
                name="billing_batch_supersede",
            ),
        ]
        return [*urls, *super().get_urls()]

    def publishing_context(self, request: HttpRequest, batch: Batch) -> dict:
        """What `admin/billing/batch/review_publishing.html` needs."""
        targets = set(available_targets(batch=batch, user=request.user))
        may_publish = Status.PUBLISHING in targets
        return {
            "publishing_live": batch.status in IN_FLIGHT,
            # Withdrawn or replaced: a full bar and «Расхождений нет» would say the opposite of the truth.
            "batch_gone": batch.status in (Status.WITHDRAWN, Status.SUPERSEDED, Status.CANCELLED),
            "progress_url": reverse("admin:billing_batch_progress", args=[batch.pk]),
            "progress": batch_progress(batch),
            "can_retry_rejected": may_publish and batch.status == Status.PARTIALLY_PUBLISHED and batch.rejected_count,
            "can_publish_again": may_publish and batch.status == Status.FAILED,
            "can_reconcile": batch.status in RECONCILABLE,
            "supersede_by": superseded_by_candidates(old=batch) if Status.SUPERSEDED in targets else [],
            "reconciliation": Reconciliation.objects.filter(batch=batch).defer("differences").first(),
            "condo_calls": list(CondoCall.objects.filter(batch=batch).order_by("-created_at", "-pk")[:CALLS_SHOWN]),
            "condo_calls_url": reverse("admin:integration_condocall_changelist") + f"?batch__id__exact={batch.pk}",
            "condo_warnings": condo_warnings(batch),
            "failure_advice": failure_advice(batch) if batch.status == Status.FAILED else None,
        }

    # --- views -----------------------------------------------------------------------------------

    def progress_view(self, request: HttpRequest, object_id: str) -> JsonResponse:
        batch = self._publishing_batch(request, object_id)
        return JsonResponse(batch_progress(batch))

    def retry_rejected_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        batch = self._publishing_batch(request, object_id)
        return self._run(
            request,
            batch,
            lambda: batch_retry_rejected(batch=batch, by=request.user),
            "Отклонённые квитанции отправлены повторно.",
        )

    def publish_again_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        batch = self._publishing_batch(request, object_id)
        return self._run(
            request, batch, lambda: batch_publish_again(batch=batch, by=request.user), "Публикация запущена снова."
        )

    def reconcile_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        batch = self._publishing_batch(request, object_id)
        return self._run(
            request,
            batch,
            lambda: batch_reconcile_request(batch=batch, by=request.user),
            "Сверка с Condo запущена; результат появится на этой странице.",
        )

    def supersede_view(self, request: HttpRequest, object_id: str, new_id: int) -> HttpResponse:
        batch = self._publishing_batch(request, object_id)
        new = Batch.objects.filter(pk=new_id).first()
        if new is None:
            raise Http404("Пакет не найден.")
        reason = request.POST.get("reason", "")
        # Confirmed on the new batch's page (billing/admin/confirmations.py): the answer lands there.
        return self._run(
            request,
            batch,
            lambda: batch_supersede_request(old=batch, new=new, by=request.user, reason=reason),
            f"Замена запущена: квитанции, которых нет в пакете №{new.pk}, отзываются из Condo.",
            land_on=new,
        )

    # --- helpers ---------------------------------------------------------------------------------

    def _publishing_batch(self, request: HttpRequest, object_id: str) -> Batch:
        return batch_or_404(self, request, object_id)

    def _run(self, request: HttpRequest, batch: Batch, call, done: str, land_on: Batch | None = None) -> HttpResponse:
        try:
            call()
        except ActionForbidden as error:
            return forbidden_response(self, request, batch, error)
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)
        else:
            self.message_user(request, done, level=messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:billing_batch_change", args=[(land_on or batch).pk]))


WARNING_ADVICE = {
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


def batch_progress(batch: Batch) -> dict:
    done = batch.accepted_count + batch.rejected_count + batch.withdrawn_count
    return {
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "total": batch.receipts_count,
        "accepted": batch.accepted_count,
        "rejected": batch.rejected_count,
        "withdrawn": batch.withdrawn_count,
        "pending": batch.pending_count,
        "percent": done * 100 // batch.receipts_count if batch.receipts_count else 0,
        "live": batch.status in IN_FLIGHT,
        "last_error": batch.last_error if batch.status == Status.FAILED else "",
        "next_retry_at": batch.next_retry_at.isoformat()
        if batch.next_retry_at and batch.status == Status.FAILED
        else None,
    }


# What a failed batch's person should fix, and where, by the code of Condo's last refusal.
ACCESS_CODES = ("ACCESS_DENIED", "FORBIDDEN")
LOGIN_CODES = ("UNAUTHENTICATED", "WRONG_CREDENTIALS", "WRONG_PASSWORD")


def failure_advice(batch: Batch) -> dict:
    """The next step after «Сбой публикации», in words, with a link to the organization's Condo context."""
    code = (
        CondoCall.objects.filter(batch=batch)
        .exclude(error_code="")
        .order_by("-created_at", "-pk")
        .values_list("error_code", flat=True)
        .first()
        or ""
    )
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
