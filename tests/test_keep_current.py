"""A curator can dismiss an import's conflicting value and keep her own ("keep current").

The dismissed value is remembered: re-imports that bring it again raise no conflict (the
curator has answered it), one that brings another value does. Accepting the import later
is still possible, and forgets the dismissal.
"""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalogue.models import Document
from catalogue.services import document_accept_imported, document_keep_current, imported_value
from tests.conftest import SEEDS, import_summary
from tests.test_roles import member

pytestmark = pytest.mark.django_db

SEED_001 = SEEDS / "001_b07270223d59d938.txt"  # "Telegram via VcH from Stalin to Cde. Molotov"
SEED_000 = SEEDS / "000_dffedfc781ea1ebd.txt"  # October 25, 1950
SCRAPED_TITLE = "Telegram via VcH from Stalin to Cde. Molotov"
CURATED_TITLE = "Telegram from Stalin to Molotov (corrected by a curator)"


def title_in_conflict(folder) -> Path:
    """Seed 001 imported from `folder`, its title corrected by a curator, then the page
    re-scraped with another summary: the title is in conflict. The page's path."""
    path = folder / SEED_001.name
    shutil.copy(SEED_001, path)
    import_summary(path)
    document = Document.objects.get()
    document.title = CURATED_TITLE
    document.curated_fields = ["title"]
    document.save()
    rescrape(path, summary=b"Stalin asks Molotov for careful edits")
    document.refresh_from_db()
    assert document.import_conflicts == {"title": SCRAPED_TITLE}
    return path


@pytest.fixture
def page(tmp_path):
    return title_in_conflict(tmp_path)


def rescrape(path, *, summary: bytes, title: bytes | None = None) -> None:
    data = SEED_001.read_bytes().replace(b"Stalin asks Molotov for edits", summary)
    if title is not None:
        data = data.replace(SCRAPED_TITLE.encode(), title)
    path.write_bytes(data)
    assert import_summary(path) == "created 0, updated 1, unchanged 0, failed 0"


def test_a_dismissed_conflict_is_not_raised_again_by_a_reimport_of_the_same_value(page):
    document = Document.objects.get()
    assert document_keep_current(document=document, field="title") == ["title"]
    document.refresh_from_db()
    assert document.title == CURATED_TITLE
    assert document.import_conflicts == {}
    assert document.dismissed_conflicts == {"title": SCRAPED_TITLE}
    assert "title" in document.curated_fields

    # The page changes again elsewhere; its title is still the one dismissed.
    rescrape(page, summary=b"Stalin asks Molotov for very careful edits")
    document.refresh_from_db()
    assert document.summary.startswith("Stalin asks Molotov for very careful edits")
    assert document.title == CURATED_TITLE
    assert document.import_conflicts == {}


def test_a_new_value_after_a_dismissal_is_a_conflict_again(page):
    document_keep_current(document=Document.objects.get(), field="title")
    rescrape(page, summary=b"Stalin asks Molotov for edits", title=b"Telegram from Stalin")
    document = Document.objects.get()
    assert document.title == CURATED_TITLE
    assert document.import_conflicts == {"title": "Telegram from Stalin"}


def test_accepting_after_a_dismissal_takes_the_import_and_forgets_the_dismissal(page):
    document_keep_current(document=Document.objects.get(), field="title")
    document = Document.objects.get()
    assert document_accept_imported(document=document, field="title") == ["title"]
    document.refresh_from_db()
    assert document.title == SCRAPED_TITLE
    assert document.dismissed_conflicts == {}
    assert "title" not in document.curated_fields


def test_without_a_dismissal_a_curated_field_stays_in_conflict(page):
    # The rule the import issue asks for: a curator's title and a changed page is a conflict,
    # at every such import, until she decides.
    rescrape(page, summary=b"Stalin asks Molotov for very careful edits")
    assert Document.objects.get().import_conflicts == {"title": SCRAPED_TITLE}


def test_keeping_a_field_without_a_conflict_is_refused(page):
    document = Document.objects.get()
    with pytest.raises(ValidationError, match="no conflict on 'summary'"):
        document_keep_current(document=document, field="summary")
    with pytest.raises(ValidationError, match="not a field the importer writes"):
        document_keep_current(document=document, field="review_notes")
    document.refresh_from_db()
    assert document.import_conflicts == {"title": SCRAPED_TITLE}
    assert document.dismissed_conflicts == {}


def test_a_date_and_its_precision_are_dismissed_together_and_reopened_together(tmp_path):
    path = tmp_path / "page.txt"
    shutil.copy(SEED_000, path)
    import_summary(path)
    document = Document.objects.get()
    document.date = datetime.date(1950, 10, 26)
    document.save()
    path.write_bytes(SEED_000.read_bytes().replace(b"October 25, 1950", b"1951"))
    import_summary(path)
    document.refresh_from_db()
    assert document.import_conflicts == {"date": "1951-01-01", "date_precision": "year"}

    assert document_keep_current(document=document, field="date") == ["date", "date_precision"]
    document.refresh_from_db()
    assert document.import_conflicts == {}
    assert (document.date, document.date_precision) == (datetime.date(1950, 10, 26), "day")

    # The same year again: closed. The same year as a month: the unit is open again, whole.
    path.write_bytes(SEED_000.read_bytes().replace(b"October 25, 1950", b"1951 "))
    import_summary(path)
    document.refresh_from_db()
    assert document.import_conflicts == {}
    path.write_bytes(SEED_000.read_bytes().replace(b"October 25, 1950", b"January 1951"))
    import_summary(path)
    document.refresh_from_db()
    assert document.import_conflicts == {"date": "1951-01-01", "date_precision": "month"}
    assert (document.date, document.date_precision) == (datetime.date(1950, 10, 26), "day")


def test_a_dismissed_held_back_set_stays_as_it_is(tmp_path):
    path = tmp_path / "page.txt"
    full = SEED_000.read_bytes()
    path.write_bytes(full)
    import_summary(path)
    texts = list(Document.objects.get().texts.values_list("text", flat=True))
    # Re-scraped cut off after the header: the texts are held back as a conflict.
    cut = full[: full.index("Срочно".encode())]
    path.write_bytes(cut)
    import_summary(path)
    document = Document.objects.get()
    assert document.import_conflicts["texts"] == []

    document_keep_current(document=document, field="texts")
    document.refresh_from_db()
    assert "texts" not in document.import_conflicts
    # The same cut page, scraped again with a byte more: still held back, not raised again.
    path.write_bytes(cut + b"\n")
    import_summary(path)
    document.refresh_from_db()
    assert "texts" not in document.import_conflicts
    assert list(document.texts.values_list("text", flat=True)) == texts


def held_back_texts_dismissed(folder) -> tuple:
    """Seed 000 imported, then re-scraped cut off after its header (its texts held back as
    a conflict), the conflict dismissed. (The page's path, its full bytes.)"""
    path = folder / "page.txt"
    full = SEED_000.read_bytes()
    path.write_bytes(full)
    import_summary(path)
    path.write_bytes(full[: full.index("Срочно".encode())])
    import_summary(path)
    document_keep_current(document=Document.objects.get(), field="texts")
    return path, full


def test_a_dismissed_held_back_set_can_still_be_accepted(tmp_path):
    held_back_texts_dismissed(tmp_path)
    document = Document.objects.get()
    assert document.texts.exists()
    assert document.dismissed_conflicts == {"texts": []}
    # The cut page's texts (none), not the set as it is: accepting must change something.
    assert document_accept_imported(document=document, field="texts") == ["texts"]
    document.refresh_from_db()
    assert not document.texts.exists()
    assert document.dismissed_conflicts == {} and "texts" not in document.import_conflicts
    assert document.history.latest().history_change_reason == "accepted the imported texts"


def test_an_import_that_writes_a_dismissed_field_forgets_the_dismissal(tmp_path):
    path, full = held_back_texts_dismissed(tmp_path)
    # The whole page again, one word of the original changed: the texts are written.
    edited = full.replace("Выписка из протокола".encode(), "Выписка из протокола (копия)".encode())
    path.write_bytes(edited)
    import_summary(path)
    document = Document.objects.get()
    assert document.dismissed_conflicts == {}
    assert any("(копия)" in text for text in document.texts.values_list("text", flat=True))
    # Accept now offers the import's texts, which the document already has.
    found, value = imported_value(document, "texts")
    assert found and value == document.imported_values["texts"]


# --- the admin ------------------------------------------------------------------------------


def test_the_panel_offers_keep_current_only_for_an_open_conflict(page, staff_client):
    document = Document.objects.get()
    change = reverse("admin:catalogue_document_change", args=[document.pk])
    keep = reverse("admin:catalogue_document_keep_current", args=[document.pk, "title"])
    html = staff_client.get(change).content.decode()
    assert keep in html and "Keep current value…" in html

    document_keep_current(document=document, field="title")
    html = staff_client.get(change).content.decode()
    assert keep not in html
    # What was dismissed is shown, and the import's value can still be accepted.
    assert f"dismissed: {SCRAPED_TITLE}" in html
    assert reverse("admin:catalogue_document_accept_imported", args=[document.pk, "title"]) in html
    assert staff_client.get(keep).status_code == 404


def test_keep_current_asks_first_then_keeps_and_records_it(page, staff_client):
    document = Document.objects.get()
    url = reverse("admin:catalogue_document_keep_current", args=[document.pk, "title"])
    html = staff_client.get(url).content.decode()
    assert "Keep the current title?" in html
    assert 'value="Keep the current value"' in html and SCRAPED_TITLE in html
    document.refresh_from_db()
    assert document.import_conflicts == {"title": SCRAPED_TITLE}  # a GET changes nothing

    response = staff_client.post(url, {"loaded_version": document.version}, follow=True)
    assert "Kept the current title." in response.content.decode()
    document.refresh_from_db()
    assert document.title == CURATED_TITLE
    assert document.import_conflicts == {}
    entry = document.history.latest()
    assert entry.history_change_reason == "kept the current title"
    assert entry.history_user.username == "curator"


def test_keep_current_from_a_stale_page_is_refused(page, staff_client):
    document = Document.objects.get()
    url = reverse("admin:catalogue_document_keep_current", args=[document.pk, "title"])
    response = staff_client.post(url, {"loaded_version": document.version - 1}, follow=True)
    assert "the document changed since you opened this page" in response.content.decode()
    document.refresh_from_db()
    assert document.import_conflicts == {"title": SCRAPED_TITLE}


def test_a_viewer_may_not_keep_current(page, client, django_user_model):
    viewer = member(client, django_user_model, "Viewer", "vic")
    document = Document.objects.get()
    change = reverse("admin:catalogue_document_change", args=[document.pk])
    keep = reverse("admin:catalogue_document_keep_current", args=[document.pk, "title"])
    html = viewer.get(change).content.decode()
    assert SCRAPED_TITLE in html and keep not in html  # the conflict shown, without a button
    assert viewer.post(keep, {"loaded_version": document.version}).status_code == 403
    document.refresh_from_db()
    assert document.import_conflicts == {"title": SCRAPED_TITLE}
