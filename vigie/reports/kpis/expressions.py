"""Database expressions the KPIs are written with, and the one percentile formula.

Durations are computed by the database as seconds (a float). Median and 90th percentile use the
continuous definition of PostgreSQL's ``percentile_cont``: the values sorted, the position
``fraction × (n − 1)``, interpolated linearly between the two values around it. PostgreSQL
computes it in SQL; SQLite has no such aggregate, so there the values are read and the same
formula applied in Python (``percentile_cont`` below): both give the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import Aggregate, Avg, Count, FloatField, Func

from vigie.reports.kpis.contract import DurationStats


class Seconds(Func):
    """A duration (the difference of two date-times) as a number of seconds.

    Django computes the difference as an ``interval`` on PostgreSQL and as microseconds on SQLite.
    On PostgreSQL ``date_part`` (a double) is used rather than ``EXTRACT`` (a numeric since
    PostgreSQL 14, twice as slow over a year of tickets).
    """

    template = "(%(expressions)s) / 1000000.0"
    output_field = FloatField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="date_part('epoch', %(expressions)s)")


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``; NULLs are skipped."""

    function = "percentile_cont"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)r) WITHIN GROUP (ORDER BY (%(expressions)s)::double precision)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be in [0, 1]")
        super().__init__(expression, fraction=float(fraction), **extra)


# For the KPI queries only, on PostgreSQL (see ``kpi_queries``).
POSTGRESQL_SETTINGS = {"jit": "off", "random_page_cost": "1.1"}


@contextmanager
def kpi_queries() -> Iterator[None]:
    """Run the KPI queries in one transaction, with two PostgreSQL settings of their own.

    - ``jit = off``: these queries hold dozens of aggregates; PostgreSQL's JIT compiler, which
      starts above an estimated cost a month of tickets easily reaches, spends longer compiling
      them (a second or more) than running them (tens of milliseconds).
    - ``random_page_cost = 1.1``: a KPI query reads one period of tickets through an index and
      joins their SLA clocks by primary key. With the default (4, a figure for spinning disks)
      PostgreSQL prefers to read the whole SLA table instead, ten times slower on a million
      tickets; 1.1 is the value its documentation gives for SSD storage.

    ``SET LOCAL`` keeps both to the enclosing transaction; SQLite needs neither.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join("set_config(%s, %s, true)" for _name in POSTGRESQL_SETTINGS),
                [part for setting in POSTGRESQL_SETTINGS.items() for part in setting],
            )
        yield


def percentiles_in_sql() -> bool:
    """Whether the database computes percentiles itself (PostgreSQL) or Python does (SQLite)."""
    return connection.vendor == "postgresql"


def percentile_cont(ordered: Sequence[float], fraction: float) -> float | None:
    """The same value as PostgreSQL's ``percentile_cont`` over ``ordered`` (sorted, no None)."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def stats_aggregates(prefix: str, seconds: Any) -> dict[str, Aggregate]:
    """The aggregates of ``DurationStats`` over the expression ``seconds`` (NULLs do not count),
    named ``<prefix>_count`` etc.; median and P90 only where the database computes them."""
    aggregates: dict[str, Aggregate] = {f"{prefix}_count": Count(seconds), f"{prefix}_mean": Avg(seconds)}
    if percentiles_in_sql():
        aggregates[f"{prefix}_median"] = PercentileCont(seconds, 0.5)
        aggregates[f"{prefix}_p90"] = PercentileCont(seconds, 0.9)
    return aggregates


def stats_from(row: dict[str, Any], prefix: str, values: Iterable[float | None] | None = None) -> DurationStats:
    """Read ``DurationStats`` back from an aggregate row; ``values`` gives the durations themselves
    when the percentiles are computed here (SQLite)."""
    count = int(row[f"{prefix}_count"] or 0)
    mean = _number(row[f"{prefix}_mean"]) if count else None
    if values is not None:
        ordered = sorted(float(v) for v in values if v is not None)
        median, p90 = percentile_cont(ordered, 0.5), percentile_cont(ordered, 0.9)
    else:
        median, p90 = _number(row.get(f"{prefix}_median")), _number(row.get(f"{prefix}_p90"))
    return DurationStats(count=count, mean=mean, median=median, p90=p90)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
