"""Curated fields win: a curator's change is kept across imports until the curator accepts one."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from catalogue.models import Document
from tests.admin_forms import change_form_data
from tests.conftest import SEEDS, make_document

pytestmark = pytest.mark.django_db


def imported_document(**fields) -> Document:
    """A document as the importer leaves it: its values recorded for the next three-way merge."""
    document = make_document(title="Record of conversation with Stalin", summary="As scraped")
    document.imported_values = {
        "title": document.title,
        "date": "1950-10-25",
        "date_precision": "day",
        "summary": "As scraped",
    }
    for name, value in fields.items():
        setattr(document, name, value)
    document.save()
    return document


def test_a_field_changed_in_the_admin_becomes_curated(staff_client):
    document = imported_document()
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    data = change_form_data(staff_client, url)
    data["title"] = "Record of conversation with I. V. Stalin"
    assert staff_client.post(url, data).status_code == 302
    document.refresh_from_db()
    assert document.curated_fields == ["title"]
    # A second edit of another field adds to the list; nothing is forgotten.
    data = change_form_data(staff_client, url)
    data["summary"] = "Corrected summary"
    staff_client.post(url, data)
    document.refresh_from_db()
    assert document.curated_fields == ["summary", "title"]


def test_fields_not_written_by_the_importer_do_not_become_curated(staff_client):
    document = imported_document()
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    data = change_form_data(staff_client, url)
    data["review_notes"] = "checked against the scan"
    data["status"] = "draft"
    staff_client.post(url, data)
    document.refresh_from_db()
    assert document.curated_fields == []


def test_the_change_page_shows_curated_fields_and_the_conflicting_imported_value(staff_client):
    document = imported_document(
        title="Curated title",
        curated_fields=["title"],
        import_conflicts={"title": "Title from the new scrape"},
    )
    page = staff_client.get(
        reverse("admin:catalogue_document_change", args=[document.pk])
    ).content.decode()
    assert 'id="curated-fields"' in page
    assert "Curated title" in page and "Title from the new scrape" in page
    assert reverse("admin:catalogue_document_accept_imported", args=[document.pk, "title"]) in page


def test_accepting_the_imported_value_hands_the_field_back_to_the_importer(staff_client):
    document = imported_document(
        title="Curated title",
        curated_fields=["summary", "title"],
        import_conflicts={"title": "Title from the new scrape"},
    )
    url = reverse("admin:catalogue_document_accept_imported", args=[document.pk, "title"])
    page = staff_client.get(url).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page and "Title from the new scrape" in page
    assert "{% extends" not in page and "</html>" in page

    assert staff_client.post(url, {"loaded_version": document.version}).status_code == 302
    document.refresh_from_db()
    assert document.title == "Title from the new scrape"
    assert document.imported_values["title"] == "Title from the new scrape"
    assert document.curated_fields == ["summary"]
    assert document.import_conflicts == {}
    assert document.version == 2
    entry = document.history.latest()
    assert entry.history_change_reason == "accepted the imported title"
    assert entry.history_user.username == "curator"
    assert "title" in entry.diff_against(entry.prev_record).changed_fields


def test_accepting_a_date_takes_its_precision_with_it(staff_client):
    document = imported_document(
        date=datetime.date(1950, 10, 1),
        date_precision="month",
        curated_fields=["date", "date_precision"],
        import_conflicts={"date": "1950-10-25", "date_precision": "day"},
    )
    url = reverse("admin:catalogue_document_accept_imported", args=[document.pk, "date"])
    staff_client.post(url, {"loaded_version": document.version})
    document.refresh_from_db()
    assert (document.date, document.date_precision) == (datetime.date(1950, 10, 25), "day")
    assert document.curated_fields == []


def test_accepting_from_a_stale_page_is_refused(staff_client):
    document = imported_document(
        title="Curated", curated_fields=["title"], import_conflicts={"title": "Imported"}
    )
    url = reverse("admin:catalogue_document_accept_imported", args=[document.pk, "title"])
    staff_client.post(url, {"loaded_version": document.version - 1 or 99})
    document.refresh_from_db()
    assert document.title == "Curated"


def test_a_get_does_not_accept(staff_client):
    document = imported_document(
        title="Curated", curated_fields=["title"], import_conflicts={"title": "Imported"}
    )
    staff_client.get(
        reverse("admin:catalogue_document_accept_imported", args=[document.pk, "title"])
    )
    document.refresh_from_db()
    assert document.title == "Curated"


def test_a_reimport_keeps_a_field_the_curator_changed_in_the_admin(staff_client, tmp_path):
    pytest.importorskip("catalogue.importer.parse")
    seed = sorted(SEEDS.glob("*.txt"))[0]
    call_command("import_documents", str(seed), stdout=StringIO(), stderr=StringIO())
    document = Document.objects.get(source_file=seed.name)
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    data = change_form_data(staff_client, url)
    data["title"] = "A curator's title"
    assert staff_client.post(url, data).status_code == 302

    # The page is scraped again and changed: the import must not touch the curated title.
    changed = tmp_path / seed.name
    changed.write_bytes(seed.read_bytes() + b"\n")
    call_command("import_documents", str(changed), stdout=StringIO(), stderr=StringIO())
    document.refresh_from_db()
    assert document.title == "A curator's title"
    assert "title" in document.curated_fields


def test_saving_from_a_browser_leaves_texts_alone(staff_client):
    from catalogue.models import Translation

    document = imported_document(summary="First line.\nSecond line.")
    text = Translation.objects.create(document=document, language="en", text="  Line one\nTwo\n")
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    data = change_form_data(staff_client, url)
    # What a browser sends back: every line break as CRLF.
    data = {k: v.replace("\n", "\r\n") if isinstance(v, str) else v for k, v in data.items()}
    data["title"] = "Only the title changes"
    assert staff_client.post(url, data).status_code == 302
    document.refresh_from_db()
    assert document.curated_fields == ["title"]
    assert document.summary == "First line.\nSecond line."
    text.refresh_from_db()
    assert text.text == "  Line one\nTwo\n"
    assert text.history.count() == 1  # not re-saved
