"""The review queue: flagged records first, with their documents and the closest existing names."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from catalogue.models import DocumentPerson, Repository
from people.models import Organization, Person
from tests.conftest import make_document, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged():
    """An importer-made record for a spelling of a person the authority already has."""
    known = make_person("Vyacheslav Molotov", "Молотов", "V. M. Molotov")
    new = make_person("Vyacheslav Molotow", needs_review=True)
    document = make_document(title="Telegram to the embassy")
    DocumentPerson.objects.create(document=document, person=new, role="author", origin="import")
    return known, new, document


def test_flagged_records_are_listed_first(staff_client, flagged):
    known, new, _ = flagged
    make_person("Aaron Aardvark")  # sorts first by name, but is not flagged
    page = staff_client.get(reverse("admin:people_person_changelist")).content.decode()
    rows = re.findall(r"/admin/people/person/(\d+)/change/", page)
    assert rows[0] == str(new.pk)


def test_the_change_page_shows_the_documents_and_the_closest_records(staff_client, flagged):
    known, new, document = flagged
    page = staff_client.get(reverse("admin:people_person_change", args=[new.pk])).content.decode()
    assert "Flagged for review" in page
    assert "Telegram to the embassy" in page
    assert reverse("admin:catalogue_document_change", args=[document.pk]) in page
    assert "Closest existing records" in page
    assert reverse("admin:people_person_merge_into", args=[new.pk, known.pk]) in page
    assert reverse("admin:people_person_variant_of", args=[new.pk, known.pk]) in page
    assert reverse("admin:people_person_mark_reviewed", args=[new.pk]) in page


def test_mark_reviewed_from_the_change_page_is_a_post_recorded_in_history(staff_client, flagged):
    _, new, _ = flagged
    url = reverse("admin:people_person_mark_reviewed", args=[new.pk])
    page = staff_client.get(url)
    assert page.status_code == 200 and 'name="csrfmiddlewaretoken"' in page.content.decode()
    assert Person.objects.get(pk=new.pk).needs_review  # GET changes nothing
    assert staff_client.post(url).status_code == 302
    new.refresh_from_db()
    assert not new.needs_review and new.version == 2
    entry = new.history.latest()
    assert entry.history_change_reason == "marked reviewed"
    assert entry.history_user.username == "curator"


def test_mark_reviewed_as_a_bulk_action(staff_client):
    people = [make_person(f"Unknown {i}", needs_review=True) for i in range(3)]
    staff_client.post(
        reverse("admin:people_person_changelist"),
        {"action": "mark_reviewed", helpers.ACTION_CHECKBOX_NAME: [p.pk for p in people]},
    )
    assert not Person.objects.filter(pk__in=[p.pk for p in people], needs_review=True).exists()


def test_add_as_variant_of_folds_the_record_into_the_existing_one(staff_client, client, flagged):
    known, new, document = flagged
    url = reverse("admin:people_person_variant_of", args=[new.pk, known.pk])
    page = staff_client.get(url).content.decode()
    assert "Vyacheslav Molotow" in page and 'name="csrfmiddlewaretoken"' in page
    assert staff_client.post(url).status_code == 302
    assert not Person.objects.filter(pk=new.pk).exists()
    assert "Vyacheslav Molotow" in known.variants.values_list("name", flat=True)
    assert DocumentPerson.objects.get(document=document).person == known
    assert client.get(f"/people/{new.pk}/").status_code == 301


def test_merge_into_previews_with_the_candidate_as_survivor(staff_client, flagged):
    known, new, _ = flagged
    url = reverse("admin:people_person_merge_into", args=[new.pk, known.pk])
    page = staff_client.get(url).content.decode()
    assert 'id="merge-preview"' in page
    assert f'value="{known.pk}" id="survivor-{known.pk}" checked' in page
    response = staff_client.post(url, {"survivor": known.pk, "previewed": known.pk, "confirm": 1})
    assert response.status_code == 302
    assert not Person.objects.filter(pk=new.pk).exists()


def test_similar_organizations_and_repositories_are_offered_too(staff_client):
    known = Organization.objects.create(name="Far Eastern Commission", abbreviation="FEC")
    new = Organization.objects.create(name="Far Eastern Comission", needs_review=True)
    url = reverse("admin:people_organization_change", args=[new.pk])
    page = staff_client.get(url).content.decode()
    assert reverse("admin:people_organization_variant_of", args=[new.pk, known.pk]) in page

    avprf = Repository.objects.create(code="AVPRF", name="Archive of Foreign Policy")
    other = Repository.objects.create(code="AVP RF", needs_review=True)
    page = staff_client.get(
        reverse("admin:catalogue_repository_change", args=[other.pk])
    ).content.decode()
    assert reverse("admin:catalogue_repository_merge_into", args=[other.pk, avprf.pk]) in page


def test_a_viewer_cannot_merge_or_mark_reviewed(client, django_user_model, flagged):
    from django.contrib.auth.models import Permission

    known, new, _ = flagged
    viewer = django_user_model.objects.create_user("viewer", password="pw-123456", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_person"))
    client.force_login(viewer)
    assert (
        client.post(reverse("admin:people_person_mark_reviewed", args=[new.pk])).status_code == 403
    )
    url = reverse("admin:people_person_variant_of", args=[new.pk, known.pk])
    assert client.post(url).status_code == 403
    assert Person.objects.filter(pk=new.pk, needs_review=True).exists()
