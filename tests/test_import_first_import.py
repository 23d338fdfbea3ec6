"""The first import of a page a curator already made a document for keeps the curator's values."""

from __future__ import annotations

import datetime
import shutil

import pytest

from catalogue.importer.load import Loader
from catalogue.models import Document
from catalogue.services import document_accept_imported
from tests.conftest import SEEDS, run_import

pytestmark = pytest.mark.django_db

SEED_000 = SEEDS / "000_dffedfc781ea1ebd.txt"  # source id 110699, October 25, 1950


def added_by_a_curator(**fields) -> Document:
    """A document as the admin's add form saves it: no import yet, nothing marked curated."""
    values = {"external_id": "110699", "title": "A curator's title", "summary": "Her summary."}
    values.update(fields)
    document = Document.objects.create(**values)
    assert document.imported_values == {} and document.curated_fields == []
    return document


@pytest.fixture
def page(tmp_path):
    path = tmp_path / "page.txt"
    shutil.copy(SEED_000, path)
    return path


def test_the_first_import_keeps_what_a_curator_wrote_and_fills_what_she_left_empty(page):
    document = added_by_a_curator()
    out = run_import(page, verbosity=2)[1]
    assert out.splitlines()[-1] == "created 0, updated 1, unchanged 0, failed 0"
    assert "conflicts kept: title, summary" in out
    document.refresh_from_db()
    assert document.title == "A curator's title"
    assert document.summary == "Her summary."
    assert sorted(document.curated_fields) == ["summary", "title"]
    # The import's values wait beside hers, for her to accept or dismiss.
    assert document.import_conflicts["title"].startswith("Central Committee Politburo decision")
    assert document.import_conflicts["summary"] and document.import_conflicts["summary"] != (
        "Her summary."
    )
    # What she left empty, the import filled.
    assert document.date == datetime.date(1950, 10, 25) and document.date_precision == "day"
    assert document.citation and document.source_url.endswith("110699")
    assert document.texts.exists() and document.person_links.exists()
    assert "date" not in document.import_conflicts and "citation" not in document.import_conflicts


def test_the_same_bytes_again_change_nothing_and_a_new_version_keeps_her_values(page):
    document = added_by_a_curator()
    run_import(page)[1]
    assert run_import(page)[1].splitlines()[-1] == "created 0, updated 0, unchanged 1, failed 0"
    page.write_bytes(page.read_bytes().replace(b"Summary:", b"Summary: "))
    assert run_import(page)[1].splitlines()[-1] == "created 0, updated 1, unchanged 0, failed 0"
    document.refresh_from_db()
    assert (document.title, document.summary) == ("A curator's title", "Her summary.")
    assert {"title", "summary"} <= set(document.import_conflicts)


def test_accepting_the_imported_value_gives_the_field_back_to_the_importer(page):
    document = added_by_a_curator()
    run_import(page)[1]
    document_accept_imported(document=document, field="title")
    document.refresh_from_db()
    assert document.title.startswith("Central Committee Politburo decision")
    assert document.curated_fields == ["summary"]


def test_a_curators_value_equal_to_the_imports_is_no_conflict(page):
    Loader().import_file(page)
    imported = Document.objects.get()
    title, summary = imported.title, imported.summary
    imported.delete()
    added_by_a_curator(title=title, summary=summary)
    outcome = Loader().import_file(page)
    assert (outcome.outcome, outcome.conflicts) == ("updated", {})
    assert Document.objects.get().curated_fields == []


def test_a_curators_date_is_kept_with_its_precision(page):
    added_by_a_curator(date=datetime.date(1950, 1, 1), date_precision="year", date_text="1950")
    run_import(page)[1]
    document = Document.objects.get()
    assert (document.date, document.date_precision) == (datetime.date(1950, 1, 1), "year")
    assert document.import_conflicts["date"] == "1950-10-25"
    assert document.import_conflicts["date_precision"] == "day"


def test_a_document_an_import_wrote_still_takes_new_values_of_fields_nobody_changed(page):
    # The rule is for documents no import wrote: an imported one is compared as before.
    run_import(page)[1]
    page.write_bytes(
        page.read_bytes().replace(b"Central Committee Politburo decision", b"Politburo decision", 1)
    )
    run_import(page)[1]
    document = Document.objects.get()
    assert document.title.startswith("Politburo decision")
    assert document.import_conflicts == {} and document.curated_fields == []
