"""How many of a batch's receipts are in each publish state, without counting the whole batch per view.

A batch's receipts are written once, by its import, and never added or removed after: their number
is counted once and kept (`batch_receipts_total`: BatchFiguresRecord, written with the review figures
at the import). The batch page and its PDF panel then count only the states other than the batch's largest, by an
index probe each on receipt_batch_state (batch_id, publish_state), and the largest is the rest. The
batch's own counters only choose which state is left out; every figure still comes from the rows.

At 300,000 receipts under review (PostgreSQL 15), instead of an Index Only Scan of every entry of the
batch (18–26 ms, twice a page: the state filters and the PDF panel), 0.1 ms:

    Index Only Scan using billing_batch_pkey on billing_batch  (actual rows=1 loops=1)
      Index Cond: (id = 86)
      SubPlan 1
        ->  GroupAggregate  (actual rows=0 loops=1)
              ->  Index Only Scan using receipt_batch_state on billing_receipt u0  (actual rows=0 loops=1)
                    Index Cond: ((batch_id = billing_batch.id) AND (publish_state = 'accepted'::text))
      SubPlan 2, SubPlan 3: the same for 'rejected' and 'withdrawn'
    Execution Time: 0.095 ms

Each probe is a subquery correlated with the batch's row on purpose. The planner reckons a state at
its share of all receipts (most are accepted, in published months): a probe on its own, or in a
UNION, was planned as a Parallel Index Only Scan, and starting its workers took 5–12 ms to read no
entry; a correlated subplan never runs in parallel. (`publish_state IN (…)` in one GROUP BY was no
better: the planner kept the list as a Filter and read every entry of the batch.)
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from billing.models import Batch, Receipt
from billing.selectors.kept_figures import kept_receipts_total, receipts_total_keep

PublishState = Receipt.PublishState


def batch_receipts_total(*, batch: Batch) -> int:
    """The number of the batch's receipts: kept since the import, counted here only if it was not."""
    total = kept_receipts_total(batch_id=batch.pk)
    if total is None:
        total = Receipt.objects.filter(batch=batch).count()
        receipts_total_keep(batch_id=batch.pk, receipts_total=total)
    return total


def _largest_state(batch: Batch) -> str:
    """The state most of the batch is in, as its counters tell; pending where they tie (nothing sent)."""
    counters = {
        PublishState.PENDING: batch.pending_count,
        PublishState.ACCEPTED: batch.accepted_count,
        PublishState.REJECTED: batch.rejected_count,
        PublishState.WITHDRAWN: batch.withdrawn_count,
    }
    return max(counters, key=lambda state: counters[state])


def _counted(batch: Batch, states: list[str]) -> dict[str, int]:
    """The batch's receipts in each of `states`: one query, an index probe a state (see above)."""

    def probe(state: str) -> Coalesce:
        receipts = (
            Receipt.objects.filter(batch_id=OuterRef("pk"), publish_state=state)
            .order_by()
            .values("batch_id")
            .annotate(n=Count("*"))
            .values("n")
        )
        return Coalesce(Subquery(receipts, output_field=IntegerField()), 0)

    row = Batch.objects.filter(pk=batch.pk).values_list(*(probe(state) for state in states)).get()
    return dict(zip(states, row, strict=True))


def batch_state_counts(*, batch: Batch, total: int | None = None) -> dict[str, int]:
    """Receipts per publish state: one query of three index probes, whatever the size of the batch.

    `total`: the batch's receipts where the caller has them (the review figures' count).
    """
    largest = _largest_state(batch)
    counts = _counted(batch, [state for state in PublishState.values if state != largest])
    if total is None:
        total = batch_receipts_total(batch=batch)
    counts[largest] = total - sum(counts.values())
    return {state: counts[state] for state in PublishState.values}


def batch_receipts_not_withdrawn(*, batch: Batch) -> int:
    """Receipts Condo still shows or will (the PDF panel's «of how many»): one index probe, unless
    most of the batch was withdrawn."""
    if _largest_state(batch) == PublishState.WITHDRAWN:
        counts = batch_state_counts(batch=batch)
        return sum(counts.values()) - counts[PublishState.WITHDRAWN]
    return batch_receipts_total(batch=batch) - _counted(batch, [PublishState.WITHDRAWN])[PublishState.WITHDRAWN]
