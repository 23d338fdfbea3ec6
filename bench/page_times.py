"""Public pages timed in this process, each computed afresh: `python -m bench.page_times URL PATH…`.

For the pages `bench.run` does not ask (the A–Z lists, the home page, a facet's page)
and for SQLite, which has no server to reach. URL is the database (`sqlite:///…` or
`postgresql://…`, already migrated and imported); each PATH is asked once to warm up,
then `--times` times (default 9) through Django's test client with production settings
and the page and facet caches off (PAGE_CACHE_SECONDS=0, FACET_CACHE_SECONDS=0), so
every request does the page's whole work, as the first one after a change does. Prints
each path's median and slowest time and its number of SQL statements.

    python -m bench.page_times sqlite:////tmp/s16k.db /people/ /organizations/ /
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bench.run import app_env, manage


def in_process(database_url: str):
    """Django set up in this process on `database_url` with production settings and the
    page and facet caches off; a test client to ask it."""
    env = app_env(database_url) | {"PAGE_CACHE_SECONDS": "0", "FACET_CACHE_SECONDS": "0"}
    manage(env, "collectstatic", "--noinput", "-v0")  # production settings' manifest
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    import django

    django.setup()
    from django.test import Client

    return Client()


def timed(client, path: str, times: int) -> tuple[float, float, int]:
    """(median ms, slowest ms, SQL statements) of `path`, asked once to warm up (and count
    its statements), then `times` times."""
    from django.db import connection

    statements: list[str] = []

    def counted(run, sql, *rest):
        statements.append(sql)
        return run(sql, *rest)

    # A wrapper, not the debug log: SQLite's connection closes after each request.
    with connection.execute_wrapper(counted):
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path}: the page answered {response.status_code}")
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples), len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--times", type=int, default=9)
    args = parser.parse_args()
    client = in_process(args.database_url)
    print(f"{'path':<40} {'p50 ms':>8} {'max ms':>8} {'SQL':>4}")
    for path in args.paths:
        median, slowest, statements = timed(client, path, args.times)
        print(f"{path:<40} {median:>8.1f} {slowest:>8.1f} {statements:>4}")


if __name__ == "__main__":
    main()
