"""Full-text search structures (per database) and the default 3×3 priority matrix."""

from typing import Any

from django.db import migrations

from vigie.servicedesk import search

# The first PostgreSQL index, on an expression; migration 0004 replaces it by a stored column.
POSTGRESQL_EXPRESSION_INDEX = (
    "CREATE INDEX IF NOT EXISTS servicedesk_ticket_search_gin "
    "ON servicedesk_ticket USING gin (to_tsvector('simple', search_text))"
)


def create_search(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = [POSTGRESQL_EXPRESSION_INDEX] if vendor == "postgresql" else search.SQLITE_FTS if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement)


def drop_search(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = (
        ["DROP INDEX IF EXISTS servicedesk_ticket_search_gin"]
        if vendor == "postgresql"
        else search.SQLITE_FTS_DROP
        if vendor == "sqlite"
        else []
    )
    for statement in statements:
        schema_editor.execute(statement)


DEFAULT = [(1, 1, 1), (1, 2, 2), (1, 3, 3), (2, 1, 2), (2, 2, 3), (2, 3, 4), (3, 1, 3), (3, 2, 4), (3, 3, 5)]


def seed_matrix(apps: Any, schema_editor: Any) -> None:
    cell = apps.get_model("servicedesk", "PriorityMatrixCell")
    for impact, urgency, priority in DEFAULT:
        cell.objects.get_or_create(impact=impact, urgency=urgency, defaults={"priority": priority})


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0001_initial")]

    operations = [
        migrations.RunPython(create_search, drop_search),
        migrations.RunPython(seed_matrix, migrations.RunPython.noop),
    ]
