"""Inserting many new rows at once: PostgreSQL's COPY, bulk_create elsewhere.

Django's bulk_create writes one INSERT with a placeholder per value; with psycopg's
client-side binding every value is then quoted into one long statement, which the
server parses again. For a batch of 200 pages (their texts, references and links)
building and parsing those statements took more of an import's time than writing
the rows. COPY streams the rows instead.

COPY returns nothing, so the ids are taken from the table's sequence first (one
query) and set on the objects, as bulk_create would: rows inserted after can point
to them. (django-pgbulk's `copy` leaves automatic primary keys out, so it cannot.)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from django.db import connection, models


def insert_new(
    model: type[models.Model],
    objs: Sequence[models.Model],
    computed: Mapping[str, str] | None = None,
) -> None:
    """Insert unsaved `objs` of `model`; each gets its primary key, as with bulk_create
    (unless all of them have one already, which they keep: see `allocate_ids`).

    Neither save() nor signals run (as with bulk_create): auto_now and auto_now_add
    fields are filled in here, and defaults are those the instances were made with.
    `computed` ({column: SQL}, PostgreSQL only) has the database compute columns from
    the other values of the row, named `staged` in the SQL: the rows go through a
    temporary table, then in with one INSERT … SELECT.
    """
    if not objs:
        return
    if connection.vendor != "postgresql":
        if computed:
            raise ValueError("computed columns need PostgreSQL")
        model._default_manager.bulk_create(objs)
        return
    meta = model._meta
    pk = meta.pk
    fields = [field for field in meta.concrete_fields if field is not pk]
    if computed:
        fields = [field for field in fields if field.column not in computed]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in [pk.column, *(f.column for f in fields)])
    allocate_ids(model, objs)
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if computed:
            staged = quote(f"staged_{meta.db_table}")
            # Emptied at the end of each transaction, and dropped with the session.
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staged} (LIKE {table}) "
                "ON COMMIT DELETE ROWS"
            )
        with cursor.copy(f"COPY {staged if computed else table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(
                    [obj.pk]
                    + [
                        field.get_db_prep_save(field.pre_save(obj, add=True), connection)
                        for field in fields
                    ]
                )
        if computed:
            targets = ", ".join(quote(column) for column in computed)
            cursor.execute(
                f"INSERT INTO {table} ({columns}, {targets}) "
                f"SELECT {columns}, {', '.join(computed.values())} FROM {staged} AS staged "
                f"ORDER BY {quote(pk.column)}"
            )
            cursor.execute(f"DELETE FROM {staged}")
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def allocate_ids(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Primary keys from the table's sequence for `objs` (one query), unless all have one:
    rows inserted before them can point to them (foreign keys are checked at commit)."""
    if not objs or all(obj.pk is not None for obj in objs):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)", [_sequence(model), len(objs)]
        )
        # Ascending, like bulk_create's: history rows are copied in id order.
        ids = sorted(row[0] for row in cursor.fetchall())
    for obj, new_id in zip(objs, ids, strict=True):
        obj.pk = new_id


@functools.cache
def _sequence(model: type[models.Model]) -> str:
    """The sequence behind the model's primary key (serial or identity column)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column]
        )
        (name,) = cursor.fetchone()
    if name is None:
        raise ValueError(f"{model._meta.db_table}.{model._meta.pk.column} has no sequence")
    return name
