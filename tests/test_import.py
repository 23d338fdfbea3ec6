"""import_documents on the seeds: what each page must yield, through the exported record."""

from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from catalogue.models import Document
from catalogue.records import document_record
from people.models import Person
from tests.conftest import SEEDS, run_import

pytestmark = pytest.mark.django_db


def export() -> list[dict]:
    out = StringIO()
    call_command("export_documents", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def record_for(file_name: str) -> dict:
    return document_record(Document.objects.for_record().get(source_file=file_name))


@pytest.fixture
def seeded():
    code, out, _ = run_import(SEEDS)
    assert code == 0
    assert out.strip().splitlines()[-1] == "created 3, updated 0, unchanged 0, failed 0"


def person_ids(record: dict, role: str | None = None) -> dict[str, int]:
    return {p["name"]: p["id"] for p in record["people"] if role in (None, p["role"])}


def person_named(variant: str) -> Person:
    """The authority record a researcher means by `variant`."""
    return Person.objects.get(pk=_resolver().people.match(variant))


def _resolver():
    from catalogue.importer.resolve import Resolver

    return Resolver()


def references(record: dict) -> list[tuple]:
    keys = ("repository", "fond", "opis", "delo", "papka", "folios", "is_copy")
    return [tuple(ref[k] for k in keys) for ref in record["archival_references"]]


def test_seed_000_politburo_decision(seeded):
    record = record_for("000_dffedfc781ea1ebd.txt")
    assert record["title"] == (
        "Central Committee Politburo decision with approved directives to Foreign Minister "
        "Vyshinsky (at the United Nations in New York) and to Soviet Ambassador in Washington"
    )
    assert (record["date"], record["date_precision"]) == ("1950-10-25", "day")
    assert record["external_id"] == "110699"
    assert record["original_languages"] == ["ru"]
    kinds = {(t["kind"], t["language"]): t["text"] for t in record["texts"]}
    original, english = kinds[("original", "ru")], kinds[("translation", "en")]
    assert "Политбюро" in original and "Politburo" in english
    assert original not in english and english not in original
    assert "Comrades" not in original and "Громико" not in english
    refs = references(record)
    assert refs[0] == ("APRF", "3", "65", "827", None, "141-143", False)
    assert refs[1] == ("AVPRF", "059a", "5a", "3", "11", "155-157", False)
    copy = record["archival_references"][2]
    assert copy["is_copy"] is True
    assert copy["call_number"] == "mm97083838"
    assert "Volkogonov" in copy["collection"]
    ids = set(person_ids(record).values())
    for name in ("Vyshinsky", "Bulganin", "Molotov", "Gromyko", "Stalin", "Pak Heon-yeong"):
        assert person_named(name).pk in ids, name


def test_seed_001_stalin_telegram(seeded):
    record = record_for("001_b07270223d59d938.txt")
    assert record["title"] == "Telegram via VcH from Stalin to Cde. Molotov"
    assert (record["date"], record["date_precision"]) == ("1945-11-11", "day")
    assert record["external_id"] == "208912"
    assert references(record) == [("RGASPI", "558", "11", "98", None, "0102-0105", False)]
    assert person_named("Sergey Radchenko").pk in person_ids(record, "contributor").values()
    assert person_named("Gary Goldberg").pk in person_ids(record, "translator").values()
    funders = {o["name"] for o in record["organizations"] if o["role"] == "funder"}
    assert funders == {"Blavatnik Family Foundation"}
    assert person_named("Stalin").pk in person_ids(record, "author").values()
    assert person_named("Molotov").pk in person_ids(record, "recipient").values()
    assert record["classification"] == "Secret"
    translation = next(t for t in record["texts"] if t["kind"] == "translation")
    assert translation["translators"] == [person_named("Gary Goldberg").name]


def test_seed_002_record_of_conversation(seeded):
    record = record_for("002_ad773c37738b5aa8.txt")
    assert record["title"] == (
        "Record of Conversation with the Minister of Foreign Affairs of the DPRK Comrade "
        "Pak Seong-cheol"
    )
    assert (record["date"], record["date_precision"]) == ("1966-05-23", "day")
    assert references(record) == [("AVPRF", "0102", "22", "4", "107", "1-5", False)]
    assert person_named("Sergey Radchenko").pk in person_ids(record, "translator").values()
    funders = {o["name"] for o in record["organizations"] if o["role"] == "funder"}
    assert funders == {"Leon Levy Foundation"}
    assert record["summary"].startswith("Pak Seong-cheol explains")
    assert person_named("Gromyko").pk in person_ids(record, "author").values()
    assert person_named("Pak Seong-cheol").pk in person_ids(record, "participant").values()


def test_one_person_across_documents_and_namesakes_kept_apart(seeded):
    records = {r["source"]["file"][:3]: r for r in export()}
    gromyko = person_named("Gromyko").pk
    # 001 does not name him; 000 (author, addressee) and 002 (author) do.
    assert all(gromyko in person_ids(records[n]).values() for n in ("000", "002"))
    for name, files in [("Molotov", ("000", "001")), ("Stalin", ("000", "001"))]:
        pk = person_named(name).pk
        assert all(pk in person_ids(records[n]).values() for n in files), name
    # Every "Gromyko" in every record is the same id.
    gromykos = {p["id"] for r in records.values() for p in r["people"] if "Gromyko" in p["name"]}
    assert gromykos == {gromyko}
    heon, seong = person_named("Pak Heon-yeong"), person_named("Pak Seong-cheol")
    assert heon.pk != seong.pk
    assert heon.pk in person_ids(records["000"]).values()
    assert heon.pk not in person_ids(records["002"]).values()
    assert seong.pk in person_ids(records["002"]).values()
    assert seong.pk not in person_ids(records["000"]).values()


def test_importing_twice_changes_nothing(seeded):
    before = export()
    code, out, _ = run_import(SEEDS)
    assert code == 0
    assert out.strip().splitlines()[-1] == "created 0, updated 0, unchanged 3, failed 0"
    assert export() == before


def test_a_curators_title_survives_a_reimport_of_changed_bytes_and_is_reported(tmp_path):
    source = tmp_path / "001_b07270223d59d938.txt"
    shutil.copy(SEEDS / source.name, source)
    assert run_import(source)[0] == 0
    document = Document.objects.get(external_id="208912")
    document.title = "Telegram from Stalin to Molotov (corrected by a curator)"
    document.save()

    changed = source.read_bytes().replace(
        b"Stalin asks Molotov for edits", b"Stalin asks Molotov for careful edits"
    )
    source.write_bytes(changed)
    report = tmp_path / "report.json"
    code, out, _ = run_import(source, report=str(report), verbosity=2)
    assert code == 0
    assert out.strip().splitlines()[-1] == "created 0, updated 1, unchanged 0, failed 0"
    document.refresh_from_db()
    assert document.title == "Telegram from Stalin to Molotov (corrected by a curator)"
    assert document.summary.startswith("Stalin asks Molotov for careful edits")
    assert document.import_conflicts == {"title": "Telegram via VcH from Stalin to Cde. Molotov"}
    files = json.loads(report.read_text())["files"]
    assert files[0]["outcome"] == "updated"
    assert files[0]["conflicts"] == {"title": "Telegram via VcH from Stalin to Cde. Molotov"}
    assert "conflicts kept: title" in out


def test_dry_run_writes_nothing_but_reports_what_would_happen(tmp_path):
    report = tmp_path / "report.json"
    code, out, _ = run_import(SEEDS, dry_run=True, report=str(report))
    assert code == 0
    assert "created 3" in out.splitlines()[-1]
    assert Document.objects.count() == 0
    data = json.loads(report.read_text())
    assert data["dry_run"] is True
    assert [f["outcome"] for f in data["files"]] == ["created"] * 3


def test_verbose_import_prints_a_line_per_file():
    code, out, _ = run_import(SEEDS, verbosity=2)
    lines = out.strip().splitlines()
    assert code == 0
    assert [line.split()[0] for line in lines[:3]] == ["created"] * 3
    assert lines[-1] == "created 3, updated 0, unchanged 0, failed 0"


def test_a_missing_path_is_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such file or directory"):
        call_command("import_documents", str(tmp_path / "nope"), stdout=StringIO())


def test_provenance_is_kept(seeded):
    document = Document.objects.get(source_file="000_dffedfc781ea1ebd.txt")
    raw = (SEEDS / "000_dffedfc781ea1ebd.txt").read_bytes()
    import hashlib

    assert document.sha256 == hashlib.sha256(raw).hexdigest()
    assert document.layout
    assert document.encoding.startswith("utf-8")
    assert document.imported_at is not None
    assert document.imported_values["title"] == document.title


def test_importer_changes_are_recorded_in_history_as_the_importers(seeded):
    document = Document.objects.get(source_file="000_dffedfc781ea1ebd.txt")
    entry = document.history.earliest()
    assert entry.history_type == "+"
    assert entry.history_user.username == "importer"


CREDITED_PAGE = """

March 3, 1953

Memorandum on the {topic}

Citation:

"Memorandum on the {topic}", March 3, 1953, Wilson Center Digital Archive, GARF, f. 5446, op. 1, d. {delo}, ll. 1-3. Translated by {translator}.

<https://digitalarchive.wilsoncenter.org/document/{external_id}>

Summary:

A memorandum on the {topic}.

Original Language:

English

Contents:

Translation - English

The {topic} was discussed at length by the committee.
"""


def credited_page(path: Path, *, topic: str, translator: str, external_id: str) -> Path:
    path.write_text(
        CREDITED_PAGE.format(
            topic=topic, translator=translator, external_id=external_id, delo=external_id[-2:]
        ),
        encoding="utf-8",
    )
    return path


def test_an_unknown_name_becomes_a_new_person_flagged_for_review(tmp_path):
    page = credited_page(
        tmp_path / "a.txt", topic="grain harvest", translator="Ilse Q. Nobody", external_id="800001"
    )
    assert run_import(page)[0] == 0
    person = Person.objects.get(name="Ilse Q. Nobody")
    assert person.needs_review is True
    record = record_for("a.txt")
    assert {"id": person.pk, "name": "Ilse Q. Nobody", "role": "translator"} in record["people"]


def test_a_variant_added_by_a_curator_is_used_by_the_next_import(tmp_path):
    from people.models import PersonName

    goldberg = person_named("Gary Goldberg")
    PersonName.objects.create(person=goldberg, name="G. Goldberg-Smythe")
    page = credited_page(
        tmp_path / "b.txt", topic="coal supply", translator="G. Goldberg-Smythe",
        external_id="800002",
    )  # fmt: skip
    people_before = Person.objects.count()
    assert run_import(page)[0] == 0
    assert Person.objects.count() == people_before
    record = record_for("b.txt")
    assert {"id": goldberg.pk, "name": goldberg.name, "role": "translator"} in record["people"]


def test_the_same_new_name_in_two_files_is_one_person(tmp_path):
    folder = tmp_path / "two"
    folder.mkdir()
    credited_page(folder / "c.txt", topic="oil", translator="Oskar Q. Newman", external_id="800003")
    credited_page(folder / "d.txt", topic="steel", translator="Oskar Q. Newman",
                  external_id="800004")  # fmt: skip
    assert run_import(folder)[0] == 0
    assert Person.objects.filter(name="Oskar Q. Newman").count() == 1


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_and_the_summary_line():
    out = Terminal()
    call_command("import_documents", str(SEEDS), stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "\r[" in text and "] 3/3" in text
    assert text.strip().splitlines()[-1] == "created 3, updated 0, unchanged 0, failed 0"


def test_a_log_file_gets_no_progress_bar():
    out = StringIO()
    call_command("import_documents", str(SEEDS), stdout=out, stderr=StringIO())
    assert "\r" not in out.getvalue()
