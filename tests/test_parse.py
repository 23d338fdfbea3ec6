"""The parser on the three seed pages and on synthetic pages of the other layouts.

Pure tests: no Django, no database (run with ``pytest -p no:django tests/test_parse*.py``).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from catalogue.importer.parse import ParsedDocument, ParsedName, parse

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@pytest.fixture(autouse=True)
def _plain_static_storage():
    """Shadows the Django settings fixture of tests/conftest.py: these tests need none."""


def seed(name: str) -> ParsedDocument:
    path = next(SEEDS.glob(f"{name}_*.txt"))
    return parse(path.read_bytes(), path.name)


def page(text: str, name: str = "page.txt") -> ParsedDocument:
    return parse(text.encode("utf-8"), name)


def names_with(doc: ParsedDocument, role: str) -> list[str]:
    return [n.name for n in doc.names if n.role == role]


def find_name(doc: ParsedDocument, name: str, role: str | None = None) -> ParsedName:
    for item in doc.names:
        if item.name == name and (role is None or item.role == role):
            return item
    raise AssertionError(f"{name!r} ({role}) not in {[(n.name, n.role) for n in doc.names]}")


def text_of(doc: ParsedDocument, kind: str, language: str) -> str:
    found = [t.text for t in doc.texts if t.kind == kind and t.language == language]
    assert found, f"no {kind} text in {language}: {[(t.kind, t.language) for t in doc.texts]}"
    return found[0]


# --------------------------------------------------------------------------- seed 000


@pytest.fixture(scope="module")
def doc000() -> ParsedDocument:
    return seed("000")


def test_000_title_date_and_ids(doc000):
    assert doc000.file_name == "000_dffedfc781ea1ebd.txt"
    assert len(doc000.sha256) == 64
    assert doc000.encoding == "utf-8"
    assert doc000.layout == "legacy-labelled"
    assert doc000.title == (
        "Central Committee Politburo decision with approved directives to Foreign Minister "
        "Vyshinsky (at the United Nations in New York) and to Soviet Ambassador in Washington"
    )
    assert doc000.date == datetime.date(1950, 10, 25)
    assert doc000.date_precision == "day"
    assert doc000.date_text == "October 25, 1950"
    assert doc000.external_id == "110699"
    assert doc000.source_url.endswith("/document/110699")
    assert doc000.original_languages == ["ru"]
    assert doc000.summary.startswith("Memorandum from the VKP(b) CC")
    assert doc000.citation.startswith('"Central Committee Politburo decision')
    assert "\n" not in doc000.citation
    assert doc000.needs_review is False


def test_000_original_and_translation_are_apart(doc000):
    assert [(t.kind, t.language) for t in doc000.texts] == [
        ("original", "ru"),
        ("translation", "en"),
    ]
    original = text_of(doc000, "original", "ru")
    translation = text_of(doc000, "translation", "en")
    assert "Громико" in original and "ГРОМЫКО" in original
    assert "Comrades" not in original
    assert "To Comrades Bulganin" in translation
    assert not CYRILLIC.search(translation)
    # Page chrome stays out of the texts.
    for chrome in ("Original Scan", "Translation - English", "Contents:", "Citation"):
        assert chrome not in original and chrome not in translation


def test_000_references(doc000):
    aprf, avprf, loc = doc000.references
    assert (aprf.repository, aprf.fond, aprf.opis, aprf.delo, aprf.folios) == (
        "APRF",
        "3",
        "65",
        "827",
        "141-143",
    )
    assert aprf.repository_name == "Archive of the President of the Russian Federation"
    assert not aprf.is_copy
    assert (avprf.repository, avprf.fond, avprf.opis, avprf.delo, avprf.papka, avprf.folios) == (
        "AVPRF",
        "059a",
        "5a",
        "3",
        "11",
        "155-157",
    )
    assert loc.repository == "LOC"
    assert loc.is_copy is True
    assert "Volkogonov papers" in loc.collection
    assert loc.collection == "Dmitrii Antonovich Volkogonov papers, 1887-1995"
    assert loc.call_number == "mm97083838"


def test_000_classification_and_type(doc000):
    # The Russian header stamp СТРОГО СЕКРЕТНО, the first one on the page, is kept as
    # "Strictly Secret"; the translation's later "TOP SECRET" belongs to an attachment.
    assert doc000.classification == "Strictly Secret"
    assert doc000.document_type == "Decision"


def test_000_names(doc000):
    recipients = names_with(doc000, "recipient")
    for person in ("Bulganin", "Molotov", "Gromyko"):
        assert person in recipients
    assert "Булганину" in recipients  # Russian addressee line kept as written
    signature = find_name(doc000, "A. GROMYKO", "author")
    assert signature.source == "signature" and signature.kind == "person"
    pak = find_name(doc000, "Pak Heon-yeong")
    assert pak.variants == ("Pak Hon Yong",)
    stalin = find_name(doc000, "Stalin", "mentioned")
    assert stalin.source == "bracket"
    # Precision: no junk such as headings or places.
    for junk in ("NEW YORK", "WASHINGTON", "SECRETARY CC", "Far Eastern Commission", "DVK"):
        assert junk not in [n.name for n in doc000.names]


# --------------------------------------------------------------------------- seed 001


@pytest.fixture(scope="module")
def doc001() -> ParsedDocument:
    return seed("001")


def test_001_fields(doc001):
    assert doc001.layout == "markdown-mirror"
    assert doc001.title == "Telegram via VcH from Stalin to Cde. Molotov"
    assert doc001.date == datetime.date(1945, 11, 11)
    assert doc001.date_precision == "day"
    assert doc001.external_id == "208912"
    assert doc001.original_languages == ["ru"]
    assert doc001.summary.startswith("Stalin asks Molotov")
    assert doc001.classification == "Secret"
    assert doc001.document_type == "Telegram"
    assert doc001.contributors == ["Sergey Radchenko"]
    assert doc001.translators == ["Gary Goldberg"]
    assert doc001.funders == ["Blavatnik Family Foundation"]


def test_001_reference_with_ocr_slip(doc001):
    (ref,) = doc001.references
    assert (ref.repository, ref.fond, ref.opis, ref.delo, ref.folios) == (
        "RGASPI",
        "558",
        "11",
        "98",
        "0102-0105",
    )


def test_001_only_a_translation_and_no_markup(doc001):
    assert [(t.kind, t.language) for t in doc001.texts] == [("translation", "en")]
    body = doc001.texts[0].text
    assert body.startswith("SECRET")
    assert "**" not in body and "#" not in body
    assert "1. As is evident" in body  # list bullets go, list text stays
    assert "Summary" not in body and "Blavatnik" not in body


def test_001_names(doc001):
    stalin = find_name(doc001, "Stalin", "author")
    assert stalin.source == "title"
    assert find_name(doc001, "Molotov", "recipient").source == "title"
    assert find_name(doc001, "Gary Goldberg", "translator").kind == "person"
    assert find_name(doc001, "Sergey Radchenko", "contributor").source == "credits"
    funder = find_name(doc001, "Blavatnik Family Foundation", "funder")
    assert funder.kind == "organization"


# --------------------------------------------------------------------------- seed 002


@pytest.fixture(scope="module")
def doc002() -> ParsedDocument:
    return seed("002")


def test_002_fields(doc002):
    assert doc002.layout == "legacy-citation-first"
    assert doc002.title == (
        "Record of Conversation with the Minister of Foreign Affairs of the DPRK "
        "Comrade Pak Seong-cheol"
    )
    assert doc002.date == datetime.date(1966, 5, 23)
    assert doc002.date_precision == "day"
    assert doc002.summary.startswith("Pak Seong-cheol explains")
    assert doc002.translators == ["Sergey Radchenko"]
    assert doc002.contributors == []
    assert doc002.funders == ["Leon Levy Foundation"]
    assert doc002.document_type == "Record of Conversation"
    assert doc002.classification == "Secret"
    (ref,) = doc002.references
    assert (ref.repository, ref.fond, ref.opis, ref.papka, ref.delo, ref.folios) == (
        "AVPRF",
        "0102",
        "22",
        "107",
        "4",
        "1-5",
    )


def test_002_text_is_a_translation_without_chrome(doc002):
    assert [(t.kind, t.language) for t in doc002.texts] == [("translation", "en")]
    body = doc002.texts[0].text
    for chrome in ("Search in", "get citation", "share document", "English HTML", "•"):
        assert chrome not in body
    assert "Pak Seong-cheol explains" not in body  # the summary is not text
    assert body.startswith("23 May 1966 A. Gromyko")
    assert body.endswith("Correct: [Signature - Putivets]")


def test_002_names(doc002):
    authors = names_with(doc002, "author")
    assert "A.A. Gromyko" in authors  # "From the diary of A.A. Gromyko"
    assert "A. Gromyko" in authors  # the signature
    pak = find_name(doc002, "Pak Seong-cheol", "participant")
    assert pak.source == "title"
    assert "Pak Song Chol" in pak.variants
    participants = names_with(doc002, "participant")
    for person in ("Ri Seung-hyeok", "Gorchakov A.I.", "Sudarikov N.G."):
        assert person in participants
    assert find_name(doc002, "Ri Seung-hyeok").variants == ("Ri Sung Hyok",)
    assert "Putivets" not in [n.name for n in doc002.names]  # only "[Signature - Putivets]"


# --------------------------------------------------------------------------- other layouts

CURRENT = """Search in

Digital Archive International History Declassified

Central Committee Politburo decision on the Korean question

October 25, 1950

This document was made possible with support from the Leon Levy Foundation and \
Blavatnik Family Foundation

Original Scan
Translation - English

To Comrades Bulganin, Molotov, Gromyko.

Excerpt from protocol No. 78 of the meeting of the Politburo CC VKP(b).

To confirm the draft order of MID USSR to Comrade Vyshinsky (attachment 1).

A. GROMYKO

The Politburo confirms directives to Vyshinsky on the use of Japanese servicemen by the \
United States in Korea.

Document Information

"Central Committee Politburo decision on the Korean question", October 25, 1950, Wilson \
Center Digital Archive, AP RF, f. 3, op. 65, d. 827, ll. 141-143; and RGASPI, f. 558, \
op. 11, d. 98, ll. 1-5. Translated by Gary Goldberg.

https://digitalarchive.wilsoncenter.org/document/central-committee-politburo-decision

Source

APRF, f. 3, op. 65, d. 827, ll. 141-143

Original Archive

Language

Russian

Record ID

110699

Original Classification

Top Secret

Author(s)

Central Committee of the Communist Party of the Soviet Union

Subjects

Korean War, 1950-1953
"""


def test_current_layout():
    doc = page(CURRENT)
    assert doc.layout == "current"
    assert doc.title == "Central Committee Politburo decision on the Korean question"
    assert doc.date == datetime.date(1950, 10, 25)
    assert doc.summary.startswith("The Politburo confirms directives")
    assert doc.external_id == "110699"  # from "Record ID": the URL has no number
    assert doc.original_languages == ["ru"]
    assert doc.classification == "Top Secret"
    assert [r.repository for r in doc.references] == ["APRF", "RGASPI"]
    assert doc.references[1].folios == "1-5"
    assert doc.translators == ["Gary Goldberg"]
    assert doc.funders == ["Leon Levy Foundation", "Blavatnik Family Foundation"]
    assert [(t.kind, t.language) for t in doc.texts] == [("translation", "en")]
    body = doc.texts[0].text
    assert body.startswith("To Comrades Bulganin") and body.endswith("A. GROMYKO")
    for outside in ("Document Information", "Record ID", "Korean War", "The Politburo confirms"):
        assert outside not in body
    author = find_name(doc, "Central Committee of the Communist Party of the Soviet Union")
    assert (author.role, author.kind, author.source) == ("author", "organization", "field")
    assert doc.needs_review is False


def test_current_layout_with_inline_labels_and_empty_fields():
    text = CURRENT.replace("Source\n\n", "Source: ").replace("Language\n\nRussian", "Language:")
    doc = page(text)
    assert doc.layout == "current"
    assert doc.original_languages == ["ru"]  # detected nowhere else: the field was empty…
    assert doc.external_id == "110699"


FLAT = (
    'October 25, 1950 Central Committee Politburo decision on Korea Citation: "Central '
    'Committee Politburo decision on Korea", October 25, 1950, Wilson Center Digital Archive, '
    "APRF, Fond 3, Opis 65, Delo 827, Listy 141-143. Obtained for CWIHP by Mark Kramer. "
    "https://digitalarchive.wilsoncenter.org/document/110699 Summary: The Politburo approves "
    "directives on Korea. Original Language: Russian Contents: Original Scan Translation - "
    "English\n"
    "To Comrades Bulganin, Molotov, Gromyko.\n"
    "To confirm the draft order of MID USSR to Comrade Vyshinsky.\n"
    "A. GROMYKO\n"
)


def test_pdf_flat_layout():
    doc = page(FLAT)
    assert doc.layout == "pdf-flat"
    assert doc.title == "Central Committee Politburo decision on Korea"
    assert doc.date == datetime.date(1950, 10, 25)
    assert doc.summary == "The Politburo approves directives on Korea."
    assert doc.original_languages == ["ru"]
    assert doc.external_id == "110699"
    assert doc.contributors == ["Mark Kramer"]
    assert find_name(doc, "Mark Kramer", "contributor").source == "credits"
    (ref,) = doc.references
    assert (ref.repository, ref.fond, ref.folios) == ("APRF", "3", "141-143")
    assert [(t.kind, t.language) for t in doc.texts] == [("translation", "en")]
    assert doc.texts[0].text.startswith("To Comrades Bulganin")
    assert "Original Scan" not in doc.texts[0].text


def test_blank_lines_stripped_mirror():
    original = (SEEDS / "000_dffedfc781ea1ebd.txt").read_text(encoding="utf-8")
    stripped = "\n".join(line for line in original.splitlines() if line.strip())
    doc = page(stripped)
    reference = seed("000")
    for attribute in ("title", "date", "summary", "citation", "external_id", "classification"):
        assert getattr(doc, attribute) == getattr(reference, attribute), attribute
    assert doc.original_languages == ["ru"]
    assert [(r.repository, r.folios) for r in doc.references] == [
        (r.repository, r.folios) for r in reference.references
    ]
    original_text = text_of(doc, "original", "ru")
    translation = text_of(doc, "translation", "en")
    assert "Comrades" not in original_text and not CYRILLIC.search(translation)
    assert "Bulganin" in names_with(doc, "recipient")


def test_page_beginning_with_a_related_documents_summary():
    related = (
        "Kim Il Sung asks Stalin for permission to attack the South and for more "
        "military advisers.\n\n"
    )
    original = (SEEDS / "000_dffedfc781ea1ebd.txt").read_text(encoding="utf-8")
    doc = page(related + original)
    assert doc.title.startswith("Central Committee Politburo decision")
    assert doc.summary.startswith("Memorandum from the VKP(b) CC")
    assert doc.date == datetime.date(1950, 10, 25)
    assert all("Kim Il Sung asks" not in t.text for t in doc.texts)
    assert any("ignored" in w for w in doc.warnings)


def test_collection_blurb_then_title_without_citation():
    text = (
        "This collection features documents on the Korean War from Russian archives.\n\n"
        "March 1950\n\n"
        "Letter from Kim Il Sung to Stalin\n\n"
        "Dear Comrade Stalin!\n\n"
        "We ask you to receive our delegation in Moscow at your convenience.\n\n"
        "Kim Il Sung\n"
    )
    doc = page(text)
    assert doc.title == "Letter from Kim Il Sung to Stalin"
    assert doc.date == datetime.date(1950, 3, 1)
    assert doc.date_precision == "month"
    assert doc.document_type == "Letter"
    assert find_name(doc, "Kim Il Sung", "author").source == "title"
    assert find_name(doc, "Stalin", "recipient").source == "title"
    assert "no citation found" in doc.warnings


def test_page_without_a_date():
    text = (
        "Memorandum on the Korean question\n\n"
        '"Memorandum on the Korean question", Wilson Center Digital Archive, GARF, f. R-5446, '
        "op. 1, d. 20, l. 5. Translation by Vladislav Zubok.\n\n"
        "The situation in Korea demands our attention and a decision of the Council.\n"
    )
    doc = page(text)
    assert doc.title == "Memorandum on the Korean question"
    assert doc.date is None and doc.date_precision is None and doc.date_text is None
    assert "no date found" in doc.warnings
    assert doc.translators == ["Vladislav Zubok"]
    (ref,) = doc.references
    assert (ref.repository, ref.fond, ref.opis, ref.delo, ref.folios) == (
        "GARF",
        "R-5446",
        "1",
        "20",
        "5",
    )


def test_title_in_capitals_is_kept_as_written():
    original = (SEEDS / "000_dffedfc781ea1ebd.txt").read_text(encoding="utf-8")
    title = (
        "Central Committee Politburo decision with approved directives to Foreign Minister "
        "Vyshinsky (at the United Nations in New York) and to Soviet Ambassador in Washington"
    )
    doc = page(original.replace(f"\n{title}\n", f"\n{title.upper()}\n", 1))
    assert doc.title == title.upper()
    assert "title is in capitals" in doc.warnings
    assert doc.date == datetime.date(1950, 10, 25)
    assert len(doc.references) == 3


def test_truncated_page():
    original = (SEEDS / "001_b07270223d59d938.txt").read_text(encoding="utf-8")
    cut = original[: original.index("the implementation of these directives") + 25]
    doc = page(cut)
    assert doc.title == "Telegram via VcH from Stalin to Cde. Molotov"
    assert any("truncated" in w for w in doc.warnings)
    assert doc.needs_review is True


def citation_page(references: str, credits: str = "", language: str = "Russian") -> str:
    return (
        "June 5, 1959\n\nReport on the situation\n\nCitation:\n\n"
        f'"Report on the situation", June 5, 1959, Wilson Center Digital Archive, {references}. '
        f"{credits}\n\nSummary:\n\nA report on the situation.\n\n"
        f"Original Language:\n\n{language}\n\nContents:\n\nTranslation - English\n\n"
        "The situation is calm and the comrades are well.\n"
    )


def test_hungarian_mol_reference():
    doc = page(citation_page("MOL, XIX-J-1-j Korea, 11. doboz, 24/b, 002372/1959", "", "Hungarian"))
    (ref,) = doc.references
    assert ref.repository == "MOL"
    assert ref.repository_name.startswith("Hungarian National Archives")
    assert ref.collection == "XIX-J-1-j Korea"
    assert ref.call_number == "11. doboz, 24/b, 002372/1959"
    assert doc.original_languages == ["hu"]


def test_chinese_prc_fma_reference():
    doc = page(
        citation_page("PRC FMA 106-00021-01, 1-5", "Translated by Charles Kraus.", "Chinese")
    )
    (ref,) = doc.references
    assert (ref.repository, ref.call_number, ref.folios) == ("PRC FMA", "106-00021-01", "1-5")
    assert doc.translators == ["Charles Kraus"]


def test_references_joined_by_semicolon_and():
    doc = page(
        citation_page(
            "AP RF, f. 45, op. 1, d. 346, l. 10; and RGASPI, f. 558, op. 11, d. 98, ll. 2-4, "
            "and AVP RF, copy courtesy of NSA"
        )
    )
    assert [r.repository for r in doc.references] == ["APRF", "RGASPI", "AVPRF"]
    assert doc.references[0].fond == "45" and doc.references[0].folios == "10"
    assert doc.references[1].folios == "2-4"
    assert doc.references[2].is_copy is True
    assert not doc.references[0].is_copy


def test_unknown_archive_keeps_its_leading_words():
    doc = page(citation_page("Jiangsu Provincial Archives 3124-1-45"))
    (ref,) = doc.references
    assert ref.repository == "Jiangsu Provincial Archives"
    assert ref.repository_name is None
    assert ref.call_number == "3124-1-45"


@pytest.mark.parametrize(
    ("credits", "translators", "contributors", "funders"),
    [
        ("Translated for NKIDP by Sergey Radchenko.", ["Sergey Radchenko"], [], []),
        ("Obtained for CWIHP by Mark Kramer.", [], ["Mark Kramer"], []),
        ("English translation by James F. Person.", ["James F. Person"], [], []),
        ("Original translation by Gary Goldberg.", ["Gary Goldberg"], [], []),
        (
            "Contributed by Sergey Radchenko and translated by Gary Goldberg.",
            ["Gary Goldberg"],
            ["Sergey Radchenko"],
            [],
        ),
        (
            "This document was made possible with support from the Leon Levy Foundation and "
            "Blavatnik Family Foundation.",
            [],
            [],
            ["Leon Levy Foundation", "Blavatnik Family Foundation"],
        ),
        (
            "This document was made possible with support from the MacArthur Foundation, the "
            "Korea Foundation, and the Bill and Melinda Gates Foundation.",
            [],
            [],
            ["MacArthur Foundation", "Korea Foundation", "Bill and Melinda Gates Foundation"],
        ),
    ],
)
def test_credits(credits, translators, contributors, funders):
    doc = page(citation_page("RGANI, f. 5, op. 30, d. 3, l. 1", credits))
    assert doc.translators == translators
    assert doc.contributors == contributors
    assert doc.funders == funders
    for funder in funders:
        assert find_name(doc, funder, "funder").kind == "organization"


def test_lowercase_translation_by_in_a_credits_field():
    text = citation_page("RGANI, f. 5, op. 30, d. 3, l. 1").replace(
        "Summary:", "Credits:\n\ntranslation by Vladislav Zubok\n\nSummary:"
    )
    doc = page(text)
    assert doc.translators == ["Vladislav Zubok"]


CHINESE = """June 5, 1956

Cable from the Chinese Embassy in the DPRK to the Foreign Ministry

Citation:

"Cable from the Chinese Embassy in the DPRK to the Foreign Ministry", June 5, 1956, Wilson \
Center Digital Archive, PRC FMA 106-00021-01, 1-5. Translated by Charles Kraus.

Summary:

The Chinese Embassy reports on the Korean Workers' Party plenum.

Original Language:

Chinese

Contents:

Original Scan
Transcript - Chinese
Translation - English

绝密

外交部：

朝鲜劳动党中央全会于六月一日至三日举行，会议讨论了经济问题和党的建设问题。

代表团认为会议的气氛是好的，朝鲜同志对中国的援助表示感谢。

中国驻朝鲜大使馆

一九五六年六月五日

Top Secret

Foreign Ministry:

The plenum of the Central Committee of the Korean Workers' Party was held from 1 to 3 \
June, and the meeting discussed economic questions and questions of party building.

The delegation believes that the atmosphere of the meeting was good, and the Korean \
comrades expressed their thanks for China's aid.

Chinese Embassy in the DPRK

5 June 1956
"""


def test_chinese_original_with_english_translation():
    doc = page(CHINESE)
    assert doc.layout == "legacy-labelled"
    assert doc.original_languages == ["zh"]
    assert [(t.kind, t.language) for t in doc.texts] == [
        ("original", "zh"),
        ("translation", "en"),
    ]
    original = text_of(doc, "original", "zh")
    translation = text_of(doc, "translation", "en")
    assert "外交部" in original and "Foreign Ministry" not in original
    assert "Foreign Ministry:" in translation and "外交部" not in translation
    assert doc.classification == "Top Secret"
    assert doc.document_type == "Cable"
    embassy = find_name(doc, "Chinese Embassy in the DPRK", "author")
    assert embassy.kind == "organization" and embassy.source == "title"
    assert find_name(doc, "Foreign Ministry", "recipient").kind == "organization"


KOREAN = """August 1, 1966

Letter from Kim Il Sung to Brezhnev

Citation:

"Letter from Kim Il Sung to Brezhnev", August 1, 1966, Wilson Center Digital Archive, \
AVPRF, f. 0102, op. 22, p. 107, d. 4, l. 10. Translated by James Person.

Summary:

Kim Il Sung thanks Brezhnev for the economic aid.

Original Language:

Korean

Contents:

Transcript - Korean
Translation - English

존경하는 브레즈네프 동지!

우리는 소련 인민이 우리 나라에 준 경제 원조에 대하여 깊은 감사를 드립니다.

김일성

Dear Comrade Brezhnev!

We express our deep gratitude for the economic aid the Soviet people gave our country.

Kim Il Sung
"""


def test_korean_original_with_english_translation():
    doc = page(KOREAN)
    assert doc.original_languages == ["ko"]
    assert [(t.kind, t.language) for t in doc.texts] == [
        ("original", "ko"),
        ("translation", "en"),
    ]
    assert "김일성" in text_of(doc, "original", "ko")
    assert "Dear Comrade Brezhnev" in text_of(doc, "translation", "en")
    assert find_name(doc, "Kim Il Sung", "author").source == "title"
    brezhnev = [n for n in doc.names if n.name == "Brezhnev" and n.role == "recipient"]
    assert brezhnev  # title and salutation agree
    assert doc.translators == ["James Person"]


HUNGARIAN = """October 3, 1959

Report on the situation in Korea

Citation:

"Report on the situation in Korea", October 3, 1959, Wilson Center Digital Archive, MOL, \
XIX-J-1-j Korea, 11. doboz, 24/b, 002372/1959. Translated by Balazs Szalontai.

Original Language:

Hungarian

Contents:

Original Scan
Transcript - Hungarian
Translation - English

Szigorúan titkos!

A koreai elvtársak szerint a helyzet nem változott, és a gazdasági tervet már teljesítették.

A nagykövetség véleménye az, hogy a vezetés egysége erős, de a lakosság ellátása nehéz.

Top Secret!

According to the Korean comrades the situation has not changed, and the economic plan \
was already fulfilled.

The opinion of the embassy is that the unity of the leadership is strong, but the supply \
of the population is difficult.
"""


def test_hungarian_original_with_english_translation():
    doc = page(HUNGARIAN)
    assert doc.original_languages == ["hu"]
    assert [(t.kind, t.language) for t in doc.texts] == [
        ("original", "hu"),
        ("translation", "en"),
    ]
    assert "elvtársak" in text_of(doc, "original", "hu")
    assert "elvtársak" not in text_of(doc, "translation", "en")
    assert doc.classification == "Top Secret"
    assert doc.references[0].repository == "MOL"


def test_german_original_detected_without_a_language_field():
    text = (
        "May 2, 1961\n\nMemorandum on the talks in Pyongyang\n\n"
        "Vertraulich\n\n"
        "Die Delegation wurde von dem Genossen Kim Il Sung empfangen und es wurde über die "
        "Lage in der Republik gesprochen.\n\n"
        "Der Botschafter ist der Meinung, dass die Beziehungen mit der DDR gut sind und "
        "auch weiter entwickelt werden.\n\n"
        "Confidential\n\n"
        "The delegation was received by Comrade Kim Il Sung and the situation in the "
        "republic was discussed.\n\n"
        "The ambassador is of the opinion that the relations with the GDR are good and "
        "will be developed further.\n"
    )
    doc = page(text)
    assert doc.original_languages == ["de"]
    assert [(t.kind, t.language) for t in doc.texts] == [
        ("original", "de"),
        ("translation", "en"),
    ]
    assert doc.classification == "Confidential"


def test_english_original():
    text = (
        "April 2, 1962\n\nMemorandum of Conversation with Ambassador Dobrynin\n\n"
        "Citation:\n\n"
        '"Memorandum of Conversation with Ambassador Dobrynin", April 2, 1962, Wilson Center '
        "Digital Archive, NARA, RG 59, Box 12.\n\n"
        "Original Language:\n\nEnglish\n\n"
        "CONFIDENTIAL\n\nThe Secretary met with the Ambassador at his request.\n"
    )
    doc = page(text)
    assert doc.original_languages == ["en"]
    assert [(t.kind, t.language) for t in doc.texts] == [("original", "en")]
    assert doc.document_type == "Record of Conversation"
    assert find_name(doc, "Dobrynin", "participant").source == "title"
    assert doc.classification == "Confidential"
    assert doc.references[0].repository == "NARA"
    assert doc.references[0].call_number == "RG 59, Box 12"


def test_mongolian_cyrillic_original():
    text = (
        "March 3, 1962\n\nTranscript of the meeting\n\n"
        "Original Language:\n\nMongolian\n\n"
        "Монгол Ардын Хувьсгалт Намын Төв Хорооны хурал болов.\n\n"
        "The meeting of the Central Committee of the Mongolian People's Revolutionary Party "
        "took place.\n"
    )
    doc = page(text)
    assert doc.original_languages == ["mn"]
    assert [(t.kind, t.language) for t in doc.texts] == [
        ("original", "mn"),
        ("translation", "en"),
    ]


@pytest.mark.parametrize(
    ("written", "expected", "precision"),
    [
        ("October 25, 1950", datetime.date(1950, 10, 25), "day"),
        ("25 October 1950", datetime.date(1950, 10, 25), "day"),
        ("1950-10-25", datetime.date(1950, 10, 25), "day"),
        ("October 1950", datetime.date(1950, 10, 1), "month"),
        ("1950", datetime.date(1950, 1, 1), "year"),
        ("ca. 1950", datetime.date(1950, 1, 1), "year"),
        ("19 50", datetime.date(1950, 1, 1), "year"),
        ("25 October 19 50", datetime.date(1950, 10, 25), "day"),
        ("Oct. 25-26, 1950", datetime.date(1950, 10, 25), "day"),
    ],
)
def test_header_dates(written, expected, precision):
    doc = page(f"{written}\n\nNote on Korea\n\nThe comrades met and agreed on the plan.\n")
    assert (doc.date, doc.date_precision, doc.date_text) == (expected, precision, written)


def test_header_date_wins_over_citation_date():
    text = (
        "October 25, 1950\n\nNote on Korea\n\n"
        '"Note on Korea", October 1950, Wilson Center Digital Archive, RGANI, f. 5.\n\n'
        "The comrades met and agreed on the plan.\n"
    )
    doc = page(text)
    assert (doc.date, doc.date_precision) == (datetime.date(1950, 10, 25), "day")


def test_citation_date_when_the_header_has_none():
    text = (
        "Note on Korea\n\n"
        '"Note on Korea", October 1950, Wilson Center Digital Archive, RGANI, f. 5.\n\n'
        "The comrades met and agreed on the plan.\n"
    )
    doc = page(text)
    assert (doc.date, doc.date_precision, doc.date_text) == (
        datetime.date(1950, 10, 1),
        "month",
        "October 1950",
    )


def test_participants_and_addressee_in_russian():
    text = (
        "April 9, 1966\n\nЗапись беседы\n\n"
        "Original Language:\n\nRussian\n\n"
        "Т. т. Брежневу, Косыгину.\n\n"
        "Принял министра иностранных дел КНДР тов. Пак Сен Чера.\n\n"
        "При беседе присутствовал Пузанов А.М.\n\n"
        "А. ГРОМЫКО\n"
    )
    doc = page(text)
    assert "Брежневу" in names_with(doc, "recipient")
    assert "Косыгину" in names_with(doc, "recipient")
    assert "Пузанов А.М." in names_with(doc, "participant")
    assert "А. ГРОМЫКО" in names_with(doc, "author")


def test_parse_is_fast_enough():
    import time

    data = (SEEDS / "002_ad773c37738b5aa8.txt").read_bytes()
    parse(data, "warm-up")
    start = time.perf_counter()
    for _ in range(20):
        parse(data, "timed")
    per_page = (time.perf_counter() - start) / 20
    assert per_page < 0.05  # ~4 ms on a developer machine; generous for slow CI


def test_title_variants_places_and_comma_form():
    doc = page("1950\n\nTelegram from Mao Zedong to Filippov [Stalin]\n\nWe agree.\n")
    filippov = find_name(doc, "Filippov", "recipient")
    assert filippov.variants == ("Stalin",)
    assert find_name(doc, "Mao Zedong", "author").kind == "person"
    doc = page("1950\n\nTelegram from Pyongyang to Moscow\n\nWe agree with the plan.\n")
    assert doc.names == []
    doc = page("1950\n\nCiphered Telegram, Shtykov to Vyshinsky\n\nWe agree with the plan.\n")
    assert names_with(doc, "author") == ["Shtykov"]
    assert names_with(doc, "recipient") == ["Vyshinsky"]
    assert doc.document_type == "Telegram"


def test_conversation_title_with_positions():
    doc = page(
        "March 31, 1956\n\nRecord of Conversation between Comrade Mao Zedong and Ambassador "
        "Yudin, 31 March 1956\n\nThe conversation lasted two hours.\n"
    )
    assert sorted(names_with(doc, "participant")) == ["Mao Zedong", "Yudin"]


def test_diary_heading_with_positions_and_in_russian():
    doc = page(
        "March 12, 1960\n\nFrom the Diary of Soviet Ambassador to the DPRK V.A. Puzanov for 12 "
        "March 1960\n\nI received Comrade Kim Il Sung.\n"
    )
    assert "V.A. Puzanov" in names_with(doc, "author")
    doc = page(
        "1960\n\nЗапись\n\nOriginal Language:\n\nRussian\n\nИз дневника\n\nА.А. Громыко "
        "Секретно\n\nПринял посла КНДР.\n"
    )
    assert "А.А. Громыко" in names_with(doc, "author")


def test_section_headings_are_not_signatures():
    doc = page(
        "1962\n\nReport on the talks\n\nI. Introduction\n\n"
        + "The talks took place in a friendly atmosphere and covered many questions. " * 3
        + "\n\nV. Conclusion\n\n"
        + "Both sides agreed to continue the exchange of views at the next meeting. " * 3
        + "\n\nA. Smirnov\n"
    )
    assert names_with(doc, "author") == ["A. Smirnov"]


def test_cable_paragraph_labels_stay_in_the_body():
    text = citation_page("NARA, RG 59, Box 12", language="English").replace(
        "The situation is calm",
        "SUMMARY: The Soviets are preparing a new proposal.\n\nSUBJECT: Talks\n\nThe situation "
        "is calm",
    )
    doc = page(text)
    assert doc.summary == "A report on the situation."
    assert "SUMMARY: The Soviets" in doc.texts[0].text
    assert doc.texts[0].text.startswith("SUMMARY:")


def test_summary_in_two_paragraphs():
    text = citation_page("RGANI, f. 5, op. 30, d. 3, l. 1").replace(
        "A report on the situation.",
        "A report on the situation.\n\nIt also covers the harvest.",
    )
    doc = page(text)
    assert doc.summary == "A report on the situation. It also covers the harvest."
    assert doc.texts[0].text.startswith("The situation is calm")


def test_footer_people_field_kinds():
    text = CURRENT.replace(
        "Subjects\n",
        "Associated People & Organizations\n\nStalin, Joseph, 1879-1953\n\nSoviet Union. "
        "Ministerstvo inostrannykh del\n\nSubjects\n",
    )
    doc = page(text)
    stalin = find_name(doc, "Stalin, Joseph", "mentioned")
    assert (stalin.kind, stalin.source) == ("person", "field")
    ministry = find_name(doc, "Soviet Union. Ministerstvo inostrannykh del", "mentioned")
    assert ministry.kind == "organization"


def test_repository_table_and_aliases():
    from catalogue.importer.references import ALIASES, REPOSITORIES, repository_code

    assert len(REPOSITORIES) >= 25
    assert all(len(code) <= 40 and len(country) == 2 for code, (_, country) in REPOSITORIES.items())
    assert all(code in REPOSITORIES for code in ALIASES.values())
    for written, code in [
        ("AP RF", "APRF"),
        ("Archive of the President of the Russian Federation", "APRF"),
        ("AVP RF", "AVPRF"),
        ("Library of Congress", "LOC"),
        ("MNL OL", "MOL"),
        ("SAPMO-BArch", "SAPMO"),
        ("National Security Archive", "NSA"),
        ("Archiwum Akt Nowych (AAN)", "AAN"),
        ("Some Provincial Archive", None),
    ]:
        assert repository_code(written) == code, written


def test_references_joined_by_plain_and():
    doc = page(citation_page("SAPMO-BArch, DY 30/3386 and PA AA, MfAA, A 7137", "", "German"))
    sapmo, paaa = doc.references
    assert (sapmo.repository, sapmo.call_number) == ("SAPMO", "DY 30/3386")
    assert (paaa.repository, paaa.collection, paaa.call_number) == ("PA AA", "MfAA", "A 7137")
    assert doc.original_languages == ["de"]


def test_citation_without_quotes_or_date():
    text = (
        "Note on Korea\n\nCitation:\n\n"
        "Note on Korea, Wilson Center Digital Archive, RGANI, fond 5, opis 30, delo 3.\n\n"
        "The comrades met and agreed on the plan.\n"
    )
    doc = page(text)
    assert doc.title == "Note on Korea"
    assert doc.date is None
    (ref,) = doc.references
    assert (ref.repository, ref.fond, ref.opis, ref.delo) == ("RGANI", "5", "30", "3")
