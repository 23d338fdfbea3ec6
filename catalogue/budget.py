"""Queries with a time budget: a facet that takes too long is left out, not waited for.

`statement_budget(using, each_ms, total_ms)` yields `attempt(fn)`, which runs `fn` (its
queries) and returns its result, or None when a statement ran past its budget: the
smaller of `each_ms` and what is left of `total_ms` for the whole block. Once less than
MIN_MS is left, attempts return None without running.

- PostgreSQL: `statement_timeout`, set for each attempt inside a savepoint, so a
  cancelled statement leaves the rest of the transaction usable.
- SQLite: a progress handler interrupts a statement once the attempt's deadline passes.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import OperationalError, connections, transaction

T = TypeVar("T")
Attempt = Callable[[Callable[[], T]], T | None]
MIN_MS = 20


def _cancelled(exc: OperationalError) -> bool:
    text = str(exc)
    return "statement timeout" in text or "interrupted" in text


@contextlib.contextmanager
def statement_budget(using: str, each_ms: int, total_ms: int | None = None) -> Iterator[Attempt]:
    connection = connections[using]
    ends = time.monotonic() + (total_ms if total_ms is not None else 10**9) / 1000

    def allowance() -> int:
        """Milliseconds the next attempt may take."""
        return int(min(each_ms, (ends - time.monotonic()) * 1000))

    if connection.vendor == "postgresql":
        outermost = not connection.in_atomic_block
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('statement_timeout')")
            previous = cursor.fetchone()[0]

            def attempt(fn: Callable[[], T]) -> T | None:
                budget = allowance()
                if budget < MIN_MS:
                    return None
                try:
                    with transaction.atomic(using=using):
                        cursor.execute(
                            "SELECT set_config('statement_timeout', %s, true)", [f"{budget}ms"]
                        )
                        return fn()
                except OperationalError as exc:
                    if _cancelled(exc):
                        return None
                    raise

            yield attempt
            if not outermost:
                # Inside an outer transaction the setting would outlive this block.
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
        return
    if connection.vendor != "sqlite":
        yield lambda fn: fn()
        return
    connection.ensure_connection()
    raw = connection.connection
    deadline = [0.0]

    def attempt(fn: Callable[[], T]) -> T | None:
        budget = allowance()
        if budget < MIN_MS:
            return None
        deadline[0] = time.monotonic() + budget / 1000
        try:
            return fn()
        except OperationalError as exc:
            if _cancelled(exc):
                return None
            raise

    # Called every 1,000 SQLite VM instructions; a non-zero return interrupts the statement.
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline[0]), 1000)
    try:
        yield attempt
    finally:
        raw.set_progress_handler(None, 0)
