"""Fault injection for the importer: `python -m bench.faults [--kill] [--restart] [--json FILE]`.

--kill     SIGKILL `import_documents` at seeded random moments on PostgreSQL, re-run it to
           the end, and compare the export with a clean import's (a database of its own,
           created and dropped here; server: --admin-url).
--restart  Restart PostgreSQL in the middle of an import: the run must fail clearly for
           the files it was writing and a re-run must complete with the clean export. It
           uses a second, throw-away cluster (pg_createcluster 15 faults on --port, dropped
           afterwards), never the shared server.

The helpers here (corpus, subprocess `manage.py`, normalised export) are shared with
tests/test_faults.py, which runs the same checks on SQLite files.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench import corpus

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"


def environment(db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(DATABASE_URL=db_url, SECRET_KEY="x", DEBUG="0", HTTPS="0", PYTHONUNBUFFERED="1")
    return env


def manage(db_url: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        cwd=ROOT, env=environment(db_url), capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def spawn(db_url: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(MANAGE), *args],
        cwd=ROOT, env=environment(db_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def make_corpus(folder: Path, documents: int, seed: int = 3) -> Path:
    corpus.generate(documents, folder, seed=seed)
    return folder


def normalise(record: dict) -> dict:
    """A record without database ids: people and organizations by name, no id or url."""
    record = {k: v for k, v in record.items() if k not in ("id", "url")}
    record["people"] = sorted((p["name"], p["role"]) for p in record["people"])
    record["organizations"] = sorted((o["name"], o["role"]) for o in record["organizations"])
    return record


def export(db_url: str) -> dict[str, dict]:
    """{external_id: normalised record} of every document; fails on duplicates."""
    done = manage(db_url, "export_documents")
    assert done.returncode == 0, done.stderr
    records: dict[str, dict] = {}
    for line in done.stdout.splitlines():
        record = json.loads(line)
        key = record["external_id"] or record["source"]["file"]
        assert key not in records, f"duplicate document {key}"
        records[key] = normalise(record)
    return records


def killed_imports(
    db_url: str, folder: Path, *, kills: int, seed: int, window: tuple[float, float]
) -> list[dict]:
    """Start the import and SIGKILL it after a seeded delay in `window`, `kills` times."""
    rng = random.Random(seed)
    events = []
    for _ in range(kills):
        delay = rng.uniform(*window)
        process = spawn(db_url, "import_documents", str(folder))
        time.sleep(delay)
        finished = process.poll() is not None
        if not finished:
            process.send_signal(signal.SIGKILL)
        process.wait()
        events.append({"delay_s": round(delay, 2), "killed": not finished})
    return events


def kill_scenario(db_url: str, clean_url: str, folder: Path, seed: int = 7) -> dict:
    """Clean import vs. import killed three times then re-run; the exports must match."""
    started = time.perf_counter()
    clean = manage(clean_url, "import_documents", str(folder))
    duration = time.perf_counter() - started
    assert clean.returncode == 0, clean.stderr
    events = killed_imports(db_url, folder, kills=3, seed=seed, window=(0.3, duration * 0.9))
    rerun = manage(db_url, "import_documents", str(folder))
    expected, got = export(clean_url), export(db_url)
    return {
        "clean_import_s": round(duration, 1),
        "kills": events,
        "rerun_exit": rerun.returncode,
        "rerun_summary": rerun.stdout.strip().splitlines()[-1:],
        "documents": len(got),
        "exports_equal": got == expected,
        "differing": sorted(
            k for k in expected.keys() | got.keys() if expected.get(k) != got.get(k)
        )[:10],
    }


# --- PostgreSQL ---------------------------------------------------------------------------------


def _admin(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def _with_db(admin_url: str, name: str) -> str:
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}"


def postgres_kill(admin_url: str, folder: Path) -> dict:
    names = [f"catalogue_faults_{os.getpid()}_{label}" for label in ("killed", "clean")]
    urls = [_with_db(admin_url, name) for name in names]
    try:
        for name, url in zip(names, urls, strict=True):
            _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}"')
            _admin(admin_url, f'CREATE DATABASE "{name}"')
            done = manage(url, "migrate", "--no-input")
            assert done.returncode == 0, done.stderr
        return kill_scenario(urls[0], urls[1], folder)
    finally:
        for name in names:
            _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _cluster(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def postgres_restart(folder: Path, port: int, delay: float) -> dict:
    """A private cluster on `port`: import, restart the server mid-way, re-run, compare."""
    version, cluster = "15", "faults"
    _cluster("pg_dropcluster", "--stop", version, cluster)
    made = _cluster("pg_createcluster", version, cluster, "-p", str(port), "--", "-A", "trust")
    assert made.returncode == 0, made.stderr
    try:
        started = _cluster("pg_ctlcluster", version, cluster, "start")
        assert started.returncode == 0, started.stderr
        admin_url = f"postgres://postgres@127.0.0.1:{port}/postgres"
        urls = {}
        for label in ("restarted", "clean"):
            _admin(admin_url, f'CREATE DATABASE "catalogue_{label}"')
            urls[label] = _with_db(admin_url, f"catalogue_{label}")
            done = manage(urls[label], "migrate", "--no-input")
            assert done.returncode == 0, done.stderr
        clean = manage(urls["clean"], "import_documents", str(folder))
        assert clean.returncode == 0, clean.stderr
        process = spawn(urls["restarted"], "import_documents", str(folder), "-v", "2")
        time.sleep(delay)
        was_running = process.poll() is None
        restart = _cluster(
            "pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"
        )
        out, err = process.communicate(timeout=600)
        (folder.parent / "restart-first-run.stderr").write_text(err, encoding="utf-8")
        (folder.parent / "restart-first-run.stdout").write_text(out, encoding="utf-8")
        failed = [line for line in out.splitlines() if line.startswith("failed")]
        rerun = manage(urls["restarted"], "import_documents", str(folder))
        expected, got = export(urls["clean"]), export(urls["restarted"])
        return {
            "restart_exit": restart.returncode,
            "import_running_at_restart": was_running,
            "first_run_exit": process.returncode,
            "first_run_summary": out.strip().splitlines()[-1:],
            "first_run_failed_files": len(failed),
            "first_run_failures_sample": failed[:3],
            "first_run_traceback": "Traceback" in err,
            "first_run_traceback_frames": [
                line.strip() for line in err.splitlines() if "/catalogue/" in line
            ][:8],
            "first_run_stderr_tail": err.strip().splitlines()[-1:],
            "rerun_exit": rerun.returncode,
            "rerun_summary": rerun.stdout.strip().splitlines()[-1:],
            "exports_equal": got == expected,
            "documents": len(got),
        }
    finally:
        _cluster("pg_dropcluster", "--stop", version, cluster)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kill", action="store_true")
    parser.add_argument("--restart", action="store_true")
    parser.add_argument("--documents", type=int, default=40)
    parser.add_argument("--restart-documents", type=int, default=300)
    parser.add_argument("--restart-delay", type=float, default=4.0)
    parser.add_argument(
        "--admin-url", default=os.environ.get("FAULTS_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )  # fmt: skip
    parser.add_argument("--port", type=int, default=5439, help="port of the throw-away cluster")
    parser.add_argument("--work", type=Path, default=Path("/tmp/catalogue-faults"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = {}
    if args.kill:
        folder = make_corpus(args.work / f"corpus-{args.documents}", args.documents)
        results["postgres_kill"] = postgres_kill(args.admin_url, folder)
        print(json.dumps(results["postgres_kill"], indent=2), flush=True)
    if args.restart:
        folder = make_corpus(args.work / f"corpus-{args.restart_documents}", args.restart_documents)
        results["postgres_restart"] = postgres_restart(folder, args.port, args.restart_delay)
        print(json.dumps(results["postgres_restart"], indent=2), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    ok = all(r.get("exports_equal") for r in results.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
