"""One import at a time per database.

Two imports of the same files at once could both decide a page is new and
create it twice. PostgreSQL gets a session-level advisory lock; SQLite, which
has none, a lock file beside the database. Both are released by the operating
system or the server if the process dies, so a killed import never leaves a
stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import DatabaseError, connection

from catalogue.importer.errors import ImporterError

# An arbitrary constant naming "the catalogue import" among advisory locks.
ADVISORY_LOCK_KEY = 0x0A4C_1EE0


class ImportLocked(ImporterError):
    pass


def _lock_file_path() -> Path:
    name = connection.settings_dict["NAME"]
    if not name or str(name) == ":memory:" or "mode=memory" in str(name):
        # In-memory databases (tests) belong to one process: nothing to guard.
        return Path(os.devnull)
    return Path(f"{name}.import.lock")


@contextlib.contextmanager
def import_lock(*, wait: bool = False, poll_seconds: float = 0.5) -> Iterator[None]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
                if cursor.fetchone()[0]:
                    break
                if not wait:
                    raise ImportLocked("another import is running (PostgreSQL advisory lock held)")
                time.sleep(poll_seconds)
        try:
            yield
        finally:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
            except DatabaseError:
                # The session is gone (server restarted, connection lost), and with it
                # every advisory lock it held: there is nothing left to release.
                pass
        return

    path = _lock_file_path()
    if path == Path(os.devnull):
        yield
        return
    with open(path, "a+") as handle:
        flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
        try:
            fcntl.flock(handle, flags)
        except BlockingIOError as exc:
            raise ImportLocked(f"another import is running (lock file {path} held)") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
