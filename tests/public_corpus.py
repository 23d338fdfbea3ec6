"""A small hand-made collection for the public pages' tests (the seeds cover the importer).

Three published documents in three archives and two languages, one draft, one
withdrawn; people with variants in Latin and Cyrillic script.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from catalogue.models import (
    ArchivalReference,
    DocumentOrganization,
    DocumentPerson,
    Repository,
    Translation,
)
from people.models import Organization, OrganizationName
from tests.conftest import make_document, make_person

XSS = '<script>alert("x")</script></title>'


@dataclass
class Corpus:
    politburo: object
    telegram: object
    conversation: object
    draft: object
    withdrawn: object
    gromyko: object
    molotov: object
    pak: object
    fec: object
    aprf: object


def add_text(document, kind: str, language: str, text: str, position: int = 0):
    return Translation.objects.create(
        document=document, kind=kind, language=language, text=text, position=position
    )


def add_reference(document, repository, **fields):
    fields.setdefault("text", f"{repository.code}, Fond {fields.get('fond', '3')}")
    return ArchivalReference.objects.create(document=document, repository=repository, **fields)


def build_corpus() -> Corpus:
    aprf = Repository.objects.create(
        code="APRF", name="Archive of the President of the Russian Federation", country="RU"
    )
    avprf = Repository.objects.create(
        code="AVPRF", name="Foreign Policy Archive of the Russian Federation", country="RU"
    )
    rgaspi = Repository.objects.create(
        code="RGASPI", name="Russian State Archive of Socio-Political History", country="RU"
    )
    gromyko = make_person("Andrei Gromyko", "Громыко", "A.A. Gromyko", "Andrei Andreyevich Gromyko")
    molotov = make_person("Vyacheslav Molotov", "Молотов", "V.M. Molotov")
    pak = make_person("Pak Heon-yeong", "Pak Hon Yong", "Пак Хен Ен")
    stalin = make_person("Joseph Stalin", "Сталин")
    goldberg = make_person("Gary Goldberg")
    fec = Organization.objects.create(name="Far Eastern Commission", abbreviation="FEC")
    OrganizationName.objects.create(organization=fec, name="Дальневосточная комиссия")
    funder = Organization.objects.create(name="Blavatnik Family Foundation")

    politburo = make_document(
        title="Central Committee Politburo decision with approved directives to Vyshinsky",
        date=datetime.date(1950, 10, 25),
        date_precision="day",
        date_text="October 25, 1950",
        document_type="Memorandum",
        classification="Top Secret",
        summary="Memorandum ordering a protest against the use of Japanese servicemen in Korea.",
        citation='"Central Committee Politburo decision", October 25, 1950, Wilson Center '
        "Digital Archive, APRF, Fond 3, Opis 65, Delo 827, Listy 141-143.",
        source_url="https://example.org/document/110699",
        external_id="110699",
        original_languages=["ru"],
    )
    add_text(
        politburo,
        "original",
        "ru",
        "Т. т. Булганину, Молотову, Громико.\nПолитбюро решило: утвердить проекты указаний "
        "о японских военнослужащих в Корее.",
    )
    add_text(
        politburo,
        "translation",
        "en",
        "To Comrades Bulganin, Molotov, Gromyko.\nThe Politburo decided to approve the draft "
        "instructions about Japanese servicemen fighting in Korea.",
        position=1,
    )
    add_reference(
        politburo,
        aprf,
        fond="3",
        opis="65",
        delo="827",
        folios="141-143",
        text="APRF, Fond 3, Opis 65, Delo 827, Listy 141-143",
    )
    DocumentPerson.objects.create(document=politburo, person=gromyko, role="author")
    DocumentPerson.objects.create(document=politburo, person=molotov, role="recipient")
    DocumentPerson.objects.create(document=politburo, person=pak, role="mentioned")
    DocumentOrganization.objects.create(document=politburo, organization=fec, role="mentioned")

    telegram = make_document(
        title="Telegram via VcH from Stalin to Cde. Molotov",
        date=datetime.date(1945, 11, 1),
        date_precision="month",
        date_text="November 1945",
        document_type="Telegram",
        classification="Secret",
        summary="Stalin asks Molotov for edits on the reply about the control mechanism for Japan.",
        original_languages=["ru"],
    )
    add_text(
        telegram,
        "translation",
        "en",
        "I am sending you a draft reply. Please examine it carefully and make corrections.",
    )
    add_reference(
        telegram,
        rgaspi,
        fond="558",
        opis="11",
        delo="98",
        folios="0102-0105",
        text="RGASPI, f. 558, op. 11, d. 98, ll. 0102-0105",
    )
    DocumentPerson.objects.create(document=telegram, person=stalin, role="author")
    DocumentPerson.objects.create(document=telegram, person=molotov, role="recipient")
    DocumentPerson.objects.create(document=telegram, person=goldberg, role="translator")
    DocumentOrganization.objects.create(document=telegram, organization=funder, role="funder")

    conversation = make_document(
        title="Record of Conversation with the Minister of Foreign Affairs of the DPRK",
        date=datetime.date(1966, 1, 1),
        date_precision="year",
        date_text="1966",
        document_type="Record of Conversation",
        summary="The minister explains North Korea's military policies and reunification.",
        original_languages=["en"],
    )
    add_text(
        conversation,
        "original",
        "en",
        "I received the Foreign Minister of the DPRK. The Korean Workers' Party put forward "
        "the mottos of arming the entire people.",
    )
    add_reference(
        conversation,
        avprf,
        fond="0102",
        opis="22",
        delo="4",
        papka="107",
        folios="1-5",
        text="AVPRF, fond 0102, opis 22, papka 107, delo 4, pp. 1-5",
    )
    DocumentPerson.objects.create(document=conversation, person=gromyko, role="author")

    draft = make_document(title="Draft about Korea", status="draft", original_languages=["ru"])
    add_text(draft, "translation", "en", "Korea servicemen draft text")
    withdrawn = make_document(title="Withdrawn about Korea", status="withdrawn")
    return Corpus(
        politburo, telegram, conversation, draft, withdrawn, gromyko, molotov, pak, fec, aprf
    )
