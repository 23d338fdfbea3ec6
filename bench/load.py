"""Load: `python -m bench.load --database NAME [--users 50] [--seconds 60] [--json FILE]`.

Runs locust (headless, bench/locustfile.py) against gunicorn on loopback over a catalogue
database already filled (e.g. kept by `python -m bench.run --documents 100000 --keep`):
searches with two facets, document pages, person pages and the JSON, the paths drawn
from the database. Prints and writes requests, failures, p50/p95/p99 per kind.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg

from bench.run import (
    BIN,
    DEFAULT_URL,
    ROOT,
    app_env,
    free_port,
    manage,
    start_gunicorn,
    stop,
    wait_http,
    with_database,
)

TERMS = ["telegram", "meeting", "soviet", "embassy", "nuclear", "treaty", "delegation",
         "moscow", "korea", "agreement", "committee", "minister", "party", "border"]  # fmt: skip


def choose_paths(db_url: str, rng: random.Random, count: int = 200) -> dict[str, list[str]]:
    with psycopg.connect(db_url) as conn:
        documents = conn.execute(
            "SELECT id, slug FROM catalogue_document WHERE status = 'published'"
            " ORDER BY random() LIMIT %s", [count],
        ).fetchall()  # fmt: skip
        people = conn.execute(
            "SELECT p.id, p.slug FROM people_person p WHERE EXISTS"
            " (SELECT 1 FROM catalogue_documentperson l WHERE l.person_id = p.id)"
            " ORDER BY random() LIMIT %s", [count],
        ).fetchall()  # fmt: skip
        languages = [r[0] for r in conn.execute(
            "SELECT language FROM catalogue_document WHERE language <> ''"
            " GROUP BY language ORDER BY count(*) DESC LIMIT 4"
        )]  # fmt: skip
        types = [r[0] for r in conn.execute(
            "SELECT document_type FROM catalogue_document WHERE document_type <> ''"
            " GROUP BY document_type ORDER BY count(*) DESC LIMIT 4"
        )]  # fmt: skip
    searches = []
    for _ in range(count):
        params = {"q": rng.choice(TERMS)}
        if rng.random() < 0.5:
            params["language"] = rng.choice(languages)
            params["type"] = rng.choice(types)
        searches.append(params)
    return {
        "search": ["/documents/?" + urlencode(p) for p in searches],
        "json": ["/documents.json?" + urlencode(p) for p in searches[: count // 2]],
        "document": [quote(f"/documents/{pk}/{slug}/") for pk, slug in documents],
        "person": [quote(f"/people/{pk}/{slug}/") for pk, slug in people],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a filled catalogue database")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    db_url = with_database(admin_url, args.database)
    env = app_env(db_url)
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    env["STATIC_ROOT"] = str(work / "static")
    manage(env, "collectstatic", "--noinput", "-v0")
    paths = choose_paths(db_url, random.Random(args.seed))
    (work / "paths.json").write_text(json.dumps(paths), encoding="utf-8")
    port = free_port()
    gunicorn = start_gunicorn(env, port, workers=args.workers)
    try:
        wait_http(port, "/documents/", gunicorn)
        started = time.time()
        subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "--users", str(args.users), "--spawn-rate", str(args.users),
             "--run-time", f"{args.seconds}s", "--host", f"http://127.0.0.1:{port}",
             "--csv", str(work / "load"), "--only-summary", "--stop-timeout", "30"],
            cwd=ROOT, env={**env, "LOAD_PATHS": str(work / "paths.json")}, check=False,
        )  # fmt: skip
        elapsed = time.time() - started
    finally:
        stop(gunicorn)
    rows = list(csv.DictReader(open(work / "load_stats.csv", encoding="utf-8")))  # noqa: SIM115
    kinds = {}
    for row in rows:
        kinds[row["Name"]] = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
            "requests_per_s": round(float(row["Requests/s"]), 1),
        }
    with psycopg.connect(db_url) as conn:
        documents = conn.execute("SELECT count(*) FROM catalogue_document").fetchone()[0]
    result = {
        "documents": documents,
        "users": args.users,
        "seconds": args.seconds,
        "elapsed_s": round(elapsed, 1),
        "gunicorn_workers": args.workers,
        "kinds": kinds,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    total = kinds.get("Aggregated", {})
    return 0 if total.get("requests") and not total.get("failures") else 1


if __name__ == "__main__":
    sys.exit(main())
