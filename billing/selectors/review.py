"""The batch review: totals and anomalies against the last published batch, kept per batch.

Anomalies are set-based SQL (billing.selectors.review_receipts, which also lists and pages the
receipts). What is computed over all the receipts of a batch is kept in the database (kept_figures.py),
written when the batch changes: a batch's receipts do not change after the import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, QuerySet

from billing.models import Batch, Receipt
from billing.selectors.batches import (
    BatchTotals,
    ServiceTotal,
    batch_previous_published,
    batch_service_totals,
    batch_totals,
)
from billing.selectors.kept_figures import figures_keep, kept_figures
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
    figures are kept per batch, previous batch and threshold.
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


# Part of what the kept figures were computed for: raised when BatchFigures or its parts change shape.
FIGURES_VERSION = 5


def batch_review(*, batch: Batch, sample_size: int = 10) -> BatchReview:
    """Totals, totals per service and anomalies against the last published batch.

    Three queries when the figures are kept; about a dozen aggregate queries over the
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


def _figures(*, batch: Batch, previous: Batch | None, sample_size: int, refresh: bool = False) -> BatchFigures:
    threshold = batch.organization.anomaly_threshold_percent
    depends_on = f"v{FIGURES_VERSION}:{batch.receipts_count}:{previous.pk if previous else 0}:{threshold}:{sample_size}"
    kept = None if refresh else kept_figures(batch_id=batch.pk, depends_on=depends_on)
    if kept is not None:
        return kept
    figures = _batch_figures(batch=batch, previous=previous, threshold=threshold, sample_size=sample_size)
    figures_keep(batch_id=batch.pk, receipts_total=figures.totals.receipts, depends_on=depends_on, figures=figures)
    return figures


def batch_figures_warm(*, batch: Batch, sample_size: int = 10) -> None:
    """Compute and keep the figures of `batch` now (BatchFiguresRecord), so that its page's first
    request costs what later ones cost (300,000 receipts: ~2 s of aggregates otherwise paid by a reviewer).

    Called where they change: at the end of the import, and for an organization's later batches
    when one of its batches is published, withdrawn or superseded (their «previous» moves).
    """
    batch = Batch.objects.select_related("organization").get(pk=batch.pk)
    _figures(batch=batch, previous=batch_previous_published(batch=batch), sample_size=sample_size, refresh=True)


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


def organization_figures_warm(*, organization_id: int) -> int:
    """The organization's anomaly threshold changed: warm its batches still under review, the newest
    few (their figures depend on it). Returns how many."""
    batches = Batch.objects.filter(organization_id=organization_id, status__in=_UNDER_REVIEW).order_by("-period", "-pk")
    warmed = 0
    for batch in batches[:FOLLOWERS_WARMED]:
        batch_figures_warm(batch=batch)
        warmed += 1
    return warmed


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
