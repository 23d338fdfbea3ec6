"""The curators' admin: every page opens, and change lists cost the same at any size."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalogue.models import (
    ArchivalReference,
    DocumentOrganization,
    DocumentPerson,
    Repository,
    Translation,
)
from people.models import Organization, OrganizationName
from tests.conftest import make_document, make_person

pytestmark = pytest.mark.django_db

CATALOGUE_MODELS = [
    model for model in admin.site._registry if model._meta.app_label in {"catalogue", "people"}
]


def admin_url(model, view: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


def add_rows(n: int, tag: str) -> None:
    """n documents, each with a reference, two texts, a person and an organization."""
    repository, _ = Repository.objects.get_or_create(code=f"R-{tag}")
    for i in range(n):
        document = make_document(title=f"Document {tag} {i}", document_type="Telegram")
        ArchivalReference.objects.create(document=document, repository=repository, fond=str(i))
        original = Translation.objects.create(document=document, kind="original", language="ru",
                                              text="Текст")  # fmt: skip
        translation = Translation.objects.create(document=document, language="en", text="Text")
        person = make_person(f"Person {tag} {i}", f"Variant {tag} {i}")
        translation.translators.add(person)
        original.translators.add(person)
        DocumentPerson.objects.create(document=document, person=person, role="translator")
        organization = Organization.objects.create(name=f"Org {tag} {i}", abbreviation="O")
        OrganizationName.objects.create(organization=organization, name=f"Org variant {tag} {i}")
        DocumentOrganization.objects.create(
            document=document, organization=organization, role="funder"
        )


@pytest.mark.parametrize("model", CATALOGUE_MODELS, ids=lambda m: m._meta.label)
def test_changelist_and_add_page_open_for_staff(staff_client, model):
    add_rows(2, "a")
    assert staff_client.get(admin_url(model, "changelist")).status_code == 200
    assert staff_client.get(admin_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", CATALOGUE_MODELS, ids=lambda m: m._meta.label)
def test_change_page_opens_for_staff(staff_client, model):
    add_rows(1, "c")
    obj = model._default_manager.first()
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    assert staff_client.get(url).status_code == 200


@pytest.mark.parametrize("model", CATALOGUE_MODELS, ids=lambda m: m._meta.label)
def test_changelist_queries_do_not_grow_with_rows(staff_client, model):
    add_rows(2, "small")
    url = admin_url(model, "changelist")
    staff_client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as small:
        assert staff_client.get(url).status_code == 200
    add_rows(12, "large")
    with CaptureQueriesContext(connection) as large:
        assert staff_client.get(url).status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_admin_requires_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_document_search_covers_title_summary_and_citation(staff_client):
    make_document(title="Alpha", summary="nothing", citation="nothing")
    make_document(title="Beta", summary="Molotov in Sochi", citation="nothing")
    make_document(title="Gamma", summary="nothing", citation="RGASPI, f. 558")
    url = reverse("admin:catalogue_document_changelist")
    for term, expected in [("Alpha", "Alpha"), ("Sochi", "Beta"), ("RGASPI", "Gamma")]:
        page = staff_client.get(url, {"q": term}).content.decode()
        shown = {title for title in ("Alpha", "Beta", "Gamma") if f">{title}</a>" in page}
        assert shown == {expected}, term


def test_document_change_form_has_the_curators_inlines(staff_client):
    document = make_document()
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    page = staff_client.get(url).content.decode()
    for prefix in ("references", "texts", "person_links", "organization_links"):
        assert f'id="{prefix}-group"' in page, prefix
    # People and organizations are chosen with autocomplete, never a full <select>.
    assert "admin-autocomplete" in page


def test_person_changelist_shows_document_counts(staff_client):
    add_rows(1, "count")
    person = make_person("Counted Person")
    for i in range(3):
        DocumentPerson.objects.create(document=make_document(title=f"D{i}"), person=person,
                                      role="mentioned")  # fmt: skip
    page = staff_client.get(admin_url(person.__class__, "changelist"), {"q": "Counted"})
    assert '<td class="field-document_count">3</td>' in page.content.decode()


def test_the_document_changelist_costs_as_many_queries_at_10000_documents_as_at_10(staff_client):
    import datetime

    from catalogue.models import Document

    def add(start: int, n: int) -> None:
        # bulk_create: 10,000 documents in about a second; the admin never sees the difference.
        Document.objects.bulk_create(
            (
                Document(
                    title=f"Telegram {i}",
                    slug=f"telegram-{i}",
                    date=datetime.date(1945 + i % 20, 1 + i % 12, 1),
                    date_precision="month",
                    language=("ru", "en", "ko")[i % 3],
                    original_languages=[("ru", "en", "ko")[i % 3]],
                    document_type=("Telegram", "Memorandum")[i % 2],
                    classification="Top Secret",
                    needs_review=i % 7 == 0,
                )
                for i in range(start, start + n)
            ),
            batch_size=2000,
        )

    url = admin_url(Document, "changelist")
    add(0, 10)
    staff_client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as small:
        assert staff_client.get(url).status_code == 200
    add(10, 9_990)
    assert Document.objects.count() == 10_000
    with CaptureQueriesContext(connection) as large:
        response = staff_client.get(url)
    assert response.status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    # The page shows 50 rows however many there are.
    assert response.context["cl"].result_list.__len__() == 50
