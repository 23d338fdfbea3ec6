"""Migration 0008 moves the search vectors from a column of the documents to their own
table: forward, the vectors are kept (and computed where there were none); backward, they
return to the column. Both ways on a database with documents in it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("catalogue", "0007_keys_indexed_once")
AFTER = ("catalogue", "0008_search_entries")

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's vectors"),
]


def _migrate(target):
    """Migrate to `target`; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


def _rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _document(apps, title: str, text: str, vector_sql: str | None) -> int:
    document = apps.get_model("catalogue", "Document").objects.create(
        title=title, slug="d", status="published", original_languages=["en"], language="en"
    )
    apps.get_model("catalogue", "Translation").objects.create(
        document=document, kind="translation", language="en", text=text
    )
    if vector_sql is not None:
        _rows(
            f"UPDATE catalogue_document SET search_vector = {vector_sql} WHERE id = %s",
            [document.pk],
        )
    return document.pk


def test_the_vectors_move_to_their_table_and_back():
    try:
        apps = _migrate(BEFORE)
        kept = _document(apps, "Kept", "zeppelin", "to_tsvector('english', 'curated vector')")
        missing = _document(apps, "Missing", "a quixotic telegram", None)
        _migrate(AFTER)
        entries = dict(_rows("SELECT document_id, vector::text FROM catalogue_searchentry"))
        assert entries[kept] == "'curat':1 'vector':2"  # copied as it was
        assert "'quixot'" in entries[missing] and "'miss':1A" in entries[missing]
        columns = [
            r[0]
            for r in _rows(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = 'catalogue_document'"
            )
        ]
        assert "search_vector" not in columns
        indexes = {r[0] for r in _rows("SELECT indexname FROM pg_indexes")}
        assert "search_entry_vector_idx" in indexes and "document_search_idx" not in indexes

        _migrate(BEFORE)
        back = dict(_rows("SELECT id, search_vector::text FROM catalogue_document"))
        assert back == entries
        indexes = {r[0] for r in _rows("SELECT indexname FROM pg_indexes")}
        assert "document_search_idx" in indexes
        assert not _rows("SELECT 1 FROM pg_tables WHERE tablename = 'catalogue_searchentry'")
    finally:
        _migrate(AFTER)
