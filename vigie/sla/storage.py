"""Writing computed clocks: one upsert that never touches an imported row (nor, for a bulk run,
a row another process computed after the run read its tickets)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models

from vigie.sla.models import TicketSla

# The columns a computation writes (``imported`` is only ever set by imports).
COMPUTED_FIELDS = (
    "policy",
    "response_target_minutes",
    "resolution_target_minutes",
    "response_due_at",
    "resolution_due_at",
    "response_elapsed_seconds",
    "resolution_elapsed_seconds",
    "response_state",
    "resolution_state",
    "response_met",
    "resolution_met",
    "resolution_paused_seconds",
    "response_at_risk_at",
    "resolution_at_risk_at",
    "response_paused_since",
    "resolution_paused_since",
    "computed_at",
)


def upsert(rows: Sequence[dict[str, Any]], *, newer_than_guard: datetime | None = None) -> int:
    """Insert or update TicketSla rows; returns how many were written. On PostgreSQL one
    statement per 5,000 rows reads every column from an array (``unnest``): a handful of
    parameters instead of one per value."""
    if not rows:
        return 0
    meta = TicketSla._meta
    fields = [meta.get_field("ticket"), *(meta.get_field(name) for name in COMPUTED_FIELDS), meta.get_field("imported")]
    concrete = [field for field in fields if isinstance(field, models.Field)]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = [str(field.column) for field in concrete]
    attnames = [field.attname for field in concrete]
    names = ", ".join(quote(column) for column in columns)
    conflict = quote(columns[0])
    updates = ", ".join(f"{quote(column)} = EXCLUDED.{quote(column)}" for column in columns[1:-1])
    condition = f"NOT {table}.{quote('imported')}"
    guard_params: list[Any] = []
    if newer_than_guard is not None:
        computed = quote("computed_at")
        condition += f" AND ({table}.{computed} IS NULL OR {table}.{computed} <= %s)"
        computed_field = meta.get_field("computed_at")
        assert isinstance(computed_field, models.Field)
        guard_params.append(computed_field.get_db_prep_save(newer_than_guard, connection))
    upsert = f"ON CONFLICT ({conflict}) DO UPDATE SET {updates} WHERE {condition}"
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in concrete)
            # Only quoted model names and placeholders are formatted in; values go as parameters.
            sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {upsert}"  # noqa: S608
            for offset in range(0, len(rows), 5000):
                part = rows[offset : offset + 5000]
                params: list[Any] = [
                    [False] * len(part) if attname == "imported" else [row[attname] for row in part] for attname in attnames
                ]
                cursor.execute(sql, params + guard_params)
                written += max(cursor.rowcount, 0)
            return written
        batch = max(1, connection.ops.bulk_batch_size(concrete, list(rows)))
        row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for offset in range(0, len(rows), batch):
            part = rows[offset : offset + batch]
            params = []
            for row in part:
                for field, attname in zip(concrete, attnames, strict=True):
                    value = False if attname == "imported" else row[attname]
                    params.append(field.get_db_prep_save(value, connection))
            values_sql = ", ".join([row_sql] * len(part))
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {values_sql} {upsert}", params + guard_params)  # noqa: S608
            written += max(cursor.rowcount, 0)
    return written
