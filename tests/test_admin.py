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


@pytest.mark.parametrize("order, expected", [("1", ["alpha", "Beta", "gamma"]),
                                              ("-1", ["gamma", "Beta", "alpha"])])  # fmt: skip
def test_the_document_list_sorts_titles_without_regard_to_case(staff_client, order, expected):
    for title in ("gamma", "Beta", "alpha"):
        make_document(title=title)
    page = staff_client.get(
        reverse("admin:catalogue_document_changelist"), {"o": order}
    ).content.decode()
    assert sorted(expected, key=lambda title: page.index(f">{title}</a>")) == expected


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


# --- name variants: a spelling a record already has is a form error, not a 500 --------------


def field_errors(response, field: str = "name") -> str:
    form = response.context["adminform"].form
    return " ".join(str(e) for e in form.errors.get(field, []))


def inline_errors(response) -> str:
    return " ".join(
        str(error)
        for inline in response.context["inline_admin_formsets"]
        for form_errors in inline.formset.errors
        for errors in form_errors.values()
        for error in errors
    )


@pytest.mark.parametrize("spelling", ["Chou En-lai", "chou en-lai", "  CHOU   En-lai "])
def test_adding_a_variant_the_person_already_has_is_refused_with_a_message(staff_client, spelling):
    from people.models import PersonName

    person = make_person("Zhou Enlai", "Chou En-lai")
    response = staff_client.post(
        admin_url(PersonName, "add"), {"person": person.pk, "name": spelling, "kind": "alias"}
    )
    assert response.status_code == 200
    message = field_errors(response)
    assert "already has the variant “Chou En-lai”" in message
    assert "person" in message and "case" in message
    assert person.variants.count() == 1


def test_a_variant_is_checked_against_its_own_record_only(staff_client):
    from people.models import PersonName
    from tests.admin_forms import change_form_data

    zhou = make_person("Zhou Enlai", "Chou En-lai")
    other = make_person("Someone Else")
    add = admin_url(PersonName, "add")
    # Another person may go by the same spelling.
    data = {"person": other.pk, "name": "Chou En-lai", "kind": "alias"}
    assert staff_client.post(add, data).status_code == 302
    # A variant saved again, or with its own case changed, does not collide with itself.
    variant = zhou.variants.get()
    change = reverse("admin:people_personname_change", args=[variant.pk])
    data = change_form_data(staff_client, change)
    assert staff_client.post(change, data).status_code == 302
    data = change_form_data(staff_client, change)
    data["name"] = "CHOU EN-LAI"
    assert staff_client.post(change, data).status_code == 302
    assert PersonName.objects.get(pk=variant.pk).name == "CHOU EN-LAI"
    # Nor does moving it to a record that has the spelling go unnoticed.
    other_variant = other.variants.get()
    change = reverse("admin:people_personname_change", args=[other_variant.pk])
    data = change_form_data(staff_client, change)
    data["person"] = str(zhou.pk)
    response = staff_client.post(change, data)
    assert response.status_code == 200 and "already has the variant" in field_errors(response)
    assert PersonName.objects.get(pk=other_variant.pk).person_id == other.pk


def test_bad_variant_forms_get_their_own_errors_and_no_500(staff_client):
    from people.models import PersonName

    person = make_person("Zhou Enlai", "Chou En-lai")
    add = admin_url(PersonName, "add")
    response = staff_client.post(add, {"person": person.pk, "name": "", "kind": "alias"})
    assert response.status_code == 200 and "required" in field_errors(response)
    missing = {"person": 999_999, "name": "Chou En-lai", "kind": "alias"}
    response = staff_client.post(add, missing)
    assert response.status_code == 200 and field_errors(response, "person")
    assert field_errors(response) == ""  # no owner to compare with
    response = staff_client.post(add, {"name": "Chou En-lai", "kind": "alias"})
    assert response.status_code == 200 and field_errors(response, "person")
    assert person.variants.count() == 1


def test_the_persons_variants_inline_refuses_a_spelling_it_already_lists(staff_client):
    from tests.admin_forms import change_form_data

    person = make_person("Zhou Enlai", "Chou En-lai")
    url = reverse("admin:people_person_change", args=[person.pk])
    data = change_form_data(staff_client, url)
    data["variants-1-name"] = "chou en-lai"
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "already has the variant “Chou En-lai”" in inline_errors(response)
    assert person.variants.count() == 1


def test_two_new_rows_of_one_save_with_the_same_spelling_are_refused(staff_client):
    from tests.admin_forms import change_form_data

    person = make_person("Zhou Enlai")
    url = reverse("admin:people_person_change", args=[person.pk])
    data = change_form_data(staff_client, url)
    data.update({
        "variants-TOTAL_FORMS": "2",
        "variants-0-name": "Chou En-lai", "variants-0-kind": "alias",
        "variants-1-name": "CHOU EN-LAI", "variants-1-kind": "alias",
    })  # fmt: skip
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "“Chou En-lai” is already in this list" in inline_errors(response)
    assert person.variants.count() == 0
    # Two different spellings in one save are fine.
    data["variants-1-name"] = "周恩来"
    assert staff_client.post(url, data).status_code == 302
    assert sorted(person.variants.values_list("name", flat=True)) == ["Chou En-lai", "周恩来"]


def test_a_spelling_deleted_and_added_back_in_one_save_is_kept(staff_client):
    from tests.admin_forms import change_form_data

    person = make_person("Zhou Enlai", "Chou En-lai", "Chou Enlai")
    old = person.variants.get(name="Chou En-lai")
    url = reverse("admin:people_person_change", args=[person.pk])
    data = change_form_data(staff_client, url)
    row = next(
        k[: -len("-id")] for k, v in data.items() if k.endswith("-id") and str(v) == str(old.pk)
    )
    data[f"{row}-DELETE"] = "on"
    data.update({"variants-TOTAL_FORMS": "3", "variants-2-name": "CHOU EN-LAI",
                 "variants-2-kind": "alias"})  # fmt: skip
    response = staff_client.post(url, data)
    assert response.status_code == 302, inline_errors(response)
    assert sorted(person.variants.values_list("name", flat=True)) == ["CHOU EN-LAI", "Chou Enlai"]
    # Without the deletion, the same row is a duplicate, as before.
    data = change_form_data(staff_client, url)
    data.update({"variants-TOTAL_FORMS": "3", "variants-2-name": "chou en-lai",
                 "variants-2-kind": "alias"})  # fmt: skip
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "already has the variant “CHOU EN-LAI”" in inline_errors(response)
    # An id that is no number does not reach the query.
    data["variants-0-DELETE"], data["variants-0-id"] = "on", "x"
    assert staff_client.post(url, data).status_code == 200


def test_organization_variants_refuse_a_spelling_already_there(staff_client):
    from people.models import OrganizationName
    from tests.admin_forms import change_form_data

    organization = Organization.objects.create(name="Ministry of Foreign Affairs")
    OrganizationName.objects.create(organization=organization, name="MID")
    response = staff_client.post(
        admin_url(OrganizationName, "add"),
        {"organization": organization.pk, "name": "mid", "kind": "abbreviation"},
    )
    assert response.status_code == 200
    assert "organization already has the variant “MID”" in field_errors(response)
    url = reverse("admin:people_organization_change", args=[organization.pk])
    data = change_form_data(staff_client, url)
    data["variants-1-name"] = "Mid"
    response = staff_client.post(url, data)
    assert response.status_code == 200 and "already has the variant" in inline_errors(response)
    assert organization.variants.count() == 1
