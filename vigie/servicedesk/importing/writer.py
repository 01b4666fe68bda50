"""Bulk writes for the import: rows of values, without model instances or the ORM's per-object work.

On PostgreSQL, inserts use ``COPY`` and updates ``COPY`` into a temporary table followed by one
``UPDATE … FROM``: the fastest ways in by far. Elsewhere (SQLite) both are one prepared
statement run with ``executemany``. A column not given takes the field's default. Values are
Python values as the model holds them; dates and JSON are prepared by their field, exactly as
the ORM would. These writes send no model signals: they are used for tickets, their timeline
and SLA rows, and the run itself is recorded (and audited) as one ``TicketImport``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet

Row = Sequence[Any]


def _database() -> BaseDatabaseWrapper:
    # The wrapper itself, not the ``connection`` proxy: a proxy lookup per value costs seconds here.
    return connections[DEFAULT_DB_ALIAS]


def _quote(database: BaseDatabaseWrapper, name: str | None) -> str:
    return database.ops.quote_name(str(name))


def _preparer(field: models.Field[Any, Any], database: BaseDatabaseWrapper) -> Callable[[Any], Any] | None:
    """How a Python value of the field becomes a database parameter (None: as it is). psycopg takes
    aware datetimes as they are; SQLite stores them as UTC text, which the field prepares."""
    if isinstance(field, models.JSONField):
        # JSON text: what the field would send, without its per-value machinery (seconds per 100,000 rows).
        encoder = field.encoder
        return lambda value: json.dumps(value, cls=encoder)
    if isinstance(field, models.DateTimeField | models.DateField) and database.vendor != "postgresql":
        return lambda value: field.get_db_prep_save(value, database)
    return None


def _prepare(fields: Sequence[models.Field[Any, Any]], rows: Sequence[Row], database: BaseDatabaseWrapper) -> list[list[Any]]:
    preparers = [(index, prepare) for index, field in enumerate(fields) if (prepare := _preparer(field, database))]
    prepared = []
    for row in rows:
        values = list(row)
        for index, prepare in preparers:
            if values[index] is not None:
                values[index] = prepare(values[index])
        prepared.append(values)
    return prepared


def _fields(model: type[models.Model], names: Sequence[str]) -> list[models.Field[Any, Any]]:
    by_name = {field.attname: field for field in model._meta.concrete_fields}
    by_name.update({field.name: field for field in model._meta.concrete_fields})
    return [by_name[name] for name in names]


def insert(model: type[models.Model], names: Sequence[str], rows: Sequence[Row]) -> None:
    """Insert ``rows`` (values in the order of ``names``); other non-null columns get their default."""
    if not rows:
        return
    database = _database()
    given = _fields(model, names)
    defaults = [
        field
        for field in model._meta.concrete_fields
        if field not in given and not field.null and not field.primary_key and field.get_default() is not None
    ]
    fields = [*given, *defaults]
    constants = [field.get_db_prep_save(field.get_default(), database) for field in defaults]
    values = [[*row, *constants] for row in _prepare(given, rows, database)]
    table = _quote(database, model._meta.db_table)
    columns = ", ".join(_quote(database, field.column) for field in fields)
    with database.cursor() as cursor:
        if database.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(fields))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", values)  # noqa: S608 - names from the model


def update(model: type[models.Model], names: Sequence[str], rows: Sequence[Row]) -> None:
    """Write the columns ``names`` of existing rows; each row is (primary key, *values)."""
    if not rows:
        return
    database = _database()
    pk = model._meta.pk
    assert pk is not None
    fields = [pk, *_fields(model, names)]
    values = _prepare(fields, rows, database)
    table = _quote(database, model._meta.db_table)
    key = _quote(database, pk.column)
    columns = [_quote(database, field.column) for field in fields]
    with database.cursor() as cursor:
        if database.vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMPORARY TABLE vigie_import_update ON COMMIT DROP AS SELECT {', '.join(columns)} FROM {table} WITH NO DATA"  # noqa: S608
            )
            with cursor.cursor.copy(f"COPY vigie_import_update ({', '.join(columns)}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            assignments = ", ".join(f"{column} = source.{column}" for column in columns[1:])
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM vigie_import_update AS source WHERE {table}.{key} = source.{key}"  # noqa: S608
            )
            cursor.execute("DROP TABLE vigie_import_update")
            return
        assignments = ", ".join(f"{column} = %s" for column in columns[1:])
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE {key} = %s",  # noqa: S608 - names from the model
            [[*row[1:], row[0]] for row in values],
        )


def delete(queryset: QuerySet[Any]) -> None:
    """Delete the rows of ``queryset`` in one statement, without loading them (no signals)."""
    database = _database()
    model = queryset.model
    sql, params = queryset.values("pk").query.sql_with_params()
    table = _quote(database, model._meta.db_table)
    key = _quote(database, model._meta.pk.column if model._meta.pk else "id")
    with database.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {key} IN ({sql})", params)  # noqa: S608 - SQL built by the ORM
