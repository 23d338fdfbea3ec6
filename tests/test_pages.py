"""The public pages: home, a document, people, organizations, archives; redirects,
404/410, escaping of imported text, and query budgets."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import DocumentOrganization, DocumentPerson, Repository, RepositoryRedirect
from people.models import Organization, OrganizationRedirect, PersonRedirect
from tests.conftest import make_document, make_person
from tests.public_corpus import XSS, add_reference, add_text, build_corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    return build_corpus()


def html(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def test_home_shows_what_the_collection_holds(client, corpus):
    page = html(client, "/")
    assert "<strong>3</strong> published documents" in page
    assert "Russian" in page and "English" in page  # by language
    assert "APRF" in page and "RGASPI" in page  # by archive
    assert "1940s" in page and "1960s" in page  # by decade
    assert page.count('class="bars"') == 1  # the year histogram
    assert 'name="q"' in page and "<label" in page  # the search box
    assert corpus.conversation.title in page  # recent additions
    for url in ("/people/", "/organizations/", "/repositories/", "/documents/"):
        assert f'href="{url}"' in page


def test_every_page_has_one_h1_a_language_and_landmarks(client, corpus):
    for url in (
        "/",
        "/documents/",
        corpus.politburo.get_absolute_url(),
        "/people/",
        corpus.gromyko.get_absolute_url(),
        "/organizations/",
        corpus.fec.get_absolute_url(),
        "/repositories/",
        "/repositories/APRF/",
        "/documents/facets/person/",
    ):
        page = html(client, url)
        assert page.count("<h1") == 1, url
        assert '<html lang="en">' in page and "<main" in page and "<nav" in page, url
        for input_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page):
            assert f'for="{input_id}"' in page, (url, input_id)


def test_a_document_page_shows_everything_a_researcher_needs(client, corpus):
    page = html(client, corpus.politburo.get_absolute_url())
    assert corpus.politburo.title in page
    assert "October 25, 1950" in page and "Memorandum" in page and "Top Secret" in page
    assert corpus.politburo.summary in page
    assert "APRF, f. 3, op. 65, d. 827, ll. 141–143" in page  # as the citation gives it
    assert f'href="{corpus.gromyko.get_absolute_url()}"' in page and "author" in page
    assert f'href="{corpus.fec.get_absolute_url()}"' in page
    assert 'class="texts"' in page and 'lang="ru"' in page and 'lang="en"' in page
    assert "Original (Russian)" in page and "Translation (English)" in page
    assert 'href="https://example.org/document/110699"' in page
    assert "Cite this" in page


def test_credits_list_translators_and_funders(client, corpus):
    page = html(client, corpus.telegram.get_absolute_url())
    assert "Translator: " in page and "Gary Goldberg" in page
    assert "Funder: " in page and "Blavatnik Family Foundation" in page


def test_a_wrong_or_missing_slug_redirects_to_the_right_one(client, corpus):
    for url in (
        f"/documents/{corpus.politburo.pk}/wrong-slug/",
        f"/documents/{corpus.politburo.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 301
        assert response["Location"] == corpus.politburo.get_absolute_url()


def test_drafts_are_not_found_and_withdrawn_documents_are_gone(client, corpus):
    for suffix in ("/", ".json", ".ris", ".bib", ".csl.json"):
        assert client.get(f"/documents/{corpus.draft.pk}{suffix}").status_code == 404, suffix
        assert client.get(f"/documents/{corpus.withdrawn.pk}{suffix}").status_code == 410, suffix
    assert client.get("/documents/999999/").status_code == 404


def test_the_record_is_served_as_json(client, corpus):
    record = client.get(f"/documents/{corpus.politburo.pk}.json").json()
    assert record["id"] == corpus.politburo.pk
    assert record["archival_references"][0]["repository"] == "APRF"


def test_imported_text_is_escaped_everywhere(client):
    document = make_document(
        title=f"Evil {XSS}",
        summary=f"Summary {XSS}",
        date_text=f"1950 {XSS}",
        document_type=f"Type {XSS}",
        classification=f"Class {XSS}",
        source_url="https://example.org/a",
    )
    add_text(document, "original", "ru", f"Текст {XSS}")
    add_reference(document, Repository.objects.create(code="XSS", name=f"Archive {XSS}"), text=XSS)
    person = make_person(f"Mr {XSS}", f"Variant {XSS}")
    DocumentPerson.objects.create(document=document, person=person, role="author")
    pages = [
        html(client, document.get_absolute_url()),
        html(client, "/documents/", q="Evil"),
        html(client, "/"),
        html(client, person.get_absolute_url()),
        html(client, "/people/"),
        html(client, "/repositories/XSS/"),
        html(client, "/documents/facets/person/"),
    ]
    for page in pages:
        assert "<script>alert" not in page
        assert "</title>" not in page.split("<title>", 1)[1].split("</title>", 1)[1]
    detail = pages[0]
    assert "&lt;script&gt;" in detail
    # Meta tags: attribute values escaped.
    meta = re.findall(r'<meta name="citation_title" content="([^"]*)">', detail)
    assert meta and "&lt;script&gt;" in meta[0]
    # JSON-LD: no "<" at all inside the script element, and it still parses.
    ld = detail.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in ld
    assert json.loads(ld)["name"] == f"Evil {XSS}"


@pytest.mark.parametrize("kind", ["people", "organizations"])
def test_the_lists_count_published_documents_once_and_ask_as_much_at_any_size(client, corpus, kind):
    def linked(document, name: str, role: str):
        if kind == "people":
            return DocumentPerson.objects.create(
                document=document, person=make_person(name), role=role
            ).person
        return DocumentOrganization.objects.create(
            document=document, organization=Organization.objects.create(name=name), role=role
        ).organization

    # Named only in a draft: not listed. Named twice in one document: counted once.
    linked(corpus.draft, "Zygmunt Hidden", "author")
    twice = linked(corpus.politburo, "Zbigniew Twice", "author")
    if kind == "people":
        DocumentPerson.objects.create(document=corpus.politburo, person=twice, role="mentioned")
        DocumentPerson.objects.create(document=corpus.draft, person=twice, role="mentioned")
    else:
        DocumentOrganization.objects.create(
            document=corpus.politburo, organization=twice, role="mentioned"
        )
        DocumentOrganization.objects.create(
            document=corpus.draft, organization=twice, role="mentioned"
        )
    path = f"/{kind}/"
    page = html(client, path)
    assert "Hidden" not in page
    assert re.search(r"Twice[^<]*</a> <span class=\"count\"[^>]*>1<", page)

    def statements() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, {"letter": "Z"}).status_code == 200
        return len(queries)

    surnames = [f"Z{a}{b}" for a in "abc" for b in "abcdefghijklmnopqrst"]  # Zaa … Zct
    for i, surname in enumerate(surnames):  # more than a page, each in a document of its own
        linked(make_document(title=f"Extra {i}", status="published"), f"Zeno {surname}", "author")
        if i == 0:  # one on the letter's page, then a page and more
            before = statements()
    assert statements() == before
    page = html(client, path, letter="Z")
    assert "Zaa" in page and "Zct" not in page  # 50 to a page
    assert re.search(r"Zaa[^<]*</a> <span class=\"count\"[^>]*>1<", page)


def test_people_list_is_searchable_by_any_variant_with_document_counts(client, corpus):
    page = html(client, "/people/")
    assert "Gromyko, Andrei" in page
    assert re.search(r"Gromyko, Andrei</a> <span class=\"count\"[^>]*>2<", page)
    assert "Gromyko" in html(client, "/people/", q="Громыко")
    assert "Gromyko" in html(client, "/people/", q="A.A. Gromyko")
    assert "Molotov" not in html(client, "/people/", q="Громыко")
    assert "Gromyko" in html(client, "/people/", letter="G")
    assert "Gromyko, Andrei" not in html(client, "/people/", letter="M")


@pytest.mark.parametrize("typed", ["Громыко А.А.", "Gromyko A. A.", "Gromyko, Andrei"])
def test_the_people_list_finds_a_name_written_in_a_lists_order(client, corpus, typed):
    from people.models import PersonName

    PersonName.objects.create(person=corpus.gromyko, name="А.А. Громыко")
    assert "Gromyko, Andrei" in html(client, "/people/", q=typed)
    assert "Molotov" not in html(client, "/people/", q=typed)


def test_a_misspelt_name_finds_the_person_on_postgresql(client, corpus):
    if connection.vendor != "postgresql":
        pytest.skip("trigram similarity is PostgreSQL's (pg_trgm)")
    assert "Gromyko, Andrei" in html(client, "/people/", q="Gromiko")
    assert "Molotov, Vyacheslav" in html(client, "/people/", q="Molotof")


def test_a_persons_page_shows_variants_documents_by_role_and_companions(client, corpus):
    page = html(client, corpus.gromyko.get_absolute_url())
    assert "Громыко" in page and "A.A. Gromyko" in page
    assert '<h3>Author <span class="muted">(2)</span></h3>' in page
    assert corpus.politburo.title in page and corpus.conversation.title in page
    companions = page.split("Often named with")[1]
    assert "Vyacheslav Molotov" in companions and "Pak Heon-yeong" in companions
    assert "Far Eastern Commission" in companions
    assert f"/documents/?person={corpus.gromyko.pk}" in page
    assert corpus.draft.title not in page


def test_organization_and_archive_pages(client, corpus):
    page = html(client, corpus.fec.get_absolute_url())
    assert "Дальневосточная комиссия" in page and corpus.politburo.title in page
    assert "Far Eastern Commission" in html(client, "/organizations/", q="FEC")
    archive = html(client, "/repositories/APRF/")
    assert "Archive of the President of the Russian Federation" in archive
    assert corpus.politburo.title in archive and "/documents/?repository=APRF" in archive
    assert "RGASPI" in html(client, "/repositories/")


def test_an_organizations_page_names_who_and_what_share_its_documents_but_itself(client, corpus):
    ministry = Organization.objects.create(name="Ministry of Foreign Affairs")
    for document in (corpus.politburo, corpus.draft):  # the draft is not public
        DocumentOrganization.objects.create(document=document, organization=ministry, role="author")
    DocumentOrganization.objects.create(
        document=corpus.draft, organization=corpus.fec, role="mentioned"
    )
    page = html(client, corpus.fec.get_absolute_url())
    assert '<h3>Mentioned <span class="muted">(1)</span></h3>' in page
    aside = page.split("Often named with")[1]
    people, organizations = aside.split("<h3>Organizations</h3>")
    assert "Andrei Gromyko" in people and "Vyacheslav Molotov" in people
    assert re.search(r"Ministry of Foreign Affairs</a> <span[^>]*>1</span>", organizations)
    assert "Far Eastern Commission" not in organizations


def test_merged_away_records_redirect_to_the_survivor(client, corpus):
    PersonRedirect.objects.create(old_id=987654, person=corpus.gromyko)
    OrganizationRedirect.objects.create(old_id=987655, organization=corpus.fec)
    RepositoryRedirect.objects.create(old_code="APRF-OLD", repository=corpus.aprf)
    for url, target in (
        ("/people/987654/whoever/", corpus.gromyko.get_absolute_url()),
        ("/people/987654/", corpus.gromyko.get_absolute_url()),
        ("/organizations/987655/x/", corpus.fec.get_absolute_url()),
        ("/repositories/APRF-OLD/", "/repositories/APRF/"),
    ):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (301, target), url
    assert client.get("/people/987600/").status_code == 404
    assert client.get("/repositories/NOPE/").status_code == 404


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_document_page_queries_do_not_grow_with_its_links(client, corpus):
    # One statement (catalogue.one_statement): the document, its references and their
    # archives, texts, translators, people and organizations.
    url = corpus.politburo.get_absolute_url()
    before = _queries(client, url)
    for i in range(10):
        DocumentPerson.objects.create(
            document=corpus.politburo, person=make_person(f"Extra {i}"), role="mentioned"
        )
        add_reference(corpus.politburo, Repository.objects.create(code=f"X{i}"))
        text = add_text(corpus.politburo, "translation", "de", f"Text {i}", position=i + 2)
        text.translators.add(make_person(f"Translator {i}"))
        DocumentOrganization.objects.create(
            document=corpus.politburo,
            organization=Organization.objects.create(name=f"Org {i}"),
            role="mentioned",
        )
    assert _queries(client, url) == before == 1


@pytest.mark.parametrize("sample", [1_000, 4])  # companions over all documents, or a sample
def test_person_and_organization_pages_queries_do_not_grow_with_documents(
    client, corpus, monkeypatch, sample
):
    # The record (1), then people.record_page's two statements: the counts and
    # variants; the first documents of each role and the companions.
    from people import record_page

    monkeypatch.setattr(record_page, "COMPANION_SAMPLE", sample)
    urls = (corpus.gromyko.get_absolute_url(), corpus.fec.get_absolute_url())
    before = [_queries(client, url) for url in urls]
    for i in range(10):
        document = make_document(title=f"More {i}")
        DocumentPerson.objects.create(document=document, person=corpus.gromyko, role="author")
        DocumentPerson.objects.create(
            document=document, person=make_person(f"Co {i}"), role="recipient"
        )
        DocumentOrganization.objects.create(
            document=document, organization=corpus.fec, role="mentioned"
        )
    assert ("Counted in a sample" in html(client, urls[0])) == (sample < 10)
    assert [_queries(client, url) for url in urls] == before == [3, 3]


def test_a_persons_counts_leave_out_unpublished_documents(client, corpus):
    for status in ("draft", "withdrawn"):
        hidden = make_document(title=f"Hidden {status}", status=status)
        DocumentPerson.objects.create(document=hidden, person=corpus.gromyko, role="author")
        DocumentPerson.objects.create(document=hidden, person=corpus.gromyko, role="translator")
    page = html(client, corpus.gromyko.get_absolute_url())
    published = (
        corpus.gromyko.document_links.filter(document__status="published")
        .values("document")
        .distinct()
        .count()
    )
    assert f'Documents <span class="muted">({published})</span>' in page
    assert '<h3>Author <span class="muted">(2)</span></h3>' in page
    assert "<h3>Translator" not in page and "Hidden" not in page


def test_often_named_with_counts_a_sample_of_a_busy_persons_documents(client, corpus, monkeypatch):
    from people import record_page

    page = html(client, corpus.gromyko.get_absolute_url())
    assert "Counted in a sample" not in page  # a few documents: all of them
    monkeypatch.setattr(record_page, "COMPANION_SAMPLE", 4)
    friend, stranger = make_person("Sampled Friend"), make_person("Unsampled Stranger")
    documents = [make_document(title=f"Busy {i}") for i in range(12)]
    for document in documents:
        DocumentPerson.objects.create(document=document, person=corpus.gromyko, role="author")
        # In two roles: one document of the sample, not two.
        DocumentPerson.objects.create(document=document, person=corpus.gromyko, role="recipient")
        DocumentPerson.objects.create(document=document, person=friend, role="mentioned")
    total = corpus.gromyko.document_links.values("document").distinct().count()
    every = -(-total // 4)
    unsampled = next(d for d in documents if d.pk % every)
    DocumentPerson.objects.create(document=unsampled, person=stranger, role="mentioned")
    page = html(client, corpus.gromyko.get_absolute_url())
    aside = page.split("Often named with")[1]
    sampled = corpus.gromyko.document_links.filter(document__status="published")
    size = len({link.document_id for link in sampled if link.document_id % every == 0})
    assert f"one in {every} of the {total} documents, {size} of them" in aside
    in_sample = sum(1 for d in documents if d.pk % every == 0)
    assert in_sample > 0
    assert re.search(rf"Sampled Friend</a> <span[^>]*>{in_sample}</span>", aside)
    assert "Unsampled Stranger" not in aside
    # The documents' list and counts are not sampled.
    assert f'Documents <span class="muted">({total})</span>' in page


# Both ways to find a role's first documents: its few documents sorted (up to
# SORTED_MAX), or the documents walked in date order.
@pytest.mark.parametrize("sorted_max", [5_000, 2])
def test_a_person_in_many_documents_lists_the_first_of_each_role_and_links_to_all(
    client, corpus, monkeypatch, sorted_max
):
    from people import record_page

    monkeypatch.setattr(record_page, "PER_ROLE", 3)
    monkeypatch.setattr(record_page, "SORTED_MAX", sorted_max)
    for i in range(5):
        # Dated in the reverse order of their creation (and ids): date order is not id order.
        document = make_document(title=f"Letter {i}", date=datetime.date(1960, 1, 5 - i))
        DocumentPerson.objects.create(document=document, person=corpus.gromyko, role="recipient")
    # A second role over the limit, its documents earlier than the first's: each role
    # has its own first three, not the three earliest of all.
    for i in range(4):
        document = make_document(title=f"Minute {i}", date=datetime.date(1950, 1, 1 + i))
        DocumentPerson.objects.create(document=document, person=corpus.gromyko, role="translator")
    page = client.get(corpus.gromyko.get_absolute_url()).content.decode()
    recipient = page.split("<h3>Recipient")[1].split("<h3>")[0]
    assert "(5)" in recipient
    assert [f"Letter {i}" in recipient for i in range(5)] == [False, False, True, True, True]
    assert recipient.index("Letter 4") < recipient.index("Letter 3") < recipient.index("Letter 2")
    assert "Minute" not in recipient
    translator = page.split("<h3>Translator")[1].split("</ul>")[0]
    assert "(4)" in translator
    assert [f"Minute {i}" in translator for i in range(4)] == [True, True, True, False]
    assert "Letter" not in translator
    assert f"?person={corpus.gromyko.pk}&amp;sort=date" in recipient
    total = corpus.gromyko.document_links.values("document").distinct().count()
    assert f"All {total} documents in the search" in recipient


def test_archives_count_their_published_documents_once_each(client, corpus):
    def count(page: str, code: str) -> str | None:
        found = re.search(rf">{code}</a>.*?<span class=\"count\">(\d+)<", page)
        return found and found.group(1)

    published_aprf = int(count(html(client, "/repositories/"), "APRF"))
    # Cited twice by one document, once by a draft, and an archive only a draft cites.
    add_reference(corpus.telegram, corpus.aprf, fond="1")
    add_reference(corpus.telegram, corpus.aprf, fond="2")
    add_reference(corpus.draft, corpus.aprf)
    drafts_only = Repository.objects.create(code="ZZDRAFT", name="Drafts only")
    add_reference(corpus.draft, drafts_only)
    listing, home = html(client, "/repositories/"), html(client, "/")
    assert count(listing, "APRF") == count(home, "APRF") == str(published_aprf + 1)
    assert count(listing, "ZZDRAFT") == "0"  # listed, with nothing to show
    assert "ZZDRAFT" not in home


def test_the_home_page_shows_the_newest_published_documents_first(client, corpus):
    newest = [make_document(title=f"Newest {i}", status="published") for i in range(3)]
    make_document(title="Newest draft", status="draft")
    page = html(client, "/")
    places = [page.index(document.title) for document in reversed(newest)]
    assert places == sorted(places) and "Newest draft" not in page


def test_list_pages_queries_do_not_grow(client, corpus):
    urls = ("/", "/people/", "/organizations/", "/repositories/", "/repositories/APRF/")
    before = [_queries(client, url) for url in urls]
    for i in range(10):
        document = make_document(title=f"More {i}")
        add_reference(document, corpus.aprf)
        DocumentPerson.objects.create(
            document=document, person=make_person(f"Co {i}"), role="recipient"
        )
    assert [_queries(client, url) for url in urls] == before


HEAVY_COLUMNS = ('"search_vector"', '"imported_values"', '"import_conflicts"')


def _columns_sent(sql: str) -> str:
    """A query's select list, less the ranking (which reads the vector in the database)."""
    select = sql.split(" FROM ", 1)[0]
    while "ts_rank(" in select:
        start = select.index("ts_rank(")
        select = select[:start] + select[select.index(' AS "', start) :]
    return select


def test_no_page_fetches_the_search_vector_or_the_importers_working_fields(client, corpus):
    # Most of a row (a document's texts again, twice): a search's 20 results were
    # 1.7 MB to transfer and parse with them.
    pages = [
        "/",
        "/documents/",
        "/documents/?q=Korea",
        "/documents/?q=Gromyko&sort=date",
        "/documents.json?q=Korea",
        corpus.politburo.get_absolute_url(),
        f"/documents/{corpus.politburo.pk}.json",
        corpus.gromyko.get_absolute_url(),
        corpus.fec.get_absolute_url(),
        "/repositories/APRF/",
    ]
    for url in pages:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        for query in captured.captured_queries:
            sent = _columns_sent(query["sql"])
            assert not [c for c in HEAVY_COLUMNS if c in sent], (url, sent[-300:])


def test_an_archive_cited_twice_by_a_document_lists_it_once(client, corpus):
    add_reference(corpus.politburo, corpus.aprf, fond="4", text="APRF, Fond 4 (a copy)")
    page = html(client, "/repositories/APRF/")
    assert page.count(corpus.politburo.get_absolute_url()) == 1
    assert "1 published document cites this archive" in page


def test_the_pages_role_labels_are_the_models_display_values():
    from catalogue.views import ROLE_LABELS

    for model in (DocumentPerson, DocumentOrganization):
        for value, _ in model._meta.get_field("role").choices:
            assert ROLE_LABELS[value] == model(role=value).get_role_display()


def test_the_people_list_is_in_alphabetical_order_whatever_the_case(client, corpus):
    # A "C" collation (PostgreSQL here) and SQLite sort capitals before small letters:
    # "de Gaulle, Charles" came after "Zubok".
    for name, sort_name in (
        ("Vladislav Zubok", "Zubok, Vladislav"),
        ("Charles de Gaulle", "de Gaulle, Charles"),
        ("John Foster Dulles", "Dulles, John Foster"),
    ):
        DocumentPerson.objects.create(
            document=corpus.politburo,
            person=make_person(name, sort_name=sort_name),
            role="mentioned",
        )
    page = html(client, "/people/")
    places = [page.index(n) for n in ("de Gaulle, Charles", "Dulles, John", "Zubok, Vladislav")]
    assert places == sorted(places)
    assert "de Gaulle, Charles" in html(client, "/people/", letter="D")


def test_a_missing_page_keeps_the_sites_navigation_and_a_search(client, corpus, settings):
    settings.DEBUG = False
    response = client.get("/documents/999999/<b>x</b>/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<nav aria-label="Main">' in page and 'action="/documents/"' in page
    assert "<b>x</b>" not in page and "/documents/999999/%3Cb%3Ex%3C/b%3E/" in page
    draft = client.get(f"/documents/{corpus.draft.pk}/")
    assert draft.status_code == 404 and "Not found" in draft.content.decode()


def test_a_server_error_page_needs_nothing_that_may_have_failed(client, settings):
    # No database, no URL reversing, no static files: it renders whatever broke.
    from django.template import loader

    page = loader.get_template("500.html").render({})
    assert "Something went wrong" in page and 'href="/"' in page
