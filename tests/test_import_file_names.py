"""File names as the file system gives them: not always UTF-8, not always unique."""

from __future__ import annotations

import json
import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalogue.importer.load import Loader, printable
from catalogue.models import Document
from tests.conftest import SEEDS, run_import

pytestmark = pytest.mark.django_db

SEED_000 = SEEDS / "000_dffedfc781ea1ebd.txt"
SEED_001 = SEEDS / "001_b07270223d59d938.txt"


def latin1_name(folder: Path, name: bytes) -> Path:
    """A path whose name is `name`, bytes that are not UTF-8 (as Python keeps them)."""
    path = folder / os.fsdecode(name)
    try:
        path.write_bytes(b"")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system takes only UTF-8 file names")
    return path


def test_printable_writes_undecodable_bytes_as_percent_escapes():
    assert printable("café.txt") == "café.txt"
    assert printable(os.fsdecode(b"caf\xe9.txt")) == "caf%E9.txt"
    assert printable("a\ud800b") == "a\ufffdb"  # a surrogate no file name byte gives


def test_a_file_name_that_is_not_utf8_imports_under_an_escaped_name(tmp_path):
    shutil.copy(SEED_000, latin1_name(tmp_path, b"caf\xe9.txt"))
    shutil.copy(SEED_001, tmp_path / "other.txt")
    report = tmp_path / "report.json"
    code, out, err = run_import(tmp_path, verbosity=2, report=report)
    assert code == 0, err
    assert out.splitlines()[-1] == "created 2, updated 0, unchanged 0, failed 0"
    assert "created   caf%E9.txt" in out
    document = Document.objects.get(source_file="caf%E9.txt")
    assert document.external_id == "110699"
    assert "not valid UTF-8: imported as caf%E9.txt" in document.review_notes
    files = {f["file"]: f for f in json.loads(report.read_text("utf-8"))["files"]}
    assert files["caf%E9.txt"]["outcome"] == "created"
    # The same bytes again: the same name, so the same document.
    code, out, _ = run_import(tmp_path)
    assert out.splitlines()[-1] == "created 0, updated 0, unchanged 2, failed 0"


def test_a_bad_file_whose_name_is_not_utf8_fails_alone_with_a_reason_naming_it(tmp_path):
    latin1_name(tmp_path, b"\xff\xfe-empty.txt")  # empty
    shutil.copy(SEED_001, tmp_path / "other.txt")
    code, out, err = run_import(tmp_path)
    assert code == 1
    assert out.splitlines()[-1] == "created 1, updated 0, unchanged 0, failed 1"
    assert err.strip() == "failed: %FF%FE-empty.txt: empty file"


def test_the_file_by_file_path_takes_the_escaped_name_too(tmp_path):
    path = latin1_name(tmp_path, b"caf\xe9.txt")
    shutil.copy(SEED_000, path)
    outcome = Loader().import_file(path)
    assert (outcome.outcome, outcome.file) == ("created", "caf%E9.txt")
    assert Document.objects.get().source_file == "caf%E9.txt"


def test_failures_name_the_file_by_its_path_under_the_directory_given(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / "in" / folder).mkdir(parents=True)
        (tmp_path / "in" / folder / "empty.txt").write_bytes(b"")
    shutil.copy(SEED_001, tmp_path / "in" / "top.txt")
    (tmp_path / "in" / "top-empty.txt").write_bytes(b"")
    code, out, err = run_import(tmp_path / "in")
    assert code == 1
    assert out.splitlines()[-1] == "created 1, updated 0, unchanged 0, failed 3"
    assert sorted(err.splitlines()) == [
        f"failed: {os.path.join('a', 'empty.txt')}: empty file",
        f"failed: {os.path.join('b', 'empty.txt')}: empty file",
        "failed: top-empty.txt: empty file",
    ]
    _, out, _ = run_import(tmp_path / "in", verbosity=2)
    assert f"failed    {os.path.join('a', 'empty.txt')}: empty file" in out.splitlines()
    # A file given by itself is named by its name.
    code, _, err = run_import(tmp_path / "in" / "a" / "empty.txt")
    assert err.strip() == "failed: empty.txt: empty file"


def test_failures_past_parsing_name_the_path_too(tmp_path, monkeypatch):
    from django.db import DatabaseError

    from catalogue.importer import load

    (tmp_path / "in" / "a").mkdir(parents=True)
    shutil.copy(SEED_001, tmp_path / "in" / "a" / "page.txt")

    def refuse(self, parsed, existing):
        raise DatabaseError("disk on fire")

    monkeypatch.setattr(load.Loader, "_create_many", lambda self, *a: refuse(self, None, None))
    monkeypatch.setattr(load.Loader, "_write", refuse)
    code, out, err = run_import(tmp_path / "in")
    assert code == 1
    assert err.strip() == f"failed: {os.path.join('a', 'page.txt')}: not imported: disk on fire"


def test_a_report_into_a_missing_directory_is_refused_before_anything_is_written(tmp_path):
    shutil.copy(SEED_001, tmp_path / "page.txt")
    report = tmp_path / "no-such-dir" / "report.json"
    with pytest.raises(CommandError, match="no-such-dir"):
        call_command("import_documents", str(tmp_path), report=str(report), stdout=StringIO())
    assert not Document.objects.exists()
    with pytest.raises(CommandError, match="is a directory"):
        call_command("import_documents", str(tmp_path), report=str(tmp_path), stdout=StringIO())


def test_a_report_that_cannot_be_written_after_all_still_leaves_the_summary(tmp_path, monkeypatch):
    shutil.copy(SEED_001, tmp_path / "page.txt")
    real_write_text = Path.write_text

    def full_disk(self, *args, **kwargs):
        if self.name == "report.json":
            raise OSError(28, "No space left on device")
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_disk)
    code, out, err = run_import(tmp_path, report=tmp_path / "report.json")
    assert code == 1
    assert out.splitlines()[-1] == "created 1, updated 0, unchanged 0, failed 0"
    assert "report not written" in err and "No space left on device" in err
