"""Create the database cache table ``vigie_cache``.

Without Redis, Django's cache is the database cache, shared by every web process and
worker of the installation: allauth's login rate limits and used-TOTP-code memory live
there, so they hold across processes and machines. The table is created here, by name,
so that it exists whatever the cache settings were at migration time (an installation
that drops Redis later still finds it), and operators never run ``createcachetable``.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.db import migrations

CACHE_TABLE = "vigie_cache"


def create_cache_table(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", CACHE_TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if CACHE_TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {connection.ops.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
