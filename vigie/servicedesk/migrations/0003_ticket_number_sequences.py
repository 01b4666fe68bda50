"""On PostgreSQL, ticket numbers come from one sequence per type (see `servicedesk.numbering`),
starting after the highest number already handed out."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import Max

TYPES = ("incident", "request")


def create_sequences(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    ticket_model = apps.get_model("servicedesk", "Ticket")
    counter_model = apps.get_model("servicedesk", "TicketCounter")
    for ticket_type in TYPES:
        name = f"servicedesk_ticket_number_{ticket_type}"
        counted = counter_model.objects.filter(type=ticket_type).values_list("last_number", flat=True).first() or 0
        used = ticket_model.objects.filter(type=ticket_type).aggregate(top=Max("number"))["top"] or 0
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} AS bigint MINVALUE 1")
        schema_editor.execute("SELECT setval(%s, %s, false)", [name, max(counted, used) + 1])


def drop_sequences(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for ticket_type in TYPES:
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS servicedesk_ticket_number_{ticket_type}")


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0002_search_and_default_matrix")]

    operations = [migrations.RunPython(create_sequences, drop_sequences)]
