"""The confirmations panel: pages before the irreversible buttons: «Утвердить», «Отозвать», «Подтвердить замену».

Like Django's delete confirmation: a GET page says in numbers what will happen and asks for the
reason typed by the person (never prefilled); its danger-coloured button POSTs to the action's own
URL, which calls the service as before. The command line calls the same services without prompts.
The pages check the edge with the service's own guard, so a refused person never sees a form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, reverse

from billing.admin.panels.base import BatchPanel, actor, batch_or_404, batch_page, door_path, forbidden_response
from billing.errors import ActionForbidden, ApplicationError
from billing.models import Batch
from billing.selectors.corrections import batch_replacement, batch_withdrawal_preview
from billing.services.batches import batch_transition_check

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

Status = Batch.Status
# The guard is checked before the reason is typed: a placeholder passes the reason check only.
_ANY_REASON = "—"


def confirmation_urls(model_admin: ModelAdmin) -> list[URLPattern]:
    return [
        door_path(
            model_admin, "<path:object_id>/approve/confirm/", approve_confirm_view, "billing_batch_approve_confirm"
        ),
        door_path(
            model_admin, "<path:object_id>/withdraw/confirm/", withdraw_confirm_view, "billing_batch_withdraw_confirm"
        ),
        door_path(
            model_admin, "<path:object_id>/replace/confirm/", replace_confirm_view, "billing_batch_replace_confirm"
        ),
    ]


def approve_confirm_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponseBase:
    batch = batch_or_404(model_admin, request, object_id)
    return _confirm(
        model_admin,
        request,
        batch,
        Status.APPROVED,
        "admin/billing/batch/confirm_approve.html",
        lambda: {
            "title": f"Утвердить пакет №{batch.pk}?",
            "action_url": reverse("admin:billing_batch_approve", args=[batch.pk]),
            "submit_label": "Да, утвердить и опубликовать",
            "replacement": batch_replacement(batch=batch),
        },
    )


def withdraw_confirm_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponseBase:
    batch = batch_or_404(model_admin, request, object_id)
    return _confirm(
        model_admin,
        request,
        batch,
        Status.WITHDRAWN,
        "admin/billing/batch/confirm_withdraw.html",
        lambda: {
            "title": f"Отозвать пакет №{batch.pk} из Condo?",
            "action_url": reverse("admin:billing_batch_withdraw", args=[batch.pk]),
            "submit_label": "Да, отозвать из Condo",
            "withdrawal": batch_withdrawal_preview(batch=batch),
            "needs_reason": True,
        },
    )


def replace_confirm_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponseBase:
    """On the new batch's page: it replaces the published batch of the same month."""
    new = batch_or_404(model_admin, request, object_id)
    replacement = batch_replacement(batch=new)
    if replacement is None or replacement.confirmed or new.status not in (Status.PUBLISHED, Status.PARTIALLY_PUBLISHED):
        model_admin.message_user(
            request, f"Пакет №{new.pk} сейчас ничего не заменяет: подтверждать нечего.", level=messages.WARNING
        )
        return batch_page(new)
    return _confirm(
        model_admin,
        request,
        new,
        Status.SUPERSEDED,
        "admin/billing/batch/confirm_replace.html",
        lambda: {
            "title": f"Заменить пакет №{replacement.old.pk} пакетом №{new.pk}?",
            "action_url": reverse("admin:billing_batch_supersede", args=[replacement.old.pk, new.pk]),
            "submit_label": "Да, подтвердить замену",
            "replacement": replacement,
            "needs_reason": True,
        },
        moved=replacement.old,
    )


def _confirm(
    model_admin: ModelAdmin,
    request: HttpRequest,
    batch: Batch,
    to: str,
    template: str,
    context: Callable[[], dict],
    *,
    moved: Batch | None = None,
) -> HttpResponse:
    """The confirmation page of `batch`, or the refusal when `moved` (the batch itself unless said) may not go `to`."""
    refusal = _refusal(model_admin, request, batch, moved or batch, to)
    if refusal is not None:
        return refusal
    return _confirm_page(model_admin, request, batch, template, context())


def _refusal(model_admin: ModelAdmin, request: HttpRequest, shown: Batch, moved: Batch, to: str) -> HttpResponse | None:
    try:
        batch_transition_check(batch=moved, to=to, by=actor(request), reason=_ANY_REASON)
    except ActionForbidden as error:
        return forbidden_response(model_admin, request, shown, error)
    except ApplicationError as error:
        model_admin.message_user(request, error.message, level=messages.ERROR)
        return batch_page(shown)
    return None


def _confirm_page(
    model_admin: ModelAdmin, request: HttpRequest, batch: Batch, template: str, context: dict
) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "batch": batch,
        "cancel_url": reverse("admin:billing_batch_change", args=[batch.pk]),
        **context,
    }
    return TemplateResponse(request, template, context)


confirmations_panel = BatchPanel(name="confirmations", urls=confirmation_urls)
