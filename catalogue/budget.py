"""Queries with a time budget: a facet that takes too long is left out, not waited for.

`statement_budget(using, each_ms, total_ms)` yields `attempt(fn)`, which runs `fn` (its
queries) and returns its result, or None when a statement ran past its budget: the
smaller of `each_ms` (`weight` times it for an `fn` doing that many attempts'
work: `attempt(fn, weight)`) and what is left of `total_ms` for the whole block. Once less than
MIN_MS is left, attempts return None without running.

- PostgreSQL: `statement_timeout`, set for each attempt inside a savepoint, so a
  cancelled statement leaves the rest of the transaction usable.
- SQLite: a progress handler interrupts a statement once the attempt's deadline passes.

`local_setting(using, name)` is the PostgreSQL setting mechanism underneath, also used
to steer the planner (catalogue.search).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import OperationalError, connections, transaction

T = TypeVar("T")
Attempt = Callable[..., T | None]  # attempt(fn, weight=1)
MIN_MS = 20


@contextlib.contextmanager
def local_setting(using: str, name: str) -> Iterator[Callable[[str], None]]:
    """A transaction in which `set_value(v)` changes PostgreSQL's setting `name` for that
    transaction only; inside an outer transaction, where SET LOCAL would outlive the
    block, the previous value is put back at its end."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        previous = cursor.fetchone()[0]

        def set_value(value: str) -> None:
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])

        yield set_value
        if not outermost:
            set_value(previous)


def _cancelled(exc: OperationalError) -> bool:
    text = str(exc)
    return "statement timeout" in text or "interrupted" in text


@contextlib.contextmanager
def statement_budget(using: str, each_ms: int, total_ms: int | None = None) -> Iterator[Attempt]:
    connection = connections[using]
    ends = time.monotonic() + (total_ms if total_ms is not None else 10**9) / 1000

    @contextlib.contextmanager
    def bounded(run: Callable[[Callable[[], T], int], T]) -> Iterator[Attempt]:
        """`attempt` around `run(fn, milliseconds)`, the database's way to bound `fn`."""

        def attempt(fn: Callable[[], T], weight: int = 1) -> T | None:
            # `weight`: how many attempts' work `fn` does at once (their budgets add up).
            budget = int(min(each_ms * weight, (ends - time.monotonic()) * 1000))
            if budget < MIN_MS:
                return None
            try:
                return run(fn, budget)
            except OperationalError as exc:
                if _cancelled(exc):
                    return None
                raise

        yield attempt

    if connection.vendor == "postgresql":
        with local_setting(using, "statement_timeout") as set_timeout:

            def in_savepoint(fn: Callable[[], T], budget: int) -> T:
                with transaction.atomic(using=using):
                    set_timeout(f"{budget}ms")
                    return fn()

            with bounded(in_savepoint) as attempt:
                yield attempt
        return
    if connection.vendor != "sqlite":
        yield lambda fn, weight=1: fn()
        return
    connection.ensure_connection()
    raw = connection.connection
    deadline = [0.0]

    def until_deadline(fn: Callable[[], T], budget: int) -> T:
        deadline[0] = time.monotonic() + budget / 1000
        return fn()

    # Called every 1,000 SQLite VM instructions; a non-zero return interrupts the statement.
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline[0]), 1000)
    try:
        with bounded(until_deadline) as attempt:
            yield attempt
    finally:
        raw.set_progress_handler(None, 0)
