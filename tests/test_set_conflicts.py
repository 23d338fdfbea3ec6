"""Conflicts over a document's texts, references and links: shown to curators, and accepted.

A re-import keeps a set a curator changed (or one it would gut) and holds the new one beside
it; the document's admin page shows both, and a curator can take the import's.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalogue.admin import DocumentAdmin
from catalogue.importer.load import current_values
from catalogue.models import Document, Repository
from people.models import Person
from tests.conftest import SEEDS, import_summary
from tests.test_roles import member

pytestmark = pytest.mark.django_db

SEED_000 = SEEDS / "000_dffedfc781ea1ebd.txt"
SEED_001 = SEEDS / "001_b07270223d59d938.txt"


def imported_page(tmp_path, seed=SEED_000):
    """A copy of a seed page (seeds/ is never written), imported: (path, bytes, document)."""
    page = tmp_path / "page.txt"
    data = seed.read_bytes()
    page.write_bytes(data)
    assert import_summary(page).startswith("created 1")
    return page, data, Document.objects.get()


def change_page(client, document) -> str:
    response = client.get(reverse("admin:catalogue_document_change", args=[document.pk]))
    assert response.status_code == 200
    return response.content.decode()


def panel(page: str) -> str:
    start = page.index('id="curated-fields"')
    return page[start : page.index("</table>", start)]


def accept_url(document, field: str) -> str:
    return reverse("admin:catalogue_document_accept_imported", args=[document.pk, field])


def text_conflict(tmp_path, seed=SEED_001, old=b"Sent by Poskrebyshev", new=b"Sent by A. N. Poskrebyshev"):  # fmt: skip
    """A curator corrects the translation; the page is scraped again with another change to it."""
    page, data, document = imported_page(tmp_path, seed)
    translation = document.texts.get(kind="translation")
    translation.text += "\n[A curator's note]"
    translation.save()
    assert data.count(old) == 1
    page.write_bytes(data.replace(old, new))
    assert import_summary(page).startswith("created 0, updated 1")
    document.refresh_from_db()
    assert "texts" in document.import_conflicts
    return page, document


def test_a_text_conflict_is_shown_beside_the_documents_text(staff_client, tmp_path):
    _, document = text_conflict(tmp_path)
    incoming = document.import_conflicts["texts"]
    shown = panel(change_page(staff_client, document))
    assert "No field is curated" not in shown
    assert ">texts</th><td>yes</td>" in shown
    # Kind, language and length of each text, now and as the import brings it.
    held = document.texts.get(kind="translation").text
    coming = next(t for t in incoming if t["kind"] == "translation")["text"]
    assert len(held) != len(coming)
    assert f"Translation · en · {len(held)} characters" in shown
    assert f"Translation · en · {len(coming)} characters" in shown
    assert accept_url(document, "texts") in shown


def test_accepting_imported_texts_replaces_them_as_the_importer_writes_them(staff_client, tmp_path):
    page, document = text_conflict(tmp_path)
    incoming = document.import_conflicts["texts"]
    translator = Person.objects.get(name__icontains="Goldberg")
    url = accept_url(document, "texts")
    held = document.texts.get(kind="translation").text
    confirm = staff_client.get(url).content.decode()
    assert 'name="csrfmiddlewaretoken"' in confirm and f"{len(held)} characters" in confirm
    assert staff_client.post(url, {"loaded_version": document.version}).status_code == 302

    version = document.version
    document.refresh_from_db()
    texts = list(document.texts.order_by("position"))
    assert [{"kind": t.kind, "language": t.language, "text": t.text} for t in texts] == incoming
    # The translators as the importer credits them: the page's translator, on translations.
    translation = next(t for t in texts if t.kind == "translation")
    assert list(translation.translators.all()) == [translator]
    assert "texts" not in document.import_conflicts
    assert "texts" not in document.curated_fields
    assert document.imported_values["texts"] == current_values(document)["texts"]
    assert document.version == version + 1
    entry = document.history.latest()
    assert entry.history_change_reason == "accepted the imported texts"
    assert entry.history_user.username == "curator"
    assert "No field is curated and no import is held back" in change_page(staff_client, document)

    # The same bytes again change nothing; changed bytes update the texts, as any field's.
    assert import_summary(page).startswith("created 0, updated 0, unchanged 1")
    page.write_bytes(page.read_bytes().replace(b"Received by Petrova", b"Received by M. Petrova"))
    assert import_summary(page).startswith("created 0, updated 1")
    document.refresh_from_db()
    assert "texts" not in document.import_conflicts
    assert any("Received by M. Petrova" in t.text for t in document.texts.all())


def test_accepting_imported_references_resolves_archives_as_the_importer(staff_client, tmp_path):
    page, data, document = imported_page(tmp_path)
    reference = document.references.get(repository__code="APRF")
    reference.folios = "141-144"
    reference.save()
    page.write_bytes(data.replace(b"Listy 141-143", b"Listy 141-145"))
    import_summary(page)
    document.refresh_from_db()
    assert document.import_conflicts["references"][0]["folios"] == "141-145"
    shown = panel(change_page(staff_client, document))
    # As the citation formats them, the curator's beside the import's.
    assert "APRF, f. 3, op. 65, d. 827, ll. 141–144" in shown
    assert "APRF, f. 3, op. 65, d. 827, ll. 141–145" in shown
    archives = set(Repository.objects.values_list("pk", "code"))

    url = accept_url(document, "references")
    assert staff_client.post(url, {"loaded_version": document.version}).status_code == 302
    document.refresh_from_db()
    assert set(Repository.objects.values_list("pk", "code")) == archives  # none made anew
    assert document.references.get(repository__code="APRF").folios == "141-145"
    assert "references" not in document.import_conflicts
    assert import_summary(page).startswith("created 0, updated 0, unchanged 1")
    page.write_bytes(data.replace(b"Listy 141-143", b"Listy 141-146"))
    import_summary(page)
    document.refresh_from_db()
    assert "references" not in document.import_conflicts
    assert document.references.get(repository__code="APRF").folios == "141-146"


def test_people_and_organization_conflicts_show_names_with_roles_and_are_accepted(
    staff_client, tmp_path
):
    page, data, document = imported_page(tmp_path)
    person_link = document.person_links.select_related("person").get(role="author")
    organization_link = document.organization_links.select_related("organization").first()
    person_link.delete()
    organization_link.delete()
    page.write_bytes(data + b"\n")
    import_summary(page)
    document.refresh_from_db()
    assert {"people", "organizations"} <= set(document.import_conflicts)
    shown = panel(change_page(staff_client, document))
    assert f"{person_link.person.name} — author" in shown
    assert f"{organization_link.organization.name} — mentioned" in shown

    for field in ("people", "organizations"):
        document.refresh_from_db()
        url = accept_url(document, field)
        assert staff_client.post(url, {"loaded_version": document.version}).status_code == 302
    document.refresh_from_db()
    assert document.person_links.filter(person=person_link.person, role="author").exists()
    assert document.organization_links.filter(organization=organization_link.organization).exists()
    assert document.import_conflicts == {}
    now = current_values(document)
    assert document.imported_values["people"] == now["people"]
    assert document.imported_values["organizations"] == now["organizations"]


def test_a_viewer_cannot_accept_a_set(client, django_user_model, tmp_path):
    _, document = text_conflict(tmp_path)
    viewer = member(client, django_user_model, "Viewer", "vic")
    url = accept_url(document, "texts")
    assert viewer.get(url).status_code == 403
    assert viewer.post(url, {"loaded_version": document.version}).status_code == 403
    document.refresh_from_db()
    assert "texts" in document.import_conflicts
    assert "[A curator's note]" in document.texts.get(kind="translation").text


def test_a_curator_in_the_curator_group_accepts(client, django_user_model, tmp_path):
    _, document = text_conflict(tmp_path)
    curator = member(client, django_user_model, "Curator", "cora")
    url = accept_url(document, "texts")
    assert curator.post(url, {"loaded_version": document.version}).status_code == 302
    document.refresh_from_db()
    assert "texts" not in document.import_conflicts
    assert document.history.latest().history_user.username == "cora"


def test_accepting_a_set_from_a_stale_page_is_refused(staff_client, tmp_path):
    _, document = text_conflict(tmp_path)
    url = accept_url(document, "texts")
    loaded = document.version
    document.summary = "Changed by someone else meanwhile"
    document.version += 1
    document.save()
    response = staff_client.post(url, {"loaded_version": loaded}, follow=True)
    assert "the document changed since you opened this page" in response.content.decode()
    document.refresh_from_db()
    assert "texts" in document.import_conflicts
    assert "[A curator's note]" in document.texts.get(kind="translation").text


def test_a_get_does_not_accept_a_set(staff_client, tmp_path):
    _, document = text_conflict(tmp_path)
    staff_client.get(accept_url(document, "texts"))
    document.refresh_from_db()
    assert "texts" in document.import_conflicts


def test_a_gutting_reimport_is_shown_held_back_and_can_be_accepted(staff_client, tmp_path):
    page, data, document = imported_page(tmp_path)
    before = [t.text for t in document.texts.order_by("position")]
    # Re-scraped cut off after the header: no document text, few names.
    page.write_bytes(data[: data.index("Срочно".encode())])
    import_summary(page)
    document.refresh_from_db()
    assert document.needs_review and document.import_conflicts["texts"] == []
    shown = panel(change_page(staff_client, document))
    assert ">texts</th><td>no: held back, the import would drop most of it</td>" in shown
    assert f"{len(before[0])} characters" in shown and "<td>(none)</td>" in shown

    url = accept_url(document, "texts")
    assert staff_client.post(url, {"loaded_version": document.version}).status_code == 302
    document.refresh_from_db()
    assert not document.texts.exists()
    assert document.imported_values["texts"] == []
    assert "texts" not in document.import_conflicts
    # The whole page again: the importer owns the texts and brings them back.
    page.write_bytes(data)
    import_summary(page)
    document.refresh_from_db()
    assert [t.text for t in document.texts.order_by("position")] == before


def test_the_panel_escapes_what_the_import_brings(staff_client, tmp_path):
    _, document = text_conflict(tmp_path)
    conflicts = dict(document.import_conflicts)
    conflicts["texts"] = [{"kind": "translation", "language": "en", "text": "<script>x()</script>"}]
    conflicts["references"] = [{"repository": "<b>R</b>", "fond": "<i>1</i>", "text": "t"}]
    Document.objects.filter(pk=document.pk).update(import_conflicts=conflicts)
    page = change_page(staff_client, document)
    assert "<script>x()" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page
    assert "<b>R</b>" not in page and "&lt;b&gt;R&lt;/b&gt;" in page


def test_the_panel_costs_the_same_queries_however_large_the_sets(staff_client, tmp_path):
    _, document = text_conflict(tmp_path)
    conflicts = dict(document.import_conflicts)
    people = sorted(Person.objects.values_list("pk", flat=True))
    document.import_conflicts = {**conflicts, "people": [[pk, "mentioned"] for pk in people[:1]]}
    small = panel_queries(document)
    document.import_conflicts = {**conflicts, "people": [[pk, "mentioned"] for pk in people]}
    assert len(people) > 3 and panel_queries(document) == small
    # The document's references, texts, people links and organization links as the importer
    # compares them (four), and the names of the people and organizations linked (two).
    assert small == 6


def panel_queries(document) -> int:
    from django.contrib import admin

    model_admin = DocumentAdmin(Document, admin.site)
    with CaptureQueriesContext(connection) as captured:
        model_admin.curation(document)
    return len(captured)


def test_a_viewer_sees_the_conflicts_without_the_accept_buttons(
    client, django_user_model, tmp_path
):
    _, document = text_conflict(tmp_path)
    viewer = member(client, django_user_model, "Viewer", "vic")
    page = change_page(viewer, document)
    assert ">texts</th><td>yes</td>" in panel(page)  # the conflict is shown, without a button
    assert accept_url(document, "texts") not in page
    assert "Accept imported value" not in page
    viewer.logout()
    curator = member(client, django_user_model, "Curator", "cora")
    assert accept_url(document, "texts") in panel(change_page(curator, document))
