"""The importer's batch path: a fixed number of queries per batch, the same results as one by one."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.corpus import generate
from catalogue.importer.load import Loader, SourceFiles, import_paths
from catalogue.models import Document
from catalogue.records import document_record

# serialized_rollback restores the starter authority (a data migration) for later tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _catalogue_writes(queries) -> int:
    # New people, organizations and archives depend on the names met, not on the batch size.
    return sum(
        1
        for q in queries
        if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"])
        and "catalogue_" in q["sql"]
        and "repository" not in q["sql"].split("(")[0]
    )


def test_a_batch_of_new_documents_costs_the_same_writes_whatever_its_size(tmp_path):
    generate(documents=40, out=tmp_path / "corpus", seed=3)
    files = list(SourceFiles([tmp_path / "corpus"]))
    counts = []
    for batch in (files[:5], files[5:40]):
        loader = Loader()
        with CaptureQueriesContext(connection) as captured:
            outcomes = loader.import_batch(batch)
        assert {o.outcome for o in outcomes} == {"created"}
        counts.append(_catalogue_writes(captured.captured_queries))
    # Not one write per page: 35 pages cost about what 5 do. SQLite splits a bulk insert
    # every 999 parameters, so a wide history table can take an extra statement or two.
    assert counts[1] < 35
    assert counts[1] <= counts[0] + 4


def test_batches_and_workers_give_the_records_a_file_by_file_import_gives(tmp_path):
    generate(documents=30, out=tmp_path / "corpus", seed=5)
    one_by_one = import_paths([tmp_path / "corpus"], batch_size=1, workers=0)
    first = {d.source_file: document_record(d) for d in Document.objects.for_record()}
    Document.objects.all().delete()
    batched = import_paths([tmp_path / "corpus"], batch_size=7, workers=2)
    second = {d.source_file: document_record(d) for d in Document.objects.for_record()}
    assert [o.outcome for o in batched] == [o.outcome for o in one_by_one]

    def comparable(record):
        return {k: v for k, v in record.items() if k not in ("id", "url")}

    assert {k: comparable(v) for k, v in first.items()} == {
        k: comparable(v) for k, v in second.items()
    }


def test_a_reimport_is_answered_unchanged_in_one_query_per_batch(tmp_path):
    generate(documents=20, out=tmp_path / "corpus", seed=7)
    import_paths([tmp_path / "corpus"])
    loader = Loader()
    with CaptureQueriesContext(connection) as captured:
        outcomes = loader.import_batch(list(SourceFiles([tmp_path / "corpus"])))
    assert {o.outcome for o in outcomes} == {"unchanged"}
    assert len(captured.captured_queries) == 1


def test_a_bad_page_in_a_batch_costs_only_itself(tmp_path):
    generate(documents=6, out=tmp_path / "corpus", seed=9)
    (tmp_path / "corpus" / "zz_empty.txt").write_bytes(b"")
    outcomes = {o.file: o.outcome for o in import_paths([tmp_path / "corpus"])}
    assert outcomes.pop("zz_empty.txt") == "failed"
    assert set(outcomes.values()) == {"created"}
    assert Document.objects.count() == 6


TRANSLATED_PAGE = """
March 3, 1955

{title}

Citation:

"{title}", March 3, 1955, Wilson Center Digital Archive, RGASPI, f. 558, op. 11, d. 98, \
ll. 1-2. Contributed by Gary Goldberg and translated by {translator}.

<https://digitalarchive.wilsoncenter.org/document/{external_id}>

Summary:

A conversation about the grain deliveries.

Original Language:

English

Contents:

Translation - English

{text}
"""


def _translated_page(path, title, external_id, text, translator="James F. Person"):
    path.write_text(
        TRANSLATED_PAGE.format(
            title=title, external_id=external_id, text=text, translator=translator
        ),
        encoding="utf-8",
    )


def test_workers_find_names_created_after_they_were_forked_and_after_a_rollback(
    tmp_path, monkeypatch
):
    """A translator new to the authority, credited early on, is found mentioned in pages of
    later batches; a page whose write fails rolls its batch back (the resolver reloads,
    the workers are forked again) and the records still match a file-by-file import."""
    from catalogue.importer import load
    from catalogue.importer.resolve import Resolver
    from people.models import Person

    corpus = tmp_path / "corpus"
    generate(documents=20, out=corpus, seed=11)
    folder = corpus / "000"
    _translated_page(
        folder / "0000001x.txt", "Note on the grain deliveries", "910001",
        "The minister thanked the translator for the careful work.",
        translator="Zakhar Vorontsovsky",
    )  # fmt: skip
    _translated_page(
        folder / "0000012bad.txt", "A page the database refuses", "910002",
        "Nothing of this page may stay.",
    )  # fmt: skip
    for name, external_id in (("0000009x.txt", "910003"), ("0000015x.txt", "910004")):
        _translated_page(
            folder / name, f"Memorandum {external_id}", external_id,
            "Zakhar Vorontsovsky met the minister on Tuesday and reported on the talks.",
        )  # fmt: skip

    write_texts = load.Loader._replace_texts

    def refuse_the_bad_page(self, document, parsed, resolution):
        if "bad" in parsed.file_name:
            raise ValueError("the database refused this page")
        return write_texts(self, document, parsed, resolution)

    monkeypatch.setattr(load.Loader, "_replace_texts", refuse_the_bad_page)
    snapshots = []
    take_snapshot = Resolver.snapshot
    monkeypatch.setattr(
        Resolver, "snapshot", lambda self: snapshots.append(1) or take_snapshot(self)
    )

    one_by_one = import_paths([corpus], batch_size=1, workers=0)
    first = {d.source_file: document_record(d) for d in Document.objects.for_record()}
    assert snapshots == []
    Document.objects.all().delete()
    Person.objects.filter(name="Zakhar Vorontsovsky").delete()

    in_workers = import_paths([corpus], batch_size=4, workers=1)
    second = {d.source_file: document_record(d) for d in Document.objects.for_record()}
    # Forked at the start, and again after the rollback.
    assert len(snapshots) >= 2
    outcomes = {o.file: o.outcome for o in in_workers}
    assert outcomes["0000012bad.txt"] == "failed"
    assert [o.outcome for o in in_workers] == [o.outcome for o in one_by_one]

    translator = Person.objects.get(name="Zakhar Vorontsovsky")
    for name in ("0000009x.txt", "0000015x.txt"):
        roles = Document.objects.get(source_file=name).person_links.filter(person=translator)
        assert list(roles.values_list("role", flat=True)) == ["mentioned"]

    def comparable(record):
        # The new translator was made twice (deleted in between): his id differs.
        people = [(p["name"], p["role"]) for p in record["people"]]
        return {k: v for k, v in record.items() if k not in ("id", "url", "people")}, people

    assert {k: comparable(v) for k, v in first.items()} == {
        k: comparable(v) for k, v in second.items()
    }


def test_a_copy_of_the_resolver_learns_the_records_its_original_created():
    """What a worker's copy is handed (`created`) it can find in free text; the original
    then searches only what the copy was not handed."""
    import copy

    from catalogue.importer.parse import parse
    from catalogue.importer.resolve import Resolver

    original = Resolver()
    original.snapshot()
    worker = copy.deepcopy(original)
    created = original.person("Zakhar Vorontsovsky")
    page = parse(
        TRANSLATED_PAGE.format(
            title="Memorandum", external_id="920001", translator="James F. Person",
            text="Zakhar Vorontsovsky met the minister.",
        ).encode(),
        "page.txt",
    )  # fmt: skip
    assert created not in worker.mentions(page)[0]
    worker.learn(original.created)
    worker.learn(original.created)  # handed again with the next batch: added once
    assert created in worker.mentions(page)[0]
    assert len(worker.created) == 1

    original.searched_here(0)
    assert original.new_people.may_be_named("Zakhar Vorontsovsky met the minister.")
    original.searched_here(1)
    assert not original.new_people.may_be_named("Zakhar Vorontsovsky met the minister.")


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="computed as inserted on PostgreSQL"
)
def test_documents_written_in_bulk_are_indexed_as_the_index_would_index_them(tmp_path):
    from django.db.models import TextField
    from django.db.models.functions import Cast

    from catalogue.search import rebuild_search_index

    generate(documents=12, out=tmp_path / "corpus", seed=13)
    outcomes = import_paths([tmp_path / "corpus"], batch_size=5)
    assert {o.outcome for o in outcomes} == {"created"}

    def vectors():
        return dict(
            Document.objects.annotate(vector=Cast("search_vector", TextField())).values_list(
                "pk", "vector"
            )
        )

    written = vectors()
    rebuild_search_index()
    assert written == vectors()
    assert len(written) == 12 and all(written.values())


def test_source_files_come_in_sorted_path_order_without_being_listed(tmp_path):
    # A directory "a" sorts before the file "a.txt"; "b10" after "b1"; others skipped.
    names = ["a.txt", "a/z.txt", "a/b/c.txt", "b1/x.txt", "b10/x.txt", "b1.txt", "c.md", "D.TXT"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "e.txt").mkdir()  # a directory named like a page is walked, not read
    (tmp_path / "e.txt" / "f.txt").write_text("x")
    files = SourceFiles([tmp_path])
    expected = sorted(p for p in tmp_path.rglob("*.txt") if p.is_file())
    assert list(files) == expected
    assert len(files) == len(expected) == 7
    assert [list(b) for b in files.batches(3)] == [expected[:3], expected[3:6], expected[6:]]
    # Given twice (the directory and a file in it), a file is read once; a file named
    # directly is read whatever its suffix.
    twice = SourceFiles([tmp_path, tmp_path / "a.txt", tmp_path / "c.md"])
    assert list(twice) == [*expected, tmp_path / "c.md"]


def test_outcomes_can_be_seen_one_by_one_instead_of_kept(tmp_path):
    generate(documents=12, out=tmp_path / "corpus", seed=11)
    (tmp_path / "corpus" / "zz_empty.txt").write_bytes(b"")
    seen = []
    kept = import_paths(
        [tmp_path / "corpus"],
        batch_size=5,
        keep_outcomes=False,
        on_file=lambda index, total, outcome: seen.append((index, total, outcome.outcome)),
    )
    assert kept == []
    assert [(i, t) for i, t, _ in seen] == [(i, 13) for i in range(1, 14)]
    assert [o for _, _, o in seen] == ["created"] * 12 + ["failed"]
    assert Document.objects.count() == 12


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="history copied by SQL on PostgreSQL only"
)
def test_new_documents_history_is_copied_by_the_database_not_built_in_python():
    # A history column of the document's own (its import baseline, kept only when it is
    # deleted) made the importer fall back to building every history row in Python.
    from catalogue.importer.load import _history_sql

    sql = _history_sql(Document)
    assert sql is not None and "import_baseline" not in sql
