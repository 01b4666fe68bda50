"""PostgreSQL: search on a stored ``tsvector`` column instead of an expression index.

With the index on ``to_tsvector('simple', search_text)``, every row PostgreSQL rechecks (all
of them once the bitmap of a common word turns lossy) had its vector recomputed from up to
100 kB of text: 32 s to count the tickets matching « imprimante » among a million. The stored
column is computed once per write. Nothing changes on SQLite (FTS5)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from vigie.servicedesk import search

OLD_INDEX = (
    "CREATE INDEX IF NOT EXISTS servicedesk_ticket_search_gin "
    "ON servicedesk_ticket USING gin (to_tsvector('simple', search_text))"
)


def add_vector(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in search.POSTGRESQL_VECTOR:
        schema_editor.execute(statement)
    schema_editor.execute("DROP INDEX IF EXISTS servicedesk_ticket_search_gin")


def remove_vector(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(OLD_INDEX)
    for statement in search.POSTGRESQL_VECTOR_DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0003_ticket_number_sequences")]

    operations = [migrations.RunPython(add_vector, remove_vector)]
