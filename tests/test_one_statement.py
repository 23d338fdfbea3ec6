"""catalogue.one_statement: the document page's one SQL statement reads what for_record()
reads, in the same order, as the same instances — and costs one query, whatever it holds."""

from __future__ import annotations

import datetime
import time

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from catalogue.models import Document, DocumentOrganization, DocumentPerson, Repository
from catalogue.one_statement import read_document
from people.models import Organization
from tests.conftest import make_document, make_person
from tests.public_corpus import add_reference, add_text, build_corpus

pytestmark = pytest.mark.django_db

# Read from each instance: every column the ORM loaded (deferred ones are not read).
SKIPPED = {"imported_values", "import_conflicts", "dismissed_conflicts", "search_vector"}


def columns(instance) -> dict:
    if instance is None:
        return None
    return {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.attname not in SKIPPED
    }


def everything(document: Document) -> dict:
    """All the page can read, as plain data (from the prefetched relations)."""
    return {
        "document": columns(document),
        "references": [(columns(r), columns(r.repository)) for r in document.references.all()],
        "texts": [
            (columns(t), [columns(p) for p in t.translators.all()]) for t in document.texts.all()
        ],
        "people": [(columns(link), columns(link.person)) for link in document.person_links.all()],
        "organizations": [
            (columns(link), columns(link.organization))
            for link in document.organization_links.all()
        ],
    }


def read_in_one(pk: int) -> tuple[Document | None, dict | None, int]:
    with CaptureQueriesContext(connection) as captured:
        document = read_document(pk, "default")
        data = everything(document) if document is not None else None
    return document, data, len(captured)


def assert_read_as_for_record_reads(documents) -> None:
    for document in documents:
        expected = everything(Document.objects.for_record().get(pk=document.pk))
        read, data, queries = read_in_one(document.pk)
        assert data == expected, document.pk
        assert queries == 1, document.pk


def test_reads_what_for_record_reads_for_the_imported_seeds(imported_seeds):
    assert len(imported_seeds) == 3
    assert_read_as_for_record_reads(imported_seeds.values())


def test_reads_what_for_record_reads_for_every_kind_of_document():
    corpus = build_corpus()
    translator = make_person("Gary Goldberg-Translator", sort_name="Goldberg, Gary")
    second = make_person("Anna Aardvark", sort_name="Aardvark, Anna")
    text = corpus.politburo.texts.get(kind="translation")
    text.translators.add(translator, second)
    documents = list(Document.objects.all())
    assert len(documents) >= 5
    assert_read_as_for_record_reads(documents)
    # The translators come in the ORM's order (sort name), not the order they were added.
    read, data, _ = read_in_one(corpus.politburo.pk)
    assert [p["name"] for p in data["texts"][1][1]] == ["Anna Aardvark", "Gary Goldberg-Translator"]


def test_values_come_back_as_the_orm_gives_them():
    document = make_document(
        title="Quotes \" ' \\ and\nlines, Кириллица, 漢字, emoji 📜, tab\there",
        date=datetime.date(1917, 11, 7),
        original_languages=["ru", "de"],
        curated_fields=["title"],
    )
    add_reference(document, Repository.objects.create(code="X"), is_copy=True, position=3)
    read, data, _ = read_in_one(document.pk)
    assert read.title == document.title
    assert read.date == datetime.date(1917, 11, 7) and read.date_iso == "1917-11-07"
    assert read.original_languages == ["ru", "de"]
    assert read.curated_fields == ["title"]
    assert read.created_at == Document.objects.get(pk=document.pk).created_at
    assert read.created_at.tzinfo is not None
    reference = read.references.all()[0]
    assert reference.is_copy is True and reference.position == 3
    assert read._state.adding is False and read._state.db == "default"


def test_instances_are_as_the_orm_loads_them_deferred_columns_included():
    document = make_document()
    add_reference(document, Repository.objects.create(code="X"))
    read, _, _ = read_in_one(document.pk)
    loaded = Document.objects.for_record().get(pk=document.pk)
    assert read.get_deferred_fields() == loaded.get_deferred_fields() == SKIPPED
    reference = read.references.all()[0]
    assert reference._state.adding is False and reference._state.db == "default"
    assert reference.get_deferred_fields() == set()
    assert reference.repository.code == "X"
    # A deferred column is still read on demand, as the ORM's instance reads it.
    assert read.imported_values == loaded.imported_values
    # A saved instance is updated, not inserted again.
    read.title = "Corrected"
    read.save(update_fields=["title"])
    assert Document.objects.get(pk=document.pk).title == "Corrected"


def test_a_model_with_an_init_receiver_is_built_through_init():
    document = make_document()
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Document)
    try:
        read, _, _ = read_in_one(document.pk)
    finally:
        post_init.disconnect(receiver, sender=Document)
    assert seen == [read] and read.title == document.title
    assert read.get_deferred_fields() == SKIPPED


def test_an_empty_document_reads_empty_relations_at_no_further_query():
    document = make_document(date=None, date_precision="", date_text="")
    read, data, queries = read_in_one(document.pk)
    assert queries == 1
    assert data["references"] == data["texts"] == data["people"] == data["organizations"] == []
    assert read.date is None and read.date_iso is None


def test_a_reference_without_an_archive_reads_none_at_no_query():
    document = make_document()
    add_reference(document, Repository.objects.create(code="Y"))
    document.references.update(repository=None)
    read, data, queries = read_in_one(document.pk)
    assert queries == 1
    assert data["references"][0][1] is None


def test_people_and_organizations_come_in_role_then_name_order():
    document = make_document()
    zed, abe = make_person("Zed", sort_name="Zed"), make_person("Abe", sort_name="Abe")
    for person, role in ((zed, "recipient"), (abe, "recipient"), (zed, "author")):
        DocumentPerson.objects.create(document=document, person=person, role=role)
    for name in ("Zeta Org", "Alpha Org"):
        DocumentOrganization.objects.create(
            document=document, organization=Organization.objects.create(name=name), role="mentioned"
        )
    read, data, _ = read_in_one(document.pk)
    assert [(link.role, link.person.name) for link in read.person_links.all()] == [
        ("author", "Zed"),
        ("recipient", "Abe"),
        ("recipient", "Zed"),
    ]
    assert [link.organization.name for link in read.organization_links.all()] == [
        "Alpha Org",
        "Zeta Org",
    ]
    assert all(link.document is read for link in read.person_links.all())


def test_a_further_filter_on_a_relation_asks_only_this_documents_rows():
    corpus = build_corpus()
    read = read_document(corpus.politburo.pk, "default")
    other = corpus.telegram
    add_text(other, "translation", "en", "Another document's text", position=5)
    assert [t.pk for t in read.texts.filter(kind="translation")] == list(
        corpus.politburo.texts.filter(kind="translation").values_list("pk", flat=True)
    )
    assert read.texts.count() == corpus.politburo.texts.count()


def test_a_missing_document_reads_none():
    assert read_document(987654321, "default") is None


def test_drafts_and_withdrawn_documents_are_read_with_their_status():
    # The page decides what a status means (404, 410); the reader hides nothing.
    corpus = build_corpus()
    assert read_document(corpus.draft.pk, "default").status == "draft"
    assert read_document(corpus.withdrawn.pk, "default").status == "withdrawn"


def test_a_database_without_the_json_functions_reads_through_the_orm(monkeypatch):
    corpus = build_corpus()
    monkeypatch.setattr("catalogue.one_statement.JSON_OBJECT", {})  # as for any other vendor
    with CaptureQueriesContext(connection) as captured:
        data = everything(read_document(corpus.politburo.pk, "default"))
    assert len(captured) == 6  # for_record(): the document and its five relations
    assert data == everything(Document.objects.for_record().get(pk=corpus.politburo.pk))
    assert read_document(987654321, "default") is None


postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="prepared statements are PostgreSQL's"
)


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@postgresql_only
def test_the_statement_is_prepared_once_on_the_connection():
    first, second = make_document(title="First"), make_document(title="Second")
    before = [s for s in _prepared_statements() if "json_build_object" in s]
    for document in (first, second, first, second):
        assert read_document(document.pk, "default").title == document.title
    after = [s for s in _prepared_statements() if "json_build_object" in s]
    assert len(after) == 1 and len(before) <= 1
    assert "$1" in after[0]  # one statement for every document, its number a parameter
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ["%json_build_object%"],
        )
        generic, custom = cursor.fetchone()
    assert custom == 0 and generic >= 4  # planned once, not afresh for the first five runs


@postgresql_only
def test_the_logged_statement_is_the_sql_with_its_value_in():
    # What the query log (tests, DEBUG's connection.queries) holds must run as it is.
    document = make_document(title="Logged")
    with CaptureQueriesContext(connection) as captured:
        read_document(document.pk, "default")
    (logged,) = [q["sql"] for q in captured.captured_queries]
    assert f"d.id = {document.pk}" in logged
    with connection.cursor() as cursor:
        cursor.execute(logged)
        assert '"title" : "Logged"' in cursor.fetchone()[0]


def _prepared_runs() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(generic_plans + custom_plans), 0) FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ["%json_build_object%"],
        )
        return cursor.fetchone()[0]


@postgresql_only
def test_without_prepared_statements_the_page_reads_the_same():
    # PG_PREPARE=0 leaves psycopg's prepare_threshold None: it prepares nothing.
    document = make_document(title="Unprepared")
    read_document(document.pk, "default")
    prepared = _prepared_runs()
    assert prepared >= 1
    raw = connection.connection
    threshold, raw.prepare_threshold = raw.prepare_threshold, None
    try:
        assert read_document(document.pk, "default").title == "Unprepared"
        assert _prepared_runs() == prepared  # run as plain SQL, not as the prepared one
    finally:
        raw.prepare_threshold = threshold
    read_document(document.pk, "default")
    assert _prepared_runs() == prepared + 1


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _terminate(pid: int) -> None:
    """Ends the backend `pid` from another connection, as a server restart would."""
    import psycopg

    settings = connection.settings_dict
    params = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "host": settings["HOST"],
        "port": settings["PORT"] or 5432,
        "autocommit": True,
    }
    with psycopg.connect(**params) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):  # the backend ends a moment after it is told to
            if not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            time.sleep(0.01)


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dropped_connection_is_replaced_and_the_page_read_on_the_new_one():
    # What Django's health check does before a request's first query, without its
    # round trip on every request: the server restarted, the statement still answers.
    document = make_document(title="After a restart")
    pid = _backend_pid()
    _terminate(pid)
    assert read_document(document.pk, "default").title == "After a restart"
    assert _backend_pid() != pid


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_inside_a_transaction_a_dropped_connection_is_an_error():
    from django.db import OperationalError, transaction

    document = make_document(title="In a transaction")
    with pytest.raises(OperationalError), transaction.atomic():
        _terminate(_backend_pid())
        read_document(document.pk, "default")
    connection.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_error_on_a_working_connection_is_raised_not_asked_again(monkeypatch):
    from django.db import OperationalError

    from catalogue import one_statement

    document = make_document()
    postgresql = connection.vendor == "postgresql"
    if postgresql:  # a statement cancelled by its time limit: the connection still works
        sql = "SELECT pg_sleep(5) WHERE %s > 0"
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 50")
    else:
        sql = "SELECT * FROM no_such_table WHERE 1 = %s"
    asked = []
    monkeypatch.setattr(one_statement, "_statement", lambda vendor: asked.append(vendor) or sql)
    try:
        with pytest.raises(OperationalError):
            read_document(document.pk, "default")
    finally:
        if postgresql:
            with connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout")
    assert asked == [connection.vendor]
