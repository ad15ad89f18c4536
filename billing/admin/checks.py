"""«Проверка перед утверждением» on the batch page: its result, its workbook, and «Проверить ещё раз».

The views are thin doors: the request goes to billing.services.checks, a worker runs the check.
The workbook is served from storage by a view that checks the user may view batches.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from billing.admin.batch_views import batch_or_404, forbidden_response
from billing.errors import ActionForbidden, ApplicationError
from billing.exports.writer import XLSX_CONTENT_TYPE
from billing.models import Account, Batch, BatchCheck
from billing.services.checks import (
    CHECKABLE,
    batch_check_deciding,
    batch_check_latest,
    batch_check_request,
    check_blocking_reason,
)

UNIT_TYPES = dict(Account.UnitType.choices)
FIELDS = {"address": "адрес", "unit_name": "помещение", "unit_type": "тип помещения"}


class CheckAdminMixin:
    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path("<path:object_id>/check/", view(require_POST(self.check_again_view)), name="billing_batch_check"),
            path(
                "<path:object_id>/check/<int:check_id>/report/",
                view(self.check_report_view),
                name="billing_batch_check_report",
            ),
        ]
        return [*urls, *super().get_urls()]

    def check_context(self, request: HttpRequest, batch: Batch) -> dict:
        """What `admin/billing/batch/review_check.html` needs; nothing once the batch is past approval."""
        if batch.status not in CHECKABLE:
            return {"check_shown": False}
        latest = batch_check_latest(batch=batch)
        deciding = batch_check_deciding(batch=batch, latest=latest)
        # While a re-run works, the finished check that still decides stays on show.
        shown = deciding or latest
        return {
            "check_shown": True,
            "check": shown,
            "check_latest": latest,
            "check_working": latest is not None and not latest.is_finished,
            "check_examples": _examples(shown),
            "check_blocking_reason": (
                check_blocking_reason(latest=latest, deciding=deciding)
                if batch.status == Batch.Status.SUBMITTED
                else None
            ),
            "check_can_run": request.user.has_perm("billing.view_batch"),
            "check_url": reverse("admin:billing_batch_check", args=[batch.pk]),
            "check_report_url": (
                reverse("admin:billing_batch_check_report", args=[batch.pk, shown.pk])
                if shown is not None and shown.report
                else None
            ),
        }

    def check_again_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        batch = batch_or_404(self, request, object_id)
        try:
            batch_check_request(batch=batch, by=request.user)
        except ActionForbidden as error:
            return forbidden_response(self, request, batch, error)
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)
        else:
            self.message_user(
                request, "Проверка запущена; результат появится на этой странице.", level=messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:billing_batch_change", args=[batch.pk]) + "#batch-check")

    def check_report_view(self, request: HttpRequest, object_id: str, check_id: int) -> HttpResponse:
        batch = batch_or_404(self, request, object_id)
        if not request.user.has_perm("billing.view_batch"):
            raise PermissionDenied
        check = BatchCheck.objects.filter(pk=check_id, batch=batch).first()
        if check is None or not check.report:
            raise Http404("Отчёта этой проверки нет.")
        return FileResponse(
            check.report.open("rb"),
            as_attachment=True,
            content_type=XLSX_CONTENT_TYPE,
            filename=f"proverka-paket-{batch.pk}-{check.pk}.xlsx",
        )


def _examples(check: BatchCheck | None) -> dict:
    """The stored examples, shaped for the template (what differs spelled out)."""
    examples = (check.examples or {}) if check is not None else {}
    changed = [
        {
            "account": item["account"],
            "differences": [
                {
                    "label": label,
                    "registry": _shown(field, item[field]["registry"]),
                    "condo": _shown(field, item[field]["condo"]),
                }
                for field, label in FIELDS.items()
                if field in item
            ],
        }
        for item in examples.get("changed", [])
    ]
    return {
        "problems": examples.get("problems", []),
        "codes": sorted((examples.get("codes") or {}).items(), key=lambda pair: -pair[1]),
        "new": examples.get("new", []),
        "missing": examples.get("missing", []),
        "changed": changed,
    }


def _shown(field: str, value: str) -> str:
    return UNIT_TYPES.get(value, value) if field == "unit_type" else value
