"""Full-text search folds accents on PostgreSQL, as FTS5 (`remove_diacritics 2`) does on
SQLite: "Rakosi" finds "Rákosi", "Gero" "Gerő", "Walesa" "Wałęsa".

Each configuration the index and the queries use gets a copy that passes words with
letters beyond ASCII through `unaccent` before its own dictionary (ASCII words have no
accents to fold). `unaccent` maps no Cyrillic letter but ё (to е), which the Russian
stemmer folds too. Every document's vector is then computed again: at a million
documents that is one long UPDATE.
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

# name: (configuration copied, dictionary after unaccent)
CONFIGURATIONS = {
    "english_unaccent": ("english", "english_stem"),
    "russian_unaccent": ("russian", "russian_stem"),
    "simple_unaccent": ("simple", "simple"),
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (copied, dictionary) in CONFIGURATIONS.items():
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
        schema_editor.execute(
            f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{copied})"
        )
        schema_editor.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {name} "
            f"ALTER MAPPING FOR word, hword, hword_part WITH unaccent, {dictionary}"
        )
    from catalogue.search import rebuild_search_index

    rebuild_search_index()


def backwards(apps, schema_editor):
    # The configurations stay (the vectors were computed with them); the code of the
    # migration before this one queries with the plain ones, which still meet most words.
    pass


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0009_title_sort_without_case")]

    operations = [
        UnaccentExtension(),
        migrations.RunPython(forwards, backwards),
    ]
