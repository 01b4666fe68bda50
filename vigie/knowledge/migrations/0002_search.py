"""Full-text search structures, per database: a generated tsvector column with a GIN index on
PostgreSQL, an FTS5 table with triggers on SQLite (see ``vigie.knowledge.search``)."""

from typing import Any

from django.db import migrations

from vigie.knowledge import search


def create_search(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = search.POSTGRESQL_VECTOR if vendor == "postgresql" else search.SQLITE_FTS if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement)


def drop_search(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = search.POSTGRESQL_VECTOR_DROP if vendor == "postgresql" else search.SQLITE_FTS_DROP if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create_search, drop_search)]
