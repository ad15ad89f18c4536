"""The review panel: the batch page itself and the workflow buttons behind it.

The views read through billing.selectors and change nothing themselves: every button calls a
service of billing.services.batches, and every refusal (state, role, four eyes, missing reason)
comes from the service and is reported as it is. The other panels fill their sections of the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from billing.admin.panels.base import BatchAction, BatchPanel, actor, batch_or_404, run_service
from billing.admin.panels.review_links import anomaly_filters, anomaly_rows, state_filters, url_with
from billing.labels import registry_format_label
from billing.models import Batch, Receipt
from billing.selectors.batches import batch_transitions
from billing.selectors.corrections import PUBLISHED, Replacement, batch_replacement
from billing.selectors.month import batch_approval_state
from billing.selectors.queues import batch_rejection
from billing.selectors.receipt_states import batch_state_counts
from billing.selectors.review import batch_review
from billing.selectors.review_receipts import Anomaly, batch_receipts_page
from billing.services.batches import available_targets, batch_approve, batch_cancel, batch_reject, batch_submit

if TYPE_CHECKING:
    from billing.admin.batches import BatchAdmin

RECEIPTS_PER_PAGE = 50
MAX_PAGE = 100_000  # 5,000,000 receipts; keeps a hand-typed page number within an SQL integer

Status = Batch.Status
# Withdrawal belongs to publishing: integration's panel adds its button.
ACTIONS: tuple[BatchAction, ...] = (
    BatchAction(
        "submit", Status.SUBMITTED, "Отправить на утверждение", "Пакет отправлен на утверждение.", batch_submit
    ),
    BatchAction("approve", Status.APPROVED, "Утвердить…", "Пакет утверждён.", batch_approve, confirm=True),
    BatchAction("reject", Status.REJECTED, "Отклонить", "Пакет отклонён.", batch_reject, needs_reason=True),
    BatchAction(
        "cancel_batch",
        Status.CANCELLED,
        "Отменить пакет",
        "Пакет отменён: он остаётся в истории, но не публикуется.",
        batch_cancel,
        needs_reason=True,
    ),
)


def batch_action_view(
    model_admin: BatchAdmin, request: HttpRequest, object_id: str, *, action: BatchAction
) -> HttpResponseBase:
    """POST only. A refusal for the user's role answers 403; any other refusal is a message."""
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    batch = batch_or_404(model_admin, request, object_id)
    return run_service(
        model_admin,
        request,
        batch,
        lambda: action.run(batch=batch, by=actor(request), reason=request.POST.get("reason", "")),
        f"{action.done} {batch}",
    )


def batch_review_view(model_admin: BatchAdmin, request: HttpRequest, object_id: str) -> TemplateResponse:
    """The read-only review page: status, allowed buttons, totals, anomalies, history, receipts."""
    batch = batch_or_404(model_admin, request, object_id)
    state = request.GET.get("state") if request.GET.get("state") in Receipt.PublishState.values else None
    anomaly = request.GET.get("anomaly") if request.GET.get("anomaly") in Anomaly.LABELS else None
    page = _page_number(request.GET.get("page"))

    review = batch_review(batch=batch)
    anomalies = review.anomalies
    state_counts = batch_state_counts(batch=batch, total=review.totals.receipts)
    total = _known_total(state=state, anomaly=anomaly, state_counts=state_counts, anomalies=anomalies)
    # One row more than a page tells whether a next page exists without counting.
    rows = batch_receipts_page(
        batch=batch,
        state=state,
        anomaly=anomaly,
        previous=anomalies.previous,
        anomaly_ids=anomalies.receipt_ids,
        offset=(page - 1) * RECEIPTS_PER_PAGE,
        limit=RECEIPTS_PER_PAGE + 1,
        total=total,
    )

    allowed = set(available_targets(batch=batch, user=actor(request)))
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
            for action in model_admin.workflow_actions()
            if action.target in allowed
        ],
        "totals": review.totals,
        "service_totals": review.services,
        "anomalies": anomalies,
        "anomaly_rows": anomaly_rows(request, anomalies),
        "transitions": list(batch_transitions(batch=batch)),
        "state_filters": state_filters(request, state, state_counts),
        "anomaly_filters": anomaly_filters(request, anomaly, anomalies),
        "receipts": rows[:RECEIPTS_PER_PAGE],
        "page": page,
        "page_count": max((total + RECEIPTS_PER_PAGE - 1) // RECEIPTS_PER_PAGE, 1) if total is not None else None,
        "receipts_total": total,
        "previous_page_url": url_with(request, page=page - 1) if page > 1 else None,
        "next_page_url": url_with(request, page=page + 1) if len(rows) > RECEIPTS_PER_PAGE else None,
        "receipt_list_url": reverse("admin:billing_receipt_changelist") + f"?batch__id__exact={batch.pk}",
        "approval": batch_approval_state(batch),
        "sections": model_admin.page_sections(),
        **model_admin.panels_context(request, batch),
    }
    return TemplateResponse(request, "admin/billing/batch/review.html", context)


def _may_confirm(request: HttpRequest, batch: Batch, replacement: Replacement | None) -> bool:
    """Whether this page offers «Подтвердить замену»: the new batch is out and the old still shown."""
    if replacement is None or replacement.confirmed or batch.status not in PUBLISHED:
        return False
    return Status.SUPERSEDED in available_targets(batch=replacement.old, user=actor(request))


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


def review_urls(model_admin: BatchAdmin) -> list[URLPattern]:
    """The page itself is BatchAdmin.change_view; here the URLs of every panel's workflow buttons."""

    def door(action: BatchAction):
        def view(request: HttpRequest, object_id: str) -> HttpResponseBase:
            return batch_action_view(model_admin, request, object_id, action=action)

        return model_admin.admin_site.admin_view(view)

    return [
        path(f"<path:object_id>/{action.slug}/", door(action), name=action.url_name())
        for action in model_admin.workflow_actions()
    ]


review_panel = BatchPanel(
    name="review",
    urls=review_urls,
    sections=(
        ("summary", "admin/billing/batch/review_summary.html"),
        ("replacement", "admin/billing/batch/review_replacement.html"),
        ("actions", "admin/billing/batch/review_actions.html"),
        ("totals", "admin/billing/batch/review_totals.html"),
        ("anomalies", "admin/billing/batch/review_anomalies.html"),
        ("history", "admin/billing/batch/review_history.html"),
        ("receipts", "admin/billing/batch/review_receipts.html"),
    ),
    actions=ACTIONS,
)
