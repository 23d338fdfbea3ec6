"""Names are looked up without their accents: a search key beside every name and variant.

"Gero" finds Ernő Gerő among the names beside the results, in the person facet's box and
in the A–Z lists, as the full-text search finds his documents. The key is filled here for
the rows there are; `save()` and the importer's bulk writes keep it after.
"""

import re
import unicodedata

from django.db import migrations, models

# The fold as people.models.search_key does it today, written out: a migration does not
# follow later code.
_SPECIAL = dict(
    zip("łŁđĐøØæÆœŒßıþÞðÐ", "l L d D o O ae AE oe OE ss i th Th d D".split(), strict=True)
)
_ACCENTED_LATIN = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")


def _plain(ch: str) -> str:
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    return "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))


def search_key(name: str) -> str:
    key = " ".join(name.split()).casefold()
    return _ACCENTED_LATIN.sub(lambda m: _plain(m.group()), key).replace("ё", "е")[:255]


BATCH = 2000


def fill(apps, schema_editor):
    for model_name in ("Person", "Organization", "PersonName", "OrganizationName"):
        model = apps.get_model("people", model_name)
        rows = model._base_manager.using(schema_editor.connection.alias).order_by("pk")
        last = 0
        while batch := list(rows.filter(pk__gt=last).only("pk", "name")[:BATCH]):
            for row in batch:
                row.search_key = search_key(row.name)
            model._base_manager.using(schema_editor.connection.alias).bulk_update(
                batch, ["search_key"]
            )
            last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_keys_indexed_once"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="organizationname",
            name="organizationname_key_idx",
        ),
        migrations.RemoveIndex(
            model_name="personname",
            name="personname_key_idx",
        ),
        migrations.AddField(
            model_name="organization",
            name="search_key",
            field=models.CharField(
                default="",
                editable=False,
                help_text="The name as searches compare it (set from the name).",
                max_length=255,
            ),
        ),
        migrations.AddField(
            model_name="organizationname",
            name="search_key",
            field=models.CharField(
                default="",
                editable=False,
                help_text="The name as searches compare it (set from the name).",
                max_length=255,
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="search_key",
            field=models.CharField(
                default="",
                editable=False,
                help_text="The name as searches compare it (set from the name).",
                max_length=255,
            ),
        ),
        migrations.AddField(
            model_name="personname",
            name="search_key",
            field=models.CharField(
                default="",
                editable=False,
                help_text="The name as searches compare it (set from the name).",
                max_length=255,
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="organization",
            index=models.Index(fields=["search_key"], name="organization_search_key_idx"),
        ),
        migrations.AddIndex(
            model_name="organizationname",
            index=models.Index(fields=["search_key"], name="orgname_search_key_idx"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["search_key"], name="person_search_key_idx"),
        ),
        migrations.AddIndex(
            model_name="personname",
            index=models.Index(fields=["search_key"], name="personname_search_key_idx"),
        ),
    ]
