"""The search vectors move from a column of the documents to a narrow table of their own
(`SearchEntry`): a word's hits are then listed from it and its GIN index, without a page
of the wide document table read per hit.

On PostgreSQL the vectors are copied (computed for a document that had none), the GIN
index is built after the copy rather than kept up during it, and the column goes with
its index. (Dropping a column frees its space only when the table is next rewritten:
`VACUUM FULL catalogue_document` gives it back.) On SQLite, whose FTS5 table is its
index, the new table stays empty and the column, always empty there, goes.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


def _on_postgresql(*statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


def copy_vectors(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # A document the old column had no vector for gets one computed from its texts.
    from catalogue.search import pg_search_vector_sql

    schema_editor.execute(
        "INSERT INTO catalogue_searchentry (document_id, vector) SELECT d.id,"
        f" coalesce(d.search_vector, {pg_search_vector_sql('d')}) FROM catalogue_document d"
    )


copy_vectors_back = _on_postgresql(
    "UPDATE catalogue_document d SET search_vector = e.vector"
    " FROM catalogue_searchentry e WHERE e.document_id = d.id"
)
create_entry_index = _on_postgresql(
    "CREATE INDEX IF NOT EXISTS search_entry_vector_idx"
    " ON catalogue_searchentry USING gin (vector)"
)
drop_entry_index = _on_postgresql("DROP INDEX IF EXISTS search_entry_vector_idx")
create_column_index = _on_postgresql(
    "CREATE INDEX IF NOT EXISTS document_search_idx ON catalogue_document"
    " USING gin (search_vector)"
)
drop_column_index = _on_postgresql("DROP INDEX IF EXISTS document_search_idx")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0007_keys_indexed_once")]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "document",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="catalogue.document",
                    ),
                ),
                ("vector", django.contrib.postgres.search.SearchVectorField()),
            ],
            options={"verbose_name_plural": "search entries"},
        ),
        migrations.RunPython(copy_vectors, copy_vectors_back),
        migrations.SeparateDatabaseAndState(
            # The GIN index is PostgreSQL's only, as migration 0002's was.
            state_operations=[
                migrations.AddIndex(
                    model_name="searchentry",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["vector"], name="search_entry_vector_idx"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(create_entry_index, drop_entry_index)],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="document", name="document_search_idx"),
            ],
            database_operations=[migrations.RunPython(drop_column_index, create_column_index)],
        ),
        migrations.RemoveField(model_name="document", name="search_vector"),
    ]
