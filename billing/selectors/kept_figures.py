"""The batch page's figures as the database keeps them (BatchFiguresRecord): read, or written in one upsert.

The selectors that compute them (review.py, receipt_states.py) keep what they computed here; a
figure is never taken from here unless what it was computed for still holds (`depends_on`).
"""

from __future__ import annotations

import pickle
from typing import Any

from billing.models import BatchFiguresRecord


def kept_figures(*, batch_id: int, depends_on: str) -> Any | None:
    """The figures kept for the batch when computed for `depends_on`, else None."""
    data = (
        BatchFiguresRecord.objects.filter(batch_id=batch_id, depends_on=depends_on)
        .values_list("figures", flat=True)
        .first()
    )
    # Written by figures_keep below from this application's own dataclasses, as a cache backend
    # pickles its values; a figures version in `depends_on` retires what an older release wrote.
    return None if data is None else pickle.loads(bytes(data))


def kept_receipts_total(*, batch_id: int) -> int | None:
    return BatchFiguresRecord.objects.filter(batch_id=batch_id).values_list("receipts_total", flat=True).first()


def figures_keep(*, batch_id: int, receipts_total: int, depends_on: str, figures: object) -> None:
    _upsert(
        batch_id,
        receipts_total=receipts_total,
        depends_on=depends_on,
        figures=pickle.dumps(figures, pickle.HIGHEST_PROTOCOL),
    )


def receipts_total_keep(*, batch_id: int, receipts_total: int) -> None:
    _upsert(batch_id, receipts_total=receipts_total)


def _upsert(batch_id: int, **values: object) -> None:
    # One statement, so two first views of a batch at once cannot both insert.
    BatchFiguresRecord.objects.bulk_create(
        [BatchFiguresRecord(batch_id=batch_id, **values)],
        update_conflicts=True,
        unique_fields=["batch"],
        update_fields=[*values, "updated_at"],
    )
