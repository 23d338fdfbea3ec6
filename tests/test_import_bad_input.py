"""Bad input: each file gets a correct import or a clear failure; the batch goes on."""

from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from catalogue.models import Document
from tests.conftest import SEEDS

pytestmark = pytest.mark.django_db

RUSSIAN_PAGE = """Октябрь 25, 1950

Запись беседы с послом

Summary:

Беседа посла с министром.

Original Language:

Russian

Contents:

Original Scan

Запись беседы министра иностранных дел с послом. Министр сообщил, что правительство
поддерживает предложение о переговорах. Посол поблагодарил министра за разъяснения.
"""

GOOD_PAGE = """

October 25, 1950

{title}

Citation:

"{title}", {date}, Wilson Center Digital Archive, RGASPI, f. 558, op. 11, d. 98, ll. 1-2.

<https://digitalarchive.wilsoncenter.org/document/{external_id}>

Summary:

A short summary of the conversation.

Original Language:

English

Contents:

Translation - English

The minister said that the conversation went well and that the talks would continue.
"""


def page(title: str, date: str = "October 25, 1950", external_id: str = "900001") -> str:
    return GOOD_PAGE.format(title=title, date=date, external_id=external_id).replace(
        "October 25, 1950\n\n" + title, date + "\n\n" + title, 1
    )


def import_folder(folder: Path, tmp_path: Path, **options) -> tuple[int, dict, str]:
    report = tmp_path / "report.json"
    out, err = StringIO(), StringIO()
    try:
        call_command(
            "import_documents", str(folder), report=str(report), stdout=out, stderr=err, **options
        )
        code = 0
    except SystemExit as exc:
        code = exc.code
    files = {f["file"]: f for f in json.loads(report.read_text())["files"]}
    return code, files, out.getvalue() + err.getvalue()


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "in"
    path.mkdir()
    shutil.copy(SEEDS / "001_b07270223d59d938.txt", path / "zz_good.txt")
    return path


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n \t\n", "only whitespace"),
        ("binary.txt", bytes(range(256)) * 40, "binary"),
        ("nul.txt", b"\x00" * 2000 + b"Title\n", "binary"),
    ],
)
def test_unusable_files_fail_clearly_and_the_batch_goes_on(folder, tmp_path, name, data, reason):
    (folder / name).write_bytes(data)
    code, files, output = import_folder(folder, tmp_path)
    assert code == 1
    assert files[name]["outcome"] == "failed"
    assert name in files[name]["reason"]
    assert reason in files[name]["reason"].lower()
    assert name in output
    assert files["zz_good.txt"]["outcome"] == "created"
    assert Document.objects.count() == 1
    assert "created 1, updated 0, unchanged 0, failed 1" in output


def test_a_file_over_the_size_limit_fails_without_being_read(folder, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 10_000
    (folder / "huge.txt").write_bytes(page("Huge").encode() + b"x" * 20_000)
    code, files, _ = import_folder(folder, tmp_path)
    assert code == 1
    assert files["huge.txt"]["outcome"] == "failed"
    assert "limit" in files["huge.txt"]["reason"]
    assert files["zz_good.txt"]["outcome"] == "created"


@pytest.mark.parametrize(
    "name, data, encoding",
    [
        ("bom.txt", b"\xef\xbb\xbf" + page("Record with a BOM").encode(), "utf-8-sig"),
        ("cp1251.txt", RUSSIAN_PAGE.encode("cp1251"), "cp1251"),
        ("koi8.txt", RUSSIAN_PAGE.encode("koi8-r"), "koi8-r"),
    ],
)
def test_encodings_are_decoded_and_recorded(folder, tmp_path, name, data, encoding):
    (folder / name).write_bytes(data)
    code, files, _ = import_folder(folder, tmp_path)
    assert code == 0
    assert files[name]["outcome"] == "created"
    document = Document.objects.get(source_file=name)
    assert document.encoding == encoding
    if encoding != "utf-8-sig":
        assert document.title == "Запись беседы с послом"
        assert "поддерживает предложение" in document.texts.get().text
    else:
        assert document.title == "Record with a BOM"
        assert not document.title.startswith("\ufeff")


def test_mixed_line_endings_are_read_as_lines(folder, tmp_path):
    text = page("Mixed endings", external_id="900002")
    lines = text.split("\n")
    mixed = "".join(line + ("\r\n", "\r", "\n")[i % 3] for i, line in enumerate(lines))
    (folder / "mixed.txt").write_bytes(mixed.encode())
    code, files, _ = import_folder(folder, tmp_path)
    assert code == 0
    document = Document.objects.get(source_file="mixed.txt")
    assert document.title == "Mixed endings"
    assert "\r" not in document.summary


def test_a_page_cut_off_midway_imports_what_it_holds(folder, tmp_path):
    full = (SEEDS / "000_dffedfc781ea1ebd.txt").read_bytes()
    (folder / "cut.txt").write_bytes(full[: len(full) // 2])
    code, files, _ = import_folder(folder, tmp_path)
    assert code == 0
    document = Document.objects.get(source_file="cut.txt")
    assert document.title.startswith("Central Committee Politburo decision")
    assert document.texts.exists()


def test_html_in_a_title_is_stored_verbatim(folder, tmp_path):
    title = '<script>alert("x")</script> Memorandum <b>bold</b>'
    (folder / "html.txt").write_bytes(page(title, external_id="900003").encode())
    code, files, _ = import_folder(folder, tmp_path)
    assert code == 0
    assert Document.objects.get(source_file="html.txt").title == title


def test_an_impossible_date_keeps_the_text_and_flags_the_document(folder, tmp_path):
    (folder / "feb31.txt").write_bytes(
        page("Impossible date", date="February 31, 1950", external_id="900004").encode()
    )
    code, files, _ = import_folder(folder, tmp_path)
    assert code == 0
    document = Document.objects.get(source_file="feb31.txt")
    assert document.date is None
    assert document.date_precision == ""
    assert document.date_text == "February 31, 1950"
    assert document.needs_review is True
    assert "February 31, 1950" in document.review_notes


def test_an_ocr_split_year_is_read(folder, tmp_path):
    (folder / "split.txt").write_bytes(
        page("Split year", date="October 25, 19 50", external_id="900005").encode()
    )
    code, files, _ = import_folder(folder, tmp_path)
    assert code == 0
    assert Document.objects.get(source_file="split.txt").date.isoformat() == "1950-10-25"


def test_a_failure_inside_the_write_leaves_nothing_half_written(folder, tmp_path, monkeypatch):
    from catalogue.importer import load

    def broken(self, document, parsed, resolution):
        raise ValueError("disk on fire")

    monkeypatch.setattr(load.Loader, "_replace_texts", broken)
    code, files, output = import_folder(folder, tmp_path)
    assert code == 1
    assert files["zz_good.txt"]["outcome"] == "failed"
    assert "disk on fire" in files["zz_good.txt"]["reason"]
    assert Document.objects.count() == 0
    from catalogue.models import ArchivalReference, DocumentPerson

    assert ArchivalReference.objects.count() == 0
    assert DocumentPerson.objects.count() == 0
