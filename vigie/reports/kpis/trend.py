"""``monthly_trend``: a few KPIs month by month, for charts and the monthly review.

Closed months come from the figures the worker keeps (``monthly.py``) when they can make the
trend asked for; the other months are counted from the tickets, in two queries each grouping
its rows by month.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from vigie.reports.kpis.contract import Compliance, KpiFilter, TrendPoint, month_bounds
from vigie.reports.kpis.expressions import kpi_queries
from vigie.reports.kpis.figures import tickets_in_scope
from vigie.reports.kpis.monthly import MonthSums, month_of, resolution_seconds, stored_months

MAX_MONTHS = 36


def trend_months(kpi_filter: KpiFilter, months: int) -> list[tuple[datetime, datetime]]:
    """The ``months`` calendar months ending with the one that holds the last instant of the
    filter's period, in the current time zone, oldest first: (start, end) of each."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be from 1 to {MAX_MONTHS}")
    last = timezone.localtime(kpi_filter.end - timedelta(microseconds=1))
    zone = timezone.get_current_timezone()
    return [month_bounds(last.year, last.month - back, zone) for back in range(months - 1, -1, -1)]


def monthly_trend(user: Any, kpi_filter: KpiFilter, months: int = 12, *, now: datetime | None = None) -> list[TrendPoint]:
    """Opened and resolved tickets, MTTR (business and calendar means) and resolution compliance
    for each of the ``months`` calendar months ending with the month of ``kpi_filter.end − 1 µs``,
    over the tickets ``user`` may see narrowed by the filter (its period only chooses the months).
    Each month counts as the monthly ``compute`` does: opened by creation, the rest by resolution.
    """
    bounds = trend_months(kpi_filter, months)
    stored = stored_months(user, kpi_filter, bounds, now=now or timezone.now())
    counted = _counted(user, kpi_filter, bounds[len(stored) :])
    return [_point(start, sums) for (start, _end), sums in zip(bounds, [*stored, *counted], strict=True)]


def _counted(user: Any, kpi_filter: KpiFilter, bounds: list[tuple[datetime, datetime]]) -> list[MonthSums]:
    """The sums of ``bounds`` counted from the tickets."""
    if not bounds:
        return []
    first, last = bounds[0][0], bounds[-1][1]
    tickets = tickets_in_scope(user, kpi_filter)
    calendar, business = resolution_seconds()
    with kpi_queries():
        opened = {
            row["month"]: row["opened"]
            for row in tickets.filter(created_at__gte=first, created_at__lt=last)
            .annotate(month=month_of("created_at", bounds))
            .values("month")
            .annotate(opened=Count("*"))
        }
        resolved = {
            row["month"]: row
            for row in tickets.filter(resolved_at__gte=first, resolved_at__lt=last)
            .annotate(month=month_of("resolved_at", bounds))
            .values("month")
            .annotate(
                resolved=Count("pk"),
                business_sum=Sum(business),
                business_count=Count(business),
                calendar_sum=Sum(calendar),
                met=Count("pk", filter=Q(sla__resolution_met=True)),
                measured=Count("pk", filter=Q(sla__resolution_met__isnull=False)),
            )
        }
    sums = []
    for index in range(len(bounds)):
        row = resolved.get(index)
        if row is None:
            sums.append(MonthSums(opened=opened.get(index, 0)))
            continue
        sums.append(
            MonthSums(
                opened=opened.get(index, 0),
                resolved=row["resolved"],
                calendar_seconds=float(row["calendar_sum"] or 0),
                business_seconds=float(row["business_sum"] or 0),
                business_count=row["business_count"],
                met=row["met"],
                measured=row["measured"],
            )
        )
    return sums


def _point(month_start: datetime, sums: MonthSums) -> TrendPoint:
    return TrendPoint(
        month_start=month_start,
        opened=sums.opened,
        resolved=sums.resolved,
        mttr_business_mean=sums.business_seconds / sums.business_count if sums.business_count else None,
        resolution_compliance=Compliance(met=sums.met, total=sums.measured),
        mttr_calendar_mean=sums.calendar_seconds / sums.resolved if sums.resolved else None,
    )
