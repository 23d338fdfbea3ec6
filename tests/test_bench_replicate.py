"""bench.replicate: a catalogue multiplied for measuring pages at a larger size."""

from __future__ import annotations

import pytest
from django.db import connection

from catalogue.models import Document, DocumentPerson
from catalogue.search import search_documents
from tests.conftest import make_document, make_person
from tests.public_corpus import add_text

pytestmark = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="bench.replicate is PostgreSQL's"
)


# serialized_rollback: as the other transactional tests, so that the flush after it
# leaves the content types for the next one to restore (else: duplicate keys).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_document_is_copied_with_its_texts_and_links():
    import psycopg

    from bench.replicate import replicate

    person = make_person("Replicated Person")
    for i, external in enumerate(["", "src-1"]):
        document = make_document(title=f"Korea {i}", external_id=external)
        add_text(document, "translation", "en", "Korea and its people")
        DocumentPerson.objects.create(document=document, person=person, role="author")
    settings = connection.settings_dict
    url = (
        f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        replicate(conn, 3)
    assert Document.objects.count() == 6
    assert sorted(
        Document.objects.exclude(external_id="").values_list("external_id", flat=True)
    ) == [
        "src-1",
        "src-1-1",
        "src-1-2",
    ]
    assert person.document_links.count() == 6
    # The copies are found by the search, through the rebuilt index.
    assert search_documents(Document.objects.all(), "Korea").count() == 6
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'document_search_idx'")
        assert cursor.fetchone() is not None
