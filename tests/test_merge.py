"""Merging duplicate people, organizations and repositories through the admin."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from catalogue.models import (
    ArchivalReference,
    DocumentOrganization,
    DocumentPerson,
    Repository,
    RepositoryRedirect,
    Translation,
)
from people.models import Organization, OrganizationName, Person, PersonName, PersonRedirect
from tests.conftest import make_document, make_person

pytestmark = pytest.mark.django_db


def merge_action(client, model, records, **extra):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    data = {"action": "merge_selected", helpers.ACTION_CHECKBOX_NAME: [r.pk for r in records]}
    data.update(extra)
    return client.post(url, data)


@pytest.fixture
def duplicates():
    """Two records of Molotov that share a document, with variants and a translation credit."""
    keep = make_person("Vyacheslav Molotov", "Молотов", "V. Molotov")
    dupe = make_person("V. M. Molotov", "molotov", "Вячеслав Молотов")
    shared = make_document(title="Shared")
    only_dupe = make_document(title="Only the duplicate")
    DocumentPerson.objects.create(document=shared, person=keep, role="author", origin="import")
    DocumentPerson.objects.create(document=shared, person=dupe, role="author", origin="curator")
    DocumentPerson.objects.create(document=shared, person=dupe, role="mentioned")
    DocumentPerson.objects.create(document=only_dupe, person=dupe, role="recipient")
    text = Translation.objects.create(document=shared, language="en", text="…")
    text.translators.add(dupe)
    return keep, dupe, shared, only_dupe


def test_the_merge_action_shows_the_candidates_then_a_preview_then_merges(staff_client, duplicates):
    keep, dupe, shared, only_dupe = duplicates
    choose = merge_action(staff_client, Person, [keep, dupe])
    assert choose.status_code == 200
    page = choose.content.decode()
    assert 'name="survivor"' in page and 'name="csrfmiddlewaretoken"' in page
    assert '<html lang="en-us"' in page or "<html" in page  # a whole admin page

    preview = merge_action(staff_client, Person, [keep, dupe], survivor=keep.pk, preview="1")
    page = preview.content.decode()
    assert 'id="merge-preview"' in page
    assert "Only the duplicate" in page  # a link that moves
    assert "V. M. Molotov" in page  # the removed name becomes a variant
    assert f"/people/{dupe.pk}/" in page  # the redirect to be made
    assert Person.objects.filter(pk=dupe.pk).exists()  # a preview changes nothing

    done = merge_action(
        staff_client, Person, [keep, dupe], survivor=keep.pk, previewed=keep.pk, confirm="1"
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:people_person_change", args=[keep.pk])


def test_merging_two_people_who_share_documents_leaves_one_person_and_no_duplicate_links(
    staff_client, duplicates
):
    keep, dupe, shared, only_dupe = duplicates
    merge_action(
        staff_client, Person, [keep, dupe], survivor=keep.pk, previewed=keep.pk, confirm="1"
    )
    assert list(Person.objects.filter(pk__in=[keep.pk, dupe.pk])) == [keep]
    links = sorted(DocumentPerson.objects.values_list("document__title", "person_id", "role"))
    assert links == [
        ("Only the duplicate", keep.pk, "recipient"),
        ("Shared", keep.pk, "author"),
        ("Shared", keep.pk, "mentioned"),
    ]
    # The collapsed author link had a curator's word behind it; the survivor keeps that.
    assert DocumentPerson.objects.get(document=shared, role="author").origin == "curator"
    assert list(Translation.objects.get().translators.all()) == [keep]
    names = sorted(PersonName.objects.filter(person=keep).values_list("name", flat=True))
    # Every spelling of both records, each once (the survivor's own name is not repeated).
    assert names == sorted(["Молотов", "V. Molotov", "V. M. Molotov", "Вячеслав Молотов",
                            "molotov"])  # fmt: skip


def test_the_old_address_of_a_merged_person_redirects_to_the_survivor(staff_client, client,
                                                                      duplicates):  # fmt: skip
    keep, dupe, *_ = duplicates
    old = dupe.pk
    merge_action(
        staff_client, Person, [keep, dupe], survivor=keep.pk, previewed=keep.pk, confirm="1"
    )
    assert PersonRedirect.objects.get(old_id=old).person == keep
    response = client.get(f"/people/{old}/")
    assert response.status_code == 301
    assert response["Location"].startswith(f"/people/{keep.pk}/")


def test_the_merge_is_recorded_in_history(staff_client, duplicates):
    keep, dupe, *_ = duplicates
    merge_action(
        staff_client, Person, [keep, dupe], survivor=keep.pk, previewed=keep.pk, confirm="1"
    )
    removed = Person.history.filter(id=dupe.pk).latest()
    assert removed.history_type == "-"
    assert removed.history_change_reason == f"merged into #{keep.pk}"
    assert removed.history_user.username == "curator"
    survivor = Person.history.filter(id=keep.pk).latest()
    assert survivor.history_change_reason == f"merged #{dupe.pk} into this"
    moved = DocumentPerson.history.filter(person_id=keep.pk, role="recipient").latest()
    assert moved.history_change_reason == f"merged into #{keep.pk}"
    # And the merged-away record can be looked at (and recovered) from the deleted list.
    listing = staff_client.get(reverse("admin:people_person_deleted")).content.decode()
    assert "V. M. Molotov" in listing


def test_redirects_to_a_merged_away_record_follow_it_to_the_new_survivor(db):
    from people.services import person_merge

    a, b, c = make_person("A One"), make_person("A Two"), make_person("A Three")
    person_merge(keep=b, remove=[a])
    person_merge(keep=c, remove=[b])
    assert dict(PersonRedirect.objects.values_list("old_id", "person_id")) == {
        a.pk: c.pk,
        b.pk: c.pk,
    }


def test_a_merge_with_a_changed_survivor_needs_a_new_preview(staff_client, duplicates):
    keep, dupe, *_ = duplicates
    response = merge_action(
        staff_client, Person, [keep, dupe], survivor=dupe.pk, previewed=keep.pk, confirm="1"
    )
    assert response.status_code == 200  # the preview for the newly chosen survivor
    assert Person.objects.filter(pk__in=[keep.pk, dupe.pk]).count() == 2


def test_merging_three_people_at_once(staff_client):
    people = [make_person(f"Kim Il Sung {i}") for i in range(3)]
    document = make_document()
    for person in people:
        DocumentPerson.objects.create(document=document, person=person, role="mentioned")
    merge_action(staff_client, Person, people, survivor=people[1].pk, previewed=people[1].pk,
                 confirm="1")  # fmt: skip
    assert list(Person.objects.filter(pk__in=[p.pk for p in people])) == [people[1]]
    assert DocumentPerson.objects.get().person == people[1]


def test_merging_organizations_moves_links_variants_and_children(staff_client, client):
    keep = Organization.objects.create(name="Ministry of Foreign Affairs", abbreviation="MID")
    dupe = Organization.objects.create(name="MFA USSR")
    OrganizationName.objects.create(organization=dupe, name="МИД СССР")
    child = Organization.objects.create(name="Far Eastern Department", parent=dupe)
    document = make_document()
    DocumentOrganization.objects.create(document=document, organization=keep, role="author")
    DocumentOrganization.objects.create(document=document, organization=dupe, role="author")
    response = merge_action(staff_client, Organization, [keep, dupe], survivor=keep.pk,
                            previewed=keep.pk, confirm="1")  # fmt: skip
    assert response.status_code == 302
    assert DocumentOrganization.objects.get().organization == keep
    assert sorted(keep.variants.values_list("name", flat=True)) == ["MFA USSR", "МИД СССР"]
    child.refresh_from_db()
    assert child.parent == keep
    assert client.get(f"/organizations/{dupe.pk}/").status_code == 301


def test_merging_repositories_moves_references_and_redirects_the_old_code(staff_client, client):
    keep = Repository.objects.create(code="AVPRF", name="Foreign Policy Archive")
    dupe = Repository.objects.create(code="AVP RF", country="RU")
    document = make_document()
    ArchivalReference.objects.create(document=document, repository=dupe, fond="06")
    response = merge_action(staff_client, Repository, [keep, dupe], survivor=keep.pk,
                            previewed=keep.pk, confirm="1")  # fmt: skip
    assert response.status_code == 302
    assert ArchivalReference.objects.get().repository == keep
    assert RepositoryRedirect.objects.get().old_code == "AVP RF"
    keep.refresh_from_db()
    assert keep.country == "RU"  # an empty field of the survivor filled in
    assert Repository.history.filter(id=dupe.pk).latest().history_type == "-"
    response = client.get("/repositories/AVP%20RF/")
    assert response.status_code == 301


def test_merging_needs_two_records(staff_client):
    person = make_person("Alone")
    response = merge_action(staff_client, Person, [person])
    assert response.status_code == 302
    assert Person.objects.filter(pk=person.pk).exists()


def test_merging_many_records_at_once_keeps_a_short_history_reason(db):
    from people.services import person_merge

    keep = make_person("Survivor Person")
    others = [make_person(f"Duplicate Person {i}") for i in range(40)]
    person_merge(keep=keep, remove=others)
    reason = Person.history.filter(id=keep.pk).latest().history_change_reason
    assert reason.startswith("merged #") and len(reason) <= 100


# --- merged away, recovered, merged again ----------------------------------------------------


def confirm_merge(client, model, keep, remove):
    return merge_action(client, model, [keep, *remove], survivor=keep.pk, previewed=keep.pk,
                        confirm="1")  # fmt: skip


def recover(client, record):
    info = record._meta.app_label, record._meta.model_name
    return client.post(reverse("admin:{}_{}_recover".format(*info), args=[record.pk]))


def test_a_recovered_person_answers_at_its_address_and_can_be_merged_again(staff_client, client):
    keep, dupe = make_person("Vyacheslav Molotov"), make_person("V. M. Molotov")
    assert confirm_merge(staff_client, Person, keep, [dupe]).status_code == 302
    assert recover(staff_client, dupe).status_code == 302
    assert Person.objects.filter(pk=dupe.pk).exists()
    assert not PersonRedirect.objects.filter(old_id=dupe.pk).exists()
    assert client.get(dupe.get_absolute_url()).status_code == 200  # its own page, not a 301
    # Merged a second time, the old address redirects again, to the survivor.
    assert confirm_merge(staff_client, Person, keep, [dupe]).status_code == 302
    assert not Person.objects.filter(pk=dupe.pk).exists()
    assert PersonRedirect.objects.get(old_id=dupe.pk).person == keep


def test_merging_the_survivor_into_the_recovered_person_leaves_no_redirect_to_itself(staff_client):
    keep, dupe = make_person("Vyacheslav Molotov"), make_person("V. M. Molotov")
    confirm_merge(staff_client, Person, keep, [dupe])
    recover(staff_client, dupe)
    assert confirm_merge(staff_client, Person, dupe, [keep]).status_code == 302
    assert dict(PersonRedirect.objects.values_list("old_id", "person_id")) == {keep.pk: dupe.pk}


def test_a_stale_redirect_from_a_live_record_is_replaced_by_the_merge(db):
    from people.services import person_merge

    # Left by a recovery made before recoveries removed redirects.
    keep, dupe, elsewhere = make_person("A One"), make_person("A Two"), make_person("A Three")
    PersonRedirect.objects.create(old_id=dupe.pk, person=elsewhere)
    PersonRedirect.objects.create(old_id=keep.pk, person=elsewhere)
    person_merge(keep=keep, remove=[dupe])
    assert dict(PersonRedirect.objects.values_list("old_id", "person_id")) == {dupe.pk: keep.pk}


def test_a_recovered_organization_can_be_merged_again(staff_client):
    from people.models import OrganizationRedirect

    keep = Organization.objects.create(name="Ministry of Foreign Affairs")
    dupe = Organization.objects.create(name="MFA")
    assert confirm_merge(staff_client, Organization, keep, [dupe]).status_code == 302
    assert recover(staff_client, dupe).status_code == 302
    assert not OrganizationRedirect.objects.filter(old_id=dupe.pk).exists()
    assert confirm_merge(staff_client, Organization, keep, [dupe]).status_code == 302
    assert OrganizationRedirect.objects.get(old_id=dupe.pk).organization == keep


def test_a_recovered_repository_answers_at_its_code_and_can_be_merged_again(staff_client, client):
    keep = Repository.objects.create(code="AVPRF")
    dupe = Repository.objects.create(code="AVP RF")
    assert confirm_merge(staff_client, Repository, keep, [dupe]).status_code == 302
    assert recover(staff_client, dupe).status_code == 302
    assert not RepositoryRedirect.objects.exists()
    assert client.get("/repositories/AVP%20RF/").status_code == 200
    assert confirm_merge(staff_client, Repository, keep, [dupe]).status_code == 302
    assert list(RepositoryRedirect.objects.values_list("old_code", "repository_id")) == [
        ("AVP RF", keep.pk)
    ]


def test_a_code_merged_away_then_used_again_can_be_merged_away_again(db):
    from catalogue.services import repository_merge

    first = Repository.objects.create(code="AVPRF")
    repository_merge(keep=first, remove=[Repository.objects.create(code="AVP RF")])
    # A new repository under the old code, merged into another survivor.
    second = Repository.objects.create(code="MID")
    repository_merge(keep=second, remove=[Repository.objects.create(code="AVP RF")])
    assert dict(RepositoryRedirect.objects.values_list("old_code", "repository_id")) == {
        "AVP RF": second.pk
    }
