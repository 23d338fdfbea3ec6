"""The document page against its SQL, over many documents: `python -m bench.document_page DB`.

`bench.run` times five documents per run, four of them never read before, so one slow
sample moves its p50. This asks `--documents` published documents (default 200, in a
random order, each once) of the catalogue in the PostgreSQL database DB, over HTTP
from gunicorn (2 workers, production settings) exactly as `bench.run` does, and
interleaves each with the page's own SQL replayed on one open connection (the floor),
in a random order per document. It prints the medians and their ratio; nothing is
written to the database.

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

import psycopg

from bench.run import (
    DEFAULT_URL,
    app_env,
    capture_sql,
    free_port,
    get,
    manage,
    replay,
    start_gunicorn,
    stop,
    wait_http,
    with_database,
)


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
    chosen = Document.objects.filter(pk__in=rng.sample(ids, min(args.documents, len(ids))))
    paths = [document.get_absolute_url() for document in chosen]
    rng.shuffle(paths)
    sql = capture_sql(paths)
    connections.close_all()

    port = free_port()
    gunicorn = start_gunicorn(env, port, workers=2)
    try:
        wait_http(port, "/documents/", gunicorn)
        ours, floor = [], []
        with psycopg.connect(db_url, autocommit=True) as connection:
            for path in paths:
                for target in rng.sample(["ours", "floor"], 2):
                    start = time.perf_counter()
                    if target == "ours":
                        status = get(port, path)
                        if status != 200:
                            raise RuntimeError(f"{path} answered {status}")
                    else:
                        replay(connection, sql[path])
                    (ours if target == "ours" else floor).append(time.perf_counter() - start)
    finally:
        stop(gunicorn)
        shutil.rmtree(work, ignore_errors=True)
    p50, floor50 = statistics.median(ours) * 1000, statistics.median(floor) * 1000
    print(
        f"{len(paths)} documents, each asked once: ours p50 {p50:.2f} ms,"
        f" floor p50 {floor50:.2f} ms, ours ÷ floor {p50 / floor50:.2f}"
    )


if __name__ == "__main__":
    main()
