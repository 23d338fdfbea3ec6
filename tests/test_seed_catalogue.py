"""The public catalogue on the three imported seed pages (the real import command)."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people.models import Person
from tests.conftest import data_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeds(imported_seeds):
    return imported_seeds


def ids(client, **params) -> list[int]:
    response = client.get("/documents.json", params)
    assert response.status_code == 200
    return [r["id"] for r in response.json()["results"]]


def test_search_finds_english_and_russian_words_in_the_seeds(client, seeds):
    assert ids(client, q="Politburo") == [seeds["000"].pk]
    assert ids(client, q="Политбюро") == [seeds["000"].pk]
    assert ids(client, q="reunification") == [seeds["002"].pk]
    assert ids(client, q='"control body"') == [seeds["001"].pk]


@pytest.mark.parametrize(
    ("spelling", "files"),
    [
        ("Pak Hon Yong", {"000"}),
        ("Громыко", {"000", "002"}),
        ("A.A. Gromyko", {"000", "002"}),
        ("Pak Song Chol", {"002"}),
    ],
)
def test_any_spelling_of_a_name_finds_the_seed_documents_linked_to_the_person(
    client, seeds, spelling, files
):
    assert set(ids(client, q=spelling)) == {seeds[f].pk for f in files}


def test_facets_on_the_seeds(client, seeds):
    data = client.get("/documents.json").json()
    counts = {f: {v["value"]: v["count"] for v in values} for f, values in data["facets"].items()}
    assert data["count"] == 3
    assert counts["language"] == {"ru": 3}
    assert counts["repository"]["AVPRF"] == 2 and counts["repository"]["RGASPI"] == 1
    assert counts["year"] == {"1945": 1, "1950": 1, "1966": 1}
    gromyko = Person.objects.get(name="Andrei Gromyko")
    assert counts["person"][str(gromyko.pk)] == 2
    molotov = Person.objects.get(name="Vyacheslav Molotov")
    both = ids(client, person=[gromyko.pk, molotov.pk])
    assert set(both) == {seeds["000"].pk, seeds["001"].pk, seeds["002"].pk}
    assert ids(client, person=[gromyko.pk], repository="RGASPI") == []
    assert ids(client, date_from="1950-10", date_to="1950-10-31") == [seeds["000"].pk]


def test_the_seed_document_pages_and_citations(client, seeds):
    document = seeds["001"]
    page = client.get(document.get_absolute_url()).content.decode()
    assert page.count("<h1") == 1 and "Telegram via VcH from Stalin to Cde. Molotov" in page
    assert "Gary Goldberg" in page and "Blavatnik Family Foundation" in page
    tags = dict(re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)">', page))
    assert tags["citation_date"] == "1945/11/11"
    assert tags["citation_author"] == "Stalin, Joseph"
    assert tags["citation_publisher"] == "Wilson Center Digital Archive"
    ris = client.get(f"/documents/{document.pk}.ris").content.decode()
    assert "TY  - MANSCPT" in ris and "AN  - RGASPI" in ris
    csl = json.loads(client.get(f"/documents/{document.pk}.csl.json").content)[0]
    assert csl["issued"] == {"date-parts": [[1945, 11, 11]]}
    assert csl["archive"] == "RGASPI" or "Russian State Archive" in csl["archive"]
    ld = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert json.loads(ld)["@type"] == "ArchiveComponent"


def test_the_seed_person_page(client, seeds):
    gromyko = Person.objects.get(name="Andrei Gromyko")
    page = client.get(gromyko.get_absolute_url()).content.decode()
    assert "Андрей Андреевич Громыко" in page
    assert seeds["000"].title in page and seeds["002"].title in page
    assert "Vyacheslav Molotov" in page.split("Often named with")[1]


def test_seed_search_page_query_budget(client, seeds):
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/documents/", {"q": "Korea"}).status_code == 200
    # Names (2), count (1), page (1), snippets (1), six facets (6), histogram (1); on
    # PostgreSQL the planner's estimate of its matches (1), the search's ids (1) instead
    # of the count, language, type, classification and the histogram in one query
    # (-3), and the facets' time budget statements (not counted here).
    expected = 10 if connection.vendor == "postgresql" else 12
    assert len(data_queries(captured)) == expected
