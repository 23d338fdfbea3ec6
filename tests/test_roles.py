"""The Curator and Viewer groups: what each can and cannot do in the admin."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.models import Group
from django.core.management import call_command
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


def member(client, django_user_model, group: str, username: str):
    call_command("setup_roles", stdout=StringIO())
    user = django_user_model.objects.create_user(username, password="pw-123456", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return client


@pytest.fixture
def curator(client, django_user_model):
    return member(client, django_user_model, "Curator", "cora")


@pytest.fixture
def viewer(client, django_user_model):
    return member(client, django_user_model, "Viewer", "vic")


def test_setup_roles_is_idempotent(db):
    out = StringIO()
    call_command("setup_roles", stdout=out)
    first = {g.name: set(g.permissions.values_list("codename", flat=True))
             for g in Group.objects.all()}  # fmt: skip
    call_command("setup_roles", stdout=out)
    again = {g.name: set(g.permissions.values_list("codename", flat=True))
             for g in Group.objects.all()}  # fmt: skip
    assert first == again
    assert set(first) == {"Curator", "Viewer"}
    assert "change_document" in first["Curator"] and "delete_document" not in first["Curator"]
    assert "delete_person" in first["Curator"]  # merges remove the merged-away record
    assert not any(c.endswith("_user") or c.endswith("_group") for c in first["Curator"])
    assert all(c.startswith("view_") for c in first["Viewer"])
    assert "Curator: updated" in out.getvalue()


def test_setup_roles_can_put_a_user_in_a_group(django_user_model):
    django_user_model.objects.create_user("newcomer")
    call_command("setup_roles", "--add", "newcomer", "Curator", stdout=StringIO())
    user = django_user_model.objects.get(username="newcomer")
    assert user.is_staff and user.groups.filter(name="Curator").exists()


def test_a_curator_cannot_open_user_management(curator):
    assert curator.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert curator.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert "auth/user" not in curator.get(reverse("admin:index")).content.decode()


def test_a_curator_adds_and_changes_documents_and_people(curator):
    assert curator.get(reverse("admin:catalogue_document_add")).status_code == 200
    document = make_document(title="Before")
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    data = change_form_data(curator, url)
    data["title"] = "After"
    assert curator.post(url, data).status_code == 302
    assert Document.objects.get(pk=document.pk).title == "After"
    person = make_person("Someone")
    url = reverse("admin:people_person_change", args=[person.pk])
    data = change_form_data(curator, url)
    data["variants-0-name"] = "Кто-то"
    assert curator.post(url, data).status_code == 302
    assert person.variants.get().name == "Кто-то"


def test_a_curator_cannot_delete_a_document_but_can_withdraw_it(curator):
    document = make_document()
    delete = reverse("admin:catalogue_document_delete", args=[document.pk])
    assert curator.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:catalogue_document_changelist")
    page = curator.get(changelist).content.decode()
    assert 'value="delete_selected"' not in page
    assert 'value="withdraw"' in page and 'value="publish"' in page
    curator.post(changelist, {"action": "withdraw", helpers.ACTION_CHECKBOX_NAME: [document.pk]})
    assert Document.objects.get(pk=document.pk).status == "withdrawn"


def test_a_curator_can_merge_people(curator):
    a, b = make_person("Kim Il Sung"), make_person("Kim Il-sung")
    response = curator.post(
        reverse("admin:people_person_changelist"),
        {"action": "merge_selected", helpers.ACTION_CHECKBOX_NAME: [a.pk, b.pk],
         "survivor": a.pk, "previewed": a.pk, "confirm": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    assert not Person.objects.filter(pk=b.pk).exists()


def test_a_curator_can_import_and_recover(curator):
    assert curator.get(reverse("admin:people_person_import")).status_code == 200
    person = make_person("Deleted By Mistake")
    assert curator.post(reverse("admin:people_person_delete", args=[person.pk]),
                        {"post": "yes"}).status_code == 302  # fmt: skip
    assert curator.post(reverse("admin:people_person_recover", args=[person.pk])).status_code == 302
    assert Person.objects.filter(pk=person.pk).exists()


def test_a_viewer_reads_everything_and_changes_nothing(viewer):
    document = make_document(title="Read only")
    person = make_person("Read Only Person")
    for url in [
        reverse("admin:catalogue_document_changelist"),
        reverse("admin:catalogue_document_change", args=[document.pk]),
        reverse("admin:catalogue_document_history", args=[document.pk]),
        reverse("admin:people_person_change", args=[person.pk]),
        reverse("admin:people_person_export"),
    ]:
        assert viewer.get(url).status_code == 200, url
    change = reverse("admin:catalogue_document_change", args=[document.pk])
    assert 'name="title"' not in viewer.get(change).content.decode()  # shown, not editable
    assert viewer.post(change, {"title": "Changed"}).status_code == 403
    assert viewer.get(reverse("admin:catalogue_document_add")).status_code == 403
    assert viewer.get(reverse("admin:people_person_import")).status_code == 403
    assert viewer.get(reverse("admin:auth_user_changelist")).status_code == 403
    page = viewer.get(reverse("admin:people_person_changelist")).content.decode()
    assert 'value="merge_selected"' not in page
    response = viewer.post(
        reverse("admin:catalogue_document_changelist"),
        {"action": "withdraw", helpers.ACTION_CHECKBOX_NAME: [document.pk]},
    )
    assert Document.objects.get(pk=document.pk).status == "published"
    assert response.status_code in (200, 302)
    assert viewer.post(reverse("admin:people_person_recover", args=[person.pk])).status_code == 403


def revertible_records():
    """One record of every model with a curators' admin, each with a first history entry."""
    from catalogue.admin_base import CuratorAdmin
    from tests.test_history import a_document_with_everything

    document = a_document_with_everything()
    person = document.person_links.get().person
    organization = document.organization_links.get().organization
    reference = document.references.get()
    records = {
        Document: document,
        ArchivalReference: reference,
        Translation: document.texts.first(),
        DocumentPerson: document.person_links.get(),
        DocumentOrganization: document.organization_links.get(),
        Repository: reference.repository,
        Person: person,
        PersonName: PersonName.objects.create(person=person, name="Молотов"),
        Organization: organization,
        OrganizationName: OrganizationName.objects.create(organization=organization, name="МИД"),
    }
    curated = {m for m, a in admin.site._registry.items() if isinstance(a, CuratorAdmin)}
    assert set(records) == curated  # a new curators' admin belongs in this list
    return records


def revert_url(obj, history_id) -> str:
    info = obj._meta.app_label, obj._meta.model_name
    return reverse("admin:{}_{}_simple_history".format(*info), args=[obj.pk, history_id])


def test_a_viewer_sees_old_versions_but_cannot_revert_any_record(viewer):
    records = revertible_records()
    for model, obj in records.items():
        first = obj.history.earliest()
        url = revert_url(obj, first.history_id)
        page = viewer.get(url)
        assert page.status_code == 200, model  # viewing an old version stays allowed
        assert 'name="_save"' not in page.content.decode(), model  # and offers no revert
        data = change_form_data(viewer, url)
        entries = obj.history.count()
        assert viewer.post(url, data).status_code == 403, model
        assert obj.history.count() == entries, model
    # Nor a change hidden in the revert form's fields.
    document = records[Document]
    url = revert_url(document, document.history.earliest().history_id)
    data = change_form_data(viewer, url)
    data["title"] = "Changed by a viewer"
    assert viewer.post(url, data).status_code == 403
    assert Document.objects.get(pk=document.pk).title == "Telegram from Molotov"


def test_a_viewer_cannot_recreate_a_deleted_row_through_its_history(viewer):
    person = make_person("Vyacheslav Molotov", "Молотов")
    variant = person.variants.get()
    url = revert_url(variant, variant.history.earliest().history_id)
    data = change_form_data(viewer, url)
    variant.delete()
    assert viewer.post(url, data).status_code == 403
    assert not PersonName.objects.filter(pk=variant.pk).exists()


def test_changing_without_adding_cannot_recreate_a_deleted_row(client, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("editor", password="pw-123456", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(
        codename__in=["view_personname", "change_personname"]
    ))  # fmt: skip
    client.force_login(user)
    person = make_person("Vyacheslav Molotov", "Молотов", "Molotoff")
    kept, deleted = person.variants.order_by("name")
    # An existing row: the permission to change it is enough to revert it.
    first = kept.history.earliest()
    kept.name = "Molotov"
    kept.save()
    url = revert_url(kept, first.history_id)
    assert client.post(url, change_form_data(client, url)).status_code == 302
    assert PersonName.objects.get(pk=kept.pk).name == "Molotoff"
    # A deleted one would come back as a new row: that needs the permission to add.
    url = revert_url(deleted, deleted.history.earliest().history_id)
    data = change_form_data(client, url)
    assert 'name="_save"' in client.get(revert_url(kept, first.history_id)).content.decode()
    deleted.delete()
    assert client.post(url, data).status_code == 403
    assert not PersonName.objects.filter(pk=deleted.pk).exists()


def test_a_curator_can_still_revert_a_document(curator):
    document = make_document(title="Before")
    first = document.history.get()
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    data = change_form_data(curator, url)
    data["title"] = "After"
    assert curator.post(url, data).status_code == 302
    revert = revert_url(document, first.history_id)
    assert 'name="_save"' in curator.get(revert).content.decode()
    assert curator.post(revert, change_form_data(curator, revert)).status_code == 302
    assert Document.objects.get(pk=document.pk).title == "Before"
