"""A whole search's citations as one file (RIS, BibTeX, CSL-JSON) for a reference manager.

Each record is the one the document's own download gives, in the search page's order;
the search's filters apply; a bad parameter is refused by name; the number of queries
does not grow with the results; no more than EXPORT_CAP results (nor in the CSV).
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue import pagination, views
from tests.conftest import data_queries, make_document
from tests.public_corpus import build_corpus
from tests.test_facets import _grow

pytestmark = pytest.mark.django_db

FORMATS = ("ris", "bib", "csl.json")


@pytest.fixture
def corpus():
    return build_corpus()


def ids(client, query: str = "") -> list[int]:
    return [r["id"] for r in client.get("/documents.json" + query).json()["results"]]


def own_download(client, pk: int, extension: str) -> str:
    response = client.get(f"/documents/{pk}.{extension}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("query", ["", "?q=Korea", "?language=ru&sort=-date"])
def test_each_record_is_the_documents_own_in_the_pages_order(client, corpus, query):
    order = ids(client, query)
    assert order
    ris = client.get("/documents.ris" + query)
    assert ris.status_code == 200
    assert ris["Content-Type"].startswith("application/x-research-info-systems")
    assert 'attachment; filename="documents.ris"' in ris["Content-Disposition"]
    assert ris.content.decode() == "".join(own_download(client, pk, "ris") for pk in order)

    bib = client.get("/documents.bib" + query).content.decode()
    assert bib == "\n".join(own_download(client, pk, "bib") for pk in order)

    csl = json.loads(client.get("/documents.csl.json" + query).content)
    assert csl == [
        item for pk in order for item in json.loads(own_download(client, pk, "csl.json"))
    ]
    assert [item["id"] for item in csl] == [f"catalogue-{pk}" for pk in order]


def test_only_published_documents_and_only_the_searchs(client, corpus):
    draft = make_document(title="Korea draft", summary="Korea", status="draft")
    ris = client.get("/documents.ris", {"q": "Korea"}).content.decode()
    assert ris.count("TY  - MANSCPT") == len(ids(client, "?q=Korea"))
    assert f"catalogue-{draft.pk}" not in ris
    assert f"catalogue-{corpus.telegram.pk}" not in ris  # not about Korea
    assert client.get("/documents.ris", {"q": "no-such-word-anywhere"}).content == b""
    assert json.loads(client.get("/documents.csl.json", {"q": "no-such-word"}).content) == []


@pytest.mark.parametrize("extension", FORMATS)
def test_a_bad_parameter_is_refused_by_name(client, corpus, extension):
    response = client.get(f"/documents.{extension}", {"date_from": "1950-13-40", "q": "Korea"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"date_from"}


@pytest.mark.parametrize("extension", FORMATS)
def test_the_query_count_does_not_grow_with_the_results(client, corpus, extension):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/documents.{extension}", {"q": "Korea"})
            assert response.status_code == 200
        return len(data_queries(queries))

    before = count()
    _grow(12)
    assert count() == before


def test_at_most_the_cap_and_the_page_says_so(client, corpus, monkeypatch):
    _grow(4)
    everything = ids(client)
    monkeypatch.setattr(views, "EXPORT_CAP", 3)
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    ris = client.get("/documents.ris").content.decode()
    assert ris.count("TY  - MANSCPT") == 3
    assert ris == "".join(own_download(client, pk, "ris") for pk in everything[:3])
    rows = list(csv.DictReader(io.StringIO(client.get("/documents.csv").content.decode())))
    assert [int(r["id"]) for r in rows] == everything[:3]
    page = client.get("/documents/").content.decode()
    assert "CSV</a> (the first 3)" in page and "CSL-JSON</a> (the first 3)" in page


def test_the_search_page_links_each_file_with_its_search(client, corpus):
    page = client.get("/documents/", {"q": "Korea", "language": "ru"}).content.decode()
    count = len(ids(client, "?q=Korea&language=ru"))
    for extension in ("csv", *FORMATS):
        assert f'href="/documents.{extension}?q=Korea&amp;language=ru"' in page
    assert f"CSL-JSON</a> (all {count})" in page
