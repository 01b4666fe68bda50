"""Ticket numbers (the 123 of INC-000123): one counter per ticket type.

On PostgreSQL each type has a sequence: ``nextval`` never waits for another transaction, so
concurrent openings do not queue behind one another. A number taken by a transaction that
rolls back is not reused, exactly as with ServiceNow's or GLPI's numbering; references stay
unique and increasing. SQLite lets one writer in at a time anyway, so there the counter is a
row (`TicketCounter`) claimed inside the opening's transaction, which also leaves no gap.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F

from vigie.servicedesk.models import TicketCounter, TicketType


def sequence_name(ticket_type: str) -> str:
    return f"servicedesk_ticket_number_{TicketType(ticket_type).value}"


def _uses_sequences() -> bool:
    return connection.vendor == "postgresql"


def next_number(ticket_type: str) -> int:
    """Hand out the next number for this type of ticket."""
    if _uses_sequences():
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [sequence_name(ticket_type)])
            return int(cursor.fetchone()[0])
    counter, _created = TicketCounter.objects.select_for_update().get_or_create(type=ticket_type)
    TicketCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
    counter.refresh_from_db(fields=["last_number"])
    return counter.last_number


def next_numbers(ticket_type: str, count: int) -> list[int]:
    """Hand out ``count`` numbers at once (bulk loads such as a history import), in increasing order.

    On PostgreSQL one query draws them all from the sequence (they need not be consecutive when
    others open tickets at the same time); on SQLite the counter row moves by ``count`` inside the
    caller's transaction.
    """
    if count <= 0:
        return []
    if _uses_sequences():
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence_name(ticket_type), count])
            return sorted(int(row[0]) for row in cursor.fetchall())
    counter, _created = TicketCounter.objects.select_for_update().get_or_create(type=ticket_type)
    TicketCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + count)
    counter.refresh_from_db(fields=["last_number"])
    return list(range(counter.last_number - count + 1, counter.last_number + 1))


def last_number(ticket_type: str) -> int:
    """The last number handed out (0 before the first ticket of the type)."""
    if _uses_sequences():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT last_value, is_called FROM {sequence_name(ticket_type)}")  # noqa: S608 - name from an enum
            value, called = cursor.fetchone()
            return int(value) if called else int(value) - 1
    counter = TicketCounter.objects.filter(type=ticket_type).first()
    return counter.last_number if counter else 0


def restart_after(ticket_type: str, last: int) -> None:
    """Continue the numbering after ``last`` (after an import of history, or a bulk load)."""
    if _uses_sequences():
        with connection.cursor() as cursor:
            # setval(…, 0) is refused: with is_called false the next value is exactly `last + 1`.
            cursor.execute("SELECT setval(%s, %s, false)", [sequence_name(ticket_type), last + 1])
    TicketCounter.objects.update_or_create(type=ticket_type, defaults={"last_number": last})
