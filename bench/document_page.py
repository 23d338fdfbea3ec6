"""The document page against its SQL, over many documents: `python -m bench.document_page DB`.

`bench.run` times five documents per run, four of them never read before, so one slow
sample moves its p50. This asks `--documents` published documents (default 200, in a
random order, each once) of the catalogue in the PostgreSQL database DB, over HTTP
from gunicorn (2 workers, production settings) exactly as `bench.run` does, and
interleaves each, in a random order per document, with:

- the floor: the page's own SQL replayed as the page sends it, on one open connection
  with the app's session settings (its one statement prepared, as the page has it);
- the transport: gunicorn (2 workers) answering a document page's bytes from memory,
  without Django: the client, the connection and the server, and nothing else.

It prints the medians, ours ÷ floor, and the least that ratio could be were Django
and the page's own work free: (transport + floor) ÷ floor. Nothing is written to the
database.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        python -m bench.document_page bench_5532 --documents 200
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.run import (
    DEFAULT_URL,
    app_env,
    capture_sql,
    floor_connection,
    free_port,
    get,
    manage,
    median_page,
    replay,
    start_gunicorn,
    start_transport,
    stop,
    wait_http,
    with_database,
)

# The transport's page: the bytes of a document page, read once when a worker starts.
_PAGE = Path(os.environ["BENCH_PAGE_FILE"]).read_bytes() if "BENCH_PAGE_FILE" in os.environ else b""


def bare_page(environ, start_response):
    """A WSGI app that answers every request with the page's bytes (gunicorn's floor)."""
    start_response(
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(_PAGE)))],
    )
    return [_PAGE]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", help="a database an earlier bench.run kept")
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    db_url = with_database(os.environ.get("DATABASE_URL") or DEFAULT_URL, args.database)
    env = app_env(db_url)
    work = Path(tempfile.mkdtemp(prefix="bench-document-"))
    env.update(STATIC_ROOT=str(work / "static"), CACHE_DIR=str(work / "cache"))
    manage(env, "collectstatic", "--noinput", "-v0")
    os.environ.update(env)
    del os.environ["CACHE_DIR"]  # the SQL capture keeps its own cache, as in bench.run
    os.environ["DJANGO_SETTINGS_MODULE"] = "archive.settings"
    import django

    django.setup()
    from django.db import connections

    from catalogue.models import Document

    rng = random.Random(args.seed)
    ids = list(Document.objects.published().values_list("pk", flat=True))
    # `--documents` to time, and up to nine more whose pages give the transport its size.
    sized = min(9, len(ids) // 2)
    chosen = Document.objects.filter(pk__in=rng.sample(ids, min(args.documents + sized, len(ids))))
    paths = [document.get_absolute_url() for document in chosen]
    rng.shuffle(paths)
    sql = capture_sql(paths)
    connections.close_all()

    port, bare_port = free_port(), free_port()
    gunicorn = start_gunicorn(env, port, workers=2)
    bare = None
    try:
        wait_http(port, "/documents/", gunicorn)
        # The transport answers with a page of the median size among a few documents'.
        bare = start_transport(env, bare_port, median_page(port, paths[:sized]), work)
        wait_http(bare_port, "/", bare)
        timings = {"ours": [], "floor": [], "transport": []}
        with floor_connection() as connection:
            for path in paths[sized:]:  # documents not read before
                for target in rng.sample(list(timings), len(timings)):
                    start = time.perf_counter()
                    if target == "floor":
                        replay(connection, sql[path])
                    elif get(port if target == "ours" else bare_port, path) != 200:
                        raise RuntimeError(f"{target}: {path} failed")
                    timings[target].append(time.perf_counter() - start)
    finally:
        stop(gunicorn)
        stop(bare)
        shutil.rmtree(work, ignore_errors=True)
    p50, floor50, transport50 = (
        statistics.median(timings[name]) * 1000 for name in ("ours", "floor", "transport")
    )
    print(
        f"{len(timings['ours'])} documents, each asked once: ours p50 {p50:.2f} ms,"
        f" floor p50 {floor50:.2f} ms, transport p50 {transport50:.2f} ms;"
        f" ours ÷ floor {p50 / floor50:.2f},"
        f" (transport + floor) ÷ floor {(transport50 + floor50) / floor50:.2f}"
    )


if __name__ == "__main__":
    main()
