"""Full-text search: stemming, phrases, name variants, ranking, snippets, the index kept in step.

Runs the same on SQLite (FTS5) and PostgreSQL (tsvector); a few assertions
only PostgreSQL can make (Russian stemming) say so.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from catalogue.models import Document
from catalogue.search import (
    FTS_TABLE,
    IdArray,
    NameMatches,
    fts5_query,
    matching_ids,
    search_documents,
    snippets,
)
from tests.conftest import make_document, make_person
from tests.public_corpus import XSS, add_text, build_corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    return build_corpus()


def found(q: str) -> list[int]:
    from catalogue.search import matching_names

    qs = search_documents(Document.objects.published(), q, matching_names(q))
    return list(qs.order_by("-rank", "id").values_list("pk", flat=True))


def result_ids(client, query: str) -> list[int]:
    response = client.get("/documents.json" + query)
    assert response.status_code == 200
    return [r["id"] for r in response.json()["results"]]


def test_english_words_are_stemmed(corpus):
    assert found("decide") == [corpus.politburo.pk]  # the text says "decided"
    assert found("corrections") == [corpus.telegram.pk]
    assert found("correction") == [corpus.telegram.pk]


def test_search_reaches_titles_summaries_translations_and_originals(corpus):
    assert found("Vyshinsky") == [corpus.politburo.pk]  # title
    assert found("reunification") == [corpus.conversation.pk]  # summary
    assert found("Bulganin") == [corpus.politburo.pk]  # translation
    assert found("Политбюро") == [corpus.politburo.pk]  # Russian original


def test_russian_words_are_stemmed_on_postgresql(corpus):
    if connection.vendor != "postgresql":
        pytest.skip("Russian stemming is PostgreSQL's (FTS5's porter stems English only)")
    # The text says "военнослужащих"; the search says another case of the word.
    assert found("военнослужащие") == [corpus.politburo.pk]


@pytest.mark.parametrize(
    "query, title",
    [
        ("Rakosi", "Rákosi"),
        ("Gero", "Gerő"),
        ("gomulka", "Gomułka"),
        ("Dubcek", "Dubček"),
        ("Rákosi", "Rakosi"),  # an accent in the query is folded too
    ],
)
def test_accents_do_not_count(query, title):
    document = make_document(title="Memorandum", status="published")
    add_text(document, "translation", "en", f"A talk with {title} about Korea.")
    assert found(query) == [document.pk]
    assert found(f'"with {query}"') == [document.pk]
    assert f"<mark>{title}</mark>" in snippets([document], query)[document.pk]


@pytest.mark.parametrize("query, text", [("régime", "regimes"), ("regime", "Régime")])
def test_a_word_without_its_accent_is_stemmed_as_with_it(query, text):
    document = make_document(title="Memorandum", status="published")
    add_text(document, "translation", "en", f"The {text} of the people's democracies.")
    assert found(query) == [document.pk]


@pytest.mark.parametrize("query, text", [("Хрущев", "Хрущёв"), ("Хрущёв", "Хрущев")])
def test_yo_and_ye_are_one_letter_in_russian_texts(query, text):
    document = make_document(title="Memorandum", status="published")
    add_text(document, "original", "ru", f"Беседа с товарищем {text} о Корее")
    assert found(query) == [document.pk]
    # The excerpt shows the text's own letter, whichever the reader typed.
    assert f"<mark>{text}</mark>" in snippets([document], query)[document.pk]


@pytest.mark.parametrize(
    "query, text",
    [("Dilas", "Đilas"), ("Hammarskjold", "Hammarskjöld"), ("Orsted", "Ørsted")],
)
def test_stroked_letters_are_folded_in_every_part_of_the_index(query, text):
    document = make_document(title=f"Letter from {text}", status="published")
    document.summary = f"{text} writes again."
    document.save()
    add_text(document, "original", "ru", f"Письмо {text}.")
    assert found(query) == [document.pk]
    assert found(f"{query} -writes") == []  # the summary's word, found with the name
    assert f"<mark>{text}</mark>" in snippets([document], query)[document.pk]


def test_the_fold_keeps_every_other_letter_and_the_length():
    from catalogue.search import fts_fold

    source = "Gomułka, Đilas, Ørsted, Хрущёв, ЁЛКА; Rákosi, й, 김일성, 毛泽东, æ"
    folded = fts_fold(source)
    assert folded == "Gomulka, Dilas, Orsted, Хрущев, ЕЛКА; Rákosi, й, 김일성, 毛泽东, æ"
    assert len(folded) == len(source)
    assert fts_fold("") == "" and fts_fold(None) is None


@pytest.mark.parametrize(
    "excerpt, expected",
    [
        # Hits marked, the letters put back from the source; FTS5's ellipses kept.
        (
            "…talk with \x01Gomulka\x02 and \x01Gomulka\x02's",
            "…talk with \x01Gomułka\x02 and \x01Gomułka\x02's",
        ),
        ("\x01Хрущев\x02 о Корее…", "\x01Хрущёв\x02 о Корее…"),
        # The source's own ellipsis, at its start, stays where it was.
        ("…and \x01Dilas\x02", "…and \x01Đilas\x02"),
        # Found in no source whole (it runs across two texts): left as FTS5 gave it.
        ("end\nstart \x01Gomulka\x02", "end\nstart \x01Gomulka\x02"),
    ],
)
def test_an_excerpt_is_put_back_in_its_sources_letters(excerpt, expected):
    from catalogue.search import _in_source_letters

    sources = ["", "…and Đilas", "A talk with Gomułka and Gomułka's men", "Хрущёв о Корее и", "end"]
    assert _in_source_letters(excerpt, sources) == expected


def test_the_migration_folds_an_index_written_without_it():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's index folds these letters since migration 0010")
    import importlib

    migration = importlib.import_module(
        "catalogue.migrations.0012_sqlite_search_folds_stroked_letters"
    )
    document = make_document(title="Memorandum", status="published")
    add_text(document, "translation", "en", "A talk with Gomułka about Korea.")
    with connection.cursor() as cursor:  # the index as the code before 0012 wrote it
        cursor.execute(
            f"UPDATE {FTS_TABLE} SET translations = %s WHERE rowid = %s",
            ["A talk with Gomułka about Korea.", document.pk],
        )
    assert found("Gomulka") == []
    migration.forwards(None, connection.schema_editor())
    assert found("Gomulka") == [document.pk]


def test_quoted_phrases_must_appear_in_order(corpus):
    assert found('"draft reply"') == [corpus.telegram.pk]
    assert found('"reply draft"') == []
    assert set(found("draft reply")) == {corpus.telegram.pk}


def test_or_and_minus_work_as_on_the_web(corpus):
    assert set(found("Vyshinsky or reunification")) == {corpus.politburo.pk, corpus.conversation.pk}
    assert found("Korea -Japanese") == [corpus.conversation.pk]


@pytest.mark.parametrize("spelling", ["Громыко", "A.A. Gromyko", "a. a. gromyko", "Gromyko"])
def test_a_name_in_any_spelling_finds_the_documents_linked_to_the_person(corpus, spelling):
    assert set(found(spelling)) == {corpus.politburo.pk, corpus.conversation.pk}


@pytest.mark.parametrize(
    "spelling",
    [
        "Gromyko, Andrei",  # the people list's own form
        "Gromyko A.A.",  # initials after the surname, as Russian lists write them
        "Громыко А.А.",
        "Громыко А. А.",
        "  gromyko,   andrei ",
    ],
)
def test_a_name_in_a_lists_order_names_the_person(corpus, spelling):
    from catalogue.search import matching_names
    from people.models import PersonName

    PersonName.objects.create(person=corpus.gromyko, name="А.А. Громыко")
    assert corpus.gromyko in matching_names(spelling).people


def test_a_name_typed_with_a_combining_accent_is_the_same_name(corpus):
    from catalogue.search import matching_names

    hungarian = make_person("Ernő Gerő")
    assert hungarian in matching_names("Ernő Gerő").people
    assert hungarian in matching_names("Erno\u030b Gero\u030b").people  # o + U+030B


@pytest.mark.parametrize("typed", ["FEC", "fec", "Fec"])
def test_an_abbreviation_in_any_case_names_the_organization(corpus, typed):
    from catalogue.search import matching_names

    assert corpus.fec in matching_names(typed).organizations


def test_a_comma_that_is_no_list_order_names_nobody_new(corpus):
    from catalogue.search import matching_names

    assert matching_names("Korea, 1950").people == []
    assert matching_names(",").people == []


def test_a_variant_absent_from_every_text_still_finds_the_person(corpus):
    # "Pak Hon Yong" appears in no text: only the authority knows it is Pak Heon-yeong.
    assert found("Pak Hon Yong") == [corpus.politburo.pk]
    assert found("Дальневосточная комиссия") == [corpus.politburo.pk]


def test_the_search_page_says_which_person_the_name_found(client, corpus):
    html = client.get("/documents/", {"q": "Громыко"}).content.decode()
    assert "Also showing documents linked to" in html
    assert corpus.gromyko.get_absolute_url() in html


def test_results_are_ranked_title_hits_first(corpus):
    other = make_document(title="Minutes", summary="A note that mentions Vyshinsky once.")
    ranked = found("Vyshinsky")
    assert ranked == [corpus.politburo.pk, other.pk]


def test_relevance_is_the_default_order_with_a_query_and_date_without(client, corpus):
    make_document(
        title="Minutes",
        summary="A note that mentions Vyshinsky once.",
        date=None,
        date_precision="",
        date_text="",
    )
    ids = result_ids(client, "?q=Vyshinsky")
    assert ids[0] == corpus.politburo.pk
    assert result_ids(client, "") == [
        corpus.telegram.pk,
        corpus.politburo.pk,
        corpus.conversation.pk,
        ids[1],
    ]
    assert result_ids(client, "?sort=-date")[:3] == [
        corpus.conversation.pk,
        corpus.politburo.pk,
        corpus.telegram.pk,
    ]
    assert result_ids(client, "?sort=title")[0] == corpus.politburo.pk  # "Central…"


def test_titles_sort_without_regard_to_case(client):
    titles = [
        "charles kraus, note",
        "Charles de Gaulle to Khrushchev",
        "Charles Kraus, memo",
        "ABC",
    ]
    ids = {make_document(title=title, status="published").pk: title for title in titles}
    # By bytes, capitals first: "ABC", "Charles Kraus…", "Charles de Gaulle…", "charles…".
    assert [ids[pk] for pk in result_ids(client, "?sort=title")] == [
        "ABC",
        "Charles de Gaulle to Khrushchev",
        "Charles Kraus, memo",
        "charles kraus, note",
    ]


def test_an_unknown_sort_key_is_refused_not_executed(client, corpus):
    response = client.get("/documents/", {"sort": "sha256"})
    assert response.status_code == 200
    assert "Part of the query was ignored" in response.content.decode()


def test_drafts_and_withdrawn_documents_are_never_found(client, corpus):
    ids = result_ids(client, "?q=Korea")
    assert corpus.draft.pk not in ids and corpus.withdrawn.pk not in ids
    assert corpus.politburo.pk in ids


def test_snippets_mark_hits_and_only_for_the_rows_given(corpus):
    hits = snippets([corpus.politburo], "servicemen")
    assert set(hits) == {corpus.politburo.pk}
    assert "<mark>servicemen</mark>" in hits[corpus.politburo.pk]


def test_a_hit_deep_in_a_long_text_still_has_its_snippet(corpus):
    # PostgreSQL looks at the start of each text first, then at the whole of the
    # texts of the documents without a hit there.
    early = make_document(title="Early", summary="Nothing here")
    add_text(early, "translation", "en", "Zanzibar at once. " + "Filler words. " * 1000)
    late = make_document(title="Late", summary="Nothing here")
    add_text(late, "translation", "en", "Filler words. " * 1000 + "Then Zanzibar.")
    hits = snippets([early, late], "zanzibar")
    assert set(hits) == {early.pk, late.pk}
    assert "<mark>Zanzibar</mark>" in hits[late.pk]
    assert "Then" in hits[late.pk]


def test_snippets_escape_the_source_text(client, corpus):
    document = make_document(title=f"Report {XSS}", summary=f"Intercepted {XSS} servicemen")
    add_text(document, "translation", "en", f"Servicemen {XSS} again <b>bold</b>")
    hits = snippets([document], "servicemen")
    assert "<script" not in hits[document.pk] and "<b>" not in hits[document.pk]
    html = client.get("/documents/", {"q": "servicemen"}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert "<mark>" in html


def test_an_edit_is_searchable_at_once(corpus):
    corpus.telegram.title = "Telegram about the Manchurian railway"
    corpus.telegram.save()
    assert found("Manchurian") == [corpus.telegram.pk]
    text = corpus.telegram.texts.get()
    text.text = "A wholly different zeppelin text"
    text.save()
    assert found("zeppelin") == [corpus.telegram.pk]
    assert found("carefully") == []
    text.delete()
    assert found("zeppelin") == []


def test_a_deleted_document_leaves_nothing_in_the_index(corpus):
    telegram = corpus.telegram
    add_text(telegram, "translation", "en", "A zeppelin over the Kremlin")
    assert found("zeppelin") == [telegram.pk]
    pk = telegram.pk
    telegram.delete()
    assert found("zeppelin") == []
    if connection.vendor == "sqlite":  # PostgreSQL's vector goes with the document's row
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE rowid = %s", [pk])
            assert cursor.fetchone() == (0,)


def test_rebuild_search_index_command_reindexes_everything(corpus):
    # Bypass the model layer, as a restored dump would.
    Document.objects.filter(pk=corpus.telegram.pk).update(title="Quixotic telegram")
    assert found("Quixotic") == []
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "re-indexed" in out.getvalue()
    assert found("Quixotic") == [corpus.telegram.pk]


def test_fts5_queries_never_pass_user_syntax_through():
    assert (
        fts5_query('NEAR(a b) OR "x y" -z col:w')
        == '(("NEAR a" AND "b") OR ("x y" AND "col w")) NOT "z"'
    )
    assert fts5_query("***") is None
    assert fts5_query('"unclosed phrase') == '(("unclosed phrase"))'


def test_odd_queries_do_not_break_the_page(client, corpus):
    for q in ['"', "***", "-", "OR", "a" * 600, "'; DROP TABLE x; --", "NEAR("]:
        assert client.get("/documents/", {"q": q}).status_code == 200, q
    # A NUL no search can hold: refused by name (tests/test_security.py), not a 500.
    assert client.get("/documents/", {"q": "a\x00b"}).status_code == 400


@pytest.mark.django_db
def test_any_id_filters_by_an_id_array_on_either_database():
    from catalogue.search import AnyId

    made = [make_document(title=f"Any {i}") for i in range(4)]
    wanted = IdArray.of([made[0].pk, made[2].pk])
    assert set(Document.objects.filter(AnyId(wanted)).values_list("pk", flat=True)) == {
        made[0].pk,
        made[2].pk,
    }
    assert not Document.objects.filter(AnyId(IdArray.of([]))).exists()


def test_an_id_array_reads_back_its_ids():
    assert IdArray.of([3, 1, 2]) == "{3,1,2}"
    assert IdArray("{3,1,2}").ids() == [3, 1, 2]
    assert IdArray.of([]).ids() == []


@pytest.mark.django_db
def test_matching_ids_lists_the_hits_in_ascending_order_up_to_the_limit():
    made = [make_document(title=f"Korea {i}") for i in range(5)]
    for document in made:
        add_text(document, "translation", "en", "Korea")
    make_document(title="Draft Korea", status="draft")
    published = Document.objects.published()
    ids = matching_ids(published, "Korea", NameMatches(), 10)
    assert ids.ids() == sorted(d.pk for d in made)
    assert len(matching_ids(published, "Korea", NameMatches(), 3).ids()) == 3
    assert matching_ids(published, "zzyzxqv", NameMatches(), 3).ids() == []


@pytest.mark.django_db
def test_a_names_documents_are_its_published_ones_however_the_search_is_narrowed():
    from catalogue.models import DocumentOrganization, DocumentPerson
    from catalogue.search import linked_ids
    from people.models import Organization
    from tests.conftest import make_person

    person = make_person("Andrei Gromyko")
    ministry = Organization.objects.create(name="Ministry of Foreign Affairs")
    shown = make_document(title="Published, in English", original_languages=["en"])
    russian = make_document(title="Published, in Russian", original_languages=["ru"])
    hidden = [make_document(title=s, status=s) for s in ("draft", "withdrawn")]
    for document in [shown, russian, *hidden]:
        DocumentPerson.objects.create(document=document, person=person, role="mentioned")
        DocumentOrganization.objects.create(
            document=document, organization=ministry, role="mentioned"
        )
    DocumentPerson.objects.create(document=shown, person=person, role="author")  # two roles
    names = NameMatches(people=[person], organizations=[ministry])
    published = Document.objects.published()

    # Every published document: the unpublished are left out by their own index.
    assert published.every_published is True
    assert matching_ids(published, "zzyzxqv", names, 10).ids() == sorted([shown.pk, russian.pk])
    links = DocumentPerson.objects.filter(person=person)
    assert sorted(set(linked_ids(published, links))) == sorted([shown.pk, russian.pk])
    # The same through the general path (a copy drops the mark): the same ids.
    copy = published.all()
    assert not getattr(copy, "every_published", False)
    assert sorted(set(linked_ids(copy, links))) == sorted([shown.pk, russian.pk])
    # Narrower sets are never taken for every published document.
    narrowed = published.filter(language="ru")
    assert not getattr(narrowed, "every_published", False)
    assert matching_ids(narrowed, "zzyzxqv", names, 10).ids() == [russian.pk]
    russian_first = Document.objects.filter(language="ru").published()
    assert russian_first.every_published is False
    assert matching_ids(russian_first, "zzyzxqv", names, 10).ids() == [russian.pk]


@pytest.mark.django_db
def test_a_narrowed_search_lists_the_text_hits_among_its_documents_only():
    english = make_document(title="Korea, in English", original_languages=["en"])
    russian = make_document(title="Korea, in Russian", original_languages=["ru"])
    make_document(title="Korea, a draft", original_languages=["ru"], status="draft")
    published = Document.objects.published()
    both = matching_ids(published, "Korea", NameMatches(), 10).ids()
    assert both == sorted([english.pk, russian.pk])
    narrowed = published.filter(language="ru")
    assert matching_ids(narrowed, "Korea", NameMatches(), 10).ids() == [russian.pk]
