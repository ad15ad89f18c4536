"""The batch page's receipt filters and anomaly rows: links that keep the rest of the query."""

from __future__ import annotations

from django.http import HttpRequest

from billing.formatting import format_percent
from billing.models import Receipt
from billing.selectors.review import BatchAnomalies
from billing.selectors.review_receipts import Anomaly


def url_with(request: HttpRequest, **changes) -> str:
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


def state_filters(request: HttpRequest, state: str | None, counts: dict[str, int]) -> list[dict]:
    return [
        _link("Все", url_with(request, state=None), state is None, count=sum(counts.values())),
        *(
            _link(label, url_with(request, state=value), state == value, count=counts[value])
            for value, label in Receipt.PublishState.choices
        ),
    ]


def anomaly_filters(request: HttpRequest, anomaly: str | None, anomalies: BatchAnomalies) -> list[dict]:
    # Without a published batch to compare with, only the zero-or-negative filter means anything.
    offered = Anomaly.LABELS if anomalies.previous else {Anomaly.NONPOSITIVE: Anomaly.LABELS[Anomaly.NONPOSITIVE]}
    return [
        _link("Все", url_with(request, anomaly=None), anomaly is None),
        *(_link(label, url_with(request, anomaly=value), anomaly == value) for value, label in offered.items()),
    ]


def anomaly_rows(request: HttpRequest, anomalies: BatchAnomalies) -> list[dict]:
    def show(anomaly: str) -> str:
        return url_with(request, anomaly=anomaly, state=None)

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
