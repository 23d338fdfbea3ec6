"""bench.run: what each timed round asks, and the SQL floor it replays."""

from __future__ import annotations

import pytest
from django.db import connection

from bench.run import DOCUMENTS_PER_ROUND, asked_in_round, capture_sql, floor_connection, replay
from tests.conftest import make_document


def test_every_round_asks_new_documents_none_of_them_the_warm_ups():
    entries = [(str(i), f"/documents/{i}/", f"/db/documents/{i}") for i in range(1 + 5 * 4)]
    warm_up = asked_in_round("document", entries, -1)
    rounds = [asked_in_round("document", entries, r) for r in range(4)]
    asked = [entry for round_ in rounds for entry in round_]
    assert warm_up == entries[:1]
    assert all(len(round_) == DOCUMENTS_PER_ROUND for round_ in rounds)
    assert len(set(asked)) == len(asked) == 4 * DOCUMENTS_PER_ROUND
    assert entries[0] not in asked


def test_more_rounds_than_documents_come_round_again():
    entries = [(str(i), f"/documents/{i}/", None) for i in range(3)]
    assert [e[0] for e in asked_in_round("document", entries, 1)] == ["0", "1", "2", "0", "1"]


def test_other_classes_ask_one_request_a_round_the_warm_ups_first():
    entries = [("a", "/documents/?q=a", ""), ("b", "/documents/?q=b", "")]
    assert asked_in_round("rare", entries, -1) == asked_in_round("rare", entries, 0) == entries[:1]
    assert asked_in_round("rare", entries, 1) == entries[1:]
    assert asked_in_round("rare", entries, 2) == entries[:1]


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
