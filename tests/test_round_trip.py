"""Round trip, nothing lost: export → dumpdata → empty database → loaddata → export again."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from catalogue.models import Document
from catalogue.search import search_documents
from people.models import Person

# serialized_rollback restores the starter authority (a data migration) for the tests after.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def export() -> list[dict]:
    out = StringIO()
    call_command("export_documents", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_dump_and_load_give_identical_records(imported_seeds, tmp_path):
    document = imported_seeds["001"]
    document.title = "A curator's title"
    document.curated_fields = ["title"]
    document.save()
    before = export()
    people_before = Person.objects.count()
    dump = tmp_path / "dump.json"
    call_command(
        "dumpdata", "auth.user", "people", "catalogue", output=str(dump), stdout=StringIO()
    )
    call_command("flush", interactive=False, stdout=StringIO())
    assert Document.objects.count() == 0
    call_command("loaddata", str(dump), stdout=StringIO())
    call_command("rebuild_search_index", stdout=StringIO())

    assert export() == before
    assert Person.objects.count() == people_before
    restored = Document.objects.get(pk=document.pk)
    assert restored.curated_fields == ["title"]
    assert restored.history.count() == document.history.count()
    # The restored database answers full-text searches too.
    found = search_documents(Document.objects.all(), "Sochi", rank=False)
    assert list(found.values_list("pk", flat=True)) == [document.pk]
