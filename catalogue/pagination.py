"""Result counts that stay cheap on a million documents.

An exact `count(*)` over a huge result set reads every matching row. The search
page counts at most COUNT_CAP + 1 rows; beyond that it says "about N", N being the
planner's estimate (PostgreSQL's EXPLAIN), and pages stop at the cap: narrowing
the search, not paging past 10,000 results, is how a reader gets further.
"""

from __future__ import annotations

import json
from functools import cached_property

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    def __init__(self, *args, known_count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.known_count = known_count

    @cached_property
    def counted(self) -> int:
        """Matching rows, counting no further than COUNT_CAP + 1 (one query, or none
        when the caller knows the number)."""
        if self.known_count is not None:
            return self.known_count
        rows = self.object_list.order_by().values("pk")
        return rows[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        """Whether the number shown is an estimate (an exact count known beforehand is not)."""
        return self.known_count is None and self.counted > COUNT_CAP

    @cached_property
    def count(self) -> int:
        """What the pages cover: the count itself, or the cap."""
        return min(self.counted, COUNT_CAP)

    @cached_property
    def estimate(self) -> int:
        """The number to show: exact under the cap (or known), the planner's estimate above."""
        if not self.capped:
            return self.counted
        planned = planned_rows(self.object_list)
        return COUNT_CAP + 1 if planned is None else max(planned, COUNT_CAP + 1)


def planned_rows(queryset: QuerySet) -> int | None:
    """How many rows PostgreSQL's planner expects `queryset` to return (EXPLAIN: it
    plans, it runs nothing; a millisecond), or None on another database."""
    rows = queryset.order_by().values("pk")
    if connections[rows.db].vendor != "postgresql":
        return None
    plan = json.loads(rows.explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])
