"""Full-text search on SQLite folds the letters FTS5 keeps, as PostgreSQL's unaccent does:
"Gomulka" finds "Gomułka", "Dilas" "Đilas", "Хрущев" "Хрущёв" (catalogue.search.fts_fold).

The FTS5 index is written again, its texts folded through the function every SQLite
connection now has. PostgreSQL's index already folds them (migration 0010): nothing to do.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from catalogue.search import rebuild_search_index

    rebuild_search_index()


def backwards(apps, schema_editor):
    # The folded index still finds every word the migration before this one's code asks
    # for but the stroked letters, which it never found.
    pass


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0011_document_dismissed_conflicts")]

    operations = [migrations.RunPython(forwards, backwards)]
