"""Cite this: Chicago text, RIS, BibTeX and CSL-JSON downloads, citation_* meta tags, JSON-LD."""

from __future__ import annotations

import json
import re

import pytest

from catalogue.citations import bibtex_escape, one_line
from catalogue.models import DocumentPerson
from tests.conftest import make_document, make_person
from tests.public_corpus import XSS, add_text, build_corpus

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
        "October 25, 1950, APRF, Fond 3, Opis 65, Delo 827, Listy 141-143, Archive of the "
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
    assert fields["AN"] == ["APRF, Fond 3, Opis 65, Delo 827, Listy 141-143"]
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
    assert item["archive_location"] == "APRF, Fond 3, Opis 65, Delo 827, Listy 141-143"
    assert item["language"] == "ru" and item["URL"].endswith(corpus.politburo.get_absolute_url())


def test_meta_tags_let_zoteros_embedded_metadata_translator_save_the_page(client, corpus):
    page = client.get(corpus.politburo.get_absolute_url()).content.decode()
    tags = dict(re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)">', page))
    assert tags["citation_title"] == corpus.politburo.title
    assert tags["citation_author"] == "Gromyko, Andrei"
    assert tags["citation_date"] == "1950/10/25"
    assert tags["citation_publisher"] == "Wilson Center Digital Archive"
    assert tags["citation_archive_location"].startswith("APRF, Fond 3")
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
