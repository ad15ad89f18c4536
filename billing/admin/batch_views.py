"""The batch review page and the workflow buttons behind it.

The views read through billing.selectors.batches and change nothing themselves: every button calls
a service of billing.services.batches, and every refusal (state, role, four eyes, missing
reason) comes from the service and is reported as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from billing.errors import ActionForbidden, ApplicationError
from billing.formatting import format_percent
from billing.labels import registry_format_label
from billing.models import Batch, Receipt
from billing.selectors.batches import batch_state_counts, batch_transitions
from billing.selectors.corrections import PUBLISHED, Replacement, batch_replacement
from billing.selectors.month import batch_approval_state
from billing.selectors.queues import batch_rejection
from billing.selectors.review import Anomaly, BatchAnomalies, batch_receipts_page, batch_review
from billing.services.batches import available_targets, batch_approve, batch_cancel, batch_reject, batch_submit
from integration.publishing.withdrawal import batch_withdraw_request

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

RECEIPTS_PER_PAGE = 50
MAX_PAGE = 100_000  # 5,000,000 receipts; keeps a hand-typed page number within an SQL integer


@dataclass(frozen=True)
class BatchAction:
    """A workflow button: the status it leads to and the service that takes the batch there."""

    slug: str
    target: str
    label: str
    done: str
    service: Callable[..., Batch]
    needs_reason: bool = False
    # Irreversible buttons open a confirmation page (billing/admin/confirmations.py) instead of posting.
    confirm: bool = False

    def url_name(self) -> str:
        return f"billing_batch_{self.slug}"

    def run(self, *, batch: Batch, by, reason: str) -> Batch:
        if self.needs_reason:
            return self.service(batch=batch, by=by, reason=reason)
        return self.service(batch=batch, by=by)


Status = Batch.Status
ACTIONS: tuple[BatchAction, ...] = (
    BatchAction(
        "submit", Status.SUBMITTED, "Отправить на утверждение", "Пакет отправлен на утверждение.", batch_submit
    ),
    BatchAction("approve", Status.APPROVED, "Утвердить…", "Пакет утверждён.", batch_approve, confirm=True),
    BatchAction("reject", Status.REJECTED, "Отклонить", "Пакет отклонён.", batch_reject, needs_reason=True),
    BatchAction(
        "withdraw",
        Status.WITHDRAWN,
        "Отозвать…",
        "Отзыв запущен: квитанции удаляются из Condo, по окончании пакет получит статус «Отозван».",
        batch_withdraw_request,
        needs_reason=True,
        confirm=True,
    ),
    BatchAction(
        "cancel_batch",
        Status.CANCELLED,
        "Отменить пакет",
        "Пакет отменён: он остаётся в истории, но не публикуется.",
        batch_cancel,
        needs_reason=True,
    ),
)


def forbidden_response(
    model_admin: ModelAdmin, request: HttpRequest, batch: Batch, error: ActionForbidden
) -> TemplateResponse:
    """403 with the service's reason, in the admin's chrome."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Действие запрещено",
        "opts": model_admin.opts,
        "batch": batch,
        "message": error.message,
    }
    return TemplateResponse(request, "admin/billing/batch/forbidden.html", context, status=403)


def batch_or_404(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> Batch:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    batch = model_admin.get_object(request, unquote(object_id))
    if batch is None:
        raise Http404("Пакет не найден.")
    return batch


def batch_action_view(
    model_admin: ModelAdmin, request: HttpRequest, object_id: str, *, action: BatchAction
) -> HttpResponse:
    """POST only. A refusal for the user's role answers 403; any other refusal is a message."""
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    batch = batch_or_404(model_admin, request, object_id)
    try:
        action.run(batch=batch, by=request.user, reason=request.POST.get("reason", ""))
    except ActionForbidden as error:
        return forbidden_response(model_admin, request, batch, error)
    except ApplicationError as error:
        model_admin.message_user(request, error.message, level=messages.ERROR)
    else:
        model_admin.message_user(request, f"{action.done} {batch}", level=messages.SUCCESS)
    return HttpResponseRedirect(reverse("admin:billing_batch_change", args=[batch.pk]))


def batch_review_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> TemplateResponse:
    """The read-only review page: status, allowed buttons, totals, anomalies, history, receipts."""
    batch = batch_or_404(model_admin, request, object_id)
    state = request.GET.get("state") if request.GET.get("state") in Receipt.PublishState.values else None
    anomaly = request.GET.get("anomaly") if request.GET.get("anomaly") in Anomaly.LABELS else None
    page = _page_number(request.GET.get("page"))

    review = batch_review(batch=batch)
    anomalies = review.anomalies
    state_counts = batch_state_counts(batch=batch)
    # One row more than a page tells whether a next page exists without counting.
    rows = batch_receipts_page(
        batch=batch,
        state=state,
        anomaly=anomaly,
        previous=anomalies.previous,
        offset=(page - 1) * RECEIPTS_PER_PAGE,
        limit=RECEIPTS_PER_PAGE + 1,
    )
    total = _known_total(state=state, anomaly=anomaly, state_counts=state_counts, anomalies=anomalies)

    allowed = set(available_targets(batch=batch, user=request.user))
    replacement = batch_replacement(batch=batch)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": str(batch),
        "batch": batch,
        "source_format_label": registry_format_label(batch.source_format),
        "replacement": replacement,
        "rejection": batch_rejection(batch=batch),
        "upload_fixed_url": (
            reverse("admin:billing_batch_import") + f"?organization={batch.organization_id}&period={batch.period:%Y-%m}"
        ),
        "batch_is_out": batch.status in PUBLISHED,
        "replacement_to_confirm": replacement if _may_confirm(request, batch, replacement) else None,
        "actions": [
            {
                "action": action,
                "url": reverse(f"admin:{action.url_name()}", args=[batch.pk]),
                "confirm_url": reverse(f"admin:{action.url_name()}_confirm", args=[batch.pk]) if action.confirm else "",
            }
            for action in model_admin.workflow_actions
            if action.target in allowed
        ],
        "totals": review.totals,
        "service_totals": review.services,
        "anomalies": anomalies,
        "anomaly_rows": _anomaly_rows(request, anomalies),
        "transitions": list(batch_transitions(batch=batch)),
        "state_filters": _state_filters(request, state, state_counts),
        "anomaly_filters": _anomaly_filters(request, anomaly, anomalies),
        "receipts": rows[:RECEIPTS_PER_PAGE],
        "page": page,
        "page_count": max((total + RECEIPTS_PER_PAGE - 1) // RECEIPTS_PER_PAGE, 1) if total is not None else None,
        "receipts_total": total,
        "previous_page_url": _url_with(request, page=page - 1) if page > 1 else None,
        "next_page_url": _url_with(request, page=page + 1) if len(rows) > RECEIPTS_PER_PAGE else None,
        "receipt_list_url": reverse("admin:billing_receipt_changelist") + f"?batch__id__exact={batch.pk}",
        "approval": batch_approval_state(batch),
        **(model_admin.review_context(request, batch) if hasattr(model_admin, "review_context") else {}),
    }
    return TemplateResponse(request, "admin/billing/batch/review.html", context)


def _may_confirm(request: HttpRequest, batch: Batch, replacement: Replacement | None) -> bool:
    """Whether this page offers «Подтвердить замену»: the new batch is out and the old still shown."""
    if replacement is None or replacement.confirmed or batch.status not in PUBLISHED:
        return False
    return Status.SUPERSEDED in available_targets(batch=replacement.old, user=request.user)


def _page_number(raw: str | None) -> int:
    try:
        return min(max(int(raw or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


def _known_total(*, state, anomaly, state_counts, anomalies) -> int | None:
    """The number of rows the receipt filter shows, when already counted for the page."""
    if anomaly is None:
        return state_counts[state] if state else sum(state_counts.values())
    if state is None:
        return anomalies.count_for(anomaly)
    return None


def _url_with(request: HttpRequest, **changes) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = str(value)
    if "page" not in changes:
        query.pop("page", None)
    encoded = query.urlencode()
    return f"?{encoded}#receipts" if encoded else "?#receipts"


def _link(label: str, url: str | None, selected: bool = False, **extra) -> dict:
    return {"label": label, "url": url, "selected": selected, **extra}


def _state_filters(request: HttpRequest, state: str | None, counts: dict[str, int]) -> list[dict]:
    return [
        _link("Все", _url_with(request, state=None), state is None, count=sum(counts.values())),
        *(
            _link(label, _url_with(request, state=value), state == value, count=counts[value])
            for value, label in Receipt.PublishState.choices
        ),
    ]


def _anomaly_filters(request: HttpRequest, anomaly: str | None, anomalies: BatchAnomalies) -> list[dict]:
    # Without a published batch to compare with, only the zero-or-negative filter means anything.
    offered = Anomaly.LABELS if anomalies.previous else {Anomaly.NONPOSITIVE: Anomaly.LABELS[Anomaly.NONPOSITIVE]}
    return [
        _link("Все", _url_with(request, anomaly=None), anomaly is None),
        *(_link(label, _url_with(request, anomaly=value), anomaly == value) for value, label in offered.items()),
    ]


def _anomaly_rows(request: HttpRequest, anomalies: BatchAnomalies) -> list[dict]:
    def show(anomaly: str) -> str:
        return _url_with(request, anomaly=anomaly, state=None)

    samples = anomalies.samples
    nonpositive = _link(
        "Квитанции с нулевой или отрицательной суммой к оплате",
        show(Anomaly.NONPOSITIVE),
        count=anomalies.nonpositive_receipts,
        samples=samples.get(Anomaly.NONPOSITIVE, []),
    )
    if anomalies.previous is None:
        return [nonpositive]
    threshold = format_percent(anomalies.threshold_percent)
    return [
        _link(
            "Новые лицевые счета", show(Anomaly.NEW), count=anomalies.new_accounts, samples=samples.get(Anomaly.NEW, [])
        ),
        _link(
            "Исчезнувшие лицевые счета",
            None,
            count=anomalies.disappeared_accounts,
            samples=samples.get(Anomaly.DISAPPEARED, []),
            gone=True,
        ),
        _link(
            f"Квитанции, сумма которых изменилась больше чем на {threshold}",
            show(Anomaly.MOVED),
            count=anomalies.moved_receipts,
            samples=samples.get(Anomaly.MOVED, []),
        ),
        nonpositive,
    ]
