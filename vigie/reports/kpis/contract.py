"""The KPIs of the service desk: one definition each (docs/kpis.md gives the formulas), computed
over the tickets a user may see, for a filter (period, clients, service, group, technician, priority).

This module is the contract between the figures and what shows them (dashboards, the monthly
review, the API): they all call ``compute`` and read a ``KpiReport``, so the UI and the API give
the same numbers. Durations are in seconds; rates are fractions in [0, 1], or None when there
is nothing to measure (no ticket in the period is not "0 %").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class KpiFilter:
    """Which tickets count. ``start`` is inclusive, ``end`` exclusive, both aware datetimes.

    A ticket counts for volumes when it was opened in the period, for MTTA when it was first
    answered in it, for MTTR, first-contact resolution and SLA compliance when it was resolved
    in it; backlog figures are taken at ``end``.
    """

    start: datetime
    end: datetime
    organization_ids: frozenset[int] | None = None  # None: every client the user sees
    service_id: int | None = None
    group_id: int | None = None
    assignee_id: int | None = None
    priority: int | None = None
    ticket_type: str | None = None  # "incident" or "request"; None: both

    @classmethod
    def for_month(cls, year: int, month: int, tz: tzinfo | str, **narrowing: Any) -> KpiFilter:
        """The calendar month ``year-month`` in the time zone ``tz`` (from its first midnight to
        the next month's), narrowed by the other fields given as keywords."""
        start, end = month_bounds(year, month, tz)
        return cls(start=start, end=end, **narrowing)

    @property
    def seconds(self) -> int:
        """The length of the period in real seconds (a month with a DST change is an hour
        shorter or longer than its number of days says)."""
        return elapsed_seconds(self.start, self.end)


def month_bounds(year: int, month: int, tz: tzinfo | str) -> tuple[datetime, datetime]:
    """The first instant of the month and of the next one, in the time zone ``tz``.

    ``month`` may run past 12 or below 1 (``month_bounds(2026, 0, tz)`` is December 2025), which
    makes counting months backwards simple.
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    following_year, following_month = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1, tzinfo=zone), datetime(following_year, following_month, 1, tzinfo=zone)


def elapsed_seconds(start: datetime, end: datetime) -> int:
    """Real seconds between two aware date-times. Python subtracts two date-times sharing one
    ``tzinfo`` as wall-clock times; going through UTC counts the hour a DST change adds or removes."""
    return int((end.astimezone(UTC) - start.astimezone(UTC)) / timedelta(seconds=1))


@dataclass(frozen=True)
class DurationStats:
    count: int
    mean: float | None
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Compliance:
    met: int
    total: int

    @property
    def rate(self) -> float | None:
        return self.met / self.total if self.total else None


@dataclass(frozen=True)
class Availability:
    service_id: int
    service_name: str
    organization_id: int
    outage_seconds: int
    period_seconds: int
    incidents: int

    @property
    def rate(self) -> float | None:
        return 1 - self.outage_seconds / self.period_seconds if self.period_seconds else None


@dataclass(frozen=True)
class KpiReport:
    filter: KpiFilter
    opened: int
    opened_by_type: dict[str, int]
    opened_by_channel: dict[str, int]
    opened_by_category: list[tuple[str, int]]  # (category full name or "", count), largest first
    resolved: int
    mtta_calendar: DurationStats
    mtta_business: DurationStats
    mttr_calendar: DurationStats
    mttr_business: DurationStats
    first_contact_resolution: Compliance  # resolved at the first contact / resolved
    response_compliance: Compliance
    resolution_compliance: Compliance
    response_compliance_by_priority: dict[int, Compliance]
    resolution_compliance_by_priority: dict[int, Compliance]
    backlog: int  # open at ``end``
    backlog_age_buckets: dict[str, int]  # "<1d", "1-7d", "7-30d", ">30d"
    backlog_mean_age: float | None
    reopen_rate: Compliance  # reopened at least once / resolved
    reassignments_mean: float | None  # mean reassignment count of the resolved tickets
    csat: Compliance  # ratings of 4 or 5 / answered surveys
    csat_mean: float | None
    availability: list[Availability] = field(default_factory=list)
    # The instant backlog and availability are measured at: ``filter.end``, or the moment of
    # the computation when the period has not ended yet.
    as_of: datetime | None = None


@dataclass(frozen=True)
class TrendPoint:
    month_start: datetime
    opened: int
    resolved: int
    mttr_business_mean: float | None
    resolution_compliance: Compliance
    mttr_calendar_mean: float | None = None
