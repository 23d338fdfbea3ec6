"""Worker processes change how fast an import runs, never what it writes."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from bench.corpus import generate
from catalogue.importer.load import import_paths
from catalogue.importer.parse import parse
from catalogue.importer.resolve import Resolver
from catalogue.models import Document
from people.models import Organization, Person

# Workers are forked processes: the data must be committed. serialized_rollback restores
# the starter authority (a data migration) for the tests after.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def export() -> dict[str, dict]:
    """`export_documents`, by file, with the ids a second import gives anew left out."""
    out = StringIO()
    call_command("export_documents", stdout=out)
    records = {}
    for line in out.getvalue().splitlines():
        record = json.loads(line)
        for name in ("people", "organizations"):
            record[name] = [
                {k: v for k, v in link.items() if k != "id"} for link in record.get(name, [])
            ]
        source_file = Document.objects.values_list("source_file", flat=True).get(pk=record["id"])
        records[source_file] = {k: v for k, v in record.items() if k not in ("id", "url")}
    return records


def forget_the_import() -> None:
    """The database as before the import: no documents, none of the records it created."""
    Document.objects.all().delete()
    Person.objects.filter(needs_review=True).delete()
    Organization.objects.filter(needs_review=True).delete()


def test_an_import_in_worker_processes_exports_what_one_without_workers_exports(tmp_path):
    # Batches small enough that records created in one batch are mentioned in pages the
    # workers prepared before that batch was written (the generated corpus names people
    # the authority does not know, as signatures in capitals: PENGFEI beside "Ji Pengfei").
    corpus = tmp_path / "corpus"
    generate(documents=240, out=corpus, seed=1)
    outcomes = import_paths([corpus], workers=0, batch_size=40)
    assert {o.outcome for o in outcomes} == {"created"}
    alone = export()
    created = sorted(Person.objects.filter(needs_review=True).values_list("name", flat=True))
    assert created  # else the test would prove nothing
    forget_the_import()

    outcomes = import_paths([corpus], workers=2, batch_size=40)
    assert {o.outcome for o in outcomes} == {"created"}
    assert sorted(Person.objects.filter(needs_review=True).values_list("name", flat=True)) == (
        created
    )
    in_workers = export()
    assert in_workers.keys() == alone.keys()
    differing = [name for name in alone if alone[name] != in_workers[name]]
    assert differing == []


PAGE = """
March 3, 1955

Record of a conversation

Summary:

{summary}

Original Language:

English

Contents:

Translation - English

{text}
"""


def page(text: str, summary: str = "A conversation.") -> object:
    return parse(PAGE.format(text=text, summary=summary).encode(), "page.txt")


def copy_of(resolver: Resolver) -> Resolver:
    """What a worker holds: the resolver as it was when the workers were forked."""
    import copy

    return copy.deepcopy(resolver)


@pytest.mark.parametrize(
    ("new_name", "text", "named"),
    [
        # A new record's name inside a longer name the authority knows: that one is meant.
        ("PENGFEI", "Ji Pengfei spoke first.", False),
        ("PENGFEI", "Then PENGFEI spoke.", True),
        # Russian: the text names the record in another case (Зорянскому → Зорянский).
        ("Зорянский", "Передать товарищу Зорянскому.", True),
        # An OCR slip: Latin look-alikes inside a Russian word.
        ("Зорянский", "Передать товарищу Зopянскому.", True),
        ("Zakhar Vorontsovsky", "The minister met Zakhar Vorontsovsky's deputy.", True),
        ("Zakhar Vorontsovsky", "The minister met nobody.", False),
    ],
)
def test_a_text_is_searched_as_the_whole_index_would_search_it(new_name, text, named):
    original = Resolver()
    original.snapshot()
    worker = copy_of(original)
    parsed = page(text)
    mentions = worker.mentions(parsed)  # prepared before the record was created
    created = original.person(new_name)
    resolved = original.resolve(parsed, mentions)
    alone = Resolver().resolve(page(text))  # no workers: the whole index, as the database has it
    assert resolved.people == alone.people
    assert ((created, "mentioned") in resolved.people) is named


def test_a_text_naming_no_new_record_keeps_what_the_worker_found(monkeypatch):
    original = Resolver()
    original.snapshot()
    original.person("Zakhar Vorontsovsky")
    searched = []
    find = type(original.people).find_mentions
    monkeypatch.setattr(
        type(original.people),
        "find_mentions",
        lambda self, text: searched.append(text) or find(self, text),
    )
    parsed = page("Molotov met the minister.")
    molotov = Person.objects.get(name="Vyacheslav Molotov").pk
    resolution = original.resolve(parsed, ([molotov], []))
    assert (molotov, "mentioned") in resolution.people
    assert searched == []  # not searched again
