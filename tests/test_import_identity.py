"""Which document a page is: by its source id, by its file name only when it has none."""

from __future__ import annotations

import functools
import os
import shutil

import pytest

from catalogue.importer.load import Loader, import_paths
from catalogue.models import Document
from tests.conftest import SEEDS, run_import

# Every file's line (-v2): the tests read what each file did.
import_verbose = functools.partial(run_import, verbosity=2)

pytestmark = pytest.mark.django_db

SEED_000 = SEEDS / "000_dffedfc781ea1ebd.txt"  # source id 110699
SEED_001 = SEEDS / "001_b07270223d59d938.txt"  # source id 208912


def strip_source_id(data: bytes) -> bytes:
    """The page without its URL, so without a source id."""
    lines = [line for line in data.split(b"\n") if b"/document/" not in line]
    return b"\n".join(lines)


@pytest.fixture
def same_name(tmp_path):
    """Seed 001 as a/page.txt and seed 000 as b/page.txt."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(SEED_001, tmp_path / "a" / "page.txt")
    shutil.copy(SEED_000, tmp_path / "b" / "page.txt")
    return tmp_path


def test_pages_of_one_name_with_different_source_ids_are_two_documents(same_name):
    code, out, _ = import_verbose(same_name)
    assert code == 0
    assert out.splitlines()[-1] == "created 2, updated 0, unchanged 0, failed 0"
    assert sorted(Document.objects.values_list("external_id", flat=True)) == ["110699", "208912"]
    code, out, _ = import_verbose(same_name)
    assert out.splitlines()[-1] == "created 0, updated 0, unchanged 2, failed 0"
    assert sorted(Document.objects.values_list("external_id", flat=True)) == ["110699", "208912"]


def test_pages_of_one_name_are_two_documents_file_by_file_too(same_name):
    # The careful path (one transaction per page) decides as the batch path does.
    for _ in range(2):
        for folder in ("a", "b"):
            import_paths([same_name / folder / "page.txt"])
    assert sorted(Document.objects.values_list("external_id", flat=True)) == ["110699", "208912"]


def test_a_page_without_source_id_does_not_take_over_a_document_with_one(same_name):
    (same_name / "b" / "page.txt").write_bytes(strip_source_id(SEED_000.read_bytes()))
    for expected in ("created 2, updated 0", "created 0, updated 0, unchanged 2"):
        code, out, _ = import_verbose(same_name)
        assert code == 0
        assert out.splitlines()[-1].startswith(expected), out
    assert sorted(Document.objects.values_list("external_id", flat=True)) == ["", "208912"]


def test_a_page_without_source_id_is_known_by_its_file_name(tmp_path):
    page = tmp_path / "page.txt"
    data = strip_source_id(SEED_000.read_bytes())
    page.write_bytes(data)
    import_verbose(tmp_path)
    page.write_bytes(data.replace(b"Summary:", b"Summary: "))
    code, out, _ = import_verbose(tmp_path)
    assert out.splitlines()[-1] == "created 0, updated 1, unchanged 0, failed 0"
    assert Document.objects.count() == 1


@pytest.mark.parametrize("one_by_one", [False, True])
@pytest.mark.parametrize("source_id", [b"110699", b"007"])  # "007" is no JSON number
def test_a_document_whose_source_id_a_curator_changed_is_still_found_by_its_file(
    tmp_path, source_id, one_by_one
):
    page = tmp_path / "page.txt"
    page.write_bytes(SEED_000.read_bytes().replace(b"/document/110699", b"/document/" + source_id))
    import_verbose(tmp_path)
    assert Document.objects.get().external_id == source_id.decode()
    Document.objects.update(external_id="corrected")
    page.write_bytes(page.read_bytes().replace(b"Summary:", b"Summary: "))
    if one_by_one:
        assert Loader().import_file(page).outcome == "updated"
    else:
        code, out, _ = import_verbose(tmp_path)
        assert out.splitlines()[-1] == "created 0, updated 1, unchanged 0, failed 0"
    document = Document.objects.get()
    assert document.external_id == "corrected"


# --- two pages of one identity in one run -------------------------------------------------


@pytest.fixture
def rival(tmp_path):
    """a.txt is seed 001; b.txt the same page with other content, of the same source id."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEED_001, folder / "a.txt")
    (folder / "b.txt").write_bytes(SEED_001.read_bytes().replace(b"asks", b"ASKS"))
    return folder


TAKEN = "b.txt: not imported: a.txt, earlier in this run, has the same source id 208912 and other content"


def test_a_second_page_of_one_source_id_is_refused_every_run_and_the_document_settles(rival):
    expected = [
        "created 1, updated 0, unchanged 0, failed 1",
        "created 0, updated 0, unchanged 1, failed 1",
        "created 0, updated 0, unchanged 1, failed 1",
    ]
    for summary in expected:
        code, out, _ = import_verbose(rival)
        assert code == 1
        assert out.splitlines()[-1] == summary
        assert f"failed    {TAKEN}" in out.splitlines()
    document = Document.objects.get()
    assert (document.source_file, document.version) == ("a.txt", 1)
    assert "asks" in document.summary
    assert document.history.count() == 1


def test_the_second_page_is_refused_in_a_later_batch_too_and_on_the_dry_run(rival):

    outcomes = {o.file: o for o in import_paths([rival], batch_size=1)}
    assert (outcomes["a.txt"].outcome, outcomes["b.txt"].outcome) == ("created", "failed")
    assert outcomes["b.txt"].reason == TAKEN
    Document.objects.all().delete()
    code, out, err = run_import(rival, dry_run=True)
    assert code == 1
    assert out.splitlines()[-1] == "dry run: created 1, updated 0, unchanged 0, failed 1"
    assert err.strip() == f"failed: {TAKEN}"


def test_a_second_page_of_one_source_id_is_refused_file_by_file(rival):
    loader = Loader()
    assert loader.import_file(rival / "a.txt").outcome == "created"
    refused = loader.import_file(rival / "b.txt")
    assert (refused.outcome, refused.reason) == ("failed", TAKEN)
    assert Document.objects.get().version == 1


def test_the_same_page_twice_under_two_names_is_one_document_unchanged(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEED_001, folder / "a.txt")
    shutil.copy(SEED_001, folder / "copy-of-a.txt")
    code, out, _ = import_verbose(folder)
    assert (code, out.splitlines()[-1]) == (0, "created 1, updated 0, unchanged 1, failed 0")
    code, out, _ = import_verbose(folder)
    assert (code, out.splitlines()[-1]) == (0, "created 0, updated 0, unchanged 2, failed 0")
    assert Document.objects.get().version == 1


def test_two_pages_of_one_name_without_source_id_are_one_page_too_many(tmp_path):
    for folder, seed in (("a", SEED_001), ("b", SEED_000)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "page.txt").write_bytes(strip_source_id(seed.read_bytes()))
    for summary in ("created 1, updated 0", "created 0, updated 0, unchanged 1"):
        code, out, err = import_verbose(tmp_path)
        assert code == 1
        assert out.splitlines()[-1].startswith(summary)
        assert f"failed    {os.path.join('b', 'page.txt')}: not imported: " in out
        assert (
            f"{os.path.join('a', 'page.txt')}, earlier in this run, has the same name page.txt "
            "(and no source id) and other content" in out
        )
    assert Document.objects.get().version == 1


# --- a page known by its bytes ------------------------------------------------------------

SEED_002 = SEEDS / "002_ad773c37738b5aa8.txt"  # no source id


def test_the_seed_without_source_id_has_none():
    from catalogue.importer.parse import parse

    assert not parse(SEED_002.read_bytes(), SEED_002.name).external_id


@pytest.mark.parametrize("one_by_one", [False, True])
def test_a_renamed_page_without_source_id_is_its_document_under_the_new_name(tmp_path, one_by_one):
    shutil.copy(SEED_002, tmp_path / "002.txt")
    import_verbose(tmp_path)
    (tmp_path / "002.txt").rename(tmp_path / "renamed-002.txt")
    if one_by_one:
        assert Loader().import_file(tmp_path / "renamed-002.txt").outcome == "unchanged"
    else:
        code, out, _ = import_verbose(tmp_path)
        assert out.splitlines()[-1] == "created 0, updated 0, unchanged 1, failed 0"
    document = Document.objects.get()
    assert (document.source_file, document.version) == ("renamed-002.txt", 1)
    code, out, _ = import_verbose(tmp_path)
    assert out.splitlines()[-1] == "created 0, updated 0, unchanged 1, failed 0"


def test_a_page_moved_to_another_directory_is_its_document_too(tmp_path):
    (tmp_path / "old").mkdir()
    shutil.copy(SEED_002, tmp_path / "old" / "002.txt")
    import_verbose(tmp_path / "old")
    (tmp_path / "new").mkdir()
    (tmp_path / "old" / "002.txt").rename(tmp_path / "new" / "page.txt")
    code, out, _ = import_verbose(tmp_path / "new")
    assert out.splitlines()[-1] == "created 0, updated 0, unchanged 1, failed 0"
    assert Document.objects.get().source_file == "page.txt"


def test_a_copy_beside_the_page_is_the_same_document_and_renames_nothing(tmp_path):
    shutil.copy(SEED_002, tmp_path / "b.txt")
    import_verbose(tmp_path)
    shutil.copy(SEED_002, tmp_path / "a-copy.txt")  # sorts first, and b.txt is still there
    for _ in range(2):
        code, out, _ = import_verbose(tmp_path)
        assert (code, out.splitlines()[-1]) == (0, "created 0, updated 0, unchanged 2, failed 0")
        assert Document.objects.get().source_file == "b.txt"


def test_copies_in_two_directories_settle_on_one_name(tmp_path):
    for folder, name in (("a", "y.txt"), ("b", "x.txt")):
        (tmp_path / folder).mkdir()
        shutil.copy(SEED_002, tmp_path / folder / name)
    names = []
    for summary in (
        "created 1, updated 0, unchanged 1",
        *["created 0, updated 0, unchanged 2"] * 3,
    ):
        code, out, _ = import_verbose(tmp_path)
        assert (code, out.splitlines()[-1][: len(summary)]) == (0, summary)
        document = Document.objects.get()
        names.append(document.source_file)
        assert document.version == 1
    assert names == ["y.txt"] * 4


def test_copies_under_two_names_in_one_batch_make_one_document(tmp_path):
    shutil.copy(SEED_002, tmp_path / "a.txt")
    shutil.copy(SEED_002, tmp_path / "b.txt")
    outcomes = [o.outcome for o in import_paths([tmp_path])]
    assert outcomes == ["created", "unchanged"]
    assert Document.objects.get().source_file == "a.txt"


def test_a_dry_run_renames_nothing(tmp_path):
    shutil.copy(SEED_002, tmp_path / "002.txt")
    import_verbose(tmp_path)
    (tmp_path / "002.txt").rename(tmp_path / "renamed-002.txt")
    outcomes = import_paths([tmp_path], dry_run=True)
    assert [o.outcome for o in outcomes] == ["unchanged"]
    assert Document.objects.get().source_file == "002.txt"


def test_a_renamed_page_with_new_bytes_is_a_new_page(tmp_path):
    # Nothing tells it is the same page: no source id, another name, other bytes.
    shutil.copy(SEED_002, tmp_path / "002.txt")
    import_verbose(tmp_path)
    (tmp_path / "002.txt").unlink()
    (tmp_path / "renamed-002.txt").write_bytes(SEED_002.read_bytes() + b"\nMore.\n")
    code, out, _ = import_verbose(tmp_path)
    assert out.splitlines()[-1] == "created 1, updated 0, unchanged 0, failed 0"
