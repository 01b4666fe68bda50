"""Change numbers (the 12 of CHG-000012), handed out like ticket numbers.

On PostgreSQL a sequence (migration 0001): concurrent creations never wait for one another and a
number taken by a transaction that rolls back is skipped. On SQLite, which admits one writer at a
time, the ``ChangeCounter`` row is claimed inside the creating transaction.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F

from vigie.changes.models import ChangeCounter

SEQUENCE = "changes_change_number"
PREFIX = "CHG"


def reference_for(number: int) -> str:
    return f"{PREFIX}-{number:06d}"


def next_number() -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [SEQUENCE])
            return int(cursor.fetchone()[0])
    counter, _created = ChangeCounter.objects.select_for_update().get_or_create(pk=1)
    ChangeCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
    counter.refresh_from_db(fields=["last_number"])
    return counter.last_number
