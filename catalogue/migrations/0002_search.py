"""Full-text search: PostgreSQL's stored tsvector + GIN index, or SQLite's FTS5 table.

The column exists on both databases (it stays empty on SQLite); everything
else is created only where its database has it, so the migration runs on both.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

FTS_TABLE = "catalogue_document_fts"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # tsvector || tsvector as an aggregate: one document's texts, each analysed
        # in its own language, become one vector with positions kept apart.
        schema_editor.execute(
            "CREATE OR REPLACE AGGREGATE catalogue_tsvector_agg(tsvector) "
            "(SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '')"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS document_search_idx ON catalogue_document "
            "USING gin (search_vector)"
        )
        # The vectors are computed by 0010, with the configurations it creates, which
        # the code of today names (computing them here would name them too early).
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
            "title, summary, translations, originals, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        from catalogue.search import rebuild_search_index

        rebuild_search_index()


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS document_search_idx")
        schema_editor.execute("DROP AGGREGATE IF EXISTS catalogue_tsvector_agg(tsvector)")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="document",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                blank=True, editable=False, null=True
            ),
        ),
        migrations.SeparateDatabaseAndState(
            # The GIN index is PostgreSQL's only; RunPython below creates it there.
            state_operations=[
                migrations.AddIndex(
                    model_name="document",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["search_vector"], name="document_search_idx"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
