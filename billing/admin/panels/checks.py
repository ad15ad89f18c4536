"""The checks panel: «Проверка перед утверждением» on the batch page: its result, its workbook, and «Проверить ещё раз».

The views are thin doors: the request goes to billing.services.checks, a worker runs the check.
The workbook is served from storage by a view that checks the user may view batches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, reverse
from django.views.decorators.http import require_POST

from billing.admin.panels.base import BatchPanel, batch_or_404, door_path, service_view
from billing.exports.writer import XLSX_CONTENT_TYPE
from billing.labels import check_code_label
from billing.models import Account, Batch, BatchCheck
from billing.selectors.checks import batch_check
from billing.services.checks import (
    CHECKABLE,
    batch_check_deciding,
    batch_check_latest,
    batch_check_request,
    check_blocking_reason,
)

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

UNIT_TYPES = dict(Account.UnitType.choices)
FIELDS = {"address": "адрес", "unit_name": "помещение", "unit_type": "тип помещения"}


def check_urls(model_admin: ModelAdmin) -> list[URLPattern]:
    return [
        door_path(model_admin, "<path:object_id>/check/", check_again_view, "billing_batch_check", require_POST),
        door_path(
            model_admin,
            "<path:object_id>/check/<int:check_id>/report/",
            check_report_view,
            "billing_batch_check_report",
        ),
    ]


def check_context(model_admin: ModelAdmin, request: HttpRequest, batch: Batch) -> dict:
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
            check_blocking_reason(latest=latest, deciding=deciding) if batch.status == Batch.Status.SUBMITTED else None
        ),
        "check_can_run": request.user.has_perm("billing.view_batch"),
        "check_url": reverse("admin:billing_batch_check", args=[batch.pk]),
        "check_report_url": (
            reverse("admin:billing_batch_check_report", args=[batch.pk, shown.pk])
            if shown is not None and shown.report
            else None
        ),
    }


check_again_view = service_view(
    batch_check_request, "Проверка запущена; результат появится на этой странице.", anchor="#batch-check"
)


def check_report_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str, check_id: int) -> HttpResponseBase:
    batch = batch_or_404(model_admin, request, object_id)
    if not request.user.has_perm("billing.view_batch"):
        raise PermissionDenied
    check = batch_check(batch=batch, check_id=check_id)
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
        "problems": [
            {**problem, "label": check_code_label(problem.get("code", ""))} for problem in examples.get("problems", [])
        ],
        "codes": [
            (code, check_code_label(code), count)
            for code, count in sorted((examples.get("codes") or {}).items(), key=lambda pair: -pair[1])
        ],
        "new": examples.get("new", []),
        "missing": examples.get("missing", []),
        "changed": changed,
    }


def _shown(field: str, value: str) -> str:
    return UNIT_TYPES.get(value, value) if field == "unit_type" else value


checks_panel = BatchPanel(
    name="checks",
    urls=check_urls,
    context=check_context,
    sections=(("check", "admin/billing/batch/review_check.html"),),
)
