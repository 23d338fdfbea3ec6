"""History in the admin: who changed what and when, the diff, revert, recovering deleted records."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from catalogue.models import (
    ArchivalReference,
    Document,
    DocumentOrganization,
    DocumentPerson,
    Repository,
    Translation,
)
from people.models import Organization, OrganizationName, Person, PersonName
from tests.admin_forms import change_form_data
from tests.conftest import make_document, make_person

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def a_document_with_everything() -> Document:
    document = make_document(title="Telegram from Molotov", summary="On the conference")
    repository = Repository.objects.create(code="AVPRF", name="Foreign Policy Archive")
    ArchivalReference.objects.create(document=document, repository=repository, fond="06")
    translator = make_person("Gary Goldberg")
    text = Translation.objects.create(document=document, language="en", text="Text")
    text.translators.add(translator)
    Translation.objects.create(document=document, kind="original", language="ru", text="Текст")
    DocumentPerson.objects.create(document=document, person=make_person("V. Molotov"),
                                  role="author")  # fmt: skip
    DocumentOrganization.objects.create(
        document=document, organization=Organization.objects.create(name="MID"), role="author"
    )
    return document


def test_an_edit_is_recorded_with_its_author_and_the_history_page_shows_the_diff(staff_client):
    person = make_person("Andrei Gromyko", "Громыко")
    change = url("people_person_change", person.pk)
    data = change_form_data(staff_client, change)
    data["name"] = "Andrei A. Gromyko"
    data["description"] = "Foreign minister"
    response = staff_client.post(change, data)
    assert response.status_code == 302, response.context and response.context["errors"]

    latest, first = person.history.order_by("-history_date", "-history_id")[:2]
    assert latest.history_user.username == "curator"
    assert latest.history_type == "~"
    assert set(latest.diff_against(first).changed_fields) >= {"name", "description"}

    page = staff_client.get(url("people_person_history", person.pk)).content.decode()
    assert "Andrei A. Gromyko" in page and "Foreign minister" in page
    assert "curator" in page
    # The diff column: the old and the new value of the changed field.
    assert "Andrei Gromyko" in page and "&rarr;" in page


def test_revert_brings_back_an_earlier_version_as_a_new_history_entry(staff_client):
    person = make_person("Andrei Gromyko")
    original = person.history.get()
    change = url("people_person_change", person.pk)
    data = change_form_data(staff_client, change)
    data["name"] = "A. Gromyko (wrong)"
    assert staff_client.post(change, data).status_code == 302

    revert = url("people_person_simple_history", person.pk, original.history_id)
    data = change_form_data(staff_client, revert)
    assert data["name"] == "Andrei Gromyko"
    response = staff_client.post(revert, data)
    assert response.status_code == 302

    person.refresh_from_db()
    assert person.name == "Andrei Gromyko"
    assert person.history.count() == 3
    assert person.version == 3


def test_a_deleted_document_is_listed_and_recovered_with_its_references_texts_and_links(
    staff_client,
):
    document = a_document_with_everything()
    pk = document.pk
    response = staff_client.post(url("catalogue_document_delete", pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Document.objects.filter(pk=pk).exists()
    assert not ArchivalReference.objects.exists()

    listing = staff_client.get(url("catalogue_document_deleted")).content.decode()
    assert "Telegram from Molotov" in listing
    recover = url("catalogue_document_recover", pk)
    confirm = staff_client.get(recover)
    assert confirm.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in confirm.content.decode()
    response = staff_client.post(recover)
    assert response.status_code == 302
    assert response["Location"] == url("catalogue_document_change", pk)

    document = Document.objects.get(pk=pk)
    assert document.title == "Telegram from Molotov"
    assert document.references.get().repository.code == "AVPRF"
    assert document.texts.count() == 2
    assert [p.name for p in document.texts.get(language="en").translators.all()] == [
        "Gary Goldberg"
    ]
    assert document.person_links.get().person.name == "V. Molotov"
    assert document.organization_links.get().organization.name == "MID"
    assert document.history.order_by("-history_date").first().history_change_reason == "recovered"
    # Recovered once; the list of deleted records no longer offers it.
    listing = staff_client.get(url("catalogue_document_deleted")).content.decode()
    assert 'id="deleted-records"' not in listing and "No deleted documents" in listing


def test_a_deleted_person_comes_back_with_variants(staff_client):
    person = make_person("Kim Il Sung", "김일성", "Ким Ир Сен")
    pk = person.pk
    assert staff_client.post(url("people_person_delete", pk), {"post": "yes"}).status_code == 302
    assert staff_client.post(url("people_person_recover", pk)).status_code == 302
    assert sorted(Person.objects.get(pk=pk).variants.values_list("name", flat=True)) == [
        "Ким Ир Сен",
        "김일성",
    ]


def importer():
    # The importer's module needs the parser, which lands separately.
    pytest.importorskip("catalogue.importer.parse")
    from catalogue.importer import load

    return load


def test_changes_made_by_the_importer_are_recorded_as_the_importers(db):
    load = importer()
    document = make_document(title="As scraped")
    with load.recorded_as(load.importer_user()):
        document.title = "As re-scraped"
        document.version += 1
        document.save()
    assert document.history.latest().history_user.username == "importer"


def test_a_real_import_is_recorded_as_the_importers(db):
    importer()
    from io import StringIO

    from django.core.management import call_command

    from tests.conftest import SEEDS

    call_command("import_documents", str(SEEDS), stdout=StringIO(), stderr=StringIO())
    document = Document.objects.order_by("id").first()
    assert document.history.earliest().history_user.username == "importer"
    assert all(
        entry.history_user.username == "importer"
        for entry in DocumentPerson.history.filter(document_id=document.pk)
    )


HISTORY_MODELS = [
    Document, ArchivalReference, Translation, DocumentPerson, DocumentOrganization, Repository,
    Person, PersonName, Organization, OrganizationName,
]  # fmt: skip


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda m: m._meta.label)
def test_every_record_has_a_history_page_in_the_admin(staff_client, model):
    assert model in admin.site._registry
    document = a_document_with_everything()
    organization = document.organization_links.get().organization
    created = {
        Document: document,
        ArchivalReference: document.references.get(),
        Translation: document.texts.first(),
        DocumentPerson: document.person_links.get(),
        DocumentOrganization: document.organization_links.get(),
        Repository: document.references.get().repository,
        Person: document.person_links.get().person,
        PersonName: PersonName.objects.create(person=document.person_links.get().person,
                                              name="Молотов"),
        Organization: organization,
        OrganizationName: OrganizationName.objects.create(organization=organization, name="МИД"),
    }  # fmt: skip
    obj = created[model]
    info = model._meta.app_label, model._meta.model_name
    page = staff_client.get(url("{}_{}_history".format(*info), obj.pk))
    assert page.status_code == 200
    assert obj.history.exists()
    assert staff_client.get(url("{}_{}_deleted".format(*info))).status_code == 200


def test_history_pages_of_links_open_after_the_linked_record_was_merged_away_or_deleted(
    staff_client,
):
    from people.services import organization_merge, person_merge

    document = a_document_with_everything()
    person_link = document.person_links.get()
    organization_link = document.organization_links.get()
    merged_away = person_link.person
    survivor = make_person("Vyacheslav Molotov")
    person_merge(keep=survivor, remove=[merged_away])
    organization = organization_link.organization
    organization_merge(
        keep=Organization.objects.create(name="Ministry of Foreign Affairs"),
        remove=[organization],
    )
    # The merge moved the links; their first history entries still name the removed records.
    for link, name, gone_id in [
        (person_link, "documentperson", merged_away.pk),
        (organization_link, "documentorganization", organization.pk),
    ]:
        first = link.history.earliest()
        history = staff_client.get(url(f"catalogue_{name}_history", link.pk))
        assert history.status_code == 200, name
        assert f"#{gone_id}, deleted" in history.content.decode()
        old = staff_client.get(url(f"catalogue_{name}_simple_history", link.pk, first.history_id))
        assert old.status_code == 200, name

    # Deleted with the record they name: the deleted links' list opens and names the id.
    gone = make_person("Deleted Person")
    DocumentPerson.objects.create(document=document, person=gone, role="mentioned")
    gone_id = gone.pk
    gone.delete()
    listing = staff_client.get(url("catalogue_documentperson_deleted"))
    assert listing.status_code == 200
    assert f"#{gone_id}" in listing.content.decode()
    gone_org = Organization.objects.create(name="Deleted Organization")
    DocumentOrganization.objects.create(document=document, organization=gone_org, role="funder")
    gone_org.delete()
    assert staff_client.get(url("catalogue_documentorganization_deleted")).status_code == 200


def test_link_and_reference_names_say_which_record_is_gone():
    document = make_document()
    person = make_person("Deleted Person")
    link = DocumentPerson.objects.create(document=document, person=person, role="author")
    organization = Organization.objects.create(name="Deleted Organization", abbreviation="DO")
    org_link = DocumentOrganization.objects.create(
        document=document, organization=organization, role="funder"
    )
    repository = Repository.objects.create(code="GONE")
    reference = ArchivalReference.objects.create(document=document, repository=repository, fond="5")
    assert str(DocumentPerson.objects.get(pk=link.pk)) == "Deleted Person (author)"
    assert str(org_link) == "Deleted Organization (DO) (funder)"
    assert str(reference) == "GONE, f. 5"
    # Historical copies point at ids that no longer exist.
    person_id, organization_id = person.pk, organization.pk
    old_link, old_org_link = link.history.earliest().instance, org_link.history.earliest().instance
    old_reference = reference.history.earliest().instance
    reference.delete()
    repository.delete()
    person.delete()
    organization.delete()
    assert str(old_link) == f"person #{person_id}, deleted (author)"
    assert str(old_org_link) == f"organization #{organization_id}, deleted (funder)"
    assert str(old_reference) == f"repository #{old_reference.repository_id}, deleted, f. 5"
    # No repository at all, no text: still a name.
    assert str(ArchivalReference(document=document, fond="7")) == "no repository, f. 7"
    assert str(ArchivalReference(document=document, text="RGASPI f. 17")) == "RGASPI f. 17"


def test_link_names_cost_no_query_with_the_linked_record_loaded(django_assert_num_queries):
    document = make_document()
    DocumentPerson.objects.create(document=document, person=make_person("A"), role="author")
    link = DocumentPerson.objects.select_related("person").get()
    with django_assert_num_queries(0):
        assert str(link) == "A (author)"


def test_a_recovered_document_keeps_its_import_baseline_and_conflicts(staff_client):
    document = make_document(title="Telegram from Molotov")
    baseline = {"title": "Telegram from Molotov", "texts": [{"language": "ru", "text": "Текст"}]}
    conflicts = {"summary": "A summary the last import brought"}
    Document.objects.filter(pk=document.pk).update(
        imported_values=baseline, import_conflicts=conflicts, curated_fields=["summary"]
    )
    assert staff_client.post(url("catalogue_document_delete", document.pk),
                             {"post": "yes"}).status_code == 302  # fmt: skip
    assert staff_client.post(url("catalogue_document_recover", document.pk)).status_code == 302
    recovered = Document.objects.get(pk=document.pk)
    assert recovered.imported_values == baseline
    assert recovered.import_conflicts == conflicts
    assert recovered.curated_fields == ["summary"]
    # Only the deletion's row carries the baseline; the other history rows stay lean.
    rows = Document.history.filter(id=document.pk)
    assert {r.history_type for r in rows.exclude(import_baseline=None)} == {"-"}


def test_a_deletion_of_a_partly_loaded_document_keeps_its_baseline(db):
    from catalogue.history import record_recover

    document = make_document()
    Document.objects.filter(pk=document.pk).update(imported_values={"title": "T"})
    Document.objects.only("id", "title").get(pk=document.pk).delete()
    assert record_recover(model=Document, pk=document.pk).record.imported_values == {"title": "T"}


def test_a_document_with_no_import_comes_back_with_none(db):
    from catalogue.history import record_recover

    pk = make_document().pk
    Document.objects.get(pk=pk).delete()
    recovered = record_recover(model=Document, pk=pk).record
    assert (recovered.imported_values, recovered.import_conflicts) == ({}, {})


def test_a_curators_fix_survives_deletion_recovery_and_the_next_import(staff_client, tmp_path):
    importer()
    import shutil
    from io import StringIO

    from django.core.management import call_command

    from tests.conftest import SEEDS

    seed = sorted(SEEDS.glob("*.txt"))[0]
    shutil.copy(seed, tmp_path / seed.name)
    call_command("import_documents", str(tmp_path), stdout=StringIO(), stderr=StringIO())
    document = Document.objects.get()
    text = document.texts.order_by("position", "id").first()
    fixed = text.text + " [corrected by a curator]"
    Translation.objects.filter(pk=text.pk).update(text=fixed)

    assert staff_client.post(url("catalogue_document_delete", document.pk),
                             {"post": "yes"}).status_code == 302  # fmt: skip
    assert staff_client.post(url("catalogue_document_recover", document.pk)).status_code == 302
    # The source is scraped again: other bytes, the same page.
    (tmp_path / seed.name).write_bytes(seed.read_bytes() + b"\n\n")
    call_command("import_documents", str(tmp_path), stdout=StringIO(), stderr=StringIO())
    assert Document.objects.get().sha256 != document.sha256  # the import did update it
    assert fixed in Document.objects.get().texts.values_list("text", flat=True)
