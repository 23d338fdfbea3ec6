"""A curator's date and its precision are one: a re-import keeps or takes them together."""

from __future__ import annotations

import datetime
import shutil

import pytest

from catalogue.models import Document
from catalogue.services import document_accept_imported
from tests.conftest import SEEDS, run_import

pytestmark = pytest.mark.django_db

SEED_000 = SEEDS / "000_dffedfc781ea1ebd.txt"  # October 25, 1950
CURATED = datetime.date(1950, 10, 26)


@pytest.fixture(params=["edited", "marked curated"])
def page(request, tmp_path):
    """Seed 000 imported, then only its date changed by a curator."""
    path = tmp_path / "page.txt"
    shutil.copy(SEED_000, path)
    run_import(path)
    document = Document.objects.get()
    document.date = CURATED
    if request.param == "marked curated":
        document.curated_fields = ["date"]
    document.save()
    return path


def reimport_with_date(page, written: bytes) -> tuple[int, str, str]:
    page.write_bytes(SEED_000.read_bytes().replace(b"October 25, 1950", written))
    return run_import(page)


def test_an_impossible_new_date_keeps_the_curators_date_and_precision(page):
    code, out, err = reimport_with_date(page, b"October 32, 1950")
    assert code == 0, err
    assert out.splitlines()[-1] == "created 0, updated 1, unchanged 0, failed 0"
    document = Document.objects.get()
    assert (document.date, document.date_precision) == (CURATED, "day")
    assert document.import_conflicts["date"] is None
    assert document.import_conflicts["date_precision"] == ""


def test_a_new_year_precision_does_not_join_the_curators_day(page):
    reimport_with_date(page, b"1951")
    document = Document.objects.get()
    assert (document.date, document.date_precision) == (CURATED, "day")
    assert document.import_conflicts["date"] == "1951-01-01"
    assert document.import_conflicts["date_precision"] == "year"
    # Accepting the import's date takes its precision with it.
    assert document_accept_imported(document=document, field="date") == ["date", "date_precision"]
    document.refresh_from_db()
    assert (document.date, document.date_precision) == (datetime.date(1951, 1, 1), "year")


def test_a_new_date_of_the_same_precision_is_a_conflict_on_the_date_only(page):
    reimport_with_date(page, b"October 27, 1950")
    document = Document.objects.get()
    assert (document.date, document.date_precision) == (CURATED, "day")
    assert document.import_conflicts == {"date": "1950-10-27"}


def test_an_untouched_date_takes_the_new_date_and_precision_together(tmp_path):
    path = tmp_path / "page.txt"
    shutil.copy(SEED_000, path)
    run_import(path)
    reimport_with_date(path, b"1951")
    document = Document.objects.get()
    assert (document.date, document.date_precision) == (datetime.date(1951, 1, 1), "year")
    assert document.import_conflicts == {}
