"""The importer's batch path: a fixed number of queries per batch, the same results as one by one."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.corpus import generate
from catalogue.importer.load import Loader, find_files, import_paths
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
    files = find_files([tmp_path / "corpus"])
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
        outcomes = loader.import_batch(find_files([tmp_path / "corpus"]))
    assert {o.outcome for o in outcomes} == {"unchanged"}
    assert len(captured.captured_queries) == 1


def test_a_bad_page_in_a_batch_costs_only_itself(tmp_path):
    generate(documents=6, out=tmp_path / "corpus", seed=9)
    (tmp_path / "corpus" / "zz_empty.txt").write_bytes(b"")
    outcomes = {o.file: o.outcome for o in import_paths([tmp_path / "corpus"])}
    assert outcomes.pop("zz_empty.txt") == "failed"
    assert set(outcomes.values()) == {"created"}
    assert Document.objects.count() == 6
