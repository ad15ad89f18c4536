"""The full preview of an upload: every receipt, paged and filtered by its difference (billing.differences)."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest

from billing.differences import CHANGED, KIND_LABELS, NEW, UNCHANGED, VANISHED, change_percent
from billing.models import RegistryUpload, UploadReceipt
from billing.models.receipts import ReceiptCategory

PER_PAGE = 50
KINDS = (NEW, CHANGED, UNCHANGED, VANISHED)


def full_preview(request: HttpRequest, upload: RegistryUpload, anomalies: dict) -> dict:
    """One page of the upload's receipts: `?kind=new|changed|unchanged|vanished&page=N`."""
    kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else None
    try:
        page = max(int(request.GET.get("page") or 1), 1)
    except ValueError:
        page = 1
    counts = anomalies.get("kinds") or {}
    total = sum(counts.values())
    # Only this page's rows are read: the upload's receipts are rows in key order (UploadReceipt).
    rows = UploadReceipt.objects.filter(upload=upload)
    if kind is not None:
        rows = rows.filter(kind=kind)
    pages = max(((counts.get(kind, 0) if kind else total) + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(page, pages)
    shown = rows.order_by("id").values_list("account", "category", "kind", "before", "now", "where")
    return {
        "kind": kind,
        "kind_filters": [
            {"label": "Все", "url": _url(None, 1), "selected": kind is None, "count": total},
            *(
                {
                    "label": KIND_LABELS[value],
                    "url": _url(value, 1),
                    "selected": kind == value,
                    "count": counts.get(value, 0),
                }
                for value in KINDS
            ),
        ],
        "rows": [_row(row) for row in shown[(page - 1) * PER_PAGE : page * PER_PAGE]],
        "page": page,
        "pages": pages,
        "previous_url": _url(kind, page - 1) if page > 1 else None,
        "next_url": _url(kind, page + 1) if page < pages else None,
        "month_change": _month_change(upload, anomalies),
    }


def _url(kind: str | None, page: int) -> str:
    query = "&".join(part for part in (f"kind={kind}" if kind else "", f"page={page}" if page > 1 else "") if part)
    return f"?{query}#import-receipts" if query else "?#import-receipts"


def _row(row: tuple) -> dict:
    account, category, kind, before, now, where = row
    return {
        "account": account,
        "category": ReceiptCategory(category).label if category in ReceiptCategory.values else category,
        "where": where,
        "kind": kind,
        "kind_label": KIND_LABELS.get(kind, kind),
        "before": before,
        "now": now,
        "difference": (now - before) if kind == CHANGED else None,
        "percent": change_percent(before, now),
    }


def _month_change(upload: RegistryUpload, anomalies: dict) -> dict | None:
    """The month's total against the compared batch's: «было 1 000,00 ₽, +0,5 %»."""
    if not anomalies.get("previous_total"):
        return None
    before, now = Decimal(anomalies["previous_total"]), Decimal((upload.preview or {}).get("total_to_pay") or "0")
    return {"before": before, "percent": change_percent(before, now), "batch_id": anomalies.get("previous_batch_id")}
