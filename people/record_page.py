"""What a person's or an organization's page shows, read in two SQL statements.

The page shows the record's name variants, how many published documents name it in
all and in each role, the first documents of each role by date, and who is most
often named in the same documents. Read through the ORM that was nine queries, and
building them cost more Python than their SQL took (about 11 ms a page against 13
at 100,000 documents). Here the same queries are written once as SQL, from the
models' tables and columns, and sent as two statements whose parts come back as
JSON arrays (`catalogue.one_statement`'s JSON_ARRAY), as the document page's one:

1. the counts, per role and in all, and the variants;
2. the first documents of each role and the companions. It is written from the
   counts: how each role's first documents are found depends on the role's size,
   and whether the companions are counted over a sample on the number in all.

Every count reads the owner's index entries (the role is in the index on PostgreSQL)
and the few unpublished documents, never every linked document's row: the links of
unpublished documents are counted apart and taken from the whole. The statements
are sent as text with their values in, as Django's cursors send theirs, and are
planned for those values: a role of 29 documents and one of 30,000 want other plans,
which a prepared statement's generic plan would not give them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connections, models, router

from catalogue.models import Document, DocumentOrganization, DocumentPerson, Status
from catalogue.one_statement import JSON_ARRAY, JSON_OBJECT, decoded
from people.models import Organization, OrganizationName, Person, PersonName

# A person named in 30,000 documents must not cost 30,000 rows: each role lists its
# first documents by date, and the search page (filtered by the person) has them all.
PER_ROLE = 50
# A role with up to this many documents has them sorted by date; beyond, the documents
# are walked in date order (see _first_documents).
SORTED_MAX = 5_000
# "Often named with" is counted over at most about this many of someone's documents: at
# a million documents, the busiest person's half million would take seconds to join
# to their links. Below it (most people) the counts are exact.
COMPANION_SAMPLE = 1_000
COMPANIONS = 20


class FirstDocument(NamedTuple):
    """One of a role's first documents, as the page lists it."""

    pk: int
    title: str
    slug: str
    date_text: str
    date: datetime.date | None
    role: str

    def get_absolute_url(self) -> str:
        return Document.get_absolute_url(self)  # it reads the pk and slug alone


class Variant(NamedTuple):
    name: str
    language: str


class Companion(NamedTuple):
    """Someone (or an organization) named in `count` of the same documents."""

    pk: int
    name: str
    slug: str
    count: int


@dataclass
class LinkedDocuments:
    """The published documents linked to a record: how many in all and in each role,
    the first of each role, and the sample "often named with" is counted over."""

    roles: list[tuple[str, int, list[FirstDocument]]]  # (label, documents, the first)
    count: int
    sample_size: int  # the documents the companions are counted over
    every: int = 1  # the sample is every `every`-th of them by id (1: all of them)


@dataclass
class RecordPage:
    variants: list[Variant]
    linked: LinkedDocuments
    companions: list[Companion]  # people named in the same documents
    organizations: list[Companion]  # organizations named in them


@dataclass(frozen=True)
class _Kind:
    """How a kind of record is linked to documents and spelt otherwise."""

    link_model: type[models.Model]  # DocumentPerson or DocumentOrganization
    variant_model: type[models.Model]
    field: str  # the name of both's key to the record

    @property
    def owner(self) -> str:
        """The links' column naming the record."""
        return _column(self.link_model, self.field)

    @property
    def roles(self) -> list[tuple[str, str]]:
        """The roles a link can have, (value, label), in the page's order."""
        return self.link_model._meta.get_field("role").choices


_KINDS = {
    Person: _Kind(DocumentPerson, PersonName, "person"),
    Organization: _Kind(DocumentOrganization, OrganizationName, "organization"),
}


def read_record_page(record: Person | Organization) -> RecordPage:
    """The page of `record`, read where public pages read (a replica, if any), on
    PostgreSQL or SQLite (the databases the catalogue is configured for)."""
    kind = _KINDS[type(record)]
    connection = connections[router.db_for_read(type(record))]
    statements = _Statements(connection.vendor, kind, record.pk)
    with connection.cursor() as cursor:
        cursor.execute(*statements.counts())
        *counts, variants = cursor.fetchone()
        every_document, unpublished = counts[: len(counts) // 2], counts[len(counts) // 2 :]
        count = every_document[0] - unpublished[0]
        # A record appears once per role in a document: per role, links are documents.
        per_role = {
            role: links - unpublished_links
            for role, links, unpublished_links in zip(
                statements.roles, every_document[1:], unpublished[1:], strict=True
            )
        }
        roles = [(role, label) for role, label in kind.roles if per_role[role] > 0]
        # Every k-th document by id, k chosen for about COMPANION_SAMPLE of them.
        every = -(-count // COMPANION_SAMPLE) if count > COMPANION_SAMPLE else 1
        cursor.execute(*statements.documents({role: per_role[role] for role, _ in roles}, every))
        first_rows, sample_size, people, organizations = cursor.fetchone()
    first: dict[str, list[FirstDocument]] = {}
    for row in decoded(first_rows):
        date = row["date"] and datetime.date.fromisoformat(row["date"])
        first.setdefault(row["role"], []).append(FirstDocument(**{**row, "date": date}))
    return RecordPage(
        variants=[Variant(**row) for row in decoded(variants)],
        linked=LinkedDocuments(
            [(label, per_role[role], first.get(role, [])) for role, label in roles],
            count,
            sample_size,
            every,
        ),
        companions=[Companion(**row) for row in decoded(people)],
        organizations=[Companion(**row) for row in decoded(organizations)],
    )


def _table(model: type[models.Model]) -> str:
    return model._meta.db_table


def _column(model: type[models.Model], field: str) -> str:
    return model._meta.get_field(field).column


class _Statements:
    """The page's two statements for one record, each as (SQL, parameters)."""

    def __init__(self, vendor: str, kind: _Kind, pk: int):
        self.vendor, self.kind, self.pk = vendor, kind, pk
        self.array, self.build = JSON_ARRAY[vendor], JSON_OBJECT[vendor]
        self.links = _table(kind.link_model)
        self.documents_table = _table(Document)
        self.status = _column(Document, "status")
        self.roles = [role for role, _ in kind.roles]

    def _unpublished_links(self) -> str:
        # The record's links to documents not published: through the partial index
        # of those few documents.
        return (
            f"{self.links} l JOIN {self.documents_table} d ON d.id = l.document_id"
            f" WHERE l.{self.kind.owner} = %s AND NOT (d.{self.status} = %s)"
        )

    def counts(self) -> tuple[str, list]:
        """Documents in all and links per role, of every document and of the
        unpublished ones, each in one pass over the links; and the variants.

        One row: the documents in all, then one count per role (`self.roles`), for
        every document, then the same for the unpublished ones, then the variants.
        In one pass the roles cost little more than the documents in all: a GROUP BY
        of their own read the index again (9.6 ms for both for 50,818 links, 7.5 in
        one pass).
        """
        owner, pk, published = self.kind.owner, self.pk, Status.PUBLISHED
        per_role = ", ".join("count(*) FILTER (WHERE l.role = %s)" for _ in self.roles)
        every_link = f"{self.links} l WHERE l.{owner} = %s"
        variant_owner = _column(self.kind.variant_model, self.kind.field)
        variants = self.array.format(
            object=f"{self.build}('name', v.name, 'language', v.language)",
            tables=f"{_table(self.kind.variant_model)} v",
            where=f"v.{variant_owner} = %s",
            order="v.name, v.id",
        )
        sql = (
            f"SELECT a.*, u.*, {variants}"
            f" FROM (SELECT count(DISTINCT l.document_id), {per_role} FROM {every_link}) a,"
            f" (SELECT count(DISTINCT l.document_id), {per_role}"
            f" FROM {self._unpublished_links()}) u"
        )
        # In the order of their places: the variants' first, in the select list.
        return sql, [pk, *self.roles, pk, *self.roles, pk, published]

    def documents(self, per_role: dict[str, int], every: int) -> tuple[str, list]:
        """The first documents of each role, the sample's size, and the people and
        organizations most often named in the sample's documents."""
        owner, pk, published = self.kind.owner, self.pk, Status.PUBLISHED
        params: list = [pk, published]
        # The documents the companions are counted over, read once for both counts
        # (MATERIALIZED): all the published ones, or every `every`-th by id. DISTINCT:
        # a document naming the record in two roles is one document of the sample.
        sample = (
            f"SELECT DISTINCT l.document_id FROM {self.links} l"
            f" JOIN {self.documents_table} d ON d.id = l.document_id"
            f" WHERE l.{owner} = %s AND d.{self.status} = %s"
        )
        if every > 1:
            sample += " AND l.document_id %% %s = 0"
            params.append(every)
        first_sql, first_params = self._first_documents(per_role)
        params += first_params
        people_sql, people_params = self._companions(DocumentPerson, "person")
        organizations_sql, organizations_params = self._companions(
            DocumentOrganization, "organization"
        )
        params += people_params + organizations_params
        sql = (
            f"WITH sample AS MATERIALIZED ({sample})"
            f" SELECT {first_sql}, (SELECT count(*) FROM sample),"
            f" {people_sql}, {organizations_sql}"
        )
        return sql, params

    def _first_documents(self, per_role: dict[str, int]) -> tuple[str, list]:
        """Each role's first PER_ROLE published documents by date, as one JSON array.

        How a role's part finds them depends on how many documents the role has:
        up to SORTED_MAX, they are listed from the owner's index and sorted; more, the
        documents are walked in date order until PER_ROLE linked ones are found (about
        PER_ROLE × collection ÷ role documents probed). Left to itself, the planner
        guesses a role's size from the record's and the role's frequencies apart, and
        walked a hundred thousand documents for a role with 29.
        """
        if not per_role:
            return "NULL", []
        owner, published = self.kind.owner, Status.PUBLISHED
        date, title = _column(Document, "date"), _column(Document, "title")
        slug, date_text = _column(Document, "slug"), _column(Document, "date_text")
        parts, params = [], []
        for number, (role, count) in enumerate(per_role.items()):
            ids = f"SELECT document_id FROM {self.links} WHERE {owner} = %s AND role = %s"
            if count > SORTED_MAX:
                linked = (
                    f"EXISTS (SELECT 1 FROM {self.links} u WHERE u.document_id = d.id"
                    f" AND u.{owner} = %s AND u.role = %s)"
                )
            elif self.vendor == "postgresql":
                # The ids listed once, first, then their rows fetched by key: a plan the
                # planner cannot turn into a walk of the date index on a wrong guess of
                # how many ids there are (as a semi-join it may walk a million rows to
                # find fifty).
                linked = f"d.id = ANY(ARRAY({ids}))"
            else:
                linked = f"d.id IN ({ids})"
            # Each part in a subquery of its own: SQLite allows no LIMIT on a UNION's parts.
            parts.append(
                f"SELECT * FROM (SELECT d.id AS pk, d.{title} AS title, d.{slug} AS slug,"
                f" d.{date_text} AS date_text, d.{date} AS date, %s AS role"
                f" FROM {self.documents_table} d WHERE {linked} AND d.{self.status} = %s"
                f" ORDER BY d.{date} ASC NULLS LAST, d.id LIMIT %s) AS part{number}"
            )
            params += [role, self.pk, role, published, PER_ROLE]
        fields = ", ".join(f"'{name}', f.{name}" for name in FirstDocument._fields)
        sql = self.array.format(
            object=f"{self.build}({fields})",
            tables=f"({' UNION ALL '.join(parts)}) f",
            where="1 = 1",
            order="f.role, f.date ASC NULLS LAST, f.pk",
        )
        return sql, params

    def _companions(self, link_model: type[models.Model], target: str) -> tuple[str, list]:
        """Who (of `link_model`'s targets) is named most often in the sample's documents,
        the record itself left out; one JSON array."""
        target_model = link_model._meta.get_field(target).related_model
        key = _column(link_model, target)
        links, table = _table(link_model), _table(target_model)
        params = []
        itself = ""
        if link_model is self.kind.link_model:
            itself = f" AND l.{key} <> %s"
            params.append(self.pk)
        counted = (
            f"(SELECT x.id AS pk, x.name AS name, x.slug AS slug,"
            f" count(DISTINCT l.document_id) AS count"
            f" FROM {links} l JOIN {table} x ON x.id = l.{key}"
            f" WHERE l.document_id IN (SELECT document_id FROM sample){itself}"
            f" GROUP BY x.id, x.name, x.slug ORDER BY count(DISTINCT l.document_id) DESC,"
            f" x.name, x.id LIMIT {COMPANIONS}) c"
        )
        sql = self.array.format(
            object=f"{self.build}('pk', c.pk, 'name', c.name, 'slug', c.slug, 'count', c.count)",
            tables=counted,
            where="1 = 1",
            order="c.count DESC, c.name, c.pk",
        )
        return sql, params
