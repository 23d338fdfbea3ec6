"""No lost updates: a save based on a stale copy is refused, saying what changed meanwhile."""

from __future__ import annotations

import pytest
from django.urls import reverse
from simple_history.models import HistoricalRecords

from catalogue.models import Document
from people.models import Person, PersonName
from tests.admin_forms import change_form_data, error_text
from tests.conftest import make_document, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_curators(client, django_user_model):
    from django.test import Client

    alice = django_user_model.objects.create_superuser("alice", "a@example.org", "pw-123456")
    bob = django_user_model.objects.create_superuser("bob", "b@example.org", "pw-123456")
    first, second = Client(), Client()
    first.force_login(alice)
    second.force_login(bob)
    return first, second


def test_the_second_of_two_concurrent_edits_is_refused_and_told_what_changed(two_curators):
    alice, bob = two_curators
    person = make_person("Vyacheslav Molotov")
    url = reverse("admin:people_person_change", args=[person.pk])
    alices_form = change_form_data(alice, url)
    bobs_form = change_form_data(bob, url)

    alices_form["description"] = "People's Commissar for Foreign Affairs"
    assert alice.post(url, alices_form).status_code == 302

    bobs_form["name"] = "V. M. Molotov"
    response = bob.post(url, bobs_form)
    assert response.status_code == 200  # the form again, with the error
    message = error_text(response)
    assert "Not saved" in message
    assert "alice" in message and "description" in message
    assert "Nothing was overwritten" in message
    # Bob's typing is still in the form for him to redo.
    assert 'value="V. M. Molotov"' in response.content.decode()

    person.refresh_from_db()
    assert person.name == "Vyacheslav Molotov"
    assert person.description == "People's Commissar for Foreign Affairs"
    assert person.version == 2


def test_after_reloading_the_second_curator_can_save(two_curators):
    alice, bob = two_curators
    person = make_person("Vyacheslav Molotov")
    url = reverse("admin:people_person_change", args=[person.pk])
    stale = change_form_data(bob, url)
    form = change_form_data(alice, url)
    form["description"] = "Minister"
    alice.post(url, form)
    assert bob.post(url, {**stale, "name": "V. Molotov"}).status_code == 200

    fresh = change_form_data(bob, url)
    fresh["name"] = "V. Molotov"
    assert bob.post(url, fresh).status_code == 302
    person.refresh_from_db()
    assert (person.name, person.description, person.version) == ("V. Molotov", "Minister", 3)


def test_a_change_to_the_name_variants_alone_also_refuses_a_stale_save(two_curators):
    alice, bob = two_curators
    person = make_person("Kim Il Sung", "Ким Ир Сен")
    url = reverse("admin:people_person_change", args=[person.pk])
    alices_form = change_form_data(alice, url)
    bobs_form = change_form_data(bob, url)
    # Alice adds a variant in the inline's empty row.
    alices_form["variants-1-name"] = "김일성"
    assert alice.post(url, alices_form).status_code == 302
    bobs_form["description"] = "Leader"
    response = bob.post(url, bobs_form)
    assert response.status_code == 200
    assert "name variants" in error_text(response)
    assert PersonName.objects.filter(person=person).count() == 2


def test_an_import_between_opening_and_saving_refuses_the_curators_save(staff_client):
    document = make_document(title="As scraped")
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    form = change_form_data(staff_client, url)

    # What the importer does to a document it updates: under its own name, version + 1.
    from types import SimpleNamespace

    from django.contrib.auth import get_user_model

    importer, _ = get_user_model().objects.get_or_create(username="importer")
    HistoricalRecords.context.request = SimpleNamespace(user=importer)
    try:
        fresh = Document.objects.get(pk=document.pk)
        fresh.title = "As re-scraped"
        fresh.version += 1
        fresh.save()
    finally:
        del HistoricalRecords.context.request

    form["title"] = "Corrected by a curator"
    response = staff_client.post(url, form)
    assert response.status_code == 200
    message = error_text(response)
    assert "importer" in message and "title" in message
    assert Document.objects.get(pk=document.pk).title == "As re-scraped"


def test_every_admin_save_increments_the_version(staff_client):
    person = make_person("Andrei Gromyko")
    url = reverse("admin:people_person_change", args=[person.pk])
    for expected in (2, 3, 4):
        form = change_form_data(staff_client, url)
        form["description"] = f"edit {expected}"
        assert staff_client.post(url, form).status_code == 302
        assert Person.objects.get(pk=person.pk).version == expected


def test_a_form_without_the_loaded_version_is_refused(staff_client):
    person = make_person("Andrei Gromyko")
    url = reverse("admin:people_person_change", args=[person.pk])
    form = change_form_data(staff_client, url)
    del form["loaded_version"]
    form["name"] = "Someone else"
    response = staff_client.post(url, form)
    assert response.status_code == 200
    assert Person.objects.get(pk=person.pk).name == "Andrei Gromyko"


def test_a_revert_based_on_a_stale_page_is_refused(two_curators):
    alice, bob = two_curators
    person = make_person("Andrei Gromyko")
    first = person.history.get()
    url = reverse("admin:people_person_change", args=[person.pk])
    form = change_form_data(alice, url)
    form["name"] = "A. Gromyko"
    alice.post(url, form)

    revert = reverse("admin:people_person_simple_history", args=[person.pk, first.history_id])
    bobs_revert = change_form_data(bob, revert)
    form = change_form_data(alice, url)
    form["description"] = "Minister"
    alice.post(url, form)
    response = bob.post(revert, bobs_revert)
    assert response.status_code == 200
    person.refresh_from_db()
    assert (person.name, person.description) == ("A. Gromyko", "Minister")


def test_the_change_page_carries_the_version_in_a_hidden_field(staff_client):
    document = make_document()
    page = staff_client.get(reverse("admin:catalogue_document_change", args=[document.pk]))
    assert 'type="hidden" name="loaded_version" value="1"' in page.content.decode()


# --- a record's parts edited on their own pages -------------------------------------------------


def a_document_with_a_text():
    from catalogue.models import ArchivalReference, Repository, Translation

    document = make_document(title="Telegram")
    text = Translation.objects.create(document=document, language="en", text="Moscow, 1950")
    repository = Repository.objects.create(code="AVPRF")
    ArchivalReference.objects.create(document=document, repository=repository, fond="06")
    return document, text


def test_a_text_saved_on_its_own_page_refuses_a_stale_document_form(two_curators):
    from catalogue.models import Translation

    alice, bob = two_curators
    document, text = a_document_with_a_text()
    document_url = reverse("admin:catalogue_document_change", args=[document.pk])
    alices_form = change_form_data(alice, document_url)
    assert alices_form["texts-0-text"] == "Moscow, 1950"

    text_url = reverse("admin:catalogue_translation_change", args=[text.pk])
    bobs_form = change_form_data(bob, text_url)
    bobs_form["text"] = "Moscow, 1951"
    assert bob.post(text_url, bobs_form).status_code == 302
    assert Document.objects.get(pk=document.pk).version == 2
    latest = document.history.latest()
    assert latest.history_user.username == "bob"
    assert latest.history_change_reason == "text “Translation (en)” changed"

    alices_form["title"] = "Telegram to Stalin"
    response = alice.post(document_url, alices_form)
    assert response.status_code == 200
    message = error_text(response)
    assert "Not saved" in message and "bob" in message and "texts" in message
    assert Translation.objects.get(pk=text.pk).text == "Moscow, 1951"
    assert Document.objects.get(pk=document.pk).title == "Telegram"
    # Reloaded, Alice's form holds Bob's text and saves.
    fresh = change_form_data(alice, document_url)
    fresh["title"] = "Telegram to Stalin"
    assert alice.post(document_url, fresh).status_code == 302
    assert Translation.objects.get(pk=text.pk).text == "Moscow, 1951"
    assert Document.objects.get(pk=document.pk).version == 3


@pytest.mark.parametrize("part", ["references", "person_links", "organization_links", "texts"])
def test_every_part_added_on_its_own_page_refuses_a_stale_document_form(two_curators, part):
    from catalogue.models import Organization

    alice, bob = two_curators
    document, text = a_document_with_a_text()
    document_url = reverse("admin:catalogue_document_change", args=[document.pk])
    alices_form = change_form_data(alice, document_url)
    added = {
        "references": ("archivalreference", {"document": document.pk, "fond": "07",
                                             "position": 0}),
        "person_links": ("documentperson", {"document": document.pk, "role": "author",
                                            "origin": "curator",
                                            "person": make_person("V. Molotov").pk}),
        "organization_links": ("documentorganization", {
            "document": document.pk, "role": "author", "origin": "curator",
            "organization": Organization.objects.create(name="MID").pk}),
        "texts": ("translation", {"document": document.pk, "kind": "original", "language": "ru",
                                  "text": "Москва", "position": 1}),
    }  # fmt: skip
    model_name, data = added[part]
    response = bob.post(reverse(f"admin:catalogue_{model_name}_add"), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    alices_form["title"] = "Telegram to Stalin"
    response = alice.post(document_url, alices_form)
    assert response.status_code == 200
    assert "bob" in error_text(response)
    assert Document.objects.get(pk=document.pk).title == "Telegram"


def test_a_part_deleted_on_its_own_page_refuses_a_stale_document_form(two_curators):
    from catalogue.models import ArchivalReference

    alice, bob = two_curators
    document, text = a_document_with_a_text()
    document_url = reverse("admin:catalogue_document_change", args=[document.pk])
    alices_form = change_form_data(alice, document_url)
    reference = ArchivalReference.objects.get()
    delete = reverse("admin:catalogue_archivalreference_delete", args=[reference.pk])
    assert bob.post(delete, {"post": "yes"}).status_code == 302
    alices_form["references-0-fond"] = "6"
    response = alice.post(document_url, alices_form)
    assert response.status_code == 200 and "bob" in error_text(response)
    assert not ArchivalReference.objects.exists()


def test_deleting_selected_texts_moves_their_documents_versions(two_curators):
    from django.contrib.admin import helpers

    from catalogue.models import Translation

    alice, bob = two_curators
    document, text = a_document_with_a_text()
    other = make_document(title="Other")
    other_text = Translation.objects.create(document=other, language="ru", text="Текст")
    changelist = reverse("admin:catalogue_translation_changelist")
    response = bob.post(changelist, {
        "action": "delete_selected", "post": "yes",
        helpers.ACTION_CHECKBOX_NAME: [text.pk, other_text.pk],
    })  # fmt: skip
    assert response.status_code == 302
    assert not Translation.objects.exists()
    assert [d.version for d in Document.objects.order_by("pk")] == [2, 2]


def test_moving_a_text_to_another_document_moves_both_versions(two_curators):
    alice, bob = two_curators
    document, text = a_document_with_a_text()
    other = make_document(title="Other")
    text_url = reverse("admin:catalogue_translation_change", args=[text.pk])
    form = change_form_data(bob, text_url)
    form["document"] = str(other.pk)
    assert bob.post(text_url, form).status_code == 302
    assert Document.objects.get(pk=document.pk).version == 2
    assert Document.objects.get(pk=other.pk).version == 2


def test_a_variant_added_on_its_own_page_refuses_a_stale_person_form(two_curators):
    alice, bob = two_curators
    person = make_person("Kim Il Sung", "Ким Ир Сен")
    url = reverse("admin:people_person_change", args=[person.pk])
    alices_form = change_form_data(alice, url)
    response = bob.post(
        reverse("admin:people_personname_add"),
        {"person": person.pk, "name": "김일성", "kind": "native"},
    )
    assert response.status_code == 302
    alices_form["description"] = "Leader"
    response = alice.post(url, alices_form)
    assert response.status_code == 200
    assert "bob" in error_text(response) and "name variants" in error_text(response)
    assert Person.objects.get(pk=person.pk).description == ""


def test_an_organization_variant_changed_on_its_own_page_moves_its_version(two_curators):
    from people.models import Organization, OrganizationName

    alice, bob = two_curators
    organization = Organization.objects.create(name="Ministry of Foreign Affairs")
    variant = OrganizationName.objects.create(organization=organization, name="MID")
    url = reverse("admin:people_organizationname_change", args=[variant.pk])
    form = change_form_data(bob, url)
    form["name"] = "MFA"
    assert bob.post(url, form).status_code == 302
    assert Organization.objects.get(pk=organization.pk).version == 2


def test_a_part_refused_on_its_own_page_leaves_the_version_alone(two_curators):
    alice, bob = two_curators
    document, text = a_document_with_a_text()
    text_url = reverse("admin:catalogue_translation_change", args=[text.pk])
    form = change_form_data(bob, text_url)
    form["text"] = ""
    assert bob.post(text_url, form).status_code == 200  # the text is required
    form["text"], form["document"] = "Moscow", "999999"
    assert bob.post(text_url, form).status_code == 200  # no such document
    assert Document.objects.get(pk=document.pk).version == 1
    assert document.history.count() == 1


def test_a_text_page_loaded_before_the_document_form_saved_is_refused(two_curators):
    from catalogue.models import Translation

    alice, bob = two_curators
    document, text = a_document_with_a_text()
    text_url = reverse("admin:catalogue_translation_change", args=[text.pk])
    bobs_form = change_form_data(bob, text_url)
    document_url = reverse("admin:catalogue_document_change", args=[document.pk])
    alices_form = change_form_data(alice, document_url)
    alices_form["texts-0-text"] = "Moscow, 25 October 1950"
    assert alice.post(document_url, alices_form).status_code == 302

    bobs_form["text"] = "Moscow, 1951"
    response = bob.post(text_url, bobs_form)
    assert response.status_code == 200
    message = error_text(response)
    assert "Not saved" in message and "its document changed" in message
    assert "alice" in message and "texts" in message
    assert Translation.objects.get(pk=text.pk).text == "Moscow, 25 October 1950"
    # Loaded again, Bob's page saves.
    fresh = change_form_data(bob, text_url)
    fresh["text"] = "Moscow, 1951"
    assert bob.post(text_url, fresh).status_code == 302
    assert Translation.objects.get(pk=text.pk).text == "Moscow, 1951"


def test_two_pages_of_one_documents_parts_refuse_the_later_stale_save(two_curators):
    from catalogue.models import ArchivalReference

    alice, bob = two_curators
    document, text = a_document_with_a_text()
    text_url = reverse("admin:catalogue_translation_change", args=[text.pk])
    reference = ArchivalReference.objects.get()
    reference_url = reverse("admin:catalogue_archivalreference_change", args=[reference.pk])
    alices_form = change_form_data(alice, reference_url)
    bobs_form = change_form_data(bob, text_url)
    alices_form["fond"] = "6"
    assert alice.post(reference_url, alices_form).status_code == 302
    bobs_form["text"] = "Moscow, 1951"
    response = bob.post(text_url, bobs_form)
    assert response.status_code == 200
    assert "alice" in error_text(response) and "references" in error_text(response)


def test_an_import_between_opening_and_saving_a_part_refuses_it(staff_client):
    from catalogue.models import Translation

    document, text = a_document_with_a_text()
    url = reverse("admin:catalogue_translation_change", args=[text.pk])
    form = change_form_data(staff_client, url)
    # What the importer does to a document it updates: version + 1.
    fresh = Document.objects.get(pk=document.pk)
    fresh.summary = "Re-scraped"
    fresh.version += 1
    fresh.save()
    form["text"] = "Corrected"
    response = staff_client.post(url, form)
    assert response.status_code == 200 and "summary" in error_text(response)
    assert Translation.objects.get(pk=text.pk).text == "Moscow, 1950"


def test_a_part_form_without_its_records_version_is_refused(staff_client):
    from people.models import PersonName

    person = make_person("Kim Il Sung", "Ким Ир Сен")
    variant = person.variants.get()
    url = reverse("admin:people_personname_change", args=[variant.pk])
    form = change_form_data(staff_client, url)
    del form["loaded_parent_version"]
    form["name"] = "Ким Ир Сэн"
    response = staff_client.post(url, form)
    assert response.status_code == 200
    assert "does not say which version of its person" in error_text(response)
    form["loaded_parent_version"] = "not a number"
    response = staff_client.post(url, form)
    assert response.status_code == 200
    assert PersonName.objects.get(pk=variant.pk).name == "Ким Ир Сен"
    # The add page needs no version: a new part has no copy to be stale.
    add = reverse("admin:people_personname_add")
    data = {"person": person.pk, "name": "김일성", "kind": "native"}
    assert staff_client.post(add, data).status_code == 302


def test_a_stale_revert_of_a_part_is_refused(two_curators):
    from catalogue.models import Translation

    alice, bob = two_curators
    document, text = a_document_with_a_text()
    first = text.history.earliest()
    Translation.objects.filter(pk=text.pk).update(text="Moscow, 1951")
    revert = reverse("admin:catalogue_translation_simple_history", args=[text.pk, first.history_id])
    bobs_revert = change_form_data(bob, revert)
    document_url = reverse("admin:catalogue_document_change", args=[document.pk])
    form = change_form_data(alice, document_url)
    form["title"] = "Telegram to Stalin"
    assert alice.post(document_url, form).status_code == 302
    response = bob.post(revert, bobs_revert)
    assert response.status_code == 200
    assert Translation.objects.get(pk=text.pk).text == "Moscow, 1951"
    # A fresh revert page goes through.
    assert bob.post(revert, change_form_data(bob, revert)).status_code == 302
    assert Translation.objects.get(pk=text.pk).text == "Moscow, 1950"
