"""Full-text search structures (per database) and the default 3×3 priority matrix."""

from typing import Any

from django.db import migrations

from vigie.servicedesk import search


def create_search(apps: Any, schema_editor: Any) -> None:
    search.create_search_structures(schema_editor)


def drop_search(apps: Any, schema_editor: Any) -> None:
    search.drop_search_structures(schema_editor)


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
