"""Page latency benchmark: `python -m bench.run --documents N [--json F] [--corpus DIR] [--keep]`.

Generates (or reuses) a corpus, imports it into a fresh PostgreSQL database on the
server of DATABASE_URL (`bench_<pid>`) and times the import (peak RSS of the
importer and its children), starts the app under gunicorn and, interleaved in one
run (shuffled order within every round), measures:

- ours:      the public pages over HTTP (search with facets, document, person);
- floor:     the SQL those same pages run, replayed with psycopg as the page sends
             it, on a connection with the app's session settings (captured
             once per URL through django.test.Client; the document page's
             statement is prepared, as the page prepares it);
- datasette: Datasette over the same corpus in SQLite with FTS5 and the same
             facets (the peer), where it has an equivalent page;
- transport: gunicorn answering a document page's bytes without Django, and the
             catalogue's own 404: what HTTP alone, and HTTP with Django's handler
             and middleware, cost before any page does its work.

Prints p50 / p95 per query class and the ratios ours ÷ floor, ours ÷ Datasette and
ours ÷ (floor + transport), writes JSON (default bench/results/postgresql-<N>.json)
and, when results for two or more corpus sizes exist, draws bench/latency.png.
Everything it starts is stopped and the database dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import http.client
import json
import math
import multiprocessing
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import psycopg

from bench import corpus
from catalogue.pagination import COUNT_CAP

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PNG = ROOT / "bench" / "latency.png"
BIN = Path(sys.executable).parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CLASSES = (
    "browse",
    "rare",
    "medium",
    "common",
    "two_facets",
    "deep_page",
    "russian",
    "misspelt_name",
    "document",
    "person",
)
PG_SETTINGS_SHOWN = ("shared_buffers", "effective_cache_size", "work_mem")
TERMS_PER_CLASS = 14  # at least, for rare, medium and common: 42 search terms or more
# How many new requests of a class each round asks (none of them the warm-up round's),
# where the class has several: one a round gave a p50 of five samples at --rounds 5,
# which one slow request moved (rare and Russian swung by half between two runs of the
# same code in session 11). A class of one address asks it every round.
PER_ROUND = {"document": 5, "rare": 3, "medium": 3, "common": 3, "russian": 3, "person": 3}
# The transport, timed in the same rounds as the pages, as often as the document page:
# gunicorn answering a document page's bytes without Django (`start_transport`), and
# the catalogue's own 404 (HTTP, Django's handler and middleware, the URL resolver; no
# view, no SQL).
# {kind: (path, the status it answers)}.
TRANSPORT = {"bare_wsgi": ("/", 200), "django_404": ("/bench-no-such-page/", 404)}


def requests_needed(cls: str, rounds: int, least: int = 1) -> int:
    """How many requests of `cls` the warm-up and `rounds` rounds ask, none twice."""
    return max(least, 1 + rounds * PER_ROUND[cls])


DATASETTE_FACETS = "&".join(
    f"_facet={name}" for name in ("language", "repository", "type", "classification")
)
DATASETTE_FACETS += "&_facet_array=people"
_STOP_WORDS = """a about above after again against all am an and any are as at be because been
before being below between both but by can did do does doing down during each few for from further
had has have having he her here hers him his how i if in into is it its itself just me more most my
no nor not now of off on once only or other our ours out over own same she should so some such than
that the their theirs them then there these they this those through to too under until up very was
we were what when where which while who whom why will with you your would also shall upon said"""
STOP = set(_STOP_WORDS.split())
WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


# ── helpers ────────────────────────────────────────────────────────────────


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def app_env(db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DATABASE_URL=db_url,
        SECRET_KEY="bench-secret-key-not-for-production-0123456789abcdefghijklmnop",
        DEBUG="0",
        HTTPS="0",
        ALLOWED_HOSTS="127.0.0.1,testserver",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="ERROR",
    )
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True)


def start_gunicorn(
    env: dict, port: int, workers: int, app: str = "archive.wsgi"
) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "gunicorn"), app, "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip


def start_transport(env: dict, port: int, page: bytes, folder: Path) -> subprocess.Popen:
    """gunicorn (2 workers) answering every request with `page`, from memory, without
    Django (bench.document_page.bare_page): the transport alone, the least any page of
    that size served over HTTP here can take."""
    page_file = folder / "transport-page.html"
    page_file.write_bytes(page)
    return start_gunicorn(
        {**env, "BENCH_PAGE_FILE": str(page_file)}, port, workers=2,
        app="bench.document_page:bare_page",
    )  # fmt: skip


def median_page(port: int, paths: list[str]) -> bytes:
    """The page of median size among `paths`' (each must answer 200)."""
    pages = []
    for path in paths:
        status, body = fetch(port, path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        pages.append(body)
    return sorted(pages, key=len)[len(pages) // 2]


def wait_http(port: int, path: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {proc.returncode}")
        try:
            get(port, path)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not answer within {timeout} s")


def fetch(port: int, path: str) -> tuple[int, bytes]:
    """One GET on a fresh connection, body read in full: the status and the body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def get(port: int, path: str) -> int:
    """One GET on a fresh connection, body read in full; returns the status."""
    return fetch(port, path)[0]


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ── import ─────────────────────────────────────────────────────────────────


def timed_import(env: dict, folder: Path, documents: int) -> dict:
    """Run import_documents, polling the RSS of it and its children every 50 ms."""
    import psutil  # the bench extra's, as matplotlib below: the module loads without them

    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "import_documents", str(folder)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    parent = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            total = parent.memory_info().rss
            for child in parent.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            peak = max(peak, total)
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read()
    if proc.returncode:
        raise RuntimeError(f"import failed ({proc.returncode}): {stderr[-2000:]}")
    return {
        "wall_s": round(wall, 1),
        "docs_per_s": round(documents / wall, 1),
        "peak_rss_mb": round(peak / 2**20, 1),
    }


# ── the peer: Datasette over SQLite + FTS5 ────────────────────────────────


def build_sqlite(export: Path, target: Path) -> None:
    """documents (one row each, a JSON `people` array) and document_people, FTS5 (porter).

    Written under another name and renamed when complete, so that a file at `target`
    is always a whole database (--workdir reuses it).
    """
    partial = target.with_suffix(".part")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    db.executescript(
        """
        CREATE TABLE documents (id INTEGER PRIMARY KEY, title TEXT, summary TEXT, text TEXT,
            language TEXT, repository TEXT, type TEXT, classification TEXT, date TEXT,
            people TEXT);
        CREATE TABLE document_people (document_id INTEGER REFERENCES documents(id),
            person_id INTEGER, name TEXT);
        """
    )
    with export.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            refs = [r["repository"] for r in record["archival_references"] if r["repository"]]
            db.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record["id"],
                    record["title"],
                    record["summary"],
                    "\n".join(t["text"] for t in record["texts"]),
                    (record["original_languages"] or [None])[0],
                    refs[0] if refs else None,
                    record["document_type"],
                    record["classification"],
                    record["date"],
                    json.dumps(sorted({p["name"] for p in record["people"]}), ensure_ascii=False),
                ),
            )
            db.executemany(
                "INSERT INTO document_people VALUES (?, ?, ?)",
                [(record["id"], p["id"], p["name"]) for p in record["people"]],
            )
    for column in ("language", "repository", "type", "classification", "date"):
        db.execute(f"CREATE INDEX documents_{column} ON documents ({column})")
    db.executescript(
        """
        CREATE INDEX document_people_document ON document_people (document_id);
        CREATE INDEX document_people_person ON document_people (person_id);
        CREATE VIRTUAL TABLE documents_fts USING fts5 (title, summary, text,
            content="documents", content_rowid="id", tokenize="porter");
        INSERT INTO documents_fts (rowid, title, summary, text)
            SELECT id, title, summary, text FROM documents;
        """
    )
    db.commit()
    db.execute("VACUUM")
    db.close()
    partial.rename(target)


# ── what to ask ────────────────────────────────────────────────────────────


def vocabulary(export: Path) -> tuple[collections.Counter, int, list[dict]]:
    df: collections.Counter = collections.Counter()
    records = []
    with export.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            text = " ".join(
                [record["title"] or "", record["summary"] or ""]
                + [t["text"] for t in record["texts"]]
            )
            df.update({w.casefold() for w in WORD.findall(text)})
            records.append(
                {
                    "id": record["id"],
                    "url": record["url"],
                    "language": (record["original_languages"] or [None])[0],
                    "type": record["document_type"],
                    "people": [p["name"] for p in record["people"]],
                }
            )
    return df, len(records), records


def misspell(name: str) -> str:
    surname = name.split()[-1]
    swap = {"a": "o", "o": "a", "e": "i", "i": "e", "u": "o", "y": "i"}
    for index in range(len(surname) - 2, 0, -1):
        if surname[index] in swap:
            return surname[:index] + swap[surname[index]] + surname[index + 1 :]
    return surname[:-1] + surname[-1] * 2


def choose_requests(
    df, documents: int, records: list[dict], rng: random.Random, count, rounds: int = 20
) -> dict:
    """{class: [(label, our path, datasette path or None)]}; `count(q)` = our hit count."""
    cyrillic = re.compile(r"[а-яё]")
    latin = [(w, n) for w, n in df.items() if not cyrillic.search(w) and w not in STOP]
    russian = [(w, n) for w, n in df.items() if cyrillic.search(w) and len(w) >= 4]

    def pick(candidates, low, high, limit):
        chosen, seen = [], []
        for word, _ in candidates[:400]:
            hits = count(word)
            seen.append((hits, word))
            if low <= hits <= high:
                chosen.append(word)
            if len(chosen) == limit:
                return chosen
        # Too few in range (names also match linked documents): the nearest hit counts.
        middle = (low + high) / 2
        nearest = sorted((abs(h - middle), w) for h, w in seen if h and w not in chosen)
        return chosen + [w for _, w in nearest[: limit - len(chosen)]]

    def wanted(cls: str) -> int:
        return requests_needed(cls, rounds, TERMS_PER_CLASS)

    # The rarest words first (at 10,000 documents there may be none with df ≤ 10).
    rare_pool = sorted(latin, key=lambda wn: (wn[1], rng.random()))
    target = max(documents // 100, 2)
    medium_pool = sorted(latin, key=lambda wn: (abs(wn[1] - target), wn[0]))
    common_pool = sorted((wn for wn in latin if len(wn[0]) >= 4), key=lambda wn: (-wn[1], wn[0]))
    terms = {
        "rare": pick(rare_pool, 1, 10, wanted("rare")),
        "medium": pick(medium_pool, target // 2, target * 2, wanted("medium")),
        "common": [w for w, _ in common_pool[: wanted("common")]],
    }
    russian_pool = sorted(russian, key=lambda wn: (abs(wn[1] - target), wn[0]))
    terms["russian"] = pick(russian_pool, 1, documents, requests_needed("russian", rounds))

    def search(q: str, **facets) -> tuple[str, str, str]:
        ours = "/documents/?" + urlencode({"q": q, **facets} if q else facets)
        params = urlencode({"_search": q, **facets} if q else facets)
        return q, ours, f"/db/documents?{params}&{DATASETTE_FACETS}" if params else ""

    requests: dict[str, list] = {name: [search(q) for q in terms[name]] for name in terms}
    requests["browse"] = [("", "/documents/", "/db/documents?" + DATASETTE_FACETS)]
    languages = collections.Counter(r["language"] for r in records if r["language"])
    types = collections.Counter(r["type"] for r in records if r["type"])
    language, kind = languages.most_common(1)[0][0], types.most_common(1)[0][0]
    requests["two_facets"] = [search("", language=language, type=kind)]
    # 90 % of the way through browse, or the last page the capped count lets one reach.
    page = max(1, min(math.ceil(documents / 20) * 9 // 10, COUNT_CAP // 20))
    ids = sorted(r["id"] for r in records)
    after = ids[(page - 1) * 20 - 1] if page > 1 else None
    requests["deep_page"] = [
        (
            f"page {page}",
            f"/documents/?page={page}",
            f"/db/documents?_next={after}&{DATASETTE_FACETS}",
        )
    ]
    people = collections.Counter(name for r in records for name in r["people"])
    name = people.most_common(1)[0][0]
    wrong = misspell(name)
    requests["misspelt_name"] = [search(wrong)]
    # One for the warm-up round, then PER_ROUND new ones a round.
    sample = rng.sample(records, min(requests_needed("document", rounds), len(records)))
    requests["document"] = [
        (str(r["id"]), quote(r["url"]), f"/db/documents/{r['id']}") for r in sample
    ]
    return requests


def asked_in_round(cls: str, entries: list, round_no: int) -> list:
    """A class's requests in round `round_no` (-1: the warm-up round, which asks the
    first): PER_ROUND of them (default one), each new until the entries run out and
    come round again. A class of one address asks it in every round."""
    if round_no < 0:
        return entries[:1]
    count = PER_ROUND.get(cls, 1)
    start = 1 + round_no * count
    return [entries[(start + i) % len(entries)] for i in range(count)]


# ── the SQL floor ──────────────────────────────────────────────────────────


class Statement(NamedTuple):
    """One SELECT a page ran, as the page sent it."""

    sql: str  # the text with the values in; with placeholders when `params` are sent apart
    params: tuple | None = None  # the values, when bound on the server
    prepared: bool = False  # prepared on the server (psycopg names it the first time)


def capture_sql(paths: list[str]) -> dict[str, list[Statement]]:
    """The SELECTs each page runs, from one in-process request per path.

    Each is kept as the page sent it, so that the floor asks PostgreSQL for the same
    work: Django's cursors bind the values on the client and send the text; the
    document page's statement goes with its value apart and prepared on the server
    (catalogue.one_statement), planned once per connection, and its floor is that
    statement prepared too, not its text planned afresh every time (the planning
    costs more than the run).
    """
    from django.db import connection
    from django.test import Client

    from catalogue.one_statement import PreparedCursor

    captured: list[Statement] = []

    def record(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        raw = context["cursor"].cursor
        if isinstance(raw, psycopg.Cursor) and not isinstance(raw, psycopg.ClientCursor):
            prepared = (
                isinstance(raw, PreparedCursor) and raw.connection.prepare_threshold is not None
            )
            statement = Statement(sql, tuple(params or ()), prepared)
        else:
            statement = Statement(connection.ops.last_executed_query(raw, sql, params))
        # A UNION of SELECTs starts with "(" (the search's ids).
        if statement.sql.lstrip().upper().startswith(("SELECT", "(SELECT", "WITH")):
            captured.append(statement)
        return result

    client = Client()
    statements = {}
    for path in paths:
        captured = []
        with connection.execute_wrapper(record):
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        statements[path] = captured
    return statements


def floor_connection() -> psycopg.Connection:
    """A connection made as the app makes its own (its session settings included)."""
    from django.db import connection

    return psycopg.connect(**connection.get_connection_params(), autocommit=True)


def replay(conn: psycopg.Connection, statements: list[Statement]) -> list[list[tuple]]:
    """Each statement's rows, every one of them fetched as the page fetches them."""
    rows = []
    with psycopg.Cursor(conn) as cursor:
        for statement in statements:
            if statement.params is not None:
                cursor.execute(statement.sql, statement.params, prepare=statement.prepared)
            else:
                cursor.execute(statement.sql.encode())
            rows.append(cursor.fetchall())
    return rows


# ── reporting ──────────────────────────────────────────────────────────────


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def ratio(a, b) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def table(result: dict) -> str:
    lines = [
        f"{result['documents']:,} documents, {result['rounds']} rounds; import "
        f"{result['import'].get('docs_per_s', '?')} docs/s, "
        f"peak RSS {result['import'].get('peak_rss_mb', '?')} MB",
        f"{'class':<14}{'p50':>8}{'p95':>8}{'sql p50':>9}{'ds p50':>8}{'ds p95':>8}"
        f"{'÷floor':>8}{'÷ds':>7}{'first':>9}{'÷(floor+http)':>15}",
    ]
    for name, row in result["queries"].items():

        def cell(value, width=8):
            return f"{'—' if value is None else value:>{width}}"

        lines.append(
            f"{name:<14}{cell(row['p50_ms'])}{cell(row['p95_ms'])}{cell(row['sql_p50_ms'], 9)}"
            f"{cell(row['datasette_p50_ms'])}{cell(row['datasette_p95_ms'])}"
            f"{cell(row['ours_over_floor'])}{cell(row['ours_over_datasette'], 7)}"
            f"{cell(row.get('first_ms'), 9)}"
            f"{cell(row.get('ours_over_floor_and_transport'), 15)}"
        )
    if "transport" in result:
        t = result["transport"]
        lines.append(
            f"http alone (gunicorn, no Django, {t['body_bytes']:,} bytes): p50"
            f" {t['bare_wsgi_p50_ms']} / p95 {t['bare_wsgi_p95_ms']} ms; the catalogue's 404:"
            f" p50 {t['django_404_p50_ms']} / p95 {t['django_404_p95_ms']} ms"
        )
    return "\n".join(lines)


def draw(png: Path = PNG) -> bool:
    runs = {}
    for path in sorted(RESULTS.glob("*.json")):
        data = json.loads(path.read_text())
        if data.get("database") == "postgresql":
            runs[data["documents"]] = data
    if len(runs) < 2:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(runs)
    fig, ax = plt.subplots(figsize=(8, 5))
    for name in CLASSES:
        points = [(n, runs[n]["queries"].get(name, {}).get("p95_ms")) for n in sizes]
        points = [(n, v) for n, v in points if v is not None]
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("documents")
    ax.set_ylabel("p95 latency (ms)")
    ax.set_title("Page latency p95 against corpus size (PostgreSQL, gunicorn, 2 workers)")
    ax.axhline(300, color="grey", linestyle=":", linewidth=1)
    ax.legend(fontsize=8, ncol=2)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    plt.close(fig)
    return True


# ── the run ────────────────────────────────────────────────────────────────


def run(args: argparse.Namespace) -> dict:
    rng = random.Random(args.seed)
    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench.run needs a PostgreSQL DATABASE_URL")
    name = args.reuse_database or f"bench_{os.getpid()}"
    db_url = with_database(admin_url, name)
    env = app_env(db_url)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-run-"))
    work.mkdir(parents=True, exist_ok=True)
    folder = args.corpus or work / "corpus"
    gunicorn = datasette = bare = floor = None
    with psycopg.connect(admin_url, autocommit=True) as admin:
        if not args.reuse_database:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        if not (folder.exists() and any(folder.iterdir())):
            print(f"generating {args.documents} documents in {folder}", flush=True)
            corpus.generate(args.documents, folder, seed=args.seed)
        documents = sum(1 for p in folder.rglob("*") if p.is_file())
        env["STATIC_ROOT"] = str(work / "static")
        # One cache for gunicorn's workers, as in production (docker-compose): the
        # collection's tallies are counted once, not once per worker. Emptied first.
        shutil.rmtree(work / "cache", ignore_errors=True)
        env["CACHE_DIR"] = str(work / "cache")
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        print(f"importing {documents} files into {name} …", flush=True)
        if args.reuse_database:
            # Filled by an earlier run (--keep): its import figures, from its JSON.
            earlier = json.loads(args.json_path.read_text()) if args.json_path.exists() else {}
            imported = {**earlier.get("import", {}), "reused_database": name}
        else:
            imported = timed_import(env, folder, documents)
        print(f"import: {imported}", flush=True)
        export, sqlite = work / "export.jsonl", work / "db.db"
        # Kept from an earlier run over this same database (--workdir with
        # --reuse-database): at a million documents they take half an hour to remake.
        reuse_files = bool(args.reuse_database and args.workdir)
        if not (reuse_files and export.exists()):
            partial = export.with_suffix(".part")
            manage(env, "export_documents", "--output", str(partial))
            partial.rename(export)
        peer = None
        if not (reuse_files and sqlite.exists()):
            # Built in a second process while this one reads the vocabulary.
            peer = multiprocessing.get_context("fork").Process(
                target=build_sqlite, args=(export, sqlite)
            )
            peer.start()
        df, documents, records = vocabulary(export)
        if peer is not None:
            peer.join()
            if peer.exitcode:
                raise RuntimeError(f"building Datasette's SQLite failed ({peer.exitcode})")

        os.environ.update(env)
        # This process's own requests (capturing the SQL) keep their counts to
        # themselves: sharing gunicorn's cache they would warm it for every search.
        del os.environ["CACHE_DIR"]
        os.environ["DJANGO_SETTINGS_MODULE"] = "archive.settings"
        import django

        django.setup()
        from catalogue.filters import DocumentFilter
        from catalogue.models import Document
        from catalogue.search import search_documents
        from people.models import Person

        published = Document.objects.published()

        def hit_count(q: str) -> int:
            # The page's own path (the GIN index, UNION the named people's documents):
            # counting search_documents' OR scans every row, seconds each at a million.
            hits = DocumentFilter({"q": q}, queryset=published).hits
            if hits is None:  # SQLite, or more than the list holds
                return search_documents(published, q).count()
            return len(hits)

        requests = choose_requests(df, documents, records, rng, hit_count, args.rounds)
        # The busiest people, as many as the rounds ask (at least 20).
        people = requests_needed("person", args.rounds, 20)
        busiest = (
            Person.objects.annotate(n=django.db.models.Count("document_links"))
            .filter(n__gt=0)
            .order_by("-n", "id")[:people]
        )
        requests["person"] = [(p.name, quote(p.get_absolute_url()), None) for p in busiest]
        paths = [ours for entries in requests.values() for _, ours, _ in entries]
        sql = capture_sql(paths)
        from django.db import connections

        connections.close_all()

        port, ds_port = free_port(), free_port()
        gunicorn = start_gunicorn(env, port, workers=2)
        wait_http(port, "/documents/", gunicorn)
        # The transport answers with a document page (the median of five), which it
        # stands beside in the table: its share grows with the body.
        page = median_page(port, [ours for _, ours, _ in requests["document"][:5]])
        bare_port = free_port()
        bare = start_transport(env, bare_port, page, work)
        datasette = subprocess.Popen(
            [str(BIN / "datasette"), "serve", "-i", str(sqlite), "--host", "127.0.0.1",
             "--port", str(ds_port), "--setting", "facet_time_limit_ms", str(args.peer_limit_ms),
             "--setting", "sql_time_limit_ms", str(args.peer_limit_ms),
             "--setting", "num_sql_threads", "2"],
            cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_http(ds_port, "/db", datasette)
        wait_http(bare_port, "/", bare)
        floor = floor_connection()

        # "first": our page's answer in the warm-up round, before anything was cached.
        timings = {c: {"ours": [], "floor": [], "datasette": [], "first": []} for c in CLASSES}
        transport = {kind: [] for kind in TRANSPORT}
        ports = {"ours": port, "datasette": ds_port, "bare_wsgi": bare_port, "django_404": port}
        failures = []
        for round_no in range(-1, args.rounds):  # round -1 warms every cache up
            tasks = []
            for cls in CLASSES:
                for _, ours, peer in asked_in_round(cls, requests[cls], round_no):
                    tasks.append((cls, "ours", ours))
                    tasks.append((cls, "floor", ours))
                    if peer:
                        tasks.append((cls, "datasette", peer))
            for kind, (path, _) in TRANSPORT.items():
                tasks += [("transport", kind, path)] * PER_ROUND["document"]
            rng.shuffle(tasks)
            for cls, target, path in tasks:
                start = time.perf_counter()
                if target == "floor":
                    replay(floor, sql[path])
                    status = 200
                else:
                    status = get(ports[target], path)
                elapsed = time.perf_counter() - start
                if cls == "transport":
                    if status != TRANSPORT[target][1]:
                        failures.append({"class": cls, "target": target, "path": path,
                                         "status": status})  # fmt: skip
                    elif round_no >= 0:
                        transport[target].append(elapsed)
                    continue
                if status != 200:
                    failures.append(
                        {"class": cls, "target": target, "path": path, "status": status}
                    )
                elif round_no >= 0:
                    timings[cls][target].append(elapsed)
                elif target == "ours":
                    timings[cls]["first"].append(elapsed)
            if round_no >= 0:
                print(f"round {round_no + 1}/{args.rounds}", end="\r", flush=True)
        print()

        bare50 = percentile(transport["bare_wsgi"], 50)
        queries = {}
        for cls in CLASSES:
            t = timings[cls]
            p50, sql50 = percentile(t["ours"], 50), percentile(t["floor"], 50)
            ds50 = percentile(t["datasette"], 50)
            queries[cls] = {
                "p50_ms": ms(p50),
                "p95_ms": ms(percentile(t["ours"], 95)),
                # The warm-up request (the class's first address, nothing cached yet):
                # classes of one address repeat it every round, answered from the caches.
                "first_ms": ms(percentile(t["first"], 50)),
                "sql_p50_ms": ms(sql50),
                "sql_p95_ms": ms(percentile(t["floor"], 95)),
                "datasette_p50_ms": ms(ds50),
                "datasette_p95_ms": ms(percentile(t["datasette"], 95)),
                "ours_over_floor": ratio(p50, sql50),
                "ours_over_datasette": ratio(p50, ds50),
                # The floor with the bare transport added: what no page served over
                # HTTP can beat (start_transport).
                "ours_over_floor_and_transport": ratio(
                    p50, None if sql50 is None or bare50 is None else sql50 + bare50
                ),
                "samples": len(t["ours"]),
                "sql_statements": statistics.median(len(sql[o]) for _, o, _ in requests[cls]),
                "requests": [label for label, _, _ in requests[cls]],
            }
        import psutil

        memory = psutil.virtual_memory().total
        with psycopg.connect(db_url) as conn:
            pg_version = conn.execute("SHOW server_version").fetchone()[0]
            # The server's memory settings, as the figures depend on them (docs/scaling.md).
            pg_settings = dict(
                conn.execute(
                    "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
                    [list(PG_SETTINGS_SHOWN)],
                ).fetchall()
            )
        return {
            "documents": documents,
            "database": "postgresql",
            "rounds": args.rounds,
            "import": imported,
            "queries": queries,
            "transport": {
                "body_bytes": len(page),
                **{
                    f"{kind}_p{p}_ms": ms(percentile(transport[kind], p))
                    for kind in TRANSPORT
                    for p in (50, 95)
                },
                "samples": len(transport["bare_wsgi"]),
            },
            "failures": failures,
            "machine": {
                "nproc": os.cpu_count(),
                "memory_gb": round(memory / 2**30, 1),
                "postgresql": pg_version,
                "postgresql_settings": pg_settings,
                "python": platform.python_version(),
                "gunicorn_workers": 2,
            },
            "peer": "datasette (SQLite, FTS5 porter, -i immutable,"
            f" facet/sql limits {args.peer_limit_ms / 1000:g} s)",
            "peer_limit_ms": args.peer_limit_ms,
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
    finally:
        if floor is not None:
            floor.close()
        stop(gunicorn)
        stop(datasette)
        stop(bare)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 — django may never have been set up
            pass
        if args.keep or args.reuse_database:
            print(f"kept: database {name}, files in {work}")
        elif args.workdir:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, required=True)
    parser.add_argument("--json", type=Path, help="default: bench/results/postgresql-<N>.json")
    parser.add_argument("--corpus", type=Path, help="reuse (or generate into) this folder")
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument(
        "--workdir", type=Path,
        help="keep the export and Datasette's SQLite here (never deleted); with"
        " --reuse-database, reuse them if present instead of remaking them",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--peer-limit-ms", type=int, default=60_000, metavar="MS",
        help="Datasette's facet and SQL time limits (default 60 s: it drops no facet up to"
        " 100,000 documents; at a million its pages would take minutes, and 1000 — its"
        " own SQL default — makes it drop slow facets as ours does)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reuse-database", metavar="NAME",
        help="measure pages on this database, filled by an earlier --keep run (no import;"
        " the import figures are carried over from that run's JSON); it is kept",
    )  # fmt: skip
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    args.json_path = args.json or RESULTS / f"postgresql-{args.documents}.json"
    result = run(args)
    # Written first: the figures took many minutes, and must outlive a printing error.
    target = args.json or RESULTS / f"postgresql-{result['documents']}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(table(result))
    if result["failures"]:
        print(f"{len(result['failures'])} failed requests, see the JSON", file=sys.stderr)
    print(f"wrote {target}")
    if draw():
        print(f"drew {PNG}")


if __name__ == "__main__":
    main()
