"""The batch review: totals and anomalies against the last published batch, cached per batch.

Anomalies are set-based SQL (billing.selectors.review_receipts, which also lists and pages the
receipts). What is computed over all the receipts of a batch is cached: a batch's receipts do not
change after the import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import F, QuerySet

from billing.models import Batch, Receipt
from billing.selectors.batches import (
    BatchTotals,
    ServiceTotal,
    batch_previous_published,
    batch_service_totals,
    batch_totals,
)
from billing.selectors.receipt_states import batch_receipts_total_keep
from billing.selectors.review_receipts import (
    MOVED,
    NONPOSITIVE,
    Anomaly,
    account_in_batch,
    batch_receipts,
    with_previous,
)


@dataclass(frozen=True)
class BatchFigures:
    """What the review page computes over all of a batch's receipts, and the ids of examples.

    Receipts are never changed after the import (only their publish state is), so these
    figures are cached per batch, previous batch and threshold.
    """

    totals: BatchTotals
    services: tuple[ServiceTotal, ...]
    new_accounts: int = 0
    disappeared_accounts: int = 0
    moved_receipts: int = 0
    sample_ids: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # Every receipt a filter shows (new accounts, moved), in page order, while there are at most
    # ANOMALY_IDS_KEPT: its pages then read fifty rows by id instead of an anti-join over the batch.
    anomaly_ids: dict[str, tuple[int, ...]] = field(default_factory=dict)


ANOMALY_IDS_KEPT = 20_000


@dataclass(frozen=True)
class BatchAnomalies:
    previous: Batch | None
    threshold_percent: Decimal
    new_accounts: int
    disappeared_accounts: int
    moved_receipts: int
    nonpositive_receipts: int
    samples: dict[str, list[Receipt]]
    receipt_ids: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def count_for(self, anomaly: str) -> int | None:
        """Receipts that the filter `anomaly` shows, when known without another query."""
        if anomaly == Anomaly.MOVED:
            return self.moved_receipts
        if anomaly == Anomaly.NONPOSITIVE:
            return self.nonpositive_receipts
        if anomaly in self.receipt_ids:
            return len(self.receipt_ids[anomaly])
        return None  # new accounts are counted per account, receipts may be more


@dataclass(frozen=True)
class BatchReview:
    totals: BatchTotals
    services: tuple[ServiceTotal, ...]
    anomalies: BatchAnomalies


# Kept without expiry: the figures depend only on what the entry records (the batch, its previous,
# the threshold), and a batch's receipts never change after the import. With the former 24 hours a
# batch opened the next day paid for its figures on the first request (2.4 s at 300,000 receipts).
# One entry a batch, overwritten when what it depends on moves, so they do not pile up (about 50 KB
# for 300,000 receipts, the kept anomaly ids included).
FIGURES_CACHE_SECONDS = None


def batch_review(*, batch: Batch, sample_size: int = 10) -> BatchReview:
    """Totals, totals per service and anomalies against the last published batch.

    Three queries when the figures are cached; about a dozen aggregate queries over the
    batch's receipts when not, whatever the size of the batch. Examples carry
    `previous_to_pay` (None where there is nothing to compare with).
    """
    previous = batch_previous_published(batch=batch)
    figures = _figures(batch=batch, previous=previous, sample_size=sample_size)
    anomalies = BatchAnomalies(
        previous=previous,
        threshold_percent=batch.organization.anomaly_threshold_percent,
        new_accounts=figures.new_accounts,
        disappeared_accounts=figures.disappeared_accounts,
        moved_receipts=figures.moved_receipts,
        nonpositive_receipts=figures.totals.nonpositive,
        samples=_samples(batch=batch, previous=previous, sample_ids=figures.sample_ids),
        receipt_ids=figures.anomaly_ids,
    )
    return BatchReview(totals=figures.totals, services=figures.services, anomalies=anomalies)


def _figures_key(batch: Batch) -> str:
    # created_at keeps keys apart even where ids are reused (test databases rolled back).
    return f"billing:batch-figures:v4:{batch.pk}:{batch.created_at.timestamp()}"


def _figures(*, batch: Batch, previous: Batch | None, sample_size: int, refresh: bool = False) -> BatchFigures:
    threshold = batch.organization.anomaly_threshold_percent
    key = _figures_key(batch)
    depends_on = (batch.receipts_count, previous.pk if previous else 0, str(threshold), sample_size)
    kept = None if refresh else cache.get(key)
    if kept is not None and kept[0] == depends_on:
        return kept[1]
    figures = _batch_figures(batch=batch, previous=previous, threshold=threshold, sample_size=sample_size)
    cache.set(key, (depends_on, figures), FIGURES_CACHE_SECONDS)
    return figures


def batch_figures_warm(*, batch: Batch, sample_size: int = 10) -> None:
    """Compute and cache the figures of `batch` now, so that its page's first request costs what
    later ones cost (a million-receipt batch: ~0.7 s of aggregates otherwise paid by a reviewer).

    Called where they change: at the end of the import, and for an organization's later batches
    when one of its batches is published, withdrawn or superseded (their «previous» moves).
    """
    batch = Batch.objects.select_related("organization").get(pk=batch.pk)
    figures = _figures(
        batch=batch, previous=batch_previous_published(batch=batch), sample_size=sample_size, refresh=True
    )
    batch_receipts_total_keep(batch=batch, total=figures.totals.receipts)  # the state filters' «Все»


_UNDER_REVIEW = (
    Batch.Status.DRAFT,
    Batch.Status.SUBMITTED,
    Batch.Status.APPROVED,
    Batch.Status.REJECTED,
    Batch.Status.FAILED,
)
FOLLOWERS_WARMED = 3


def batch_figures_warm_followers(*, batch: Batch) -> None:
    """`batch` became (or stopped being) the published one others compare with: warm the figures
    of the organization's batches still under review from its month on, the newest few."""
    followers = (
        Batch.objects.filter(organization_id=batch.organization_id, period__gte=batch.period, status__in=_UNDER_REVIEW)
        .exclude(pk=batch.pk)
        .order_by("-period", "-pk")
    )
    for follower in followers[:FOLLOWERS_WARMED]:
        batch_figures_warm(batch=follower)


def batch_anomalies(*, batch: Batch, sample_size: int = 10) -> BatchAnomalies:
    return batch_review(batch=batch, sample_size=sample_size).anomalies


def _batch_figures(*, batch: Batch, previous: Batch | None, threshold: Decimal, sample_size: int) -> BatchFigures:
    receipts = Receipt.objects.filter(batch=batch)

    def ids(queryset: QuerySet[Receipt], *order: str) -> tuple[int, ...]:
        return tuple(queryset.order_by(*(order or ("id",))).values_list("id", flat=True)[:sample_size])

    def accounts(queryset: QuerySet[Receipt]) -> int:
        return queryset.values("account_id").distinct().count()

    totals = batch_totals(batch=batch)
    services = tuple(batch_service_totals(batch=batch))
    sample_ids = {Anomaly.NONPOSITIVE: ids(receipts.filter(NONPOSITIVE))}
    if previous is None:
        return BatchFigures(totals=totals, services=services, sample_ids=sample_ids)
    new = receipts.filter(~account_in_batch(previous.pk))
    gone = Receipt.objects.filter(batch_id=previous.pk).filter(~account_in_batch(batch.pk))
    moved = with_previous(receipts, previous, threshold).filter(MOVED)
    sample_ids[Anomaly.NEW] = ids(new)
    sample_ids[Anomaly.DISAPPEARED] = ids(gone)
    sample_ids[Anomaly.MOVED] = ids(moved, "-change", "id")
    anomaly_ids = {}
    for anomaly, queryset in ((Anomaly.NEW, new), (Anomaly.MOVED, moved)):
        kept = tuple(queryset.order_by("id").values_list("id", flat=True)[: ANOMALY_IDS_KEPT + 1])
        if len(kept) <= ANOMALY_IDS_KEPT:
            anomaly_ids[anomaly] = kept
    return BatchFigures(
        totals=totals,
        services=services,
        new_accounts=accounts(new),
        disappeared_accounts=accounts(gone),
        moved_receipts=len(anomaly_ids[Anomaly.MOVED]) if Anomaly.MOVED in anomaly_ids else moved.count(),
        sample_ids=sample_ids,
        anomaly_ids=anomaly_ids,
    )


def _samples(
    *, batch: Batch, previous: Batch | None, sample_ids: dict[str, tuple[int, ...]]
) -> dict[str, list[Receipt]]:
    """The example receipts by id: one query for this batch's, one for the disappeared ones."""
    own = [pk for kind, ids in sample_ids.items() if kind != Anomaly.DISAPPEARED for pk in ids]
    gone = sample_ids.get(Anomaly.DISAPPEARED, ())
    found: dict[int, Receipt] = {}
    if own:
        found.update((r.pk, r) for r in batch_receipts(batch=batch, previous=previous).filter(pk__in=own))
    if gone:
        rows = Receipt.objects.filter(pk__in=gone).annotate(previous_to_pay=F("to_pay"))
        found.update((r.pk, r) for r in rows)
    return {kind: [found[pk] for pk in ids if pk in found] for kind, ids in sample_ids.items()}
