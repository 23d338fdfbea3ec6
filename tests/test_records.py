"""The record serializer produces RECORD.md's JSON for hand-built documents."""

from __future__ import annotations

import datetime
import json

import pytest

from catalogue.models import (
    ArchivalReference,
    Document,
    DocumentOrganization,
    DocumentPerson,
    Repository,
    Translation,
)
from catalogue.records import document_record
from people.models import Organization
from tests.conftest import make_document, make_person

pytestmark = pytest.mark.django_db

RECORD_KEYS = {
    "id", "url", "title", "date", "date_precision", "date_text", "document_type",
    "classification", "summary", "citation", "source_url", "external_id", "status",
    "original_languages", "archival_references", "texts", "people", "organizations", "source",
}  # fmt: skip


def build_politburo_decision() -> Document:
    document = make_document(
        title="Central Committee Politburo decision with approved directives",
        date=datetime.date(1950, 10, 25),
        date_precision="day",
        date_text="October 25, 1950",
        document_type="Memorandum",
        classification="Top Secret",
        summary="Memorandum from the VKP(b) CC to Vyshinsky.",
        citation='"Central Committee Politburo decision", October 25, 1950, APRF, Fond 3',
        source_url="https://example.org/document/110699",
        external_id="110699",
        original_languages=["ru"],
        source_file="000_dffedfc781ea1ebd.txt",
        sha256="ab" * 32,
        layout="legacy",
    )
    aprf = Repository.objects.create(
        code="APRF-T", name="Archive of the President of the Russian Federation", country="RU"
    )
    loc = Repository.objects.create(code="LOC-T", name="")
    ArchivalReference.objects.create(
        document=document, repository=aprf, fond="3", opis="65", delo="827", folios="141-143",
        text="APRF, Fond 3, Opis 65, Delo 827, Listy 141-143", position=0,
    )  # fmt: skip
    ArchivalReference.objects.create(
        document=document, repository=loc, collection="Volkogonov papers",
        call_number="mm97083838", is_copy=True, text="Copy available in Library of Congress",
        position=1,
    )  # fmt: skip
    goldberg = make_person("Gary Goldberg")
    gromyko = make_person("Andrei Gromyko")
    molotov = make_person("Vyacheslav Molotov")
    Translation.objects.create(document=document, kind="original", language="ru", text="Решение")
    english = Translation.objects.create(
        document=document, kind="translation", language="en", text="Decision", position=1
    )
    english.translators.add(goldberg)
    DocumentPerson.objects.create(document=document, person=molotov, role="recipient")
    DocumentPerson.objects.create(document=document, person=gromyko, role="author")
    DocumentPerson.objects.create(document=document, person=goldberg, role="translator")
    fec = Organization.objects.create(name="Far Eastern Commission T", abbreviation="FEC")
    blavatnik = Organization.objects.create(name="Blavatnik Family Foundation T")
    DocumentOrganization.objects.create(document=document, organization=fec, role="mentioned")
    DocumentOrganization.objects.create(document=document, organization=blavatnik, role="funder")
    return document


def test_record_matches_the_contract_for_a_document_with_two_references_and_two_texts():
    document = build_politburo_decision()
    record = document_record(Document.objects.for_record().get(pk=document.pk))
    people = {p.name: p.pk for p in document.people.all()}
    organizations = {o.name: o.pk for o in document.organizations.all()}

    assert set(record) == RECORD_KEYS
    assert record == {
        "id": document.pk,
        "url": f"/documents/{document.pk}/"
        "central-committee-politburo-decision-with-approved-directives/",
        "title": "Central Committee Politburo decision with approved directives",
        "date": "1950-10-25",
        "date_precision": "day",
        "date_text": "October 25, 1950",
        "document_type": "Memorandum",
        "classification": "Top Secret",
        "summary": "Memorandum from the VKP(b) CC to Vyshinsky.",
        "citation": '"Central Committee Politburo decision", October 25, 1950, APRF, Fond 3',
        "source_url": "https://example.org/document/110699",
        "external_id": "110699",
        "status": "published",
        "original_languages": ["ru"],
        "archival_references": [
            {
                "repository": "APRF-T",
                "repository_name": "Archive of the President of the Russian Federation",
                "fond": "3", "opis": "65", "delo": "827", "papka": None, "folios": "141-143",
                "collection": None, "call_number": None, "is_copy": False,
                "text": "APRF, Fond 3, Opis 65, Delo 827, Listy 141-143",
            },
            {
                "repository": "LOC-T", "repository_name": None,
                "fond": None, "opis": None, "delo": None, "papka": None, "folios": None,
                "collection": "Volkogonov papers", "call_number": "mm97083838", "is_copy": True,
                "text": "Copy available in Library of Congress",
            },
        ],
        "texts": [
            {"kind": "original", "language": "ru", "text": "Решение", "translators": []},
            {"kind": "translation", "language": "en", "text": "Decision",
             "translators": ["Gary Goldberg"]},
        ],
        "people": [
            {"id": people["Andrei Gromyko"], "name": "Andrei Gromyko", "role": "author"},
            {"id": people["Vyacheslav Molotov"], "name": "Vyacheslav Molotov", "role": "recipient"},
            {"id": people["Gary Goldberg"], "name": "Gary Goldberg", "role": "translator"},
        ],
        "organizations": [
            {"id": organizations["Blavatnik Family Foundation T"],
             "name": "Blavatnik Family Foundation T", "abbreviation": None, "role": "funder"},
            {"id": organizations["Far Eastern Commission T"], "name": "Far Eastern Commission T",
             "abbreviation": "FEC", "role": "mentioned"},
        ],
        "source": {"file": "000_dffedfc781ea1ebd.txt", "sha256": "ab" * 32, "layout": "legacy"},
    }  # fmt: skip
    # The record is plain JSON.
    assert json.loads(json.dumps(record)) == record


def test_unknown_values_are_null_and_lists_empty():
    document = make_document(
        title="Undated note", date=None, date_precision="", date_text="", original_languages=[]
    )
    record = document_record(Document.objects.for_record().get(pk=document.pk))
    assert set(record) == RECORD_KEYS
    for key in ("date", "date_precision", "date_text", "document_type", "classification",
                "summary", "citation", "source_url", "external_id"):  # fmt: skip
        assert record[key] is None, key
    for key in ("original_languages", "archival_references", "texts", "people", "organizations"):
        assert record[key] == [], key
    assert record["source"] == {"file": None, "sha256": None, "layout": None}


def test_month_and_year_precision_dates_are_cut():
    month = make_document(date=datetime.date(1950, 10, 1), date_precision="month")
    year = make_document(date=datetime.date(1950, 1, 1), date_precision="year")
    assert document_record(month)["date"] == "1950-10"
    assert document_record(year)["date"] == "1950"


def test_a_page_of_records_costs_a_fixed_number_of_queries(django_assert_num_queries):
    for _ in range(3):
        build_politburo_decision_copy()
    # documents, references+repositories, texts, translators, person links, organization links
    with django_assert_num_queries(6):
        records = [document_record(d) for d in Document.objects.for_record()]
    assert len(records) == 3


def build_politburo_decision_copy() -> Document:
    document = make_document(title="Copy")
    repository, _ = Repository.objects.get_or_create(code="AVPRF-T")
    ArchivalReference.objects.create(document=document, repository=repository, fond="059a")
    text = Translation.objects.create(document=document, language="en", text="Text")
    person = make_person("Translator")
    text.translators.add(person)
    DocumentPerson.objects.create(document=document, person=person, role="translator")
    organization = Organization.objects.create(name="Funder")
    DocumentOrganization.objects.create(document=document, organization=organization, role="funder")
    return document
