"""bench.run: what each timed round asks, and the SQL floor it replays."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from bench.run import (
    PER_ROUND,
    asked_in_round,
    capture_sql,
    choose_requests,
    floor_connection,
    replay,
    table,
)
from tests.conftest import make_document


@pytest.mark.parametrize("cls", ["document", "rare", "medium", "common", "russian", "person"])
def test_every_round_asks_new_requests_none_of_them_the_warm_ups(cls):
    per_round = PER_ROUND[cls]
    assert per_round > 1
    entries = [(str(i), f"/documents/{i}/", f"/db/documents/{i}") for i in range(1 + per_round * 4)]
    warm_up = asked_in_round(cls, entries, -1)
    rounds = [asked_in_round(cls, entries, r) for r in range(4)]
    asked = [entry for round_ in rounds for entry in round_]
    assert warm_up == entries[:1]
    assert all(len(round_) == per_round for round_ in rounds)
    assert len(set(asked)) == len(asked) == 4 * per_round
    assert entries[0] not in asked


def test_more_rounds_than_requests_come_round_again():
    entries = [(str(i), f"/documents/{i}/", None) for i in range(3)]
    assert [e[0] for e in asked_in_round("document", entries, 1)] == ["0", "1", "2", "0", "1"]


def test_a_class_of_one_address_asks_it_every_round():
    entries = [("", "/documents/", "/db/documents")]
    for round_no in range(-1, 4):
        assert asked_in_round("browse", entries, round_no) == entries


def test_enough_search_terms_are_chosen_for_every_round_to_ask_new_ones():
    # Words with df = their number; every word is its own hit count.
    words = [f"word{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(300)]
    df = {word: 1 + index % 10 for index, word in enumerate(words)}
    df |= {f"слово{chr(0x430 + i % 32)}{chr(0x430 + i // 32)}": 5 for i in range(100)}
    records = [
        {"id": i, "url": f"/documents/{i}/", "language": "ru", "type": "Letter",
         "people": ["Gromyko, Andrei"]}
        for i in range(1, 200)
    ]  # fmt: skip
    rounds = 6
    requests = choose_requests(df, 200, records, random.Random(1), df.get, rounds)
    for cls in ("rare", "medium", "common", "russian", "document"):
        assert len({ours for _, ours, _ in requests[cls]}) == 1 + rounds * PER_ROUND[cls], cls
    assert all(1 <= df[q] <= 10 for q, _, _ in requests["rare"])


# ── the SQL floor: each page's statements replayed as the page sends them ──────


def _prepared_statements(conn) -> list[str]:
    return [s for (s,) in conn.execute("SELECT statement FROM pg_prepared_statements")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_floor_keeps_each_statement_as_the_page_sent_it():
    document = make_document(title="Floor")
    page, search = document.get_absolute_url(), "/documents/?q=floor"
    captured = capture_sql([page, search])
    on_postgresql = connection.vendor == "postgresql"
    # The document page's one statement: prepared on PostgreSQL, its value a parameter.
    (statement,) = captured[page]
    assert statement.prepared is on_postgresql
    if on_postgresql:
        assert statement.params == (document.pk,) and "%s" in statement.sql
    else:
        assert statement.params is None and f"d.id = {document.pk}" in statement.sql
    # The search's statements went as text, the values bound in.
    assert captured[search] and not any(s.prepared or s.params for s in captured[search])
    assert any("'floor'" in s.sql for s in captured[search])


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the floor is PostgreSQL's")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_floor_prepares_what_the_page_prepares_in_the_apps_session():
    document = make_document(title="Floor")
    page, search = document.get_absolute_url(), "/documents/?q=floor"
    captured = capture_sql([page, search])
    with floor_connection() as conn:
        assert _prepared_statements(conn) == []
        (rows,) = replay(conn, captured[page])
        assert '"title" : "Floor"' in rows[0][0]
        replay(conn, captured[search])
        (prepared,) = _prepared_statements(conn)  # the document's statement alone
        assert "json_build_object" in prepared and "$1" in prepared
        # The app's own session settings (archive/settings.py), which its plans depend on.
        assert conn.execute("SHOW plan_cache_mode").fetchone() == ("force_generic_plan",)
        assert conn.execute("SHOW random_page_cost").fetchone() == ("1.1",)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the floor is PostgreSQL's")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_prepared_statements_the_floor_sends_the_statement_unprepared():
    document = make_document(title="Floor")
    connection.ensure_connection()
    raw = connection.connection
    threshold, raw.prepare_threshold = raw.prepare_threshold, None  # as PG_PREPARE=0 leaves it
    try:
        (statement,) = capture_sql([document.get_absolute_url()])[document.get_absolute_url()]
    finally:
        raw.prepare_threshold = threshold
    assert not statement.prepared and statement.params == (document.pk,)
    with floor_connection() as conn:
        (rows,) = replay(conn, [statement])
        assert '"title" : "Floor"' in rows[0][0]
        assert _prepared_statements(conn) == []


def test_the_transport_answers_every_path_with_the_page_it_is_given(tmp_path, monkeypatch):
    import importlib

    import bench.document_page

    page = "<!DOCTYPE html><title>Записка</title>".encode() * 300
    (tmp_path / "page.html").write_bytes(page)
    monkeypatch.setenv("BENCH_PAGE_FILE", str(tmp_path / "page.html"))
    bare = importlib.reload(bench.document_page)
    started = []
    for path in ("/", "/documents/1/"):
        body = b"".join(bare.bare_page({"PATH_INFO": path}, lambda *a: started.append(a)))
        assert body == page
    status, headers = started[0]
    assert status == "200 OK"
    assert ("Content-Length", str(len(page))) in headers


def test_the_table_shows_the_transport_and_the_ratio_with_it():
    row = {
        "p50_ms": 4.3, "p95_ms": 6.9, "sql_p50_ms": 0.9, "datasette_p50_ms": 5.8,
        "datasette_p95_ms": 7.0, "ours_over_floor": 4.78, "ours_over_datasette": 0.74,
        "first_ms": 9.0, "ours_over_floor_and_transport": 2.87,
    }  # fmt: skip
    result = {
        "documents": 1000, "rounds": 5, "import": {}, "queries": {"document": row},
        "transport": {"body_bytes": 9542, "bare_wsgi_p50_ms": 0.6, "bare_wsgi_p95_ms": 0.8,
                      "django_404_p50_ms": 1.3, "django_404_p95_ms": 1.9, "samples": 25},
    }  # fmt: skip
    printed = table(result).splitlines()
    assert printed[1].split()[-1] == "÷(floor+http)"
    assert printed[2].split() == ["document", *map(str, [4.3, 6.9, 0.9, 5.8, 7.0, 4.78, 0.74,
                                                         9.0, 2.87])]  # fmt: skip
    assert printed[3] == (
        "http alone (gunicorn, no Django, 9,542 bytes): p50 0.6 / p95 0.8 ms;"
        " the catalogue's 404: p50 1.3 / p95 1.9 ms"
    )
