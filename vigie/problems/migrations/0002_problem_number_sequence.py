"""On PostgreSQL, problem numbers come from a sequence (see `problems.numbering`)."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import Max

SEQUENCE = "problems_problem_number"


def create_sequence(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    problem_model = apps.get_model("problems", "Problem")
    counter_model = apps.get_model("problems", "ProblemCounter")
    counted = counter_model.objects.values_list("last_number", flat=True).first() or 0
    used = problem_model.objects.aggregate(top=Max("number"))["top"] or 0
    schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} AS bigint MINVALUE 1")
    schema_editor.execute("SELECT setval(%s, %s, false)", [SEQUENCE, max(counted, used) + 1])


def drop_sequence(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("problems", "0001_initial")]

    operations = [migrations.RunPython(create_sequence, drop_sequence)]
