"""Cite this: Chicago text, RIS, BibTeX and CSL-JSON downloads, citation_* meta tags, JSON-LD."""

from __future__ import annotations

import csv
import datetime
import html
import io
import json
import re

import pytest

from catalogue.citations import bibtex_escape, one_line
from catalogue.models import DocumentPerson, Repository
from tests.conftest import make_document, make_person
from tests.public_corpus import XSS, add_reference, add_text, build_corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    return build_corpus()


def test_chicago_citation_names_title_date_references_archive_publisher_and_url(client, corpus):
    page = client.get(corpus.politburo.get_absolute_url()).content.decode()
    citation = page.split('<textarea id="citation-text" readonly rows="4">')[1].split(
        "</textarea>"
    )[0]
    assert citation == (
        "“Central Committee Politburo decision with approved directives to Vyshinsky,” "
        "October 25, 1950, APRF, f. 3, op. 65, d. 827, ll. 141–143, Archive of the "
        "President of the Russian Federation. Wilson Center Digital Archive, "
        f"http://testserver{corpus.politburo.get_absolute_url()}."
    )


def test_ris_download_loads_into_zotero_as_a_manuscript(client, corpus):
    response = client.get(f"/documents/{corpus.politburo.pk}.ris")
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="document-{corpus.politburo.pk}.ris"'
    )
    lines = response.content.decode().split("\r\n")
    assert lines[0] == "TY  - MANSCPT"
    assert lines[-2:] == ["ER  - ", ""]
    fields = {}
    for line in lines[:-2]:
        tag, _, value = line.partition("  - ")
        fields.setdefault(tag, []).append(value)
    assert fields["TI"] == [corpus.politburo.title]
    assert fields["AU"] == ["Gromyko, Andrei"]
    assert fields["DA"] == ["1950/10/25/"] and fields["PY"] == ["1950"]
    assert fields["AN"] == ["APRF, f. 3, op. 65, d. 827, ll. 141–143"]
    assert fields["DB"] == ["Archive of the President of the Russian Federation"]
    assert fields["LA"] == ["ru"]
    assert fields["UR"] == [f"http://testserver{corpus.politburo.get_absolute_url()}"]


def test_dates_keep_their_precision_in_every_format(client, corpus):
    ris = client.get(f"/documents/{corpus.telegram.pk}.ris").content.decode()
    assert "DA  - 1945/11//" in ris
    csl = json.loads(client.get(f"/documents/{corpus.conversation.pk}.csl.json").content)
    assert csl[0]["issued"] == {"date-parts": [[1966]]}
    bib = client.get(f"/documents/{corpus.telegram.pk}.bib").content.decode()
    assert "year = {1945}" in bib and "month = {11}" in bib and "date = {1945-11}" in bib
    page = client.get(corpus.telegram.get_absolute_url()).content.decode()
    assert '<meta name="citation_date" content="1945/11">' in page


def test_bibtex_has_a_stable_key_and_escapes_tex(client, corpus):
    response = client.get(f"/documents/{corpus.politburo.pk}.bib")
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert 'filename="document-' in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith(f"@unpublished{{catalogue-{corpus.politburo.pk},\n")
    assert "author = {Gromyko, Andrei}" in text
    assert bibtex_escape("50% & $5 {x}_#") == (
        r"50\% \& \$5 \textbraceleft{}x\textbraceright{}\_\#"
    )


def _braces_balance(text: str) -> bool:
    # BibTeX counts braces whatever precedes them, a backslash included.
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize(
    "title", ["A lone { brace", "A lone } brace", "}{ reversed", "Письмо {о Корее", "ends with \\"]
)
def test_bibtex_stays_balanced_with_a_lone_brace_in_the_title_or_summary(client, title):
    document = make_document(title=title, summary=f"summary {title}")
    text = client.get(f"/documents/{document.pk}.bib").content.decode()
    assert _braces_balance(text), text
    assert text.count("\n}\n") == 1 and text.endswith("\n}\n")
    try:
        from pybtex.database import parse_string
    except ImportError:  # not a dependency: the balance above is what BibTeX needs
        return
    entry = parse_string(text, "bibtex").entries[f"catalogue-{document.pk}"]
    assert "brace" in entry.fields["title"] or "Корее" in entry.fields["title"]


def test_csl_json_is_a_manuscript_with_archive_and_location(client, corpus):
    response = client.get(f"/documents/{corpus.politburo.pk}.csl.json")
    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    (item,) = json.loads(response.content)
    assert item["type"] == "manuscript"
    assert item["author"] == [{"family": "Gromyko", "given": "Andrei"}]
    assert item["issued"] == {"date-parts": [[1950, 10, 25]]}
    assert item["archive"] == "Archive of the President of the Russian Federation"
    assert item["archive_location"] == "APRF, f. 3, op. 65, d. 827, ll. 141–143"
    assert item["language"] == "ru" and item["URL"].endswith(corpus.politburo.get_absolute_url())


def test_meta_tags_let_zoteros_embedded_metadata_translator_save_the_page(client, corpus):
    page = client.get(corpus.politburo.get_absolute_url()).content.decode()
    tags = dict(re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)">', page))
    assert tags["citation_title"] == corpus.politburo.title
    assert tags["citation_author"] == "Gromyko, Andrei"
    assert tags["citation_date"] == "1950/10/25"
    assert tags["citation_publisher"] == "Wilson Center Digital Archive"
    assert tags["citation_archive_location"] == "APRF, f. 3, op. 65, d. 827, ll. 141–143"
    assert tags["citation_language"] == "ru"
    assert tags["citation_public_url"].endswith(corpus.politburo.get_absolute_url())


def test_json_ld_describes_an_archive_component_held_by_an_archive(client, corpus):
    page = client.get(corpus.politburo.get_absolute_url()).content.decode()
    ld = json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0])
    assert ld["@type"] == "ArchiveComponent"
    assert ld["holdingArchive"] == {
        "@type": "ArchiveOrganization",
        "name": "Archive of the President of the Russian Federation",
        "alternateName": "APRF",
    }
    assert ld["dateCreated"] == "1950-10-25" and ld["inLanguage"] == "ru"
    assert ld["author"] == [{"@type": "Person", "name": "Andrei Gromyko"}]


def test_plain_text_formats_keep_hostile_text_on_one_line(client):
    document = make_document(title=f"Evil\nER  - \nTY  - JOUR {XSS}", summary="a\r\nb")
    ris = client.get(f"/documents/{document.pk}.ris").content.decode()
    assert ris.count("ER  - ") == 1 and ris.count("TY  - ") == 1
    assert f"TI  - Evil ER - TY - JOUR {XSS}" in ris  # plain text: nothing to escape but lines
    bib = client.get(f"/documents/{document.pk}.bib").content.decode()
    assert "\nER" not in bib and r"\{" not in bib.split("title = ")[0]
    assert one_line("a\x00b\n\tc") == "a b c"


def test_the_canonical_link_is_the_documents_own_url_without_the_query_string(client, corpus):
    url = corpus.politburo.get_absolute_url()
    page = client.get(url, {"utm_source": "x", "q": "Korea"}).content.decode()
    assert f'<link rel="canonical" href="http://testserver{url}">' in page


def _authored_by(*people):
    document = make_document(title="Memorandum on the trusteeship")
    for person in people:
        DocumentPerson.objects.create(document=document, person=person, role="author")
    return document


def _ris_authors(client, document) -> list[str]:
    ris = client.get(f"/documents/{document.pk}.ris").content.decode()
    return [line.split("  - ", 1)[1] for line in ris.split("\r\n") if line.startswith("AU  - ")]


def test_a_name_suffix_is_kept_in_every_format_so_father_and_son_stay_apart(client):
    son = make_person("Edward Stettinius Jr.", sort_name="Stettinius, Edward")
    father = make_person("Edward R. Stettinius Sr", sort_name="Stettinius, Edward R.")
    document = _authored_by(son, father)
    assert _ris_authors(client, document) == [
        "Stettinius, Edward, Jr.",
        "Stettinius, Edward R., Sr.",
    ]
    bib = client.get(f"/documents/{document.pk}.bib").content.decode()
    assert "author = {Stettinius, Jr., Edward and Stettinius, Sr., Edward R.}" in bib
    (item,) = json.loads(client.get(f"/documents/{document.pk}.csl.json").content)
    assert item["author"] == [
        {"family": "Stettinius", "given": "Edward", "suffix": "Jr."},
        {"family": "Stettinius", "given": "Edward R.", "suffix": "Sr."},
    ]
    page = client.get(document.get_absolute_url()).content.decode()
    authors = re.findall(r'<meta name="citation_author" content="([^"]*)">', page)
    assert authors == ["Stettinius, Edward, Jr.", "Stettinius, Edward R., Sr."]


@pytest.mark.parametrize(
    ("name", "sort_name", "ris"),
    [
        # The model's own sort name takes the display name's last word: "Jr., Edward Stettinius".
        ("Edward Stettinius Jr.", "", "Stettinius, Edward, Jr."),
        ("Edward Stettinius Jr.", "Stettinius, Edward, Jr.", "Stettinius, Edward, Jr."),
        ("John Smith III", "Smith, John", "Smith, John, III"),
        ("Andrei Gromyko", "Gromyko, Andrei", "Gromyko, Andrei"),
        ("Louis IV", "", "Louis IV"),
        ("Андрей Громыко", "Громыко, Андрей", "Громыко, Андрей"),
    ],
)
def test_a_suffix_is_read_from_the_display_name_whatever_the_sort_name(
    client, name, sort_name, ris
):
    document = _authored_by(make_person(name, sort_name=sort_name))
    assert _ris_authors(client, document) == [ris]


def _json_ld(client, document) -> dict:
    page = client.get(document.get_absolute_url()).content.decode()
    return json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0])


def test_json_ld_names_translators_and_contributors_by_their_roles_and_mentions_once(
    client, django_assert_num_queries
):
    document = make_document(title="Memorandum of conversation")
    author, recipient, named = (make_person(n) for n in ("Andrei Gromyko", "Kim Il Sung", "Pak"))
    translator, contributor, text_only = (
        make_person(n) for n in ("Gary Goldberg", "Sergey Radchenko", "Kathryn Weathersby")
    )
    for person, role in [
        (author, "author"),
        (author, "recipient"),  # the author, not mentioned as well
        (recipient, "recipient"),
        (recipient, "mentioned"),  # one person in two roles: mentioned once
        (named, "participant"),
        (translator, "translator"),
        (contributor, "contributor"),
    ]:
        DocumentPerson.objects.create(document=document, person=person, role=role)
    add_text(document, "translation", "en", "Text").translators.add(translator, text_only)
    add_text(document, "original", "ru", "Текст", position=1)

    with django_assert_num_queries(1):  # the document page's one statement
        ld = _json_ld(client, document)

    person = lambda name: {"@type": "Person", "name": name}  # noqa: E731
    assert ld["author"] == [person("Andrei Gromyko")]
    assert ld["translator"] == [person("Gary Goldberg"), person("Kathryn Weathersby")]
    assert ld["contributor"] == [person("Sergey Radchenko")]
    assert ld["mentions"] == [person("Kim Il Sung"), person("Pak")]


def test_json_ld_leaves_out_roles_nobody_has(client):
    ld = _json_ld(client, make_document(title="Unsigned note"))
    assert not {"author", "translator", "contributor", "mentions"} & set(ld)


# --------------------------------------------------------------------------- references


def _chicago(client, document) -> str:
    page = client.get(document.get_absolute_url()).content.decode()
    return html.unescape(
        page.split('<textarea id="citation-text" readonly rows="4">')[1].split("</textarea>")[0]
    )


def _every_location(client, document) -> dict[str, str]:
    """The archival references as each format gives them."""
    page = html.unescape(client.get(document.get_absolute_url()).content.decode())
    ris = client.get(f"/documents/{document.pk}.ris").content.decode()
    bib = client.get(f"/documents/{document.pk}.bib").content.decode()
    (csl,) = json.loads(client.get(f"/documents/{document.pk}.csl.json").content)
    rows = csv.DictReader(io.StringIO(client.get("/documents.csv").content.decode()))
    return {
        "chicago": _chicago(client, document),
        "ris": re.search(r"^AN  - (.*)\r$", ris, re.MULTILINE).group(1),
        "bibtex": re.search(r"note = \{(.*)\},$", bib, re.MULTILINE).group(1),
        "csl": csl["archive_location"],
        "meta": re.search(r'<meta name="citation_archive_location" content="([^"]*)">', page)[1],
        "json_ld": _json_ld(client, document)["itemLocation"],
        "page": re.search(r'<ul class="references">(.*?)</ul>', page, re.S)[1],
        "csv": next(r for r in rows if r["id"] == str(document.pk))["archival_references"],
    }


def test_references_are_cited_from_their_fields_not_the_ocr_of_the_text_as_written(client):
    rgaspi = Repository.objects.create(
        code="RGASPI", name="Russian State Archive of Socio-Political History"
    )
    document = make_document(title="Telegram via VcH from Stalin to Cde. Molotov")
    # Seed 001 as imported: "II." is the OCR of "ll."; the fields have it right.
    reference = add_reference(
        document,
        rgaspi,
        fond="558",
        opis="11",
        delo="98",
        folios="0102-0105",
        text="RGASPI, f. 558, op. 11, d. 98, II. 0102-0105",
    )
    cited = "RGASPI, f. 558, op. 11, d. 98, ll. 0102–0105"
    for name, location in _every_location(client, document).items():
        assert cited in location and "II." not in location, name

    reference.delo = "99"  # a curator's correction, the text as written left alone
    reference.save()
    for name, location in _every_location(client, document).items():
        assert "RGASPI, f. 558, op. 11, d. 99, ll. 0102–0105" in location, name
        assert "d. 98" not in location, name


@pytest.mark.parametrize(
    ("fields", "cited"),
    [
        ({"fond": "3", "opis": "65", "delo": "827", "folios": "141"}, "APRF, f. 3, op. 65, d. 827, l. 141"),
        ({"fond": "059a", "opis": "5a", "delo": "3", "papka": "11", "folios": "155 - 157"},
         "APRF, f. 059a, op. 5a, p. 11, d. 3, ll. 155–157"),
        ({"fond": "3"}, "APRF, f. 3"),
        ({"collection": "Volkogonov papers", "call_number": "Reel 3", "folios": "12-14"},
         "APRF, pp. 12–14, Volkogonov papers, Reel 3"),
        ({"text": "APRF, Fond 3, Opis 65 {sic}"}, "APRF, Fond 3, Opis 65 {sic}"),  # no fields
        ({}, "APRF"),  # neither fields nor text
    ],
)  # fmt: skip
def test_a_reference_is_cited_from_whatever_fields_it_has(client, corpus, fields, cited):
    document = make_document(title="Memorandum")
    add_reference(document, corpus.aprf, **{"text": "", **fields})
    locations = _every_location(client, document)
    assert locations["ris"] == locations["csl"] == locations["meta"] == cited
    assert locations["csv"] == cited
    assert f": {cited}</li>" in locations["page"]
    assert f" {cited}, Archive of the President of the Russian Federation." in locations["chicago"]


def test_a_reference_with_fields_only_is_shown_whole_on_the_page_and_in_the_csv(client, corpus):
    document = make_document(title="Added by a curator")
    add_reference(document, corpus.aprf, fond="3", opis="65", delo="827", folios="141-143", text="")
    locations = _every_location(client, document)
    shown = re.sub(r"<[^>]+>", "", locations["page"])
    assert shown == (
        "APRF (Archive of the President of the Russian Federation): "
        "APRF, f. 3, op. 65, d. 827, ll. 141–143"
    )
    assert locations["csv"] == "APRF, f. 3, op. 65, d. 827, ll. 141–143"


def test_each_archive_follows_its_own_references_and_a_copy_says_so_once(client, corpus):
    # Seed 000: two archives' references and a copy in a third.
    avprf = Repository.objects.get(code="AVPRF")
    loc = Repository.objects.create(code="LOC", name="Library of Congress")
    document = make_document(title="Central Committee Politburo decision")
    for repository, fields in [
        (loc, {"collection": "Volkogonov papers, 1887-1995", "call_number": "mm97083838",
               "is_copy": True, "text": "Copy available in Library of Congress, Manuscript "
               "Division, Dmitrii Antonovich Volkogonov papers, 1887-1995, mm97083838"}),
        (corpus.aprf, {"fond": "3", "opis": "65", "delo": "827", "folios": "141-143"}),
        (corpus.aprf, {"fond": "3", "opis": "65", "delo": "828", "folios": "1"}),
        (avprf, {"fond": "059a", "opis": "5a", "delo": "3", "papka": "11", "folios": "155-157"}),
    ]:  # fmt: skip
        add_reference(document, repository, **fields)
    locations = _every_location(client, document)
    assert locations["chicago"] == (
        "“Central Committee Politburo decision,” October 25, 1950, "
        "APRF, f. 3, op. 65, d. 827, ll. 141–143; APRF, f. 3, op. 65, d. 828, l. 1, "
        "Archive of the President of the Russian Federation; "
        "AVPRF, f. 059a, op. 5a, p. 11, d. 3, ll. 155–157, "
        "Foreign Policy Archive of the Russian Federation; "
        "copy in LOC, Volkogonov papers, 1887-1995, mm97083838, Library of Congress. "
        f"http://testserver{document.get_absolute_url()}."
    )
    location = (
        "APRF, f. 3, op. 65, d. 827, ll. 141–143; APRF, f. 3, op. 65, d. 828, l. 1; "
        "AVPRF, f. 059a, op. 5a, p. 11, d. 3, ll. 155–157; "
        "copy in LOC, Volkogonov papers, 1887-1995, mm97083838"
    )
    assert locations["ris"] == locations["csl"] == locations["meta"] == location
    assert locations["json_ld"] == location
    # The list keeps the record's order (the copy was entered first); citations put it last.
    copy, _, originals = location.rpartition("; ")[::-1]
    assert locations["csv"] == f"{copy}; {originals}"
    # BibTeX's note: the date and the references with their archives, as in Chicago.
    between_title_and_url = locations["chicago"].split("” ", 1)[1].rsplit(". http", 1)[0]
    assert locations["bibtex"] == between_title_and_url


def test_a_copy_cited_as_written_is_not_called_a_copy_twice(client, corpus):
    loc = Repository.objects.create(code="LOC", name="Library of Congress")
    document = make_document(title="Decision")
    add_reference(document, corpus.aprf, fond="3")
    add_reference(document, loc, is_copy=True, text="Copy available in Library of Congress, Reel 3")
    locations = _every_location(client, document)
    assert locations["ris"] == "APRF, f. 3; Copy available in Library of Congress, Reel 3"
    for location in locations.values():
        assert "copy: " not in location.casefold() and "copy in copy" not in location.casefold()
    assert (
        "Copy available in Library of Congress, Reel 3, Library of Congress."
        in (locations["chicago"])
    )


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("date", "precision", "written", "cited"),
    [
        (datetime.date(1950, 10, 25), "day", "25 октября 1950 г.", "October 25, 1950"),
        (datetime.date(1950, 10, 25), "day", "25 October 19 50", "October 25, 1950"),
        (datetime.date(1950, 10, 1), "month", "октябрь 1950", "October 1950"),
        (datetime.date(1950, 1, 1), "year", "1950 г.", "1950"),
        (datetime.date(1950, 10, 25), "day", "", "October 25, 1950"),
        (None, "", "early 1950s", "early 1950s"),  # no parsed date: as written
        (None, "", "", "n.d."),
    ],
)
def test_the_citation_date_is_the_parsed_date_in_english_to_its_precision(
    client, date, precision, written, cited
):
    document = make_document(title="Note", date=date, date_precision=precision, date_text=written)
    citation = _chicago(client, document)
    assert citation.startswith(f"“Note,” {cited}")
    assert ".." not in citation
    ris = client.get(f"/documents/{document.pk}.ris").content.decode()
    (csl,) = json.loads(client.get(f"/documents/{document.pk}.csl.json").content)
    if written:  # the notes keep the date as the source wrote it
        assert f"N1  - Date as written: {written}\r\n" in ris
        assert csl["note"] == f"Date as written: {written}"
    else:
        assert "Date as written" not in ris and "note" not in csl


def test_an_undated_document_without_references_ends_with_one_period(client):
    document = make_document(title="Note.", date=None, date_precision="", date_text="")
    assert _chicago(client, document) == (
        f"“Note,” n.d. http://testserver{document.get_absolute_url()}."
    )


# --------------------------------------------------------------------------- punctuation


@pytest.mark.parametrize(
    ("title", "quoted"),
    [
        ("Memorandum by Edward Stettinius Jr.", "“Memorandum by Edward Stettinius Jr.,”"),
        ("Letter from A. A. Gromyko to J.", "“Letter from A. A. Gromyko to J.,”"),
        ("Treaty with the U.S.S.R.", "“Treaty with the U.S.S.R.,”"),
        ("Record of Conversation.", "“Record of Conversation,”"),
        ("Why did Stalin die?", "“Why did Stalin die?”"),
        ("Long live the Party!", "“Long live the Party!”"),
        ('On the "Korean question" again', "“On the ‘Korean question’ again,”"),
        ("On the “Korean question”", "“On the ‘Korean question’,”"),
        ('"Hurricane" in Korea', "“‘Hurricane’ in Korea,”"),
        ("Письмо И. В. Сталину о «корейском вопросе»", "“Письмо И. В. Сталину о «корейском вопросе»,”"),
        ("Note {draft} ,", "“Note {draft},”"),
    ],
)  # fmt: skip
def test_chicago_punctuates_the_quoted_title(client, title, quoted):
    document = make_document(title=title)
    assert _chicago(client, document).startswith(f"{quoted} October 25, 1950")


@pytest.mark.parametrize(
    "given",
    [
        '"Title", October 25, 1950, Wilson Center Digital Archive.',
        '"Title", October 25, 1950, Wilson Center Digital Archive',
        '"Title", October 25, 1950, Wilson Center Digital Archive, APRF, Fond 3.',
        '"Title", October 25, 1950, Wilson Center Digital Archive; APRF, Fond 3.',
    ],
)
def test_the_online_publisher_is_read_wherever_the_citation_names_it(client, given):
    document = make_document(title="Title", citation=given)
    assert _chicago(client, document).endswith(
        f". Wilson Center Digital Archive, http://testserver{document.get_absolute_url()}."
    )


def test_the_seed_documents_are_cited_from_their_parsed_references_and_dates(
    client, imported_seeds
):
    from catalogue.models import Document

    Document.objects.update(status="published")
    politburo, telegram = imported_seeds["000"], imported_seeds["001"]
    assert _chicago(client, telegram) == (
        "“Telegram via VcH from Stalin to Cde. Molotov,” November 11, 1945, "
        "RGASPI, f. 558, op. 11, d. 98, ll. 0102–0105, "
        "Russian State Archive of Socio-Political History. "
        f"Wilson Center Digital Archive, http://testserver{telegram.get_absolute_url()}."
    )
    citation = _chicago(client, politburo)
    assert citation.startswith(f"“{politburo.title},” October 25, 1950, ")
    assert citation.endswith(
        ", 1950, APRF, f. 3, op. 65, d. 827, ll. 141–143, "
        "Archive of the President of the Russian Federation; "
        "AVPRF, f. 059a, op. 5a, p. 11, d. 3, ll. 155–157, "
        "Archive of Foreign Policy of the Russian Federation; "
        "copy in LOC, Dmitrii Antonovich Volkogonov papers, 1887-1995, mm97083838, "
        "Library of Congress. "
        f"Wilson Center Digital Archive, http://testserver{politburo.get_absolute_url()}."
    )
