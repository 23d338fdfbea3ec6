"""Names are looked up without their accents, as the full text is searched.

"Gero" finds Ernő Gerő's documents by full text (FTS5 on SQLite, unaccent on
PostgreSQL); the names beside the results, the person facet's box and the A–Z list must
name him too (the tests use a name the starter authority lacks, Zoltán Győrffy), by his display name or any variant. Each record keeps a search key, set on
every save and by the importer's bulk writes, and filled by migration for the rows there were.
"""

from __future__ import annotations

import pytest

from catalogue.models import DocumentOrganization, DocumentPerson
from catalogue.search import matching_names
from people.models import Organization, OrganizationName, Person, PersonName, search_key
from tests.conftest import SEEDS, import_summary, make_person
from tests.public_corpus import build_corpus

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Ernő  Gerő", "erno gero"),
        ("Władysław Gomułka", "wladyslaw gomulka"),
        ("Dag Hammarskjöld", "dag hammarskjold"),
        ("Milovan Đilas", "milovan dilas"),
        ("Nguyễn Văn Thiệu", "nguyen van thieu"),
        ("Пётр Абрасимов", "петр абрасимов"),  # ё as е, as Russian print often writes it
        ("Андрей Громыко", "андрей громыко"),
        ("Йосип Тито", "йосип тито"),  # й is a letter of its own, not и with an accent
        ("김일성", "김일성"),  # Hangul is not decomposed
    ],
)
def test_a_search_key_drops_case_spacing_and_latin_accents_only(name, key):
    assert search_key(name) == key


def test_a_search_key_is_never_longer_than_its_column():
    assert len(search_key("ß" * 255)) == 255  # ß folds to two letters


def test_every_save_keeps_the_keys_in_step_with_the_name():
    person = make_person("Ernő Gerő", "Эрнё Герё")
    assert person.search_key == "erno gero"
    assert person.variants.get().search_key == "эрне гере"
    person.name = "Ernő Gerő (Singer)"
    person.save()
    assert Person.objects.get(pk=person.pk).search_key == "erno gero (singer)"
    organization = Organization.objects.create(name="Związek Młodzieży Polskiej")
    variant = OrganizationName.objects.create(organization=organization, name="ZMP Młodzież")
    assert organization.search_key == "zwiazek mlodziezy polskiej"
    assert OrganizationName.objects.get(pk=variant.pk).search_key == "zmp mlodziez"


def test_the_authority_the_migrations_load_has_its_keys_filled():
    # The starter authority is loaded before the keys existed: the migration filled them.
    for model in (Person, PersonName, Organization, OrganizationName):
        rows = list(model.objects.values_list("name", "search_key"))
        assert rows, model
        assert [(name, key) for name, key in rows if key != search_key(name)] == []


def test_the_importer_keys_the_people_and_variants_it_creates():
    assert import_summary(SEEDS) == "created 3, updated 0, unchanged 0, failed 0"
    for model in (Person, PersonName, Organization, OrganizationName):
        rows = list(model.objects.values_list("name", "search_key"))
        assert [(name, key) for name, key in rows if key != search_key(name)] == []


@pytest.fixture
def hungarians():
    corpus = build_corpus()
    gero = make_person("Zoltán Győrffy", "Золтан Дьёрфи")
    youth = Organization.objects.create(name="Związek Młodzieży Polskiej")
    OrganizationName.objects.create(organization=youth, name="Polish Youth Union")
    DocumentPerson.objects.create(document=corpus.politburo, person=gero, role="mentioned")
    DocumentOrganization.objects.create(
        document=corpus.politburo, organization=youth, role="mentioned"
    )
    return gero, youth


@pytest.mark.parametrize(
    "typed",
    ["Gyorffy", "győrffy", "Zoltan Gyorffy", "ZOLTÁN GYŐRFFY", "Gyorffy, Zoltan", "Дьерфи"],
)
def test_the_names_beside_the_results_are_found_without_accents(hungarians, typed):
    gero, _ = hungarians
    assert matching_names(typed).people == [gero]


@pytest.mark.parametrize("typed", ["Gyorfy", "Zoltán", "Győrffyx"])
def test_a_name_without_accents_is_still_a_whole_name(hungarians, typed):
    assert matching_names(typed).people == []


def test_an_organization_is_named_without_its_accents(hungarians):
    _, youth = hungarians
    assert matching_names("Zwiazek Mlodziezy Polskiej").organizations == [youth]


def test_the_search_page_names_the_person_found_without_accents(client, hungarians):
    gero, _ = hungarians
    page = client.get("/documents/", {"q": "Gyorffy"}).content.decode()
    assert "Also showing documents linked to" in page
    assert gero.get_absolute_url() in page


@pytest.mark.parametrize(
    ("typed", "listed"), [("gyorffy", True), ("Дьерфи", True), ("Gyorfy", False)]
)
def test_the_person_facets_box_finds_a_name_without_accents(client, hungarians, typed, listed):
    gero, _ = hungarians
    page = client.get("/documents/facets/person/", {"facet_q": typed}).content.decode()
    assert (f"person={gero.pk}" in page) is listed


def test_the_organization_facets_box_finds_a_name_without_accents(client, hungarians):
    _, youth = hungarians
    page = client.get("/documents/facets/organization/", {"facet_q": "mlodziezy"}).content
    assert f"organization={youth.pk}".encode() in page


@pytest.mark.parametrize("typed", ["Gyorffy", "zoltan gyorffy", "Дьерфи"])
def test_the_people_list_finds_a_name_without_accents(client, hungarians, typed):
    page = client.get("/people/", {"q": typed}).content.decode()
    assert "Győrffy, Zoltán" in page
    assert "Molotov" not in page


def test_the_organization_list_finds_a_name_without_accents(client, hungarians):
    page = client.get("/organizations/", {"q": "Zwiazek"}).content.decode()
    assert "Związek Młodzieży Polskiej" in page


def test_the_admin_finds_a_record_without_its_accents(staff_client, hungarians):
    # A curator looking for the duplicate the importer made of a spelling without accents.
    from django.urls import reverse

    page = staff_client.get(reverse("admin:people_person_changelist"), {"q": "Gyorffy"})
    assert "Zoltán Győrffy" in page.content.decode()
    page = staff_client.get(reverse("admin:people_organization_changelist"), {"q": "Zwiazek"})
    assert "Związek Młodzieży Polskiej" in page.content.decode()
