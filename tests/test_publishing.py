"""Publishing: published / draft / withdrawn, in bulk from the admin, each change in history."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from catalogue.models import Document
from tests.conftest import make_document

pytestmark = pytest.mark.django_db


def act(client, action: str, documents):
    return client.post(
        reverse("admin:catalogue_document_changelist"),
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [d.pk for d in documents]},
    )


def test_withdrawing_in_bulk_keeps_the_records_and_their_urls_answer_410(staff_client, client):
    documents = [make_document(title=f"Telegram {i}") for i in range(3)]
    assert act(staff_client, "withdraw", documents[:2]).status_code == 302
    assert list(Document.objects.order_by("id").values_list("status", flat=True)) == [
        "withdrawn",
        "withdrawn",
        "published",
    ]
    gone = client.get(documents[0].get_absolute_url())
    assert gone.status_code == 410
    assert client.get(documents[2].get_absolute_url()).status_code == 200
    # Still in the admin, with its whole record.
    change = reverse("admin:catalogue_document_change", args=[documents[0].pk])
    assert staff_client.get(change).status_code == 200


def test_status_changes_are_recorded_in_history_with_a_new_version(staff_client):
    document = make_document()
    act(staff_client, "make_draft", [document])
    document.refresh_from_db()
    assert (document.status, document.version) == ("draft", 2)
    entry = document.history.latest()
    assert entry.history_user.username == "curator"
    assert entry.history_change_reason == "status set to draft"
    assert entry.diff_against(entry.prev_record).changed_fields == ["status"]
    assert (entry.prev_record.version, entry.version) == (1, 2)


def test_a_draft_is_not_public_and_publishing_makes_it_so(staff_client, client):
    document = make_document(status="draft")
    assert client.get(document.get_absolute_url()).status_code == 404
    act(staff_client, "publish", [document])
    assert client.get(document.get_absolute_url()).status_code == 200


def test_an_action_on_documents_already_in_that_state_changes_nothing(staff_client):
    document = make_document()
    act(staff_client, "publish", [document])
    document.refresh_from_db()
    assert document.version == 1 and document.history.count() == 1


def test_a_bulk_status_change_refuses_a_curators_stale_form_afterwards(staff_client):
    from tests.admin_forms import change_form_data

    document = make_document()
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    form = change_form_data(staff_client, url)
    act(staff_client, "withdraw", [document])
    form["title"] = "Edited on a stale page"
    response = staff_client.post(url, form)
    assert response.status_code == 200
    document.refresh_from_db()
    assert document.status == "withdrawn" and document.title != "Edited on a stale page"


def test_the_changelist_filters_by_status(staff_client):
    make_document(title="Public one")
    make_document(title="Hidden one", status="withdrawn")
    page = staff_client.get(
        reverse("admin:catalogue_document_changelist"), {"status__exact": "withdrawn"}
    ).content.decode()
    assert "Hidden one" in page and "Public one" not in page
