"""The publishing panel of the batch admin: live progress, the approver's buttons, Condo calls, reconciliation.

Every button calls a service of integration.publishing; the views only translate its answer.
BatchAdmin gets this panel by its dotted path (settings.BATCH_PANELS): billing does not import integration.
"""

from __future__ import annotations

from django.contrib.admin import ModelAdmin
from django.http import Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from billing.admin.panels.base import BatchAction, BatchPanel, actor, admin_door, batch_or_404, run_service
from billing.models import Batch
from billing.selectors.batches import batch_with_organization
from billing.services.batches import available_targets
from integration.admin_panels.publishing_advice import IN_FLIGHT, batch_progress, condo_warnings, failure_advice
from integration.publishing.reconciliation import RECONCILABLE, batch_reconcile_request
from integration.publishing.retry import batch_publish_again, batch_retry_rejected
from integration.publishing.withdrawal import batch_supersede_request, batch_withdraw_request, superseded_by_candidates
from integration.selectors import batch_condo_calls, batch_latest_reconciliation

Status = Batch.Status
CALLS_SHOWN = 20

WITHDRAW = BatchAction(
    "withdraw",
    Status.WITHDRAWN,
    "Отозвать…",
    "Отзыв запущен: квитанции удаляются из Condo, по окончании пакет получит статус «Отозван».",
    batch_withdraw_request,
    needs_reason=True,
    confirm=True,
)


def publishing_urls(model_admin: ModelAdmin) -> list[URLPattern]:
    def door(view, *decorators):
        return admin_door(model_admin, view, *decorators)

    return [
        path("<path:object_id>/progress/", door(progress_view, never_cache), name="billing_batch_progress"),
        path(
            "<path:object_id>/retry-rejected/",
            door(retry_rejected_view, require_POST),
            name="billing_batch_retry_rejected",
        ),
        path(
            "<path:object_id>/publish-again/",
            door(publish_again_view, require_POST),
            name="billing_batch_publish_again",
        ),
        path("<path:object_id>/reconcile/", door(reconcile_view, require_POST), name="billing_batch_reconcile"),
        path(
            "<path:object_id>/supersede/<int:new_id>/",
            door(supersede_view, require_POST),
            name="billing_batch_supersede",
        ),
    ]


def publishing_context(model_admin: ModelAdmin, request: HttpRequest, batch: Batch) -> dict:
    """What `admin/billing/batch/review_publishing.html` needs."""
    targets = set(available_targets(batch=batch, user=actor(request)))
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
        "reconciliation": batch_latest_reconciliation(batch_id=batch.pk),
        "condo_calls": batch_condo_calls(batch=batch, limit=CALLS_SHOWN),
        "condo_calls_url": reverse("admin:integration_condocall_changelist") + f"?batch__id__exact={batch.pk}",
        "condo_warnings": condo_warnings(batch),
        "failure_advice": failure_advice(batch) if batch.status == Status.FAILED else None,
    }


def progress_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> JsonResponse:
    batch = batch_or_404(model_admin, request, object_id)
    return JsonResponse(batch_progress(batch))


def retry_rejected_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponseBase:
    batch = batch_or_404(model_admin, request, object_id)
    return run_service(
        model_admin,
        request,
        batch,
        lambda: batch_retry_rejected(batch=batch, by=actor(request)),
        "Отклонённые квитанции отправлены повторно.",
    )


def publish_again_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponseBase:
    batch = batch_or_404(model_admin, request, object_id)
    return run_service(
        model_admin,
        request,
        batch,
        lambda: batch_publish_again(batch=batch, by=actor(request)),
        "Публикация запущена снова.",
    )


def reconcile_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponseBase:
    batch = batch_or_404(model_admin, request, object_id)
    return run_service(
        model_admin,
        request,
        batch,
        lambda: batch_reconcile_request(batch=batch, by=actor(request)),
        "Сверка с Condo запущена; результат появится на этой странице.",
    )


def supersede_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str, new_id: int) -> HttpResponseBase:
    batch = batch_or_404(model_admin, request, object_id)
    new = batch_with_organization(batch_id=new_id)
    if new is None:
        raise Http404("Пакет не найден.")
    reason = request.POST.get("reason", "")
    # Confirmed on the new batch's page (billing/admin/panels/confirmations.py): the answer lands there.
    return run_service(
        model_admin,
        request,
        batch,
        lambda: batch_supersede_request(old=batch, new=new, by=actor(request), reason=reason),
        f"Замена запущена: квитанции, которых нет в пакете №{new.pk}, отзываются из Condo.",
        land_on=new,
    )


publishing_panel = BatchPanel(
    name="publishing",
    urls=publishing_urls,
    context=publishing_context,
    sections=(("publishing", "admin/billing/batch/review_publishing.html"),),
    actions=(WITHDRAW,),
)
