"""Problem numbers (the 12 of PRB-000012), handed out like ticket numbers.

On PostgreSQL a sequence (migration ``0002``) never makes concurrent creations wait for one
another; a number taken by a transaction that rolls back is skipped. SQLite admits one writer
at a time anyway: there the single ``ProblemCounter`` row is claimed inside the creating
transaction, which leaves no gap.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F

from vigie.problems.models import PROBLEM_PREFIX, ProblemCounter

SEQUENCE = "problems_problem_number"


def next_number() -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [SEQUENCE])
            return int(cursor.fetchone()[0])
    counter, _created = ProblemCounter.objects.select_for_update().get_or_create(pk=1)
    ProblemCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
    counter.refresh_from_db(fields=["last_number"])
    return counter.last_number


def reference_for(number: int) -> str:
    return f"{PROBLEM_PREFIX}-{number:06d}"
