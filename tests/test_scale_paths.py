"""The search page's paths for large results: capped counts, facet time budgets, the
search's ids fetched once, fresh planner statistics after an import."""

from __future__ import annotations

import dataclasses
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue import facets, filters, pagination
from tests.conftest import SEEDS
from tests.test_facets import _grow, search

pytestmark = pytest.mark.django_db

# A statement that runs for many seconds on either database: counting to 10^9.
SLOW = (
    "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000)"
    " SELECT count(*) FROM c) > 0"
)


def _value(sql: str):
    """The one value a query returns."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


@pytest.fixture
def documents(db):
    _grow(12)  # 12 published documents mentioning Korea, each its own language cycle


def test_under_the_cap_the_count_is_exact(client, documents):
    data = search(client, "?q=Korea")
    assert (data["count"], data["count_is_estimate"]) == (12, False)
    page = client.get("/documents/?q=Korea").content.decode()
    assert "12 documents" in page and "About" not in page


def test_over_the_cap_the_count_is_an_estimate_and_pages_stop_at_the_cap(
    client, documents, monkeypatch
):
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    data = search(client)  # browse: every published document
    assert data["count_is_estimate"] is True
    assert data["count"] >= 6  # never less than what was counted
    assert data["next"] is None  # 20 to a page: the 5 that can be paged through fit on one
    page = client.get("/documents/").content.decode()
    assert "About " in page and "the first 5 can be paged through" in page
    # A search on PostgreSQL knows its exact number from its ids: no estimate, but
    # the pages still stop at the cap.
    data = search(client, "?q=Korea")
    expected_estimate = connection.vendor != "postgresql"
    assert data["count_is_estimate"] is expected_estimate
    if not expected_estimate:
        assert data["count"] == 12
        page = client.get("/documents/?q=Korea").content.decode()
        assert "12 documents" in page and "the first 5 can be paged through" in page


def test_a_facet_over_its_time_budget_is_left_out_and_the_page_says_so(
    client, documents, monkeypatch, settings
):
    settings.FACET_BUDGET_MS = 100
    spec = facets.FACETS["language"]
    slow = dataclasses.replace(spec, rows=lambda base: spec.rows(base).extra(where=[SLOW]))
    monkeypatch.setitem(facets.FACETS, "language", slow)
    response = client.get("/documents/", {"q": "Korea", "language": "de"})
    assert response.status_code == 200
    page = response.content.decode()
    language = page.split('id="facet-language"')[1].split("</section>")[0]
    assert "Counts left out" in language
    # The selected value is still listed, so that it can be removed.
    assert "Remove original language: German" in language
    # The other facets and the results were computed after the cancelled statement.
    assert "Type " in page.split('id="facet-type"')[1].split("</section>")[0]
    data = search(client, "?q=Korea&language=de")
    assert data["facets_left_out"] == ["language"]
    assert data["facets"]["language"] == [{"value": "de", "label": "German", "count": None}]
    assert data["count"] == 3 and len(data["facets"]["type"]) == 3
    assert data["facets"]["year"]


def test_facets_within_their_budget_are_all_there(client, documents):
    data = search(client, "?q=Korea")
    assert data["facets_left_out"] == []
    assert sum(v["count"] for v in data["facets"]["language"]) == 12


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the id list is PostgreSQL's")
@pytest.mark.parametrize("query", ["?q=Korea", "?q=Korea&language=de&sort=relevance", "?q=Gromyko"])
def test_the_id_list_path_gives_what_the_full_text_path_gives(
    client, documents, query, monkeypatch
):
    from tests.public_corpus import build_corpus

    build_corpus()  # Gromyko, as a person with variants and as text
    with_ids = search(client, query)
    monkeypatch.setattr(filters, "HIT_LIST_MAX", 0)  # every search too large for the list
    without = search(client, query)
    assert with_ids == without
    assert with_ids["count"] > 0


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="pg_class statistics")
def test_a_large_import_refreshes_the_planner_statistics(monkeypatch):
    from catalogue.management.commands import import_documents

    def reltuples() -> float:
        return _value("SELECT reltuples FROM pg_class WHERE relname = 'catalogue_document'")

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalogue_document")  # empty: 0 rows
    assert reltuples() == 0
    monkeypatch.setattr(import_documents, "ANALYZE_AFTER", 3)
    call_command("import_documents", str(SEEDS), stdout=StringIO())
    assert reltuples() == 3


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="pg_class statistics")
# serialized_rollback, as every transactional test: without it, a serialized test run
# after this one restored content types its flush had already made (duplicate keys).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_a_large_import_also_vacuums(monkeypatch):
    # VACUUM marks pages all-visible, which facet counts need for index-only scans.
    from catalogue.management.commands import import_documents

    def all_visible_pages() -> int:
        return _value("SELECT relallvisible FROM pg_class WHERE relname = 'catalogue_document'")

    assert all_visible_pages() == 0
    monkeypatch.setattr(import_documents, "ANALYZE_AFTER", 3)
    call_command("import_documents", str(SEEDS), stdout=StringIO())
    assert all_visible_pages() > 0


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="ranking is capped on PostgreSQL")
def test_a_search_with_too_many_hits_to_rank_is_sorted_by_date_and_says_so(
    client, documents, monkeypatch
):
    from catalogue import search as search_module

    ranked = client.get("/documents/?q=Korea").content.decode()
    assert "Too many results to rank" not in ranked
    monkeypatch.setattr(filters, "RANK_MAX", 5)
    page = client.get("/documents/?q=Korea").content.decode()
    assert "Too many results to rank by relevance" in page
    assert '<option value="date" selected>' in page
    titles = search(client, "?q=Korea")["results"]
    dates = [r["date"] for r in titles]
    assert dates == sorted(dates)
    assert search_module.RANK_MAX == 5_000  # the module's own value is untouched


def test_facets_are_cached_until_the_catalogue_changes(client, documents, settings):
    from django.core.cache import cache

    from catalogue.models import Document

    cache.clear()
    settings.FACET_CACHE_SECONDS = 600
    if connection.vendor != "postgresql":
        # No write stamp: nothing is kept, every request counts afresh.
        assert facets.catalogue_version("default") is None
        assert sum(v["count"] for v in search(client)["facets"]["language"]) == 12
        _grow(1)
        assert sum(v["count"] for v in search(client)["facets"]["language"]) == 13
        return
    version = facets.catalogue_version("default")
    assert facets.catalogue_version("default") == version  # reading changes nothing
    before = search(client, "?q=Korea&page=1")
    assert sum(v["count"] for v in before["facets"]["language"]) == 12
    with CaptureQueriesContext(connection) as queries:
        # Another page, another sort of the same search: its facets from the cache.
        again = search(client, "?q=Korea&sort=title&page=1")
    assert again["facets"]["language"] == before["facets"]["language"]
    assert not [q for q in queries if "GROUP BY" in q["sql"]]
    # Any write to the catalogue (here an uncommitted one through the ORM) counts afresh.
    first = Document.objects.order_by("pk").first()
    Document.objects.filter(pk=first.pk).update(status="draft")
    assert facets.catalogue_version("default") != version
    assert sum(v["count"] for v in search(client, "?q=Korea")["facets"]["language"]) == 11
    _grow(1)
    assert sum(v["count"] for v in search(client, "?q=Korea")["facets"]["language"]) == 12
    # FACET_CACHE_SECONDS = 0: never kept.
    settings.FACET_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as queries:
        search(client, "?q=Korea")
    assert [q for q in queries if "GROUP BY" in q["sql"]]
    cache.clear()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's write stamp")
def test_a_reset_of_the_write_counts_never_gives_back_an_earlier_stamp(db):
    """After pg_stat_reset() the counts start from zero, and the sum of the counts
    alone could come back to a stamp pages were kept under before the reset. Two
    resets with no write between leave the counts summing the same: the stamps
    must still differ."""

    def stamp_after_a_reset() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_reset()")
            # Within a transaction the statistics are read from a snapshot.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
        return facets.catalogue_version("default")

    first = stamp_after_a_reset()
    second = stamp_after_a_reset()
    assert first != second
    assert facets.catalogue_version("default") == second  # reading changes nothing


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a PostgreSQL setting")
def test_the_import_writes_with_a_large_gin_pending_list_and_puts_it_back(monkeypatch):
    from catalogue.importer import load

    def setting() -> str:
        return _value("SELECT current_setting('gin_pending_list_limit')")

    before = setting()
    seen = []
    write_batch = load.Loader.write_batch

    def recording(self, prepared):
        seen.append(setting())
        return write_batch(self, prepared)

    monkeypatch.setattr(load.Loader, "write_batch", recording)
    call_command("import_documents", str(SEEDS), stdout=StringIO())
    assert seen and set(seen) == {"64MB"}
    assert setting() == before


def _spy_on_complete_counts(monkeypatch) -> list[int]:
    """The number of documents of each call of facets.complete_counts, in order."""
    counted = []
    complete_counts = facets.complete_counts

    def spy(documents):
        found = complete_counts(documents)
        counted.append(found["total"])
        return found

    monkeypatch.setattr(facets, "complete_counts", spy)
    return counted


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="counts are cached on PostgreSQL")
@pytest.mark.parametrize("query", ["", "?q=Korea", "?q=Korea&sort=title"])
def test_browsing_and_common_words_count_the_collection_less_what_they_miss(
    client, documents, settings, query, monkeypatch
):
    """Counted from the collection's tallies (less the documents the word is missing
    from), the facets are those counted over the results themselves."""
    from django.core.cache import cache

    from tests.public_corpus import build_corpus

    build_corpus()  # documents without "Korea", people and archives of their own
    settings.FACET_CACHE_SECONDS = 0  # nothing kept: every facet counted over its results
    direct = search(client, query)
    total = search(client)["count"]
    cache.clear()
    settings.FACET_CACHE_SECONDS = 600
    counted = _spy_on_complete_counts(monkeypatch)
    by_tallies = search(client, query)
    assert by_tallies["facets"] == direct["facets"]
    assert by_tallies["count"] == direct["count"]
    assert by_tallies["facets"]["person"] and by_tallies["facets"]["repository"]
    # The collection, then (for the word) the documents it misses.
    missed = [total - direct["count"]] if query else []
    assert counted == [total, *missed]
    assert 0 < total - direct["count"] < total / 2 if query else direct["count"] == total
    # The tallies serve the next word and browsing without another count of the collection.
    counted.clear()
    search(client, "" if query else "?q=Korea")
    assert total not in counted
    cache.clear()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="counts are cached on PostgreSQL")
def test_a_word_in_few_documents_counts_its_own_results(client, documents, settings, monkeypatch):
    from django.core.cache import cache

    from tests.public_corpus import build_corpus

    build_corpus()
    cache.clear()
    settings.FACET_CACHE_SECONDS = 600
    counted = _spy_on_complete_counts(monkeypatch)
    data = search(client, "?q=Gromyko")
    assert counted == []
    assert 0 < data["count"] < facets.COMPLEMENT_SHARE * search(client)["count"]
    cache.clear()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="counts are cached on PostgreSQL")
def test_the_collection_tallies_follow_the_catalogue(client, documents, settings):
    from django.core.cache import cache

    cache.clear()
    settings.FACET_CACHE_SECONDS = 600
    before = search(client)
    _grow(1)
    after = search(client)
    assert after["count"] == before["count"] + 1
    assert sum(v["count"] for v in after["facets"]["language"]) == (
        sum(v["count"] for v in before["facets"]["language"]) + 1
    )
    cache.clear()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the catalogue's version")
def test_the_tallies_are_kept_a_day_since_their_key_changes_with_the_catalogue(
    client, documents, settings, monkeypatch
):
    from django.core.cache import cache

    timeouts = {}

    class Recording:
        def get(self, key, *args, **kwargs):
            return cache.get(key, *args, **kwargs)

        def set(self, key, value, timeout, *args, **kwargs):
            timeouts[key.split(":")[0]] = timeout
            return cache.set(key, value, timeout, *args, **kwargs)

    cache.clear()
    settings.FACET_CACHE_SECONDS = 600
    monkeypatch.setattr(facets, "cache", Recording())
    search(client)  # browsing: the collection's tallies
    search(client, "?language=de")  # a selection: its own counts
    assert timeouts == {"facet-tallies": 86_400, "facet-counts": 600}
    cache.clear()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a PostgreSQL setting")
def test_the_catalogues_sessions_price_random_reads_as_in_memory():
    from django.conf import settings

    assert settings.PG_RANDOM_PAGE_COST == "1.1"
    assert float(_value("SHOW random_page_cost")) == 1.1


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the id list is PostgreSQL's")
def test_a_search_matching_nothing_counts_no_facet_and_keeps_its_selection(client, documents):
    with CaptureQueriesContext(connection) as queries:
        data = search(client, "?q=zzyzxqv&language=de")
    assert data["count"] == 0
    assert not [q for q in queries if "GROUP BY" in q["sql"]]
    # The selected value stays listed (with 0) so that it can be removed.
    assert [(v["value"], v["count"]) for v in data["facets"]["language"]] == [("de", 0)]
    assert all(not values for name, values in data["facets"].items() if name != "language")


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the planner's estimates")
def test_a_search_too_large_to_count_leaves_its_facets_out_without_trying(
    client, documents, monkeypatch
):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner learns that every document has "korea"
    monkeypatch.setattr(filters, "HIT_LIST_MAX", 5)
    monkeypatch.setattr(facets, "UNCOUNTED_OVER", 5)
    with CaptureQueriesContext(connection) as captured:
        data = search(client, "?q=Korea")
    sql = [q["sql"] for q in captured.captured_queries]
    # Known too many from the estimate: no ids fetched, no facet counted.
    assert not [s for s in sql if "GROUP BY" in s]
    assert not [s for s in sql if s.startswith("SELECT") and "LIMIT 6" in s]
    assert any(s.startswith("EXPLAIN") for s in sql)
    assert sorted(data["facets_left_out"]) == sorted([*facets.FACETS, "year"])
    assert data["results"] and data["count"] == 12
    page = client.get("/documents/?q=Korea").content.decode()
    assert "Counts left out" in page and "Counts per year left out" in page
    # Narrowed to fewer than that, the same search is counted again.
    narrowed = search(client, "?q=Korea&language=de")
    assert narrowed["facets_left_out"] == []
    # (the language facet counts the search without its own selection)
    assert sum(v["count"] for v in narrowed["facets"]["language"]) == 12
    assert sum(v["count"] for v in narrowed["facets"]["type"]) == narrowed["count"] > 0


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the id list is PostgreSQL's")
def test_a_search_with_many_hits_estimates_its_facets_from_a_sample(
    client, documents, monkeypatch, settings
):
    from catalogue.models import Document

    settings.FACET_CACHE_SECONDS = 0  # each request counts afresh
    exact = search(client, "?q=Korea")
    assert exact["facets_estimated"] is None
    monkeypatch.setattr(facets, "FACET_SAMPLE", 4)
    with CaptureQueriesContext(connection) as captured:
        data = search(client, "?q=Korea")
    # Every third of the twelve hits by id, each standing for three.
    ids = sorted(
        Document.objects.filter(title__startswith="Extra Korea").values_list("pk", flat=True)
    )
    sample = ids[::3]
    assert data["facets_estimated"] == {"sample": 4, "of": 12}
    languages = Document.objects.filter(pk__in=sample).values_list("language", flat=True)
    expected = {code: 3 * list(languages).count(code) for code in set(languages)}
    assert {v["value"]: v["count"] for v in data["facets"]["language"]} == expected
    assert sum(v["count"] for v in data["facets"]["person"]) == 12
    assert sum(v["count"] for v in data["facets"]["year"]) == 12
    # The facets' queries read the sample's ids only; the results and count are whole.
    grouped = [q["sql"] for q in captured.captured_queries if "GROUP BY" in q["sql"]]
    assert grouped and all(f"'{{{','.join(map(str, sample))}}}'" in s for s in grouped)
    assert data["count"] == exact["count"] == 12
    page = client.get("/documents/?q=Korea").content.decode()
    assert "Counts are estimates (≈), from a sample of 4 of the 12 results" in page
    assert '<span class="count" title="about 3: estimated from a sample">≈3</span>' in page
    # Narrowed by a facet, the search is counted exactly: a sample of its hits would
    # hold too few of the narrowed results.
    narrowed = search(client, "?q=Korea&language=de")
    assert narrowed["facets_estimated"] is None
    assert sum(v["count"] for v in narrowed["facets"]["language"]) == 12
    assert sum(v["count"] for v in narrowed["facets"]["person"]) == narrowed["count"]


def test_estimates_are_rounded_to_two_significant_digits():
    assert [facets._about(n) for n in (0, 7, 99, 150.4, 1049, 12_345, 987_654)] == [
        0, 7, 99, 150, 1000, 12_000, 990_000,
    ]  # fmt: skip


def _all_values(client, url: str, params: dict | None = None) -> str:
    """The list of an all-values page (/documents/facets/<name>/), or its note."""
    response = client.get(url, params or {})
    assert response.status_code == 200
    page = response.content.decode()
    return page.split("<h1>")[1].split("</main>")[0].split("</form>")[1]


def test_a_facets_every_value_past_its_budget_is_left_out_and_the_page_says_so(
    client, documents, monkeypatch
):
    spec = facets.FACETS["person"]
    slow = dataclasses.replace(spec, rows=lambda base: spec.rows(base).extra(where=[SLOW]))
    monkeypatch.setitem(facets.FACETS, "person", slow)
    monkeypatch.setattr(facets, "FACET_PAGE_BUDGET_MS", 200)
    listed = _all_values(client, "/documents/facets/person/", {"q": "Korea", "language": "de"})
    assert "Counts left out" in listed and "too many documents" in listed
    assert "Person " not in listed
    # Within its budget, the same page lists every value.
    monkeypatch.setitem(facets.FACETS, "person", spec)
    listed = _all_values(client, "/documents/facets/person/", {"q": "Korea", "language": "de"})
    assert "Counts left out" not in listed
    assert "each with the number of documents" in listed and "Person " in listed


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the tallies are PostgreSQL's")
@pytest.mark.parametrize("name", ["person", "organization", "repository", "language", "type"])
@pytest.mark.parametrize("query", [{}, {"q": "Korea"}, {"q": "Korea", "offset": "5"}])
def test_every_value_of_browsing_or_a_common_word_comes_from_the_tallies(
    client, documents, settings, name, query
):
    """The same page as counted over the results, without counting them."""
    from django.core.cache import cache

    from catalogue.models import Document
    from tests.conftest import make_document

    url = f"/documents/facets/{name}/"
    Document.objects.filter(pk=Document.objects.order_by("pk").first().pk).update(status="draft")
    other = make_document(title="Not about the peninsula", document_type="Type 1")  # no Korea
    settings.FACET_CACHE_SECONDS = 0  # counted over the results
    counted = _all_values(client, url, query)
    assert "Counts left out" not in counted
    settings.FACET_CACHE_SECONDS = 600
    cache.clear()
    client.get(url, query)  # counts the collection's tallies once
    with CaptureQueriesContext(connection) as queries:
        from_tallies = _all_values(client, url, query)
    assert from_tallies == counted
    # Nothing counted over the results: the tallies did it, less (for the word) the
    # documents it misses, counted by their ids.
    counting = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert all(f"= ANY('{{{other.pk}}}'" in sql for sql in counting)
    assert bool(counting) is bool(query)
    cache.clear()


def _lookup_indexes(table: str) -> dict[str, dict]:
    """The table's indexes and unique constraints but its primary key, by name, as
    Django's introspection describes them (columns, orders, unique)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: info
        for name, info in constraints.items()
        if (info["index"] or info["unique"]) and not info["primary_key"]
    }


@pytest.mark.parametrize(
    ("table", "value"),
    [
        ("catalogue_documentperson", "person_id"),
        ("catalogue_documentorganization", "organization_id"),
        ("catalogue_archivalreference", "repository_id"),
    ],
)
def test_every_index_that_finds_a_documents_links_also_holds_the_facets_value(table, value):
    # A link facet over a search's hits looks its documents up in the link table. At a
    # million documents, with an index of the document alone beside one of (document,
    # value), PostgreSQL's planner took the smaller and read a page of the table per link
    # from outside its buffers (a medium word's person facet: 8,000 pages, 41 ms); with
    # only indexes holding the value too, it reads the index alone (4,200 pages, 34 ms).
    # Small test tables do not show the planner's choice, so the schema is checked.
    by_document = [
        info["columns"]
        for info in _lookup_indexes(table).values()
        if (info["columns"] or [None])[0] == "document_id"
    ]
    assert by_document, f"{table}: no index finds a document's links"
    assert all(value in columns for columns in by_document), by_document


@pytest.mark.parametrize(
    "table",
    [
        "catalogue_documentperson",
        "catalogue_documentorganization",
        "catalogue_archivalreference",
        "people_personname",
        "people_organizationname",
    ],
)
def test_no_index_of_a_link_or_name_table_is_the_beginning_of_another(table):
    # An index whose columns begin another index finds nothing the longer one does not,
    # and every row the import writes is written into it too. Django gives each foreign
    # key an index of its own: these tables' keys begin a composite index instead.
    indexes = _lookup_indexes(table)
    keyed = {
        # A unique constraint's index (PostgreSQL tells no order for it) is ascending.
        name: list(
            zip(info["columns"], info.get("orders") or ["ASC"] * len(info["columns"]), strict=True)
        )
        for name, info in indexes.items()
    }
    assert len(keyed) >= 2, keyed
    redundant = [
        (name, other)
        for name, columns in keyed.items()
        for other, longer in keyed.items()
        if other != name and not indexes[name]["unique"] and longer[: len(columns)] == columns
    ]
    assert not redundant, redundant
