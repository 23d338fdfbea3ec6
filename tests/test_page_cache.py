"""Whole public pages kept until the catalogue changes (catalogue.page_cache)."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import Document

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the catalogue's write stamp is PostgreSQL's"
)


@pytest.fixture
def kept(settings):
    settings.PAGE_CACHE_SECONDS = 600
    caches["pages"].clear()
    yield
    caches["pages"].clear()


def _pages(seeds: dict) -> list[str]:
    document = seeds["000"]
    person = document.person_links.select_related("person").first().person
    organization = Document.objects.filter(organization_links__isnull=False).first()
    organization = organization.organization_links.first().organization
    return [
        "/",
        "/documents/",
        "/documents/?q=Korea",
        "/documents/?q=Korea&sort=date&page=1",
        "/documents.json?q=Korea",
        "/documents/facets/language/",
        f"/documents/{document.pk}.json",
        person.get_absolute_url(),
        organization.get_absolute_url(),
        "/people/",
        "/organizations/",
        "/repositories/",
    ]


def _reads(queries) -> list[str]:
    """What a request read, but for the write stamp itself."""
    return [q["sql"] for q in queries if "pg_stat_get" not in q["sql"]]


@postgresql_only
def test_a_page_asked_again_is_served_without_reading_the_catalogue(client, imported_seeds, kept):
    for path in _pages(imported_seeds):
        first = client.get(path)
        assert first.status_code == 200, path
        with CaptureQueriesContext(connection) as queries:
            again = client.get(path)
        assert again.status_code == 200
        assert again.content == first.content, path
        assert again["Content-Type"] == first["Content-Type"]
        assert _reads(queries) == [], path
        # The middleware's headers are added to a kept page as to a fresh one.
        assert again["Content-Security-Policy"] == first["Content-Security-Policy"]
        assert again["X-Frame-Options"] == first["X-Frame-Options"]
    # HEAD is answered from the same page.
    with CaptureQueriesContext(connection) as queries:
        assert client.head("/documents/?q=Korea").status_code == 200
    assert _reads(queries) == []


@postgresql_only
def test_any_write_renders_the_pages_afresh(client, imported_seeds, kept):
    from people.models import Person

    document = imported_seeds["000"]
    url = document.get_absolute_url()
    person = document.person_links.select_related("person").first().person
    pages = [url, f"/documents/{document.pk}.json", "/documents/?q=Korea", "/documents/"]
    before = {
        path: client.get(path).content.decode() for path in pages + [person.get_absolute_url()]
    }
    assert "A corrected title" not in before[url]

    # A curator's correction (here written through the ORM, uncommitted: the stamp
    # counts this transaction's own writes too).
    Document.objects.filter(pk=document.pk).update(title="A corrected title")
    for path in pages:
        assert "A corrected title" in client.get(path).content.decode(), path
    Person.objects.filter(pk=person.pk).update(name="Renamed Person")
    assert "Renamed Person" in client.get(person.get_absolute_url()).content.decode()
    # Withdrawn from the public pages: the kept page is not served any more.
    Document.objects.filter(pk=document.pk).update(status="draft")
    assert client.get(url).status_code == 404


@postgresql_only
def test_each_address_is_a_page_of_its_own(client, imported_seeds, kept):
    korea = client.get("/documents/?q=Korea").content
    other = client.get("/documents/?q=Gromyko").content
    assert korea != other
    assert client.get("/documents/?q=Korea").content == korea
    assert client.get("/documents/?q=Gromyko").content == other
    # The same search as JSON is another page, not the HTML one.
    data = client.get("/documents.json?q=Korea")
    assert data["Content-Type"] == "application/json"
    assert client.get("/documents.json?q=Korea").json() == data.json()


@postgresql_only
def test_only_whole_pages_are_kept(client, imported_seeds, kept):
    document = imported_seeds["000"]
    for path, status in (
        (f"/documents/{document.pk}/a-wrong-slug/", 301),  # a redirect
        ("/documents/99999999/", 404),
        ("/people/99999999/", 404),
    ):
        assert client.get(path).status_code == status
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == status
        assert _reads(queries), f"{path} was answered from the cache"


@pytest.mark.parametrize("seconds", [0, 600])
def test_nothing_is_kept_without_a_stamp_or_without_time(client, imported_seeds, settings, seconds):
    """With PAGE_CACHE_SECONDS = 0, or on SQLite (no write stamp), every request reads."""
    if seconds and connection.vendor == "postgresql":
        pytest.skip("PostgreSQL has the stamp: pages are kept (the tests above)")
    settings.PAGE_CACHE_SECONDS = seconds
    caches["pages"].clear()
    url = f"/documents/{imported_seeds['000'].pk}.json"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert _reads(queries)
    Document.objects.filter(pk=imported_seeds["000"].pk).update(title="A corrected title")
    assert "A corrected title" in client.get(url).content.decode()


@postgresql_only
def test_a_page_not_yet_kept_costs_one_query_more_than_without_the_cache(
    client, imported_seeds, settings
):
    """The stamp: the query counts of every page (test_pages, test_facets) stay bounded."""
    for path in _pages(imported_seeds):
        settings.PAGE_CACHE_SECONDS = 0
        with CaptureQueriesContext(connection) as without:
            client.get(path)
        settings.PAGE_CACHE_SECONDS = 600
        caches["pages"].clear()
        with CaptureQueriesContext(connection) as first:
            client.get(path)
        stamps = [q for q in first.captured_queries if "pg_stat_get" in q["sql"]]
        assert len(stamps) == 1, path
        assert len(first) == len(without) + 1, path
    caches["pages"].clear()


@postgresql_only
def test_a_signed_in_curator_always_gets_the_page_as_it_is_now(
    client, staff_client, imported_seeds, kept
):
    from django.test import Client

    url = f"/documents/{imported_seeds['000'].pk}.json"
    reader = Client()  # `client` is staff_client itself, signed in
    kept_page = reader.get(url).content
    with CaptureQueriesContext(connection) as queries:
        assert staff_client.get(url).status_code == 200
    assert _reads(queries), "a curator was served a kept page"
    with CaptureQueriesContext(connection) as queries:
        assert reader.get(url).content == kept_page
    assert _reads(queries) == []


@postgresql_only
def test_the_document_page_is_rendered_each_time_and_reads_no_stamp(client, imported_seeds, kept):
    """One prepared statement renders it faster than the stamp and a cache write cost it,
    and a million of them would push the costly pages (searches, people) out of the
    cache: it is never kept."""
    url = imported_seeds["000"].get_absolute_url()
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) == 1
        assert "pg_stat_get" not in queries[0]["sql"]
