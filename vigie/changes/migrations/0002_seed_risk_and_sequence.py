"""The default risk questionnaire (vigie/changes/risk.py) and, on PostgreSQL, the sequence that
hands out change numbers (vigie/changes/numbering.py)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SEQUENCE = "changes_change_number"


def seed_questions(apps: Any, schema_editor: Any) -> None:
    from vigie.changes.risk import DEFAULT_QUESTIONS

    question_model = apps.get_model("changes", "RiskQuestion")
    choice_model = apps.get_model("changes", "RiskChoice")
    if question_model.objects.exists():
        return
    for order, (text, choices) in enumerate(DEFAULT_QUESTIONS, start=1):
        question = question_model.objects.create(text=text, order=order * 10)
        for position, (label, weight) in enumerate(choices, start=1):
            choice_model.objects.create(question=question, text=label, weight=weight, order=position)


def create_sequence(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} AS bigint MINVALUE 1")


def drop_sequence(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("changes", "0001_initial")]

    operations = [
        migrations.RunPython(seed_questions, migrations.RunPython.noop),
        migrations.RunPython(create_sequence, drop_sequence),
    ]
