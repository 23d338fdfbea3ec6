"""A search selecting a merged-away record follows the merge; one selecting a record
that does not exist says so, with a way to remove it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from catalogue.models import Repository
from catalogue.services import repository_merge
from people.models import Organization
from people.services import organization_merge, person_merge
from tests.conftest import make_person
from tests.public_corpus import build_corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    return build_corpus()


def _followed(client, path: str, params: dict) -> tuple[str, list[tuple[str, str]]]:
    response = client.get(path, params)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    return location.path, parse_qsl(location.query)


@pytest.mark.parametrize(
    "path", ["/documents/", "/documents.json", "/documents.csv", "/documents/facets/type/"]
)
def test_a_search_for_a_merged_person_goes_to_the_survivors(client, corpus, path):
    duplicate = make_person("A. Gromyko")
    person_merge(keep=corpus.gromyko, remove=[duplicate])
    where, params = _followed(
        client, path, {"q": "Korea", "person": [duplicate.pk, corpus.molotov.pk], "page": "2"}
    )
    assert where == path
    # The rest of the query as it was, the survivor in the merged one's place.
    assert params == [
        ("q", "Korea"),
        ("person", str(corpus.gromyko.pk)),
        ("person", str(corpus.molotov.pk)),
        ("page", "2"),
    ]


def test_the_survivor_selected_twice_is_selected_once(client, corpus):
    duplicate = make_person("A. Gromyko")
    person_merge(keep=corpus.gromyko, remove=[duplicate])
    _, params = _followed(client, "/documents/", {"person": [corpus.gromyko.pk, duplicate.pk]})
    assert params == [("person", str(corpus.gromyko.pk))]
    data = client.get("/documents.json", dict(params)).json()
    assert data["count"] == 2  # Gromyko's documents, found again


def test_merged_organizations_and_archives_are_followed_too(client, corpus):
    duplicate = Organization.objects.create(name="Far-Eastern Commission")
    organization_merge(keep=corpus.fec, remove=[duplicate])
    _, params = _followed(client, "/documents/", {"organization": duplicate.pk})
    assert params == [("organization", str(corpus.fec.pk))]
    old = Repository.objects.create(code="AP RF", name="Presidential Archive")
    aprf = Repository.objects.get(code="APRF")
    repository_merge(keep=aprf, remove=[old])
    _, params = _followed(client, "/documents/", {"repository": "AP RF"})
    assert params == [("repository", "APRF")]


def test_a_search_without_merged_records_is_answered_as_it_is(client, corpus):
    response = client.get("/documents/", {"person": corpus.gromyko.pk, "repository": "APRF"})
    assert response.status_code == 200
    # Bad values are the filters' to refuse, not looked up here.
    for bad in ("abc", "9" * 40, "-3"):
        assert client.get("/documents/", {"person": bad}).status_code == 200


def test_an_id_that_names_nothing_keeps_a_chip_to_remove_it(client, corpus):
    html = client.get("/documents/", {"person": 999999, "q": "Korea"}).content.decode()
    assert "999999 (not in the catalogue)" in html
    assert 'href="?q=Korea"' in html  # its remove link
