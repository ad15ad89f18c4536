"""The publishing panel of the batch admin: live progress, the approver's buttons, Condo calls, reconciliation.

Every button calls a service of integration.publishing; the views only translate its answer.
BatchAdmin gets this panel by its dotted path (settings.BATCH_PANELS): billing does not import integration.
"""

from __future__ import annotations

from django.contrib.admin import ModelAdmin
from django.http import Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import URLPattern, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from billing.admin.panels.base import (
    BatchAction,
    BatchPanel,
    actor,
    batch_or_404,
    door_path,
    run_service,
    service_view,
)
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
    on_batch = "<path:object_id>"
    return [
        door_path(model_admin, f"{on_batch}/progress/", progress_view, "billing_batch_progress", never_cache),
        door_path(
            model_admin,
            f"{on_batch}/retry-rejected/",
            retry_rejected_view,
            "billing_batch_retry_rejected",
            require_POST,
        ),
        door_path(
            model_admin, f"{on_batch}/publish-again/", publish_again_view, "billing_batch_publish_again", require_POST
        ),
        door_path(model_admin, f"{on_batch}/reconcile/", reconcile_view, "billing_batch_reconcile", require_POST),
        door_path(
            model_admin, f"{on_batch}/supersede/<int:new_id>/", supersede_view, "billing_batch_supersede", require_POST
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


retry_rejected_view = service_view(batch_retry_rejected, "Отклонённые квитанции отправлены повторно.")
publish_again_view = service_view(batch_publish_again, "Публикация запущена снова.")
reconcile_view = service_view(batch_reconcile_request, "Сверка с Condo запущена; результат появится на этой странице.")


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
