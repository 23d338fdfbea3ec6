"""A repository a curator merged stays merged through the next imports."""

from __future__ import annotations

import shutil

import pytest

from catalogue.importer.load import Loader
from catalogue.models import ArchivalReference, Document, Repository
from catalogue.services import repository_merge
from tests.conftest import SEEDS, import_summary

pytestmark = pytest.mark.django_db

SEED_001 = SEEDS / "001_b07270223d59d938.txt"  # cites RGASPI


@pytest.fixture
def merged(tmp_path):
    """Seed 001 imported, then RGASPI merged into GARF."""
    page = tmp_path / "in" / "page.txt"
    page.parent.mkdir()
    shutil.copy(SEED_001, page)
    import_summary(page.parent)
    garf = Repository.objects.create(code="GARF", name="State Archive of the Russian Federation")
    repository_merge(keep=garf, remove=[Repository.objects.get(code="RGASPI")])
    return page


def codes() -> list[str]:
    return sorted(Repository.objects.values_list("code", flat=True))


def test_reimporting_a_changed_page_keeps_the_merge(merged):
    merged.write_bytes(merged.read_bytes().replace(b"Stalin asks", b"Stalin asked"))
    assert import_summary(merged.parent) == "created 0, updated 1, unchanged 0, failed 0"
    assert codes() == ["GARF"]
    document = Document.objects.get()
    assert [ref.repository.code for ref in document.references.all()] == ["GARF"]
    assert "references" not in document.import_conflicts
    assert document.imported_values["references"][0]["repository"] == "GARF"


def test_a_new_page_citing_a_merged_code_cites_the_survivor(merged, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    data = merged.read_bytes().replace(b"/document/208912", b"/document/999001")
    (other / "copy.txt").write_bytes(data)
    assert import_summary(other) == "created 1, updated 0, unchanged 0, failed 0"
    (other / "careful.txt").write_bytes(data.replace(b"999001", b"999002"))
    assert Loader().import_file(other / "careful.txt").outcome == "created"  # one by one
    assert codes() == ["GARF"]
    assert set(ArchivalReference.objects.values_list("repository__code", flat=True)) == {"GARF"}


def test_a_code_made_again_after_a_merge_is_that_archive(merged, tmp_path):
    Repository.objects.create(code="RGASPI", name="Made again by a curator")
    merged.write_bytes(merged.read_bytes().replace(b"Stalin asks", b"Stalin asked"))
    import_summary(merged.parent)
    assert [ref.repository.code for ref in Document.objects.get().references.all()] == ["RGASPI"]
