"""The identities a run's pages took, kept on disk so that the import's memory stays flat.

A run refuses a page that claims the identity (source id, or file name without one) an
earlier, different page of the same run took (`Loader._claim`): otherwise the two would
take turns at the document, run after run. That needs every claim of the run. In a dict
they cost some 200 bytes a page, 200 MB at a million pages, where everything else the
import holds is the same at 10,000 pages as at a million.

So they go to a private temporary SQLite database (Python's own `sqlite3`; the file is
deleted when it is closed). Its page cache is bounded (SQLite's default, 2 MB) and the
rest stays on disk. A claim takes some 15 µs (a million random source ids: 15 s, in an
import of about an hour).
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple


class ClaimsUnavailable(Exception):
    """The temporary file cannot be written (no writable temporary directory, a full disk):
    the run cannot tell a second page of an identity, so it stops."""


class Claim(NamedTuple):
    """The page that took an identity first: its bytes and the name messages show."""

    sha256: str
    shown: str


class RunClaims:
    """{identity key: Claim} for one run, on disk; opened on first use."""

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            # "": a temporary database on disk, private to this connection. Nothing in
            # it needs to survive a crash, so no journal and no syncing.
            db = sqlite3.connect("", isolation_level=None)
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute(
                "CREATE TABLE claim (key BLOB PRIMARY KEY, sha256 TEXT NOT NULL, "
                "shown BLOB NOT NULL) WITHOUT ROWID"
            )
            self._db = db
        return self._db

    def _execute(self, sql: str, params: tuple) -> sqlite3.Cursor:
        try:
            return self._connection().execute(sql, params)
        except sqlite3.Error as exc:
            raise ClaimsUnavailable(
                f"the run's claims cannot be kept in a temporary file ({exc}): "
                "set TMPDIR to a writable directory with free space"
            ) from exc

    def get(self, key: str) -> Claim | None:
        row = self._execute(
            "SELECT sha256, shown FROM claim WHERE key = ?", (_stored(key),)
        ).fetchone()
        return None if row is None else Claim(row[0], row[1].decode("utf-8", "surrogatepass"))

    def claim(self, key: str, sha256: str, shown: str) -> Claim | None:
        """Record the claim if `key` is free and return None; else the earlier claim."""
        inserted = self._execute(
            "INSERT OR IGNORE INTO claim (key, sha256, shown) VALUES (?, ?, ?)",
            (_stored(key), sha256, _stored(shown)),
        )
        return None if inserted.rowcount == 1 else self.get(key)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _stored(text: str) -> bytes:
    # As bytes: a name may hold a lone surrogate, which sqlite3 refuses as text.
    return text.encode("utf-8", "surrogatepass")
