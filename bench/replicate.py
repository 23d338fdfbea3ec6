"""Multiply an imported catalogue: every document copied N-1 more times, for measuring pages at
ten times a corpus's size without importing it (a million documents take hours to import).

    python -m bench.replicate DATABASE --times 10

DATABASE (a PostgreSQL database on the server of DATABASE_URL, already filled by
`import_documents`) is changed in place: make it a copy first
(`CREATE DATABASE big TEMPLATE small`). Each copy of a document keeps its texts,
references and links to people and organizations, with its id offset by k × OFFSET and
its external id suffixed; the people and organizations are the same. So every word and
name has N times its hits, and the busiest people N times their links — the shape of
a larger collection, not its vocabulary (a larger generated corpus has more rare
words). The search index is rebuilt once at the end, then the planner's statistics.
"""

from __future__ import annotations

import argparse
import os
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg

OFFSET = 200_000  # ids of the originals must be below it
LINKED = (
    "catalogue_translation",
    "catalogue_archivalreference",
    "catalogue_documentperson",
    "catalogue_documentorganization",
)


def columns(conn: psycopg.Connection, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
        " ORDER BY ordinal_position",
        [table],
    )
    return [name for (name,) in rows]


def replicate(conn: psycopg.Connection, times: int) -> None:
    def run(sql: str) -> None:
        start = time.monotonic()
        conn.execute(sql)
        print(f"{time.monotonic() - start:6.1f} s  {sql[:90]}", flush=True)

    highest = conn.execute("SELECT max(id) FROM catalogue_document").fetchone()[0] or 0
    if highest >= OFFSET:
        raise SystemExit(f"document ids reach {highest}: the copies' offset is {OFFSET}")
    # One index build at the end is much cheaper than nine times the insertions.
    run("DROP INDEX IF EXISTS document_search_idx")
    document = columns(conn, "catalogue_document")
    for k in range(1, times):
        copied = ", ".join(
            f"id + {k * OFFSET}"
            if name == "id"
            else f"CASE WHEN external_id = '' THEN '' ELSE external_id || '-{k}' END"
            if name == "external_id"
            else f'"{name}"'
            for name in document
        )
        run(
            f"INSERT INTO catalogue_document ({', '.join(document)})"
            f" SELECT {copied} FROM catalogue_document WHERE id < {OFFSET}"
        )
        for table in LINKED:
            names = [name for name in columns(conn, table) if name != "id"]
            copied = ", ".join(
                f"document_id + {k * OFFSET}" if name == "document_id" else f'"{name}"'
                for name in names
            )
            run(
                f"INSERT INTO {table} ({', '.join(names)})"
                f" SELECT {copied} FROM {table} WHERE document_id < {OFFSET}"
            )
    run("CREATE INDEX document_search_idx ON catalogue_document USING gin (search_vector)")
    run("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database")
    parser.add_argument("--times", type=int, default=10)
    args = parser.parse_args()
    if args.times < 2:
        parser.error("--times must be at least 2")
    server = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    url = urlunsplit(urlsplit(server)._replace(path="/" + args.database))
    with psycopg.connect(url, autocommit=True) as conn:
        replicate(conn, args.times)
        total = conn.execute("SELECT count(*) FROM catalogue_document").fetchone()[0]
    print(f"{args.database}: {total} documents")


if __name__ == "__main__":
    main()
