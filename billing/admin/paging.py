"""A changelist paginator that never counts a whole table of millions of receipts."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    """Counts at most `cap + 1` rows: beyond the cap the page shows «более N».

    COUNT(*) over millions of rows costs a full scan on PostgreSQL; nobody pages past
    a hundred pages anyway, they filter or search instead.
    """

    cap = 10_000

    @cached_property
    def count(self) -> int:
        # No ORDER BY inside: any cap + 1 rows will do, and sorting them first would not be free.
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap
