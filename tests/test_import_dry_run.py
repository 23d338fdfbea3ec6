"""--dry-run reports what an import would do and writes nothing: no row of any table."""

from __future__ import annotations

import shutil

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from catalogue.importer.load import IMPORTER_USERNAME
from catalogue.models import Document
from tests.conftest import SEEDS, import_summary, run_import

pytestmark = pytest.mark.django_db


def every_row() -> dict[str, list]:
    """Every row of every table, by model (history and link tables included)."""
    return {
        model._meta.label: sorted(map(repr, model.objects.values_list()))
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
    }


def test_a_dry_run_on_an_empty_catalogue_creates_not_even_the_importers_account(tmp_path):
    before = every_row()
    assert (
        import_summary(SEEDS, dry_run=True)
        == "dry run: created 3, updated 0, unchanged 0, failed 0"
    )
    assert not get_user_model().objects.filter(username=IMPORTER_USERNAME).exists()
    assert every_row() == before
    # The real import then makes the account, and names it in the history.
    import_summary(SEEDS)
    document = Document.objects.first()
    assert document.history.first().history_user.username == IMPORTER_USERNAME


def test_a_dry_run_of_changed_renamed_and_new_pages_writes_nothing(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, folder / seed.name)
    import_summary(folder)
    (seed_000,) = folder.glob("000_*.txt")
    seed_000.write_bytes(seed_000.read_bytes().replace(b"Summary:", b"Summary: "))
    (seed_002,) = folder.glob("002_*.txt")
    seed_002.rename(folder / "renamed-002.txt")
    (seed_001,) = folder.glob("001_*.txt")
    signed = seed_001.read_bytes().replace(b"**STALIN**", b"**KENNEDY**")
    (folder / "kennedy.txt").write_bytes(signed.replace(b"208912", b"700001"))
    (folder / "rival.txt").write_bytes(seed_001.read_bytes().replace(b"asks", b"ASKS"))
    before = every_row()
    code, _, err = run_import(folder, dry_run=True)
    assert code == 1 and "rival.txt" in err  # source id 208912 is taken by seed 001
    assert every_row() == before
