"""Model constraints reject what the catalogue must never hold."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction

from catalogue.models import (
    DocumentOrganization,
    DocumentPerson,
    Repository,
)
from people.models import Organization, Person, PersonName
from tests.conftest import make_document, make_person

pytestmark = pytest.mark.django_db


def test_a_person_cannot_hold_the_same_role_twice_in_one_document():
    document = make_document()
    person = make_person("Andrei Gromyko")
    DocumentPerson.objects.create(document=document, person=person, role="author")
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentPerson.objects.create(document=document, person=person, role="author")
    # A second role is a different link.
    DocumentPerson.objects.create(document=document, person=person, role="mentioned")
    assert document.person_links.count() == 2


def test_an_organization_cannot_hold_the_same_role_twice_in_one_document():
    document = make_document()
    organization = Organization.objects.create(name="Leon Levy Foundation")
    DocumentOrganization.objects.create(document=document, organization=organization, role="funder")
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentOrganization.objects.create(
            document=document, organization=organization, role="funder"
        )


def test_two_people_cannot_share_a_slug():
    Person.objects.create(name="Kim Il Sung", slug="kim-il-sung-test")
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(name="Kim Il-sung", slug="kim-il-sung-test")


def test_new_people_with_the_same_name_get_distinct_slugs():
    first = Person.objects.create(name="Pak Test")
    second = Person.objects.create(name="Pak Test")
    assert first.slug == "pak-test"
    assert second.slug == "pak-test-2"


def test_a_variant_is_listed_once_per_person_whatever_its_case():
    person = make_person("Andrei Gromyko", "Громыко")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonName.objects.create(person=person, name="громыко")


def test_two_repositories_cannot_share_a_code():
    Repository.objects.create(code="XTEST", name="An archive")
    with pytest.raises(IntegrityError), transaction.atomic():
        Repository.objects.create(code="XTEST", name="Another archive")


def test_two_documents_cannot_share_a_source_id_but_many_may_have_none():
    make_document(external_id="110699")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_document(external_id="110699")
    make_document(external_id="")
    make_document(external_id="")


def test_a_date_needs_a_precision_and_no_date_has_none():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_document(date=datetime.date(1950, 1, 1), date_precision="")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_document(date=None, date_precision="day")
    undated = make_document(date=None, date_precision="", date_text="")
    assert undated.date_iso is None


def test_a_person_cannot_die_before_being_born():
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(name="Nobody", birth_year=1950, death_year=1900)


def test_the_language_facet_column_follows_the_first_original_language():
    document = make_document(original_languages=["ko", "ru"])
    assert document.language == "ko"
    document.original_languages = []
    document.save()
    assert document.language == ""


def test_the_date_is_cut_to_its_precision():
    assert make_document(date=datetime.date(1950, 10, 1), date_precision="month").date_iso == (
        "1950-10"
    )
    assert make_document(date=datetime.date(1950, 1, 1), date_precision="year").date_iso == "1950"
    assert make_document().date_iso == "1950-10-25"


def test_public_models_have_urls_and_readable_names():
    document = make_document(title="Telegram via VcH from Stalin to Cde. Molotov")
    person = make_person("Vyacheslav Testov")
    organization = Organization.objects.create(name="Far Eastern Commission", abbreviation="FEC")
    repository = Repository.objects.create(code="RGASPI-T", name="Russian State Archive")
    assert document.get_absolute_url() == (
        f"/documents/{document.pk}/telegram-via-vch-from-stalin-to-cde-molotov/"
    )
    assert person.get_absolute_url() == f"/people/{person.pk}/vyacheslav-testov/"
    assert person.sort_name == "Testov, Vyacheslav"
    assert str(organization) == "Far Eastern Commission (FEC)"
    assert repository.get_absolute_url() == "/repositories/RGASPI-T/"
