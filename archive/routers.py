"""Read replicas: the public pages read from a replica, everything else from the primary.

Replicas are the `replica_1`, `replica_2` … aliases that DATABASE_REPLICA_URLS
adds (see settings.py and docs/scaling.md). Routing is opt-in: only code inside
`replica_reads()` — the public views, through `@reads_from_replica` — reads from a
replica. Writes, the admin, the importer, management commands and any read inside
a transaction or after a write in the same block go to the primary, so nobody
reads stale data they have just changed.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import random
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

PREFIX = "replica_"
# None outside replica_reads(); inside, whether the block has written (then: primary).
_state: contextvars.ContextVar[dict | None] = contextvars.ContextVar("replica_reads", default=None)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(PREFIX)]


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    token = _state.set({"wrote": False})
    try:
        yield
    finally:
        _state.reset(token)


def reads_from_replica(view: Callable) -> Callable:
    """Decorator for public GET views: their reads may go to a replica."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str | None:
        # Asked for every queryset a page makes: the cheapest answer first (no replicas).
        aliases = replica_aliases()
        if not aliases:
            return None
        state = _state.get()
        if state is None or state["wrote"] or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None  # the primary
        return random.choice(aliases)  # noqa: S311 (load spreading)

    def db_for_write(self, model, **hints) -> str:
        state = _state.get()
        if state is not None:
            state["wrote"] = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # every alias holds the same data

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        return not db.startswith(PREFIX)  # replicas follow the primary's schema
