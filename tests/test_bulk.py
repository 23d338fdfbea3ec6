"""Bulk import and export in the admin (CSV, XLSX, JSON): preview, per-row errors, history."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogue.models import Document, Repository
from people.models import Organization, Person, PersonName
from people.resources import PersonResource
from tests.conftest import make_document, make_person

pytestmark = pytest.mark.django_db

CSV_FORMAT, XLSX_FORMAT, JSON_FORMAT = "0", "1", "2"


def export(client, model, resource, file_format=CSV_FORMAT):
    info = model._meta.app_label, model._meta.model_name
    fields = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
    return client.post(
        reverse("admin:{}_{}_export".format(*info)),
        {"format": file_format, "resource": "0", **fields},
    )


def upload(client, model, content: bytes, name="people.csv", file_format=CSV_FORMAT):
    info = model._meta.app_label, model._meta.model_name
    return client.post(
        reverse("admin:{}_{}_import".format(*info)),
        {
            "format": file_format,
            "resource": "0",
            "import_file": SimpleUploadedFile(name, content),
        },
    )


def confirm(client, model, preview):
    info = model._meta.app_label, model._meta.model_name
    form = preview.context["confirm_form"]
    return client.post(reverse("admin:{}_{}_process_import".format(*info)), form.initial)


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def to_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_people_csv_export_then_import_with_a_changed_variant_is_recorded_in_history(
    staff_client,
):
    person = make_person("Vyacheslav Molotov", "Молотов", "V. Molotov")
    response = export(staff_client, Person, PersonResource)
    assert response.status_code == 200
    rows = [row for row in rows_of(response) if row["id"] == str(person.pk)]
    assert rows[0]["variants"] == "V. Molotov; Молотов"
    assert rows[0]["version"] == "1"

    rows[0]["variants"] = "Молотов; Vyacheslav Mikhailovich Molotov"  # one gone, one new
    preview = upload(staff_client, Person, to_csv(rows))
    assert preview.status_code == 200
    assert preview.context["result"].has_errors() is False
    assert "confirm_form" in preview.context  # the preview-and-confirm step
    assert sorted(person.variants.values_list("name", flat=True)) == ["V. Molotov", "Молотов"]

    done = confirm(staff_client, Person, preview)
    assert done.status_code == 302
    assert sorted(person.variants.values_list("name", flat=True)) == [
        "Vyacheslav Mikhailovich Molotov",
        "Молотов",
    ]
    added = PersonName.history.get(name="Vyacheslav Mikhailovich Molotov", history_type="+")
    removed = PersonName.history.get(name="V. Molotov", history_type="-")
    for entry in (added, removed):
        assert entry.history_user.username == "curator"
        assert entry.history_change_reason == "bulk import"
    person.refresh_from_db()
    assert person.version == 2
    assert person.history.latest().history_user.username == "curator"


def test_a_row_exported_before_someone_else_changed_the_record_is_refused(staff_client):
    person = make_person("Andrei Gromyko")
    rows = [r for r in rows_of(export(staff_client, Person, PersonResource))
            if r["id"] == str(person.pk)]  # fmt: skip
    person.description = "changed meanwhile"
    person.version += 1
    person.save()

    rows[0]["name"] = "A. A. Gromyko"
    preview = upload(staff_client, Person, to_csv(rows))
    result = preview.context["result"]
    assert result.has_validation_errors()
    assert "confirm_form" not in preview.context
    page = preview.content.decode()
    assert "The file has version 1, the record is at 2" in page
    assert "description" in page
    assert Person.objects.get(pk=person.pk).name == "Andrei Gromyko"


def test_import_errors_are_shown_per_row_and_nothing_is_imported(staff_client):
    rows = [
        {"id": "", "name": "Good Row", "birth_year": "1900", "variants": ""},
        {"id": "", "name": "Bad Row", "birth_year": "not a year", "variants": ""},
    ]
    preview = upload(staff_client, Person, to_csv(rows))
    result = preview.context["result"]
    assert result.has_validation_errors()
    invalid = result.invalid_rows
    assert [row.number for row in invalid] == [2]
    assert "“not a year” is not a year." in preview.content.decode()
    assert not Person.objects.filter(name__in=["Good Row", "Bad Row"]).exists()


def test_new_people_are_created_with_their_variants(staff_client):
    rows = [{"id": "", "name": "Ri Sung-yop Testcase", "variants": "리승엽; Ri Sung Yop"}]
    done = confirm(staff_client, Person, upload(staff_client, Person, to_csv(rows)))
    assert done.status_code == 302
    person = Person.objects.get(name="Ri Sung-yop Testcase")
    assert person.slug == "ri-sung-yop-testcase"
    assert sorted(person.variants.values_list("name", flat=True)) == ["Ri Sung Yop", "리승엽"]
    assert person.variants.get(name="리승엽").kind == "native"


def test_a_document_field_changed_by_a_bulk_import_becomes_curated(staff_client):
    from catalogue.resources import DocumentResource

    document = make_document(title="As scraped")
    rows = [r for r in rows_of(export(staff_client, Document, DocumentResource))
            if r["id"] == str(document.pk)]  # fmt: skip
    assert rows[0]["original_languages"] == "ru"
    rows[0]["title"] = "Corrected in a spreadsheet"
    done = confirm(staff_client, Document, upload(staff_client, Document, to_csv(rows)))
    assert done.status_code == 302
    document.refresh_from_db()
    assert document.title == "Corrected in a spreadsheet"
    assert document.curated_fields == ["title"]
    assert document.version == 2
    assert document.history.latest().history_change_reason == "bulk import"


def test_an_unchanged_row_is_skipped_without_a_new_version(staff_client):
    person = make_person("Andrei Gromyko", "Громыко")
    rows = [r for r in rows_of(export(staff_client, Person, PersonResource))
            if r["id"] == str(person.pk)]  # fmt: skip
    confirm(staff_client, Person, upload(staff_client, Person, to_csv(rows)))
    person.refresh_from_db()
    assert person.version == 1
    assert person.history.count() == 1


@pytest.mark.parametrize(
    "file_format,content_type",
    [
        (CSV_FORMAT, "text/csv"),
        (XLSX_FORMAT, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (JSON_FORMAT, "application/json"),
    ],
)
def test_every_record_type_exports_in_csv_xlsx_and_json(staff_client, file_format, content_type):
    from catalogue.resources import DocumentResource, RepositoryResource
    from people.resources import OrganizationResource

    make_document()
    Repository.objects.create(code="APRF")
    Organization.objects.create(name="Politburo")
    for model, resource in [
        (Document, DocumentResource),
        (Person, PersonResource),
        (Organization, OrganizationResource),
        (Repository, RepositoryResource),
    ]:
        response = export(staff_client, model, resource, file_format)
        assert response.status_code == 200, model
        assert response["Content-Type"].startswith(content_type), model


def test_organizations_round_trip_through_json(staff_client):
    from people.resources import OrganizationResource

    organization = Organization.objects.create(name="Far Eastern Commission", abbreviation="FEC")
    response = export(staff_client, Organization, OrganizationResource, JSON_FORMAT)
    rows = [r for r in json.loads(response.content) if str(r["id"]) == str(organization.pk)]
    rows[0]["variants"] = "Дальневосточная комиссия"
    preview = upload(staff_client, Organization, json.dumps(rows).encode(), "orgs.json",
                     JSON_FORMAT)  # fmt: skip
    assert confirm(staff_client, Organization, preview).status_code == 302
    assert list(organization.variants.values_list("name", flat=True)) == [
        "Дальневосточная комиссия"
    ]


def test_repositories_import_from_xlsx(staff_client):
    import tablib

    dataset = tablib.Dataset(headers=["id", "code", "name", "country"])
    dataset.append(["", "RGANI", "Russian State Archive of Contemporary History", "RU"])
    preview = upload(staff_client, Repository, dataset.export("xlsx"), "r.xlsx", XLSX_FORMAT)
    assert confirm(staff_client, Repository, preview).status_code == 302
    assert Repository.objects.get(code="RGANI").country == "RU"
