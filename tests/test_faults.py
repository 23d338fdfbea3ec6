"""Faults: a killed import, two imports at once, a full disk, a read-only database.

The first two run `manage.py` in subprocesses on SQLite files of their own (whatever
DATABASE_URL says); bench/faults.py runs the kill on PostgreSQL and restarts a server
mid-import. The last two use the test database connection (SQLite only: PRAGMAs).
"""

from __future__ import annotations

import fcntl
import json
import random
import shutil
import sqlite3
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from bench import corpus
from bench.faults import export, kill_scenario, make_corpus, manage, spawn
from catalogue.importer.load import IMPORTER_USERNAME, importer_user
from catalogue.models import ArchivalReference, Document, Translation


@pytest.fixture(scope="module")
def template_db(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied by each test: one migration for the module."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    done = manage(f"sqlite:///{path}", "migrate", "--no-input")
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("corpus"), 40)


@pytest.fixture(scope="module")
def many_pages(tmp_path_factory) -> Path:
    """Enough pages that an import lasts well beyond a second process's start-up: 400
    took about a second, which a loaded machine's start of Django could outlast."""
    return make_corpus(tmp_path_factory.mktemp("many"), 1500, seed=4)


def fresh_db(template: Path, target: Path) -> str:
    with sqlite3.connect(template) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"


def test_an_import_killed_three_times_then_rerun_equals_a_clean_import(
    template_db, pages, tmp_path
):
    killed = fresh_db(template_db, tmp_path / "killed.sqlite3")
    clean = fresh_db(template_db, tmp_path / "clean.sqlite3")
    result = kill_scenario(killed, clean, pages, seed=7)
    assert any(event["killed"] for event in result["kills"]), result
    with sqlite3.connect(tmp_path / "killed.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert result["rerun_exit"] == 0, result
    assert result["documents"] == 40
    assert result["exports_equal"], result["differing"]


def test_two_imports_at_once_make_no_duplicate_and_the_second_says_why(
    template_db, many_pages, tmp_path
):
    pages = many_pages
    path = tmp_path / "db.sqlite3"
    url = fresh_db(template_db, path)
    first = spawn(url, "import_documents", str(pages))
    # Start the second only once the first holds the lock, so that they overlap.
    lock = Path(f"{path}.import.lock")
    # Generous: on a loaded machine the first process takes seconds to start Django.
    deadline = time.monotonic() + 120
    held = False
    while not held and time.monotonic() < deadline and first.poll() is None:
        if lock.exists():
            with open(lock, "a+") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(handle, fcntl.LOCK_UN)
                except BlockingIOError:
                    held = True
        time.sleep(0.02)
    assert first.poll() is None, "the first import ended before the second could start"
    assert held, "the first import did not take its lock within 120 s"
    second = manage(url, "import_documents", str(pages))
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert out.strip().splitlines()[-1].startswith("created 1500,")
    assert second.returncode != 0
    assert "another import is running" in second.stderr
    assert "Traceback" not in second.stderr
    assert len(export(url)) == 1500  # export() fails on a duplicate external id


def test_two_imports_at_once_with_wait_run_one_after_the_other(template_db, pages, tmp_path):
    url = fresh_db(template_db, tmp_path / "db.sqlite3")
    both = [spawn(url, "import_documents", "--wait", str(pages)) for _ in range(2)]
    summaries = []
    for process in both:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        summaries.append(out.strip().splitlines()[-1])
    assert sorted(summaries) == [
        "created 0, updated 0, unchanged 40, failed 0",
        "created 40, updated 0, unchanged 0, failed 0",
    ]
    assert len(export(url)) == 40


sqlite_only = pytest.mark.skipif(
    "connection.vendor != 'sqlite'", reason="PRAGMA max_page_count / query_only are SQLite's"
)


def run_import(folder: Path, tmp_path: Path) -> tuple[int, dict, str]:
    report = tmp_path / "report.json"
    out = StringIO()
    try:
        call_command("import_documents", str(folder), report=str(report), stdout=out, stderr=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    files = {f["file"]: f for f in json.loads(report.read_text())["files"]}
    return code, files, out.getvalue()


def counts() -> tuple[int, int, int]:
    return (
        Document.objects.count(),
        ArchivalReference.objects.count(),
        Translation.objects.count(),
    )


@sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_full_disk_fails_the_file_clearly_and_writes_nothing_of_it(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    people, _ = corpus.load_names()
    _, text = corpus.document(random.Random(5), 1, people)
    # About 3 MB of text: far more than the pages left below.
    (folder / "big.txt").write_text(text + "\n\n" + ("Long text of the telegram. " * 120_000))
    importer_user()  # as after any earlier import: the file's own writes are what fail
    before = counts()
    with connection.cursor() as cursor:
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages + 20}")
    try:
        code, files, output = run_import(folder, tmp_path)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA max_page_count = 1073741823")
    assert code == 1
    assert files["big.txt"]["outcome"] == "failed"
    assert "database or disk is full" in files["big.txt"]["reason"]
    assert "big.txt" in files["big.txt"]["reason"]
    assert "Traceback" not in output
    assert counts() == before
    # With room again the same file imports.
    code, files, _ = run_import(folder, tmp_path)
    assert (code, files["big.txt"]["outcome"]) == (0, "created")


@sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_read_only_database_fails_every_file_clearly_and_writes_nothing(tmp_path):
    from django.contrib.auth import get_user_model

    from tests.conftest import SEEDS

    importer_user()  # as after any earlier import
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    before = counts()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA query_only = ON")
    try:
        code, files, output = run_import(folder, tmp_path)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = OFF")
    assert code == 1
    assert len(files) == 3
    for name, outcome in files.items():
        assert outcome["outcome"] == "failed", name
        assert name in outcome["reason"] and "readonly database" in outcome["reason"], outcome
    assert "failed 3" in output
    assert counts() == before
    assert get_user_model().objects.filter(username=IMPORTER_USERNAME).count() == 1


@sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_read_only_new_database_fails_clearly_before_the_first_import(tmp_path):
    from tests.conftest import SEEDS

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA query_only = ON")
    try:
        code, files, output = run_import(SEEDS, tmp_path)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = OFF")
    assert code == 1
    assert len(files) == 3
    for name, outcome in files.items():
        assert outcome["outcome"] == "failed", name
        assert name in outcome["reason"] and "readonly database" in outcome["reason"], outcome
    assert "Traceback" not in output and "failed 3" in output
    assert counts() == (0, 0, 0)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_lost_mid_import_fails_the_rest_by_name_without_a_traceback(
    tmp_path, monkeypatch
):
    """What a PostgreSQL restart does to a run (bench/faults.py --restart does it for real):
    from the third batch on every statement fails, reads included."""
    from django.db import OperationalError

    from catalogue.importer import load

    folder = make_corpus(tmp_path / "in", 12)
    batches = []
    real_known = load.Loader._known

    def known(pages):
        batches.append(1)
        if len(batches) >= 3:
            raise OperationalError("terminating connection due to administrator command")
        return real_known(pages)

    real_reload = load.Resolver.reload

    def reload(self):
        if len(batches) >= 3:
            raise OperationalError("server closed the connection unexpectedly")
        return real_reload(self)

    from catalogue.management.commands import import_documents

    monkeypatch.setattr(
        import_documents, "import_paths", lambda *a, **k: load.import_paths(*a, **k, batch_size=4)
    )
    monkeypatch.setattr(load.Loader, "_known", staticmethod(known))
    monkeypatch.setattr(load.Resolver, "reload", reload)
    code, files, output = run_import(folder, tmp_path)
    assert code == 1
    outcomes = [files[name]["outcome"] for name in sorted(files)]
    assert outcomes == ["created"] * 8 + ["failed"] * 4, files
    for name in sorted(files)[8:]:
        reason = files[name]["reason"]
        assert reason.startswith(f"{name}: not imported: the database became unreachable")
        assert "server closed the connection" in reason
    assert "Traceback" not in output and "created 8, updated 0, unchanged 0, failed 4" in output
    assert Document.objects.count() == 8
