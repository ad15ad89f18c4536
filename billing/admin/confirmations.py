"""Confirmation pages before the irreversible buttons: «Утвердить», «Отозвать», «Подтвердить замену».

Like Django's delete confirmation: a GET page says in numbers what will happen and asks for the
reason typed by the person (never prefilled); its danger-coloured button POSTs to the action's own
URL, which calls the service as before. The command line calls the same services without prompts.
The pages check the edge with the service's own guard, so a refused person never sees a form.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from billing.admin.batch_views import batch_or_404, forbidden_response
from billing.errors import ActionForbidden, ApplicationError
from billing.models import Batch
from billing.selectors.corrections import batch_replacement, batch_withdrawal_preview
from billing.services.batches import batch_transition_check

Status = Batch.Status
# The guard is checked before the reason is typed: a placeholder passes the reason check only.
_ANY_REASON = "—"


class ConfirmationAdminMixin:
    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path(
                "<path:object_id>/approve/confirm/",
                view(self.approve_confirm_view),
                name="billing_batch_approve_confirm",
            ),
            path(
                "<path:object_id>/withdraw/confirm/",
                view(self.withdraw_confirm_view),
                name="billing_batch_withdraw_confirm",
            ),
            path(
                "<path:object_id>/replace/confirm/",
                view(self.replace_confirm_view),
                name="billing_batch_replace_confirm",
            ),
        ]
        return [*urls, *super().get_urls()]

    def approve_confirm_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        batch = batch_or_404(self, request, object_id)
        refusal = self._refusal(request, batch, batch, Status.APPROVED)
        if refusal is not None:
            return refusal
        return self._confirm_page(
            request,
            batch,
            "admin/billing/batch/confirm_approve.html",
            {
                "title": f"Утвердить пакет №{batch.pk}?",
                "action_url": reverse("admin:billing_batch_approve", args=[batch.pk]),
                "submit_label": "Да, утвердить и опубликовать",
                "replacement": batch_replacement(batch=batch),
            },
        )

    def withdraw_confirm_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        batch = batch_or_404(self, request, object_id)
        refusal = self._refusal(request, batch, batch, Status.WITHDRAWN)
        if refusal is not None:
            return refusal
        return self._confirm_page(
            request,
            batch,
            "admin/billing/batch/confirm_withdraw.html",
            {
                "title": f"Отозвать пакет №{batch.pk} из Condo?",
                "action_url": reverse("admin:billing_batch_withdraw", args=[batch.pk]),
                "submit_label": "Да, отозвать из Condo",
                "withdrawal": batch_withdrawal_preview(batch=batch),
                "needs_reason": True,
            },
        )

    def replace_confirm_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """On the new batch's page: it replaces the published batch of the same month."""
        new = batch_or_404(self, request, object_id)
        replacement = batch_replacement(batch=new)
        if (
            replacement is None
            or replacement.confirmed
            or new.status not in (Status.PUBLISHED, Status.PARTIALLY_PUBLISHED)
        ):
            self.message_user(
                request, f"Пакет №{new.pk} сейчас ничего не заменяет: подтверждать нечего.", level=messages.WARNING
            )
            return _back(new)
        refusal = self._refusal(request, new, replacement.old, Status.SUPERSEDED)
        if refusal is not None:
            return refusal
        return self._confirm_page(
            request,
            new,
            "admin/billing/batch/confirm_replace.html",
            {
                "title": f"Заменить пакет №{replacement.old.pk} пакетом №{new.pk}?",
                "action_url": reverse("admin:billing_batch_supersede", args=[replacement.old.pk, new.pk]),
                "submit_label": "Да, подтвердить замену",
                "replacement": replacement,
                "needs_reason": True,
            },
        )

    # --- helpers ---------------------------------------------------------------------------------

    def _refusal(self, request: HttpRequest, shown: Batch, moved: Batch, to: str) -> HttpResponse | None:
        try:
            batch_transition_check(batch=moved, to=to, by=request.user, reason=_ANY_REASON)
        except ActionForbidden as error:
            return forbidden_response(self, request, shown, error)
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)
            return _back(shown)
        return None

    def _confirm_page(self, request: HttpRequest, batch: Batch, template: str, context: dict) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "batch": batch,
            "cancel_url": reverse("admin:billing_batch_change", args=[batch.pk]),
            **context,
        }
        return TemplateResponse(request, template, context)


def _back(batch: Batch) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("admin:billing_batch_change", args=[batch.pk]))
