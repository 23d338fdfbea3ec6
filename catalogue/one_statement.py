"""A document with everything its page shows, read in one SQL statement.

`Document.objects.for_record()` reads the same in six queries through the ORM,
which is right for exports and lists; for the document page, the catalogue's most
read page and one researchers open one after another (not kept by the page cache),
the ORM's work per query costs more than the queries: about 8 ms of Python
for 2 ms of SQL. Here one statement returns the document's row and its references,
texts, translators, people and organizations as JSON arrays (`json_agg` on
PostgreSQL, `json_group_array` on SQLite), and the rows are turned into the same
model instances, joined the same way, as `prefetch_related` would give — so the
template and `catalogue.citations` read them unchanged and at no further query.

The statement is written from the models' fields, so a new column is read without
a change here; the orders are those of `for_record()`.
"""

from __future__ import annotations

import datetime
import functools
import json
from types import SimpleNamespace

import psycopg
from django.db import InterfaceError, OperationalError, connections, models
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

from catalogue.history import KeepsImportBaseline
from catalogue.models import (
    ArchivalReference,
    Document,
    DocumentOrganization,
    DocumentPerson,
    Repository,
    Translation,
)
from people.models import Person

# What for_record() leaves out: the importer's working fields and the search vector.
_DEFERRED = {*KeepsImportBaseline.KEPT_FIELDS, "search_vector"}

# One JSON array of objects, in order, per dialect (people.record_page writes its
# statements with these too). PostgreSQL orders inside the
# aggregate; SQLite (3.40 here; ORDER BY in an aggregate came in 3.44) aggregates an
# ordered subquery, and json() keeps the objects objects rather than quoted strings.
JSON_ARRAY = {
    "postgresql": "(SELECT json_agg({object} ORDER BY {order})::text FROM {tables} WHERE {where})",
    "sqlite": (
        "(SELECT json_group_array(json(o)) FROM"
        " (SELECT {object} AS o FROM {tables} WHERE {where} ORDER BY {order}))"
    ),
}
JSON_OBJECT = {"postgresql": "json_build_object", "sqlite": "json_object"}


def read_document(pk: int, using: str) -> Document | None:
    """The document `pk` (any status) with its relations prefetched, or None."""
    vendor = connections[using].vendor
    if vendor not in JSON_OBJECT:
        return _read_with_orm(pk, using)
    row = _row(connections[using], vendor, pk)
    if row is None:
        return None
    document_row, references, texts, translators, person_links, organization_links = (
        decoded(value) for value in row
    )
    document = _instance(Document, document_row, using)
    repositories = {}  # by id: an archive cited twice is built once
    for reference in references:
        repository_row = reference.pop("repository")  # all nulls: no archive (a LEFT JOIN)
        if repository_row["id"] is not None and repository_row["id"] not in repositories:
            repositories[repository_row["id"]] = _instance(Repository, repository_row, using)
    by_text: dict[int, list[Person]] = {}
    for translator in translators:
        translation_id = translator.pop("translation_id")
        by_text.setdefault(translation_id, []).append(_instance(Person, translator, using))

    reference_objects = []
    for reference in references:
        instance = _instance(ArchivalReference, reference, using)
        _cache_forward(instance, "repository", repositories.get(instance.repository_id))
        reference_objects.append(instance)
    text_objects = [_instance(Translation, text, using) for text in texts]
    for text in text_objects:
        _prefetched(text, "translators", by_text.get(text.pk, []))
    _prefetched(document, "references", reference_objects)
    _prefetched(document, "texts", text_objects)
    _prefetched(document, "person_links", _links(DocumentPerson, "person", person_links, using))
    _prefetched(
        document,
        "organization_links",
        _links(DocumentOrganization, "organization", organization_links, using),
    )
    return document


def _row(connection, vendor: str, pk: int) -> tuple | None:
    """The statement's row; on a connection found broken, once more on a new one.

    Django's health check (CONN_HEALTH_CHECKS) sends `SELECT 1` before a request's
    first query, a round trip that would cost this page a tenth of its time, so the
    statement's cursor goes without it (`_cursor`). In its place: when the statement
    fails and the connection is no longer usable (the server restarted, a pooler or
    a firewall dropped it), outside a transaction, a new connection is opened and
    the statement, a read, asked again. An error on a working connection is raised.
    """

    def fetch() -> tuple | None:
        with _cursor(connection) as cursor:
            cursor.execute(_statement(vendor), [pk])
            return cursor.fetchone()

    try:
        return fetch()
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block or connection.is_usable():
            raise
        connection.close()
        return fetch()


def _cursor(connection):
    """A cursor for the statement: on PostgreSQL, one that has it prepared.

    Planning the statement (six subqueries) costs about 1 ms of its 1.5; a prepared
    statement is planned once per connection (psycopg prepares it on the server
    under a name the first time; settings make PostgreSQL keep its generic plan from
    the first run rather than plan the first five afresh). Django's own cursors bind
    parameters on the client and prepare nothing, so that transaction-pooling
    poolers work; PgBouncer 1.21+ with max_prepared_statements keeps protocol-level
    prepared statements working, and PG_PREPARE=0 turns them off. The cursor is
    wrapped as Django wraps its own, so the query is logged and counted.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    raw = PreparedCursor(connection.connection)
    if connection.queries_logged:
        raw.logged = True
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


def _read_with_orm(pk: int, using: str) -> Document | None:
    # Databases without the JSON functions written for above (none configured today).
    return Document.objects.using(using).for_record().filter(pk=pk).first()


class PreparedCursor(psycopg.Cursor):
    """Runs every statement prepared (psycopg names it on the server the first time).

    bench.run replays what a cursor of this class ran as a prepared statement too.
    """

    logged = False

    def execute(self, query, params=None, **kwargs):
        super().execute(query, params, prepare=True, **kwargs)
        if self.logged:
            # Django logs a statement as psycopg's client-side cursors keep it, with
            # the values in (last_executed_query); a prepared one keeps no such text.
            text = psycopg.ClientCursor(self.connection).mogrify(query, params)
            self._query = SimpleNamespace(query=text.encode())
        return self


@functools.cache
def _statement(vendor: str) -> str:
    array, build = JSON_ARRAY[vendor], JSON_OBJECT[vendor]

    def columns(model: type[models.Model], alias: str) -> str:
        pairs = []
        for field in model._meta.concrete_fields:
            if field.attname in _DEFERRED:
                continue
            value = f"{alias}.{field.column}"
            if vendor == "sqlite" and isinstance(field, models.JSONField):
                value = f"json({value})"  # SQLite keeps JSON as text: a nested value, not a string
            pairs.append(f"'{field.attname}', {value}")
        return ", ".join(pairs)

    def table(model: type[models.Model]) -> str:
        return model._meta.db_table

    def nested(model: type[models.Model], alias: str, name: str) -> str:
        return f"'{name}', {build}({columns(model, alias)})"

    translators = Translation._meta.get_field("translators").remote_field.through
    repository = nested(Repository, "p", "repository")
    references = array.format(
        object=f"{build}({columns(ArchivalReference, 'r')}, {repository})",
        tables=f"{table(ArchivalReference)} r LEFT JOIN {table(Repository)} p"
        " ON p.id = r.repository_id",
        where="r.document_id = d.id",
        order="r.position, r.id",
    )
    texts = array.format(
        object=f"{build}({columns(Translation, 't')})",
        tables=f"{table(Translation)} t",
        where="t.document_id = d.id",
        order="t.position, t.id",
    )
    text_translators = array.format(
        object=f"{build}('translation_id', tt.translation_id, {columns(Person, 'p')})",
        tables=f"{table(translators)} tt JOIN {table(Translation)} t ON t.id = tt.translation_id"
        f" JOIN {table(Person)} p ON p.id = tt.person_id",
        where="t.document_id = d.id",
        order="p.sort_name, p.name, p.id",
    )

    def links(model: type[models.Model], target: str, order: str) -> str:
        # A document's links to people (or organizations), each with its target's row.
        related = model._meta.get_field(target).related_model
        return array.format(
            object=f"{build}({columns(model, 'l')}, {nested(related, 'x', target)})",
            tables=f"{table(model)} l JOIN {table(related)} x ON x.id = l.{target}_id",
            where="l.document_id = d.id",
            order=f"l.role, x.{order}, l.{target}_id",
        )

    person_links = links(DocumentPerson, "person", "sort_name")
    organization_links = links(DocumentOrganization, "organization", "name")
    document = f"{build}({columns(Document, 'd')})"
    if vendor == "postgresql":
        document += "::text"
    return (
        f"SELECT {document}, {references}, {texts}, {text_translators}, {person_links},"
        f" {organization_links} FROM {table(Document)} d WHERE d.id = %s"
    )


def decoded(value):
    """A JSON_ARRAY's value as a list."""
    # PostgreSQL's empty json_agg is NULL; SQLite's json_group_array is '[]'.
    return json.loads(value) if value is not None else []


def _instance(model: type[models.Model], row: dict, using: str) -> models.Model:
    """A model instance as the ORM would load it, from a JSON object of its columns.

    As `Model.from_db()` leaves it, without going through `__init__`: the values go
    straight into the instance's `__dict__`, as `__init__` puts them there, and a column
    not read stays deferred. `__init__` costs more than the rest of reading the page's
    fifteen or so instances, mostly for its signals and its generic handling of
    arguments; a model whose fields' descriptors or signals need `__init__` still
    goes through `from_db()`.
    """
    values = {name: _value(field, row[name]) for name, field in _columns(model) if name in row}
    if _needs_init(model):
        return model.from_db(using, list(values), list(values.values()))
    instance = model.__new__(model)
    instance.__dict__.update(values)
    state = instance._state = ModelState()
    state.adding, state.db = False, using
    return instance


def _value(field: models.Field | None, value):
    return value if field is None or value is None else _python_value(field, value)


def _needs_init(model: type[models.Model]) -> bool:
    # Signals are checked each time (a receiver may connect later), at two lookups' cost.
    return not _plain(model) or pre_init.has_listeners(model) or post_init.has_listeners(model)


@functools.cache
def _plain(model: type[models.Model]) -> bool:
    """Whether `__init__` would only put the values in `__dict__`.

    So it is when the model keeps Model's `__init__` and `from_db`, and its fields'
    descriptors are the plain ones: a field's reads its value from `__dict__`, and a
    foreign key's, when set, also forgets the related object it holds, which a new
    instance has none of. A file field, say, does more, and its model goes through
    `__init__`.
    """
    plain = (DeferredAttribute, ForeignKeyDeferredAttribute)
    return (
        model.__init__ is models.Model.__init__
        and model.from_db.__func__ is models.Model.from_db.__func__
        and all(
            type(model.__dict__.get(field.attname)) in plain
            for field in model._meta.concrete_fields
        )
    )


@functools.cache
def _columns(model: type[models.Model]) -> tuple[tuple[str, models.Field | None], ...]:
    """Each column's name, and its field where JSON's value needs the field's conversion.

    Text and integers (keys included) come from JSON as the ORM has them, and a
    JSONField's value is already decoded; JSON has no dates, and SQLite's booleans are
    0 and 1. Converting only those is most of the cost of building the instances.
    """

    def as_is(field: models.Field) -> bool:
        target = field.target_field if isinstance(field, models.ForeignKey) else field
        return isinstance(target, (models.CharField, models.TextField, models.IntegerField,
                                   models.JSONField))  # fmt: skip

    return tuple(
        (field.attname, None if as_is(field) else field) for field in model._meta.concrete_fields
    )


def _python_value(field: models.Field, value):
    # Dates and times from their JSON strings; booleans from SQLite's 0 and 1.
    value = field.to_python(value)
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)  # stored in UTC
    return value


def _links(model, target: str, rows: list[dict], using: str) -> list[models.Model]:
    related = model._meta.get_field(target).related_model
    links = []
    for row in rows:
        link = _instance(model, row, using)
        _cache_forward(link, target, _instance(related, row[target], using))
        links.append(link)
    return links


def _cache_forward(instance: models.Model, name: str, value) -> None:
    # What select_related leaves: reading `instance.<name>` costs no query.
    instance._meta.get_field(name).set_cached_value(instance, value)


def _prefetched(instance: models.Model, name: str, objects: list) -> None:
    # What prefetch_related leaves (QuerySet._prefetch_related_objects): the manager's
    # own queryset, filtered to this instance, holding the objects already read, so
    # `.all()` costs no query and a further `.filter()` still asks the right rows.
    queryset = getattr(instance, name).get_queryset()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset
    remote = instance._meta.get_field(name)
    if remote.one_to_many:  # each reference, text or link knows its document
        for item in objects:
            remote.field.set_cached_value(item, instance)
